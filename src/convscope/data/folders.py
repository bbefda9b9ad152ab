"""Class-per-folder image sets: ``root/CLASS/*.png`` (any size, RGB or grayscale).

Every image is decoded with the same checks as uploads and fitted to the
model's input spec (resize the shorter side, centre-crop). Files that cannot be
read are skipped and reported, never a crash.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch

from convscope.data.imageset import ImageSet
from convscope.errors import ConvScopeError
from convscope.inputs import InputSpec, load_image

log = logging.getLogger(__name__)

#: File name endings read as images; anything else (README, .DS_Store) is ignored.
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"})


def scan_folder(root: str | Path) -> tuple[tuple[str, ...], list[tuple[Path, int]]]:
    """Find class folders and their image files.

    Args:
        root: a folder with one sub-folder per class.

    Returns:
        The class names (sorted folder names) and ``(file, label)`` pairs.

    Example:
        >>> scan_folder("shapes")
        (('circle', 'square'), [(PosixPath('shapes/circle/1.png'), 0), ...])
    """
    root = Path(root)
    if not root.is_dir():
        raise ConvScopeError(f"dataset folder {root} does not exist; pass fashion-mnist or a folder of class folders")
    class_dirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    files: list[tuple[Path, int]] = []
    classes: list[str] = []
    for class_dir in class_dirs:
        images = sorted(p for p in class_dir.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        if images:
            files.extend((path, len(classes)) for path in images)
            classes.append(class_dir.name)
    if not files:
        raise ConvScopeError(f"{root} holds no images in class folders; arrange them as {root}/CLASS/image.png")
    if len(classes) < 2:
        raise ConvScopeError(
            f"{root} holds only one class ({classes[0]}); a classifier needs at least two class folders"
        )
    return tuple(classes), files


def load_image_folder(root: str | Path, spec: InputSpec) -> ImageSet:
    """Load a class-per-folder image set fitted to ``spec``.

    Args:
        root: a folder with one sub-folder per class.
        spec: the model's input spec; images are converted, resized and centre-cropped to it.

    Example:
        >>> load_image_folder("shapes", InputSpec(1, 28, 28)).images.shape
        torch.Size([4, 1, 28, 28])
    """
    classes, files = scan_folder(root)
    pixels: list[np.ndarray] = []
    labels: list[int] = []
    skipped: list[str] = []
    for path, label in files:
        try:
            fitted = spec.fit_image(load_image(str(path)))
        except ConvScopeError as exc:
            log.warning("skipping %s: %s", path, exc)
            skipped.append(str(path))
            continue
        pixels.append(np.asarray(fitted).reshape(spec.height, spec.width, spec.channels))
        labels.append(label)
    # A class whose every file is unreadable would become an output no image ever trains.
    present = set(labels)
    empty = [name for i, name in enumerate(classes) if i not in present]
    if empty:
        raise ConvScopeError(
            f"{root}: no readable image in the class folder{'s' if len(empty) > 1 else ''} {', '.join(empty)} "
            f"({len(skipped)} unreadable files skipped, e.g. {skipped[0]}); fix or remove "
            f"{'them' if len(empty) > 1 else 'it'}"
        )
    images = torch.from_numpy(np.stack(pixels).transpose(0, 3, 1, 2).copy())  # (N, C, H, W)
    return ImageSet(images, torch.tensor(labels, dtype=torch.long), classes, tuple(skipped), source=str(root))
