"""Training: the config, the loop, checkpoints, metrics and DDP under ``torchrun``.

Example:
    >>> from convscope.training import TrainConfig, train
    >>> train(TrainConfig(arch="tinyvgg", data="fashion-mnist", epochs=1, limit_train=500,
    ...       arch_options={"in_channels": 1, "input_size": 28}), "runs/quick").test.accuracy  # trains for a minute  # doctest: +SKIP
    0.65
"""

from convscope.training.config import TrainConfig
from convscope.training.evaluation import Evaluation, evaluate
from convscope.training.run import TrainResult, train
from convscope.training.schedule import lr_at

__all__ = ["Evaluation", "TrainConfig", "TrainResult", "evaluate", "lr_at", "train"]
