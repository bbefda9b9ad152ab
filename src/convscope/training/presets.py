"""The Train page's lessons: settings that each show one thing courses teach about training.

Only settings: the server checks a preset like any form (``TrainConfig`` and the
data and architecture checks), so a preset can never start what the CLI would refuse.

Example:
    >>> [p.id for p in PRESETS]
    ['overfit', 'regularised', 'lr-too-high']
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Preset:
    """One lesson: the form's values, and what the learner should watch for."""

    id: str
    label: str
    note: str
    values: dict[str, Any] = field(default_factory=dict)  # form fields; ``arch_options`` only overrides what it names

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


PRESETS = (
    Preset(
        "overfit",
        "Overfitting",
        "500 images, no augmentation, many epochs: training accuracy climbs towards 100 % while validation falls "
        "behind (the shaded gap).",
        {
            "limit_train": 500,
            "epochs": 30,
            "augment": [],
            "arch_options": {"dropout": 0.0},
            "val_fraction": 0.2,
            "schedule": "constant",
            "lr": 0.003,
        },
    ),  # fmt: skip
    Preset(
        "regularised",
        "Dropout and augmentation",
        "The same 500 images with dropout 0.5 and flips and crops: the gap between training and validation narrows.",
        {
            "limit_train": 500,
            "epochs": 30,
            "augment": ["flip", "crop=2"],
            "arch_options": {"dropout": 0.5},
            "val_fraction": 0.2,
            "schedule": "constant",
            "lr": 0.003,
        },
    ),  # fmt: skip
    Preset(
        "lr-too-high",
        "A learning rate that is too high",
        "SGD at learning rate 50: the loss jumps instead of falling, and the run stops at the step where it stops "
        "being a number.",
        {
            "limit_train": 2000,
            "epochs": 3,
            "augment": [],
            "optimizer": "sgd",
            "lr": 50,
            "schedule": "constant",
            "val_fraction": 0.1,
        },
    ),  # fmt: skip
)
