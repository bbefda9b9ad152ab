"""Convolution of a typed matrix with a kernel: every window's values, products and sum.

Window ``(y, x)`` reads input rows ``window_taps(y, K_h, S, P, D)`` and columns
``window_taps(x, K_w, S, P, D)``; cells outside the matrix are zero padding.
The kernel is slid as written, as ``torch.nn.functional.conv2d`` does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from convscope.calc import windows
from convscope.calc.kernels import Kernel, resolve_kernel
from convscope.calc.parse import parse_matrix
from convscope.calc.result import Calculation, Matrix, Note, num


@dataclass(frozen=True, kw_only=True)
class ConvWindow(windows.Window):
    """One output value: the window under the kernel and what it adds up to."""

    #: value·weight, cell by cell.
    products: Matrix
    sum: float
    divisor: int
    #: ``sum/divisor``: the output value.
    value: float


def _worked(y: int, x: int, values: Matrix, kernel: Kernel, total: float, value: float) -> str:
    terms = " + ".join(
        f"{num(v)}·{num(w)}" for vs, ws in zip(values, kernel.weights, strict=True) for v, w in zip(vs, ws, strict=True)
    )
    if kernel.divisor == 1:
        return f"window ({y},{x}): {terms} = {num(total)}"
    return f"window ({y},{x}): ({terms})/{kernel.divisor} = {num(total)}/{kernel.divisor} = {num(value)}"


def _window(matrix: Matrix, kernel: Kernel, y: int, x: int, rows: tuple[int, ...], cols: tuple[int, ...]) -> ConvWindow:
    values, mask = windows.cells(matrix, rows, cols)
    products = tuple(
        tuple(v * w for v, w in zip(vs, ws, strict=True)) for vs, ws in zip(values, kernel.weights, strict=True)
    )
    total = math.fsum(p for row in products for p in row)
    value = total / kernel.divisor
    return ConvWindow(
        text=_worked(y, x, values, kernel, total, value),
        position=(y, x),
        rows=rows,
        cols=cols,
        values=values,
        padding_mask=mask,
        products=products,
        sum=total,
        divisor=kernel.divisor,
        value=value,
    )


def _kernel_note(kernel: Kernel) -> Note:
    kh, kw = kernel.size
    if kernel.name is None:
        return Note(topic="kernel", text=f"Kernel: the typed {kh}×{kw} matrix, slid as written (not flipped).")
    scale = f", divided by {kernel.divisor}" if kernel.divisor != 1 else ""
    rows = "; ".join(" ".join(num(w) for w in row) for row in kernel.weights)
    return Note(topic="kernel", text=f"Kernel {kernel.name} ({rows}{scale}) {kernel.detects}.")


def convolve(
    matrix: str | Sequence[Sequence[float]],
    kernel: str | Sequence[Sequence[float]] | Kernel,
    *,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
) -> Calculation:
    """Slide ``kernel`` over ``matrix`` and show every window.

    Args:
        matrix: the input, up to 12×12 (text ``"1 2; 3 4"`` or nested lists).
        kernel: a classic kernel's name (see :data:`CLASSIC_KERNELS`), a matrix, or a :class:`Kernel`.
        stride, padding, dilation: S, P (zeros on every side) and D, as ``F.conv2d`` takes them.

    Raises:
        ConvScopeError: bad numbers or sizes, a kernel bigger than the padded input,
        a stride or dilation below 1, or padding beyond what any window needs.

    Example:
        >>> calc = convolve("1 2 3; 4 5 6; 7 8 9", "1 0; 0 -1")
        >>> calc.output, calc.steps_of(ConvWindow)[0].text
        (((-4.0, -4.0), (-4.0, -4.0)), 'window (0,0): 1·1 + 2·0 + 4·0 + 5·-1 = -4')
    """
    grid = parse_matrix(matrix, "input")
    k = resolve_kernel(kernel)
    p = windows.plan((len(grid), len(grid[0])), k.size, stride=stride, padding=padding, dilation=dilation)
    found = [
        _window(grid, k, y, x, rows, cols) for y, rows in enumerate(p.row_taps) for x, cols in enumerate(p.col_taps)
    ]
    output = windows.output_grid(found, p.output)
    pad = windows.padded_note(grid, padding)
    return Calculation(
        operation="conv",
        input=[list(row) for row in grid],
        settings={"kernel": k.to_dict(), "stride": stride, "padding": padding, "dilation": dilation},
        output=output,
        shape=p.output,
        steps=(_kernel_note(k), *([pad] if pad else []), *p.notes, *found),
    )
