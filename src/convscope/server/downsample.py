"""Feature maps at the size the overview draws them: each cell one ``k×k`` block of the map.

The overview draws a 224×224 map in a box of about 31 pixels, so sending all of it
costs 50× the bytes and decoding that the screen can show. Each map is reduced by
an integer factor ``k`` (the smallest that fits the box), so every sent cell is
exactly one block of traced cells (the last row and column may be partial):

- ``mean``: the block's area average, for the input image (how a picture shrinks);
- ``max``: the block's largest value, for non-negative maps (a lone bright cell,
  the one a ReLU map is about, stays visible instead of fading into its block);
- ``extreme``: the block's value of largest magnitude, sign kept, for signed maps
  (averaging would cancel a strong positive and a strong negative).

Example:
    >>> import numpy as np
    >>> values = np.arange(16, dtype=np.float32).reshape(1, 4, 4)
    >>> downsample(values, 2, "mean").tolist()
    [[[2.5, 4.5], [10.5, 12.5]]]
    >>> downsample(values - 10, 2, "extreme").tolist()
    [[[-10.0, -8.0], [3.0, 5.0]]]
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F

from convscope.layer_views import LayerView

Reduce = Literal["mean", "max", "extreme"]
REDUCTIONS: tuple[Reduce, ...] = ("mean", "max", "extreme")
#: The largest box a request may name (a 4K screen's map is far smaller).
MAX_BOX = 1024


def block_factor(height: int, width: int, box: int) -> int:
    """The smallest integer ``k`` with both sides of the map divided by ``k`` at most ``box`` cells.

    Example:
        >>> block_factor(224, 224, 31), block_factor(28, 28, 31), block_factor(55, 55, 31)
        (8, 1, 2)
    """
    return max(1, math.ceil(max(height, width) / box))


def reduction_for(view: LayerView, low: float) -> Reduce:
    """The reduction that keeps a layer's extreme values visible under its colour scale.

    Args:
        view: the layer's view (input display, signedness), as the page gets it.
        low: the smallest value this trace's layer holds (a layer that may be signed and is not
            this time is drawn with the non-negative scale, as ``core/scales.js`` decides).
    """
    if view.display == "input":
        return "mean"
    return "extreme" if view.signed or low < 0 else "max"


def downsample(values: np.ndarray, factor: int, how: Reduce) -> np.ndarray:
    """``(C, H, W)`` → ``(C, ceil(H/k), ceil(W/k))``, each cell one ``k×k`` block reduced by ``how``.

    Blocks are cut by reshaping (no pooling call), so tests can check the result
    against PyTorch's own ``avg_pool2d`` / ``max_pool2d`` with ``ceil_mode``. Rows of
    a block are reduced first, then its columns: two reductions over one axis each
    run ~30× faster than one over two strided axes (VGG-16's overview: ~20 ms, not 700).
    """
    if how not in REDUCTIONS:
        raise ValueError(f"how must be one of {REDUCTIONS}, not {how!r}")
    if factor == 1:
        return values
    c, h, w = values.shape
    oh, ow = -(-h // factor), -(-w // factor)
    x = torch.from_numpy(np.ascontiguousarray(values))  # shares the memory: no copy

    def blocks(fill: float) -> torch.Tensor:
        pad = (0, ow * factor - w, 0, oh * factor - h)
        padded = F.pad(x, pad, value=fill) if any(pad) else x
        return padded.reshape(c, oh, factor, ow * factor)  # (C, oh, k, W')

    def over_blocks(fill: float, reduce: str) -> torch.Tensor:
        rows = getattr(blocks(fill), reduce)(dim=2)  # (C, oh, W')
        return getattr(rows.reshape(c, oh, ow, factor), reduce)(dim=3)  # (C, oh, ow)

    if how == "mean":
        ones = torch.ones(1, h, w)
        pad = (0, ow * factor - w, 0, oh * factor - h)
        counts = F.pad(ones, pad).reshape(1, oh, factor, ow * factor).sum(dim=2).reshape(1, oh, ow, factor).sum(dim=3)
        return (over_blocks(0.0, "sum") / counts).numpy()  # each block's real cells, not its padding
    high = over_blocks(-math.inf, "amax")
    if how == "max":
        return high.numpy()
    low = over_blocks(math.inf, "amin")
    return torch.where(-low > high, low, high).numpy()


def digits_kept(exact: np.ndarray, rounded: np.ndarray) -> bool:
    """True when every value reads the same to three significant digits (the page's ``formatValue``).

    float16 keeps about 3.3 significant digits, so most values survive it and a few
    near a rounding boundary do not; a layer is sent as float16 only when none of
    its values changes on screen. Ties round away from zero, as JavaScript's
    ``toPrecision`` does.

    Example:
        >>> x = np.array([0.1234, 5.0, 0.0], dtype=np.float32)
        >>> digits_kept(x, x.astype(np.float16)), digits_kept(np.array([9.996], np.float32), np.array([9.99], np.float16))
        (True, False)
    """
    a = exact.astype(np.float64).ravel()
    b = rounded.astype(np.float64).ravel()
    magnitude = np.abs(a)
    nonzero = magnitude > 0
    exponent = np.floor(np.log10(np.where(nonzero, magnitude, 1.0)))
    scale = 10.0 ** (2 - exponent)  # three significant digits of the exact value
    qa = np.sign(a) * np.floor(magnitude * scale + 0.5)
    qb = np.sign(b) * np.floor(np.abs(b) * scale + 0.5)
    return bool(np.array_equal(qa, qb) and np.array_equal(a == 0, b == 0))
