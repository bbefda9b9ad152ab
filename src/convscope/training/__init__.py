"""Training: the config, the loop, checkpoints, metrics and DDP under ``torchrun``.

Example:
    >>> from convscope.training import TrainConfig, train
    >>> train(TrainConfig(arch="tinyvgg", data="shapes", epochs=1, val_fraction=0.5,  # a folder per class
    ...       arch_options={"in_channels": 1, "input_size": 28}), "runs/quick", progress=False).test.accuracy
    0.5
"""

from convscope.training.config import TrainConfig
from convscope.training.evaluation import Evaluation, evaluate
from convscope.training.run import TrainResult, train
from convscope.training.schedule import lr_at

__all__ = ["Evaluation", "TrainConfig", "TrainResult", "evaluate", "lr_at", "train"]
