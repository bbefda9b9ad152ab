"""Small, fast training configurations shared by the training and CLI tests."""

from __future__ import annotations

from typing import Any

from convscope.training.config import TrainConfig
from tests.requirements import needs_fashion_mnist

__all__ = ["TINY_ARCH", "needs_fashion_mnist", "tiny_cli_args", "tiny_config"]

#: A TinyVGG with 4 filters on 28×28 grayscale: a few milliseconds per batch.
TINY_ARCH = {"in_channels": 1, "input_size": 28, "filters": 4, "padding": 1}


def tiny_config(**overrides: Any) -> TrainConfig:
    """300 training images (270 train + 30 validation), 200 test images, 2 epochs, 1 thread."""
    values: dict[str, Any] = {
        "arch": "tinyvgg",
        "data": "fashion-mnist",
        "arch_options": dict(TINY_ARCH),
        "epochs": 2,
        "batch_size": 32,
        "lr": 0.01,
        "limit_train": 300,
        "limit_test": 200,
        "threads": 1,
        "seed": 7,
    }
    values.update(overrides)
    return TrainConfig(**values)


def tiny_cli_args(out: str, *extra: str) -> list[str]:
    """``convscope train`` arguments equivalent to :func:`tiny_config` (override with ``extra``)."""
    options = [x for key, value in TINY_ARCH.items() for x in ("--arch-option", f"{key}={value}")]
    return [
        "train", "--arch", "tinyvgg", *options, "--data", "fashion-mnist", "--epochs", "2",
        "--batch-size", "32", "--lr", "0.01", "--limit-train", "300", "--limit-test", "200",
        "--threads", "1", "--seed", "7", "--out", out, *extra,
    ]  # fmt: skip
