"""Images held in memory as one uint8 tensor, with labels and class names.

Small datasets (Fashion-MNIST is 55 MB as uint8) train fastest when every batch
is a slice of one tensor: no per-item Python, no worker processes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import torch
from PIL import Image

from convscope.errors import ConvScopeError
from convscope.inputs import InputSpec


@dataclass(frozen=True)
class ImageSet:
    """A labelled image set: ``images`` uint8 ``(N, C, H, W)``, ``labels`` int64 ``(N,)``.

    Example:
        >>> s = ImageSet(torch.zeros(4, 1, 2, 2, dtype=torch.uint8), torch.tensor([0, 1, 0, 1]), ("a", "b"))
        >>> len(s), s.shape
        (4, (1, 2, 2))
    """

    images: torch.Tensor
    labels: torch.Tensor
    classes: tuple[str, ...]
    #: Files that could not be read and were left out (folder datasets).
    skipped: tuple[str, ...] = ()
    #: Where the images came from, for provenance ("fashion-mnist", a path).
    source: str = ""
    #: Position of each image in its source (e.g. the index in the test set).
    source_index: torch.Tensor | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.images.dtype != torch.uint8 or self.images.ndim != 4:
            raise ValueError(f"images must be uint8 (N, C, H, W), got {self.images.dtype} {tuple(self.images.shape)}")
        if self.labels.shape != (self.images.shape[0],):
            raise ValueError("labels must hold one entry per image")
        if self.source_index is None:
            object.__setattr__(self, "source_index", torch.arange(self.images.shape[0]))

    def __len__(self) -> int:
        return int(self.images.shape[0])

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(C, H, W)`` of every image."""
        return tuple(self.images.shape[1:])  # type: ignore[return-value]

    def subset(self, indices: torch.Tensor) -> ImageSet:
        """The images at ``indices``, in that order."""
        indices = torch.as_tensor(indices, dtype=torch.long)
        return replace(
            self,
            images=self.images[indices],
            labels=self.labels[indices],
            source_index=self.source_index[indices],  # type: ignore[index]
        )

    def head(self, count: int | None) -> ImageSet:
        """The first ``count`` images (all when ``count`` is None)."""
        return self if count is None or count >= len(self) else self.subset(torch.arange(count))

    def split(self, fraction: float, *, seed: int) -> tuple[ImageSet, ImageSet | None]:
        """Split off ``fraction`` of the images, per class, as a validation set.

        The split is stratified so every class keeps its share in both parts,
        and seeded so the same seed always holds out the same images.

        Args:
            fraction: share of each class that goes to validation (0 = no validation set).
            seed: decides which images are held out.

        Example:
            >>> train, val = ImageSet(torch.zeros(10, 1, 1, 1, dtype=torch.uint8), torch.arange(10) % 2, ("a", "b")).split(0.2, seed=0)
            >>> len(train), len(val)
            (8, 2)
        """
        if fraction <= 0:
            return self, None
        if not fraction < 1:
            raise ConvScopeError(f"validation fraction {fraction} must be below 1; try 0.1")
        generator = torch.Generator().manual_seed(seed)
        held: list[torch.Tensor] = []
        kept: list[torch.Tensor] = []
        for label in range(len(self.classes)):
            members = torch.nonzero(self.labels == label).flatten()
            members = members[torch.randperm(len(members), generator=generator)]
            count = int(round(len(members) * fraction))
            held.append(members[:count])
            kept.append(members[count:])
        val_index, train_index = torch.cat(held).sort().values, torch.cat(kept).sort().values
        if len(val_index) == 0 or len(train_index) == 0:
            raise ConvScopeError(f"{len(self)} images are too few to hold out {fraction:.0%} for validation")
        return self.subset(train_index), self.subset(val_index)

    def channel_stats(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """Mean and standard deviation per channel of ``pixel / 255``."""
        x = self.images.to(torch.float64).div_(255.0).transpose(0, 1).flatten(1)  # (C, N*H*W)
        std = x.std(dim=1).clamp_min(1e-3)
        return tuple(round(v, 4) for v in x.mean(dim=1).tolist()), tuple(round(v, 4) for v in std.tolist())


def fit_arrays(pixels: np.ndarray, spec: InputSpec) -> torch.Tensor:
    """Bring uint8 images ``(N, H, W)`` or ``(N, H, W, C)`` to the spec's ``(N, C, H, W)``.

    Images already of the right size and channel count are only reshaped; the
    rest go through :meth:`InputSpec.fit_image`, the same path single images take.

    Example:
        >>> fit_arrays(np.zeros((2, 28, 28), np.uint8), InputSpec(3, 32, 32)).shape
        torch.Size([2, 3, 32, 32])
    """
    if pixels.ndim == 3:
        pixels = pixels[:, :, :, None]  # (N, H, W, 1)
    n, h, w, c = pixels.shape
    if (c, h, w) == spec.shape:
        return torch.from_numpy(np.ascontiguousarray(pixels.transpose(0, 3, 1, 2)))
    out = np.empty((n, spec.height, spec.width, spec.channels), dtype=np.uint8)
    for i in range(n):
        image = Image.fromarray(pixels[i, :, :, 0] if c == 1 else pixels[i])
        out[i] = np.asarray(spec.fit_image(image)).reshape(spec.height, spec.width, spec.channels)
    return torch.from_numpy(out.transpose(0, 3, 1, 2).copy())
