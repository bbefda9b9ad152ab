"""Fashion-MNIST (Xiao, Rasul & Vollgraf 2017) from Debian's ``dataset-fashion-mnist``.

The package puts the four IDX files, gzipped, under
``/usr/share/datasets/fashion-mnist/``; any folder holding the same files,
gzipped or not, works too.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from convscope.data.idx import read_idx
from convscope.data.imageset import ImageSet
from convscope.errors import ConvScopeError

#: Where Debian's ``dataset-fashion-mnist`` package installs the files.
DEFAULT_ROOT = Path("/usr/share/datasets/fashion-mnist")
#: The dataset's own class names, in label order.
CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
_PREFIX = {"train": "train", "test": "t10k"}


def idx_file(root: Path, split: str, kind: str) -> Path | None:
    """The images or labels file of a split under ``root``, gzipped or not; None if absent."""
    stem = f"{_PREFIX[split]}-{kind}-idx{3 if kind == 'images' else 1}-ubyte"
    for name in (stem, f"{stem}.gz"):
        if (root / name).is_file():
            return root / name
    return None


def has_fashion_mnist(root: str | Path) -> bool:
    """True when ``root`` holds the training images of (Fashion-)MNIST in IDX form."""
    return Path(root).is_dir() and idx_file(Path(root), "train", "images") is not None


@lru_cache(maxsize=4)
def _read_pair(images_path: str, labels_path: str, mtime: int) -> tuple[np.ndarray, np.ndarray]:
    """Decompressing 60,000 images takes most of a second; repeated loads (tests,
    evaluate after train) reuse the arrays, which nobody modifies in place."""
    images, labels = read_idx(images_path), read_idx(labels_path)
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


def load_fashion_mnist(split: str = "train", *, root: str | Path | None = None) -> ImageSet:
    """Load one split of Fashion-MNIST as an :class:`ImageSet` of ``(N, 1, 28, 28)`` images.

    Args:
        split: ``"train"`` (60,000 images) or ``"test"`` (10,000 images).
        root: folder holding the IDX files; Debian's install folder by default.

    Example:
        >>> load_fashion_mnist("test").images.shape
        torch.Size([10000, 1, 28, 28])
    """
    if split not in _PREFIX:
        raise ConvScopeError(f"unknown split '{split}'; choose train or test")
    folder = Path(root) if root is not None else DEFAULT_ROOT
    images_path, labels_path = idx_file(folder, split, "images"), idx_file(folder, split, "labels")
    if images_path is None or labels_path is None:
        raise ConvScopeError(
            f"Fashion-MNIST {split} files not found in {folder}; install Debian's dataset-fashion-mnist package "
            "(apt install dataset-fashion-mnist) or pass --data with a folder holding the IDX files"
        )
    images, labels = _read_pair(str(images_path), str(labels_path), images_path.stat().st_mtime_ns)
    if images.ndim != 3 or labels.shape != (images.shape[0],):
        raise ConvScopeError(f"{images_path} and {labels_path} do not match as images (N, H, W) and labels (N,)")
    if labels.size and int(labels.max()) >= len(CLASSES):
        raise ConvScopeError(f"{labels_path} holds label {int(labels.max())}; Fashion-MNIST has labels 0-9")
    return ImageSet(
        images=torch.from_numpy(images.copy()).unsqueeze(1),  # (N, 1, 28, 28)
        labels=torch.from_numpy(labels.astype("int64")),
        classes=CLASSES,
        source="fashion-mnist" if root is None else str(folder),
    )
