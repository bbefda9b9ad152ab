"""Everything one training run depends on, in one dataclass.

A run folder stores this as ``config.json``; ``--resume`` reads it back so the
continued run is the run that was started.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from convscope.data.augment import Augmentation
from convscope.errors import ConvScopeError
from convscope.limits import MAX_COUNT

OPTIMIZERS = ("sgd", "adam", "adamw")
#: More CPU threads than this is a typo, not a machine (PyTorch would try to start them).
MAX_THREADS = 1024
#: Settings that count something (epochs, images, threads…): whole numbers only.
_WHOLE_NUMBERS = ("epochs", "batch_size", "patience", "threads", "seed", "limit_train", "limit_test")
SCHEDULES = ("onecycle", "cosine", "constant")


@dataclass(frozen=True)
class TrainConfig:
    """One training run.

    Example:
        >>> TrainConfig(arch="tinyvgg", data="fashion-mnist", epochs=15).optimizer
        'adamw'
    """

    # --- what to train on what
    arch: str  # zoo architecture name, e.g. "tinyvgg"
    data: str  # "fashion-mnist", a folder of IDX files, or a class-per-folder image set
    arch_options: dict[str, Any] = field(default_factory=dict)  # builder options, e.g. {"filters": 16}
    val_fraction: float = 0.1  # share of the training images held out (per class) for validation; 0 = none
    limit_train: int | None = None  # use only the first N training images (quick experiments, tests)
    limit_test: int | None = None  # evaluate on only the first N test images
    augment: tuple[str, ...] = ()  # augmentations as NAME[=VALUE], see convscope.data.augment
    # --- optimisation
    epochs: int = 10  # passes over the training images
    batch_size: int = 128  # images per optimiser step (per process under torchrun)
    optimizer: str = "adamw"  # sgd (with momentum), adam or adamw
    lr: float = 0.003  # peak learning rate (the one-cycle maximum, the cosine start)
    momentum: float = 0.9  # SGD momentum; Adam's beta1 is left at its default
    weight_decay: float = 0.0001  # L2 for sgd/adam, decoupled decay for adamw
    schedule: str = "onecycle"  # onecycle (warm up then anneal), cosine or constant
    warmup: float = 0.25  # share of all steps spent warming up (onecycle, cosine)
    label_smoothing: float = 0.0  # cross-entropy target smoothing (Szegedy et al. 2016)
    # --- when to stop
    patience: int = 0  # stop after this many epochs without a better validation loss; 0 = never
    min_delta: float = 0.0  # an improvement smaller than this does not count
    # --- reproducibility and hardware
    seed: int = 0  # seeds weights, the split, shuffling, augmentation and dropout
    device: str = "auto"  # auto (CUDA when present), cpu or cuda
    threads: int = 0  # CPU threads for PyTorch; 0 = PyTorch's default

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ConvScopeError(f"unknown optimizer '{self.optimizer}'; choose {', '.join(OPTIMIZERS)}")
        if self.schedule not in SCHEDULES:
            raise ConvScopeError(f"unknown schedule '{self.schedule}'; choose {', '.join(SCHEDULES)}")
        for name in _WHOLE_NUMBERS:  # from Python these could arrive as floats (inf, 2.5) or bools
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ConvScopeError(f"--{name.replace('_', '-')} must be a whole number, got {value!r}")
        finite = all(math.isfinite(v) for v in (self.lr, self.momentum, self.weight_decay, self.min_delta))
        checks = (
            (finite, "--lr, --momentum, --weight-decay and --min-delta must be finite numbers"),
            (1 <= self.epochs <= MAX_COUNT, f"--epochs must be from 1 to {MAX_COUNT:,}, got {self.epochs}"),
            (1 <= self.batch_size <= MAX_COUNT, f"--batch-size must be from 1 to {MAX_COUNT:,}, got {self.batch_size}"),
            (self.lr > 0, f"--lr must be positive, got {self.lr}"),
            (self.momentum >= 0, f"--momentum must not be negative, got {self.momentum}"),
            (self.min_delta >= 0, f"--min-delta must not be negative, got {self.min_delta}"),
            (0 <= self.threads <= MAX_THREADS, f"--threads must be from 0 to {MAX_THREADS}, got {self.threads}"),
            (0 <= self.seed < 2**63, f"--seed must be from 0 to 2**63 - 1, got {self.seed}"),
            (
                self.limit_train is None or self.limit_train >= 1,
                f"--limit-train must be at least 1, got {self.limit_train}",
            ),
            (
                self.limit_test is None or self.limit_test >= 1,
                f"--limit-test must be at least 1, got {self.limit_test}",
            ),
            (0 <= self.val_fraction < 1, f"--val-fraction must be in [0, 1), got {self.val_fraction}"),
            (0 <= self.label_smoothing < 1, f"--label-smoothing must be in [0, 1), got {self.label_smoothing}"),
            (0 <= self.warmup < 1, f"--warmup must be in [0, 1), got {self.warmup}"),
            (self.patience >= 0, f"--patience must not be negative, got {self.patience}"),
            (self.weight_decay >= 0, f"--weight-decay must not be negative, got {self.weight_decay}"),
            (self.device in ("auto", "cpu", "cuda"), f"unknown device '{self.device}'; choose auto, cpu or cuda"),
        )
        for ok, message in checks:
            if not ok:
                raise ConvScopeError(message)
        object.__setattr__(self, "augment", tuple(self.augment))
        Augmentation.parse(self.augment)  # a bad name fails here, before any data is read

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["augment"] = list(self.augment)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
