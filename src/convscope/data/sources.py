"""One entry point for every dataset a command accepts: ``fashion-mnist`` or a path."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from convscope.data.fashion_mnist import has_fashion_mnist, load_fashion_mnist
from convscope.data.folders import load_image_folder
from convscope.data.imageset import ImageSet, fit_arrays
from convscope.errors import ConvScopeError
from convscope.inputs import InputSpec

#: The names ``--data`` understands besides a path.
NAMED_DATASETS = ("fashion-mnist",)


def is_idx_source(source: str) -> bool:
    """True for ``fashion-mnist`` or a folder holding (Fashion-)MNIST IDX files."""
    return source == "fashion-mnist" or has_fashion_mnist(source)


def load_dataset(source: str, *, split: str, spec: InputSpec | None = None) -> ImageSet:
    """Load a dataset split, fitted to ``spec`` when one is given.

    Args:
        source: ``"fashion-mnist"``, a folder of IDX files, or a class-per-folder image set.
        split: ``"train"`` or ``"test"`` for IDX data; a folder has no fixed split
            and always returns all its images (split them with :meth:`ImageSet.split`).
        spec: the model's input spec; IDX images are converted and resized to it.

    Example:
        >>> load_dataset("fashion-mnist", split="test", spec=InputSpec(1, 28, 28)).shape
        (1, 28, 28)
    """
    if is_idx_source(source):
        data = load_fashion_mnist(split, root=None if source == "fashion-mnist" else source)
        if spec is not None and data.shape != spec.shape:
            data = replace(data, images=fit_arrays(data.images[:, 0].numpy(), spec))
        return data
    if not Path(source).exists():
        raise ConvScopeError(
            f"dataset '{source}' not found; pass {' or '.join(NAMED_DATASETS)} or a folder of class folders"
        )
    if spec is None:
        raise ConvScopeError("a folder dataset needs the model's input spec to size its images")
    return load_image_folder(source, spec)
