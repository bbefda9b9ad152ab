"""Per-epoch metrics: the history record, its JSON and CSV files, and PNG curves."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from convscope.training.checkpoint import write_atomic, write_json


@dataclass(frozen=True)
class EpochMetrics:
    """What one finished epoch measured. Validation values are NaN without a validation set."""

    epoch: int  # 1-based
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    lr: float  # learning rate at the epoch's last step
    seconds: float  # wall time of the training pass
    images_per_second: float

    def to_dict(self) -> dict[str, Any]:
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EpochMetrics:
        values: dict[str, Any] = {f.name: (math.nan if data[f.name] is None else data[f.name]) for f in fields(cls)}
        return cls(**values)


def write_metrics(folder: str | Path, history: list[EpochMetrics]) -> None:
    """Write ``metrics.json``, ``metrics.csv`` and ``curves.png`` into ``folder``, each atomically."""
    folder = Path(folder)
    rows = [m.to_dict() for m in history]
    write_json(folder / "metrics.json", {"epochs": rows})
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=[f.name for f in fields(EpochMetrics)], lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)
    write_atomic(folder / "metrics.csv", lambda f: f.write(text.getvalue().encode("utf-8")))
    write_curves(folder / "curves.png", history)


def write_curves(path: str | Path, history: list[EpochMetrics]) -> None:
    """Plot loss and accuracy per epoch, train against validation, as one PNG."""
    # A bare Figure with its own Agg canvas: no pyplot global state, no GUI backend.
    # Fixed margins instead of a layout engine: this runs after every epoch, and
    # constrained layout doubles its cost (0.37 s against 0.19 s here).
    figure = Figure(figsize=(9, 3.6), dpi=100)
    figure.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.91, wspace=0.22)
    FigureCanvasAgg(figure)
    epochs = [m.epoch for m in history]
    for axes, key, title in zip(figure.subplots(1, 2), ("loss", "accuracy"), ("Loss", "Accuracy"), strict=True):
        axes.plot(epochs, [getattr(m, f"train_{key}") for m in history], "o-", label="train")
        val = [getattr(m, f"val_{key}") for m in history]
        if not all(math.isnan(v) for v in val):
            axes.plot(epochs, val, "s-", label="validation")
        axes.set_title(title)
        axes.set_xlabel("epoch")
        axes.grid(alpha=0.3)
        axes.legend()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    write_atomic(path, lambda f: f.write(buffer.getvalue()))
