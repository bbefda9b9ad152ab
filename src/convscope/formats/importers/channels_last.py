"""Channels-last (NHWC, TensorFlow/Keras) weights and padding in PyTorch's channels-first terms."""

from __future__ import annotations

import numpy as np

from convscope import arithmetic
from convscope.errors import ConvScopeError


def hwio_to_oihw(kernel: np.ndarray) -> np.ndarray:
    """A Keras conv kernel ``(KH, KW, C_in, C_out)`` as PyTorch's ``(C_out, C_in, KH, KW)``.

    Example:
        >>> hwio_to_oihw(np.zeros((3, 5, 2, 7))).shape
        (7, 2, 3, 5)
    """
    return np.ascontiguousarray(kernel.transpose(3, 2, 0, 1))


def flatten_permutation(channels: int, height: int, width: int) -> np.ndarray:
    """For each position of a channels-first flatten, the channels-last flatten index.

    Keras flattens a ``(H, W, C)`` map in (row, column, channel) order; PyTorch
    flattens ``(C, H, W)`` in (channel, row, column) order. Entry ``t`` is the
    Keras index of PyTorch's feature ``t``.

    Example:
        >>> flatten_permutation(2, 1, 2).tolist()   # torch (c0w0, c0w1, c1w0, c1w1)
        [0, 2, 1, 3]
    """
    return np.arange(height * width * channels).reshape(height, width, channels).transpose(2, 0, 1).ravel()


def dense_weight(kernel: np.ndarray, permutation: np.ndarray | None) -> np.ndarray:
    """A Keras dense kernel ``(F_in, F_out)`` as PyTorch's ``(F_out, F_in)``.

    ``permutation`` (from :func:`flatten_permutation`) reorders the input rows
    when the dense layer reads a flattened channels-last map.

    Example:
        >>> dense_weight(np.arange(4.0).reshape(2, 2), np.array([1, 0])).tolist()
        [[2.0, 0.0], [3.0, 1.0]]
    """
    rows = kernel if permutation is None else kernel[permutation]
    return np.ascontiguousarray(rows.T)


def same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's "same" padding ``(before, after)`` along one axis (see :func:`arithmetic.same_padding`).

    The output has ``ceil(size / stride)`` positions; when the total padding is
    odd the extra row or column goes after (bottom / right).

    Example:
        >>> same_padding(8, 3, 2)      # 4 outputs need 9 rows: 0 before, 1 after
        (0, 1)
    """
    same = arithmetic.same_padding(kernel, stride, dilation, size)
    return same.top, same.bottom


def pool_same_padding(size: int, kernel: int, stride: int, *, ceil_mode: bool) -> int | None:
    """ "Same" pooling as PyTorch's symmetric padding for the given ``ceil_mode``, or ``None``.

    TensorFlow pools over the valid values only, so padding ``(p, p + 1)``
    equals PyTorch's padding ``p`` with ``ceil_mode`` (its last window is cut
    off at the border) whenever both give ``ceil(size / stride)`` outputs.

    Example:
        >>> pool_same_padding(7, 2, 2, ceil_mode=False), pool_same_padding(7, 2, 2, ceil_mode=True)
        (None, 0)
    """
    same = arithmetic.same_padding(kernel, stride, 1, size)
    before, after = same.top, same.bottom
    if after != before and not ceil_mode:
        return None
    try:
        out = arithmetic.pool_output_size(size, kernel, stride, before, ceil_mode=ceil_mode)
    except ConvScopeError:  # more padding than PyTorch pools with, or no window fits
        return None
    return before if out == same.output[0] else None  # type: ignore[index]
