"""Run by ``torchrun`` in the DDP test: train a tiny config, save this rank's weights.

Usage: python -m torch.distributed.run --nproc_per_node=2 ddp_worker.py RUN_DIR WEIGHTS_DIR
The library writes the run folder from rank 0 only; this script (not the
library) saves each rank's final weights so the test can compare them.
"""

import os
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file

from convscope.training.config import TrainConfig
from convscope.training.run import train

if __name__ == "__main__":
    run_dir, weights_dir = Path(sys.argv[1]), Path(sys.argv[2])
    config = TrainConfig(
        arch="tinyvgg",
        data="fashion-mnist",
        arch_options={"in_channels": 1, "input_size": 28, "filters": 4, "padding": 1},
        epochs=1,
        batch_size=16,  # per process: two processes step on 32 images together
        optimizer="sgd",
        lr=0.05,
        schedule="constant",
        val_fraction=0.0,
        limit_train=320,
        limit_test=100,
        threads=1,
        seed=3,
    )
    result = train(config, run_dir, command="torchrun test")
    rank = int(os.environ["RANK"])
    state = {k: v.detach().contiguous() for k, v in result.module.state_dict().items()}
    save_file(state, str(weights_dir / f"rank{rank}.safetensors"))
    torch.save(
        {"accuracy": result.test.accuracy, "world": int(os.environ["WORLD_SIZE"])}, weights_dir / f"rank{rank}.pt"
    )
