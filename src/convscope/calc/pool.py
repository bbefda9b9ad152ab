"""Max and average pooling of a typed matrix: each window and its winner or average.

Windows follow PyTorch (``F.max_pool2d`` / ``F.avg_pool2d``, no ceil mode): the
stride defaults to the kernel size, padding is at most half the kernel. Max
pooling ignores padding cells (they never win). Average pooling divides by the
whole window, padding zeros included, as PyTorch's default
``count_include_pad=True`` does; with ``count_include_pad=False`` it divides by
the input cells the window covers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from convscope.calc import windows
from convscope.calc.parse import MAX_SIDE, parse_matrix
from convscope.calc.result import Calculation, Mask, Matrix, Note, num
from convscope.errors import ConvScopeError

MODES = ("max", "avg")


@dataclass(frozen=True, kw_only=True)
class PoolWindow(windows.Window):
    """One pooled value and the window it comes from."""

    #: Input ``(row, col)`` of the largest value (max), else None.
    winner: tuple[int, int] | None
    #: Sum of the counted cells and how many there are (avg), else None.
    sum: float | None
    count: int | None
    value: float


def _max_window(y: int, x: int, rows: tuple[int, ...], cols: tuple[int, ...], values: Matrix, mask: Mask) -> PoolWindow:
    cells = [
        (v, r, c)
        for vs, ms, r in zip(values, mask, rows, strict=True)
        for v, m, c in zip(vs, ms, cols, strict=True)
        if not m
    ]
    # The first largest in row-major order: the cell PyTorch's kernel keeps on ties. Padding of at
    # most K/2 leaves every window at least one input cell, so ``cells`` is never empty.
    best, row, col = max(cells, key=lambda cell: cell[0])
    shown = ", ".join(
        "pad" if m else num(v) for vs, ms in zip(values, mask, strict=True) for v, m in zip(vs, ms, strict=True)
    )
    return PoolWindow(
        text=f"window ({y},{x}): max({shown}) = {num(best)}, at input ({row},{col})",
        position=(y, x), rows=rows, cols=cols, values=values, padding_mask=mask,
        winner=(row, col), sum=None, count=None, value=best,
    )  # fmt: skip


def _avg_window(
    y: int, x: int, rows: tuple[int, ...], cols: tuple[int, ...], values: Matrix, mask: Mask, include_pad: bool
) -> PoolWindow:
    counted = [
        v for vs, ms in zip(values, mask, strict=True) for v, m in zip(vs, ms, strict=True) if include_pad or not m
    ]
    total = math.fsum(counted)
    value = total / len(counted)
    terms = " + ".join(num(v) for v in counted)
    return PoolWindow(
        text=f"window ({y},{x}): ({terms})/{len(counted)} = {num(total)}/{len(counted)} = {num(value)}",
        position=(y, x), rows=rows, cols=cols, values=values, padding_mask=mask,
        winner=None, sum=total, count=len(counted), value=value,
    )  # fmt: skip


def _mode_note(mode: str, padding: int, include_pad: bool) -> Note:
    if mode == "max":
        text = "Max pooling: each output is the largest value in its window"
        text += "; padding cells never win." if padding else "."
    else:
        text = "Average pooling: each output is the sum of its window divided by the cells counted"
        if padding:
            text += (
                "; padding zeros count too (PyTorch's default, count_include_pad=True)."
                if include_pad
                else "; only input cells count, not padding (count_include_pad=False)."
            )
        else:
            text += "."
    return Note(topic="mode", text=text)


def pool(
    matrix: str | Sequence[Sequence[float]],
    *,
    kernel_size: int = 2,
    stride: int | None = None,
    padding: int = 0,
    mode: str = "max",
    count_include_pad: bool = True,
) -> Calculation:
    """Pool ``matrix`` with a K×K window and show every window.

    Args:
        matrix: the input, up to 12×12.
        kernel_size: K.
        stride: S; None means K, as in PyTorch.
        padding: P on every side, at most K/2.
        mode: ``"max"`` or ``"avg"``.
        count_include_pad: average pooling only: whether padding zeros count in the divisor.

    Example:
        >>> pool("1 2; 3 4", kernel_size=2, mode="avg").steps_of(PoolWindow)[0].text
        'window (0,0): (1 + 2 + 3 + 4)/4 = 10/4 = 2.5'
    """
    if mode not in MODES:
        raise ConvScopeError(f"pooling mode {mode!r} is not known; use 'max' or 'avg'")
    if isinstance(kernel_size, bool) or not isinstance(kernel_size, int) or not 1 <= kernel_size <= MAX_SIDE:
        raise ConvScopeError(
            f"the pooling kernel size must be a whole number from 1 to {MAX_SIDE}, got {kernel_size!r}"
        )
    grid = parse_matrix(matrix, "input")
    s = kernel_size if stride is None else stride
    p = windows.plan((len(grid), len(grid[0])), (kernel_size, kernel_size), stride=s, padding=padding, pool=True)
    found = []
    for y, rows in enumerate(p.row_taps):
        for x, cols in enumerate(p.col_taps):
            values, mask = windows.cells(grid, rows, cols)
            if mode == "max":
                found.append(_max_window(y, x, rows, cols, values, mask))
            else:
                found.append(_avg_window(y, x, rows, cols, values, mask, count_include_pad))
    output = windows.output_grid(found, p.output)
    pad = windows.padded_note(grid, padding)
    return Calculation(
        operation="pool",
        input=[list(row) for row in grid],
        settings={
            "mode": mode,
            "kernel_size": kernel_size,
            "stride": s,
            "padding": padding,
            "count_include_pad": count_include_pad if mode == "avg" else None,
        },  # fmt: skip
        output=output,
        shape=p.output,
        steps=(_mode_note(mode, padding, count_include_pad), *([pad] if pad else []), *p.notes, *found),
    )
