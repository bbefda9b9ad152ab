"""What augmentations do to real samples: the pictures ``convscope augment-preview``
draws and the Train page's form shows beside each augmentation control.

Seeded throughout, so the same dataset, settings and seed give the same picture.
"""

from __future__ import annotations

import torch

from convscope.data.augment import Augmentation
from convscope.data.imageset import ImageSet


def pick_samples(data: ImageSet, count: int, seed: int) -> torch.Tensor:
    """``count`` seeded image indices, taking the classes in turn so each appears."""
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(data), generator=generator)
    chosen: list[int] = []
    seen: set[int] = set()
    for index in order.tolist():  # first one image per class, then any
        if int(data.labels[index]) not in seen:
            seen.add(int(data.labels[index]))
            chosen.append(index)
        if len(chosen) == count:
            break
    taken = set(chosen)
    extra = [i for i in order.tolist()[: count + len(taken)] if i not in taken]
    return torch.tensor((chosen + extra)[:count])


def preview_grid(
    data: ImageSet, augmentation: Augmentation, *, count: int, seed: int
) -> tuple[list[str], list[torch.Tensor]]:
    """Column titles and, per column, the ``count`` sample images ``(N, C, H, W)`` in 0..1.

    Columns: the originals, each augmentation alone, then all of them together
    (when more than one is on).

    Example:
        >>> data = ImageSet(torch.zeros(4, 1, 8, 8, dtype=torch.uint8), torch.tensor([0, 1, 0, 1]), ("a", "b"))
        >>> preview_grid(data, Augmentation.parse(["flip", "crop=2"]), count=2, seed=0)[0]
        ['original', 'flip', 'crop', 'all']
    """
    x = data.images[pick_samples(data, count, seed)].float() / 255.0  # (N, C, H, W)
    titles, columns = ["original"], [x]
    for name, step in augmentation.steps():
        titles.append(name)
        columns.append(step(x, torch.Generator().manual_seed(seed + len(titles))))  # type: ignore[operator]
    if len(augmentation.steps()) > 1:
        titles.append("all")
        columns.append(augmentation(x, torch.Generator().manual_seed(seed)))
    return titles, columns


def to_bytes(images: torch.Tensor) -> torch.Tensor:
    """``(N, C, H, W)`` in 0..1 as the 8-bit pixels a PNG holds: clamped, times 255, rounded."""
    return images.clamp(0, 1).mul(255).round().to(torch.uint8)
