"""Whatever a user hands ``Network.run`` → the ``(N, C, H, W)`` tensor the network takes.

Images (Pillow images, file paths, encoded bytes, uint8 pixel arrays) go through
the same path as the server's uploads — :func:`convscope.inputs.decode_image` for
bytes and files, then :meth:`InputSpec.preprocess` — so a notebook sees exactly
the numbers the web app shows for the same picture. Float tensors and arrays are
taken as already preprocessed. A list or tuple is a batch of any of these.

Example:
    >>> import numpy as np
    >>> from convscope.inputs import InputSpec
    >>> tuple(as_batch(InputSpec(1, 28, 28), np.zeros((28, 28), dtype=np.uint8)).shape)
    (1, 1, 28, 28)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TypeAlias

import numpy as np
import torch
from PIL import Image

from convscope.errors import ConvScopeError, InvalidImageError
from convscope.inputs import InputSpec, decode_image, load_image

#: One input: a preprocessed tensor or float array, a Pillow image, uint8 pixels, a path or encoded bytes.
OneInput: TypeAlias = torch.Tensor | np.ndarray | Image.Image | str | os.PathLike[str] | bytes
#: One input, or a batch of them.
RunInput: TypeAlias = OneInput | Sequence[OneInput]


def as_batch(spec: InputSpec, value: RunInput) -> torch.Tensor:
    """``value`` as a float32 tensor ``(N, C, H, W)``; images are preprocessed by ``spec``.

    Raises:
        ConvScopeError: an unsupported type, an image of a mode ConvScope does not read,
            a pixel array that is not ``(H, W)``, ``(H, W, 3)`` or ``(H, W, 4)``, or an empty batch.
    """
    if isinstance(value, (list, tuple)):
        if not value:
            raise ConvScopeError("the batch is empty; give at least one image or tensor")
        return torch.cat([_one(spec, item, f"item {i} of the batch: ") for i, item in enumerate(value)])
    return _one(spec, value, "")


def _one(spec: InputSpec, value: object, where: str) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value if value.dim() == 4 else value.unsqueeze(0) if value.dim() == 3 else value
    if isinstance(value, Image.Image):
        return preprocess_image(spec, value, where)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return preprocess_image(spec, decode_image(bytes(value)), where)
    if isinstance(value, (str, os.PathLike)):
        return preprocess_image(spec, load_image(str(Path(value))), where)
    if isinstance(value, np.ndarray):
        return _array(spec, value, where)
    raise ConvScopeError(
        f"{where}cannot run a {type(value).__name__}; give a tensor, a PIL image, a NumPy array, a path or image bytes"
    )


def preprocess_image(spec: InputSpec, image: Image.Image, where: str = "") -> torch.Tensor:
    """A Pillow image → ``(1, C, H, W)`` exactly as the server preprocesses an upload.

    Raises:
        InvalidImageError: the model takes neither gray nor RGB input, or Pillow cannot
            turn the image's mode into the model's.
    """
    if spec.channels not in (1, 3):
        raise InvalidImageError(
            f"{where}an image of mode {image.mode} cannot feed this model: it takes {spec.channels} input channels "
            f"and images feed only gray (1) or RGB (3) models; give a preprocessed tensor (N, {spec.channels}, H, W)"
        )
    try:
        return spec.preprocess(image)
    except InvalidImageError as exc:
        # fit_image's message speaks of a file; a notebook user holds an Image object.
        raise InvalidImageError(
            f"{where}an image of mode {image.mode} cannot be converted to the model's {spec.mode}; "
            "convert it to L or RGB first, e.g. image.convert('RGB')"
        ) from exc


def _array(spec: InputSpec, array: np.ndarray, where: str) -> torch.Tensor:
    """uint8 arrays are pixels (``(H, W)`` gray, ``(H, W, 3)`` RGB, ``(H, W, 4)`` RGBA); float ones are tensors."""
    if np.issubdtype(array.dtype, np.floating):
        return _one(spec, torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32)), where)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[:, :, 0]  # (H, W, 1) → (H, W): Pillow reads one-band pixels only without the axis
    if array.dtype != np.uint8:
        raise ConvScopeError(
            f"{where}a NumPy array of dtype {array.dtype} is neither pixels nor a tensor; "
            "give uint8 pixels (H, W[, 3 or 4]) or a float32 array (N, C, H, W)"
        )
    channels = 1 if array.ndim == 2 else array.shape[-1] if array.ndim == 3 else 0
    if channels not in (1, 3, 4):
        raise ConvScopeError(
            f"{where}uint8 pixels of shape {tuple(array.shape)} are not an image; "
            "give (H, W) gray, (H, W, 3) RGB or (H, W, 4) RGBA pixels"
        )
    return preprocess_image(spec, Image.fromarray(np.ascontiguousarray(array)), where)
