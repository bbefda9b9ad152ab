"""Loss, accuracy and the confusion matrix of a classifier on an image set."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from torch import nn

from convscope.data.imageset import ImageSet
from convscope.inputs import InputSpec
from convscope.training import distributed
from convscope.training.checkpoint import write_atomic

#: Evaluation always runs in batches of this size, so a number recorded after
#: training is reproduced bit for bit by ``convscope evaluate``.
EVAL_BATCH = 500


@dataclass(frozen=True)
class Evaluation:
    """Results on one image set; ``confusion[t, p]`` counts images of class t predicted as p."""

    loss: float
    confusion: torch.Tensor  # (K, K) int64
    classes: tuple[str, ...]

    @property
    def count(self) -> int:
        return int(self.confusion.sum())

    @property
    def correct(self) -> int:
        return int(self.confusion.diagonal().sum())

    @property
    def accuracy(self) -> float:
        return self.correct / max(self.count, 1)

    def per_class_accuracy(self) -> dict[str, float | None]:
        """Share of each class's images predicted right (None for a class with no images)."""
        totals = self.confusion.sum(dim=1)
        hits = self.confusion.diagonal()
        return {c: (int(h) / int(t) if t else None) for c, h, t in zip(self.classes, hits, totals, strict=True)}

    def to_dict(self) -> dict[str, Any]:
        return {
            "images": self.count,
            "correct": self.correct,
            "accuracy": self.accuracy,
            "loss": self.loss,
            "per_class_accuracy": self.per_class_accuracy(),
            "classes": list(self.classes),
            "confusion": self.confusion.tolist(),
        }


def normalize(batch: torch.Tensor, spec: InputSpec) -> torch.Tensor:
    """uint8 or 0..1 float ``(N, C, H, W)`` → the scaled input the network takes."""
    x = batch.float() / 255.0 if batch.dtype == torch.uint8 else batch
    mean = torch.tensor(spec.mean, device=x.device)[None, :, None, None]
    std = torch.tensor(spec.std, device=x.device)[None, :, None, None]
    return (x - mean) / std


@torch.inference_mode()
def evaluate(
    module: nn.Module,
    data: ImageSet,
    spec: InputSpec,
    *,
    device: torch.device | None = None,
    ctx: distributed.Context | None = None,
    label_smoothing: float = 0.0,
) -> Evaluation:
    """Run ``module`` over ``data`` in eval mode and count its predictions.

    Under ``torchrun`` each process takes every ``world_size``-th image and the
    counts are summed, so every process returns the same result.

    Args:
        module: the classifier; its mode is restored afterwards.
        data: images fitted to ``spec``.
        spec: gives the pixel scaling.
        device: where to run (the context's device, else CPU).
        ctx: the distributed context, if any.
        label_smoothing: applied to the reported loss, as in training.

    Example:
        >>> from convscope.data.folders import load_image_folder
        >>> spec = InputSpec(1, 28, 28)
        >>> model = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 2))
        >>> with torch.no_grad():  # zero weights, bias (1, 0): every image is called a circle
        ...     _ = model[1].weight.zero_(), model[1].bias.copy_(torch.tensor([1.0, 0.0]))
        >>> evaluate(model, load_image_folder("shapes", spec), spec).accuracy  # 2 circles, 2 squares
        0.5
    """
    ctx = ctx or distributed.Context(device=device or torch.device("cpu"))
    device = device or ctx.device
    k = len(data.classes)
    confusion = torch.zeros(k * k, dtype=torch.int64)
    loss_sum = torch.zeros((), dtype=torch.float64)
    mine = torch.arange(ctx.rank, len(data), ctx.world_size)
    was_training = module.training
    module.eval()
    try:
        for index, logits in _logits(module, data, spec, mine, device):
            labels = data.labels[index]
            loss_sum += F.cross_entropy(logits, labels, reduction="sum", label_smoothing=label_smoothing).double()
            confusion += torch.bincount(labels * k + logits.argmax(dim=1), minlength=k * k)
    finally:
        module.train(was_training)
    totals = distributed.all_sum(torch.cat([confusion.double(), loss_sum[None]]), ctx)
    confusion = totals[:-1].round().long().view(k, k)
    return Evaluation(loss=float(totals[-1]) / max(int(confusion.sum()), 1), confusion=confusion, classes=data.classes)


def _logits(
    module: nn.Module, data: ImageSet, spec: InputSpec, indices: torch.Tensor, device: torch.device
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """``(index, logits)`` for ``indices`` of ``data`` in batches of :data:`EVAL_BATCH` (the module in eval mode)."""
    for start in range(0, len(indices), EVAL_BATCH):
        index = indices[start : start + EVAL_BATCH]
        images = data.images[index].to(device).contiguous(memory_format=torch.channels_last)
        yield index, module(normalize(images, spec)).float().cpu()  # (N, K)


@torch.inference_mode()
def predictions(module: nn.Module, data: ImageSet, spec: InputSpec) -> torch.Tensor:
    """The class ``module`` predicts for each image of ``data``, batched exactly as :func:`evaluate` counts them.

    Example:
        >>> from convscope.data.folders import load_image_folder
        >>> model = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 2))
        >>> with torch.no_grad():
        ...     _ = model[1].weight.zero_(), model[1].bias.copy_(torch.tensor([0.0, 1.0]))
        >>> predictions(model, load_image_folder("shapes", InputSpec(1, 28, 28)), InputSpec(1, 28, 28)).tolist()
        [1, 1, 1, 1]
    """
    was_training = module.training
    module.eval()
    try:
        found = [
            logits.argmax(dim=1)
            for _, logits in _logits(module, data, spec, torch.arange(len(data)), torch.device("cpu"))
        ]
    finally:
        module.train(was_training)
    return torch.cat(found) if found else torch.zeros(0, dtype=torch.long)


def write_confusion_png(path: str | Path, result: Evaluation, *, title: str = "") -> None:
    """Draw the confusion matrix with counts, true classes down, predictions across."""
    k = len(result.classes)
    size = max(5.0, 0.55 * k + 2.5)
    figure = Figure(figsize=(size, size), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    matrix = result.confusion.numpy()
    image = axes.imshow(matrix, cmap="Blues")
    figure.colorbar(image, ax=axes, shrink=0.8)
    axes.set_xticks(range(k), result.classes, rotation=45, ha="right")
    axes.set_yticks(range(k), result.classes)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(title or f"accuracy {result.accuracy:.2%} on {result.count} images")
    if k <= 20:
        threshold = matrix.max() / 2 if matrix.size else 0
        for t in range(k):
            for p in range(k):
                color = "white" if matrix[t, p] > threshold else "black"
                axes.text(p, t, str(matrix[t, p]), ha="center", va="center", fontsize=8, color=color)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    write_atomic(path, lambda f: f.write(buffer.getvalue()))
