"""What convolution and pooling share: the sliding-window plan for a typed matrix.

Output sizes, the worded size reasoning and each window's taps come from
:mod:`convscope.arithmetic`; this module only reads the matrix at those taps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from convscope import arithmetic
from convscope.calc.parse import MAX_SIDE
from convscope.calc.result import Mask, Matrix, Note, Step, num
from convscope.errors import ConvScopeError


@dataclass(frozen=True, kw_only=True)
class Window(Step):
    """One output value of a sliding operation and the window of input it reads."""

    step = "window"
    #: ``(y, x)`` in the output.
    position: tuple[int, int]
    #: Input row of each window row and column of each window column (outside 0…H−1: padding).
    rows: tuple[int, ...]
    cols: tuple[int, ...]
    #: The K_h×K_w input values under the window; 0 in the padding.
    values: Matrix
    padding_mask: Mask


@dataclass(frozen=True)
class WindowPlan:
    """Where every window of a sliding operation lies, and why the output has its size."""

    #: ``(H_out, W_out)``.
    output: tuple[int, int]
    #: Input rows of each output row's window, input columns of each output column's window.
    row_taps: tuple[tuple[int, ...], ...]
    col_taps: tuple[tuple[int, ...], ...]
    #: The output-size reasoning in words.
    notes: tuple[Note, ...]


def plan(
    size: tuple[int, int], kernel: tuple[int, int], *, stride: int, padding: int, dilation: int = 1, pool: bool = False
) -> WindowPlan:
    """Output size and taps of a K_h×K_w window over an H×W matrix.

    Raises:
        ConvScopeError: as :func:`convscope.arithmetic.arithmetic_report` (a kernel
        bigger than the padded input, a stride below 1, pooling padding above K/2),
        padding above :data:`MAX_SIDE`, or (convolution) padding so wide that the
        outer windows would see only zeros.
    """
    for name, value in (("stride", stride), ("padding", padding), ("dilation", dilation)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConvScopeError(f"{name} must be a whole number, got {value!r}")
    if padding > MAX_SIDE:
        raise ConvScopeError(f"padding {padding} is more than the calculator takes; pad by at most {MAX_SIDE}")
    report = arithmetic.arithmetic_report(size, kernel, stride, padding, dilation, pool=pool)
    (kh, kw), (dh, dw) = report.kernel, report.dilation
    (sh, sw), (top, _, left, _) = report.stride, report.padding
    out_h, out_w = report.output
    if not pool:
        _check_padding_reaches_input(
            padding, (report.strict.height.effective_kernel, report.strict.width.effective_kernel)
        )
    return WindowPlan(
        output=(out_h, out_w),
        row_taps=tuple(tuple(arithmetic.window_taps(o, kh, sh, top, dh)) for o in range(out_h)),
        col_taps=tuple(tuple(arithmetic.window_taps(o, kw, sw, left, dw)) for o in range(out_w)),
        notes=tuple(Note(topic="size", text=text) for text in report.steps),
    )


def _check_padding_reaches_input(padding: int, effective: tuple[int, int]) -> None:
    # PyTorch accepts any padding, but past E − 1 the outer windows would see zeros only.
    most = min(effective) - 1
    if padding > most:
        raise ConvScopeError(
            f"padding {padding} is too much for this kernel: its windows span {min(effective)} pixels, so with more "
            f"than {most} the outer windows would cover only padding; pad by at most {most}"
        )


def cells(matrix: Matrix, rows: tuple[int, ...], cols: tuple[int, ...]) -> tuple[Matrix, Mask]:
    """The values at the taps (0 in the zero padding) and where the padding is."""
    h, w = len(matrix), len(matrix[0])
    mask = tuple(tuple(not (0 <= r < h and 0 <= c < w) for c in cols) for r in rows)
    values = tuple(
        tuple(0.0 if pad else matrix[r][c] for c, pad in zip(cols, mask_row, strict=True))
        for r, mask_row in zip(rows, mask, strict=True)
    )
    return values, mask


def padded(matrix: Matrix, padding: int) -> Matrix:
    """The matrix with ``padding`` rings of zeros around it."""
    h, w = len(matrix), len(matrix[0])
    return tuple(
        tuple(matrix[r][c] if 0 <= r < h and 0 <= c < w else 0.0 for c in range(-padding, w + padding))
        for r in range(-padding, h + padding)
    )


def output_grid(found: Sequence[Window], output: tuple[int, int]) -> Matrix:
    """The windows' values (``value`` of each, in row-major order) as the H_out×W_out output matrix."""
    out_h, out_w = output
    return tuple(tuple(w.value for w in found[y * out_w : (y + 1) * out_w]) for y in range(out_h))  # type: ignore[attr-defined]


def padded_note(matrix: Matrix, padding: int) -> Note | None:
    if padding == 0:
        return None
    grid = padded(matrix, padding)
    rows = "; ".join(" ".join(num(v) for v in row) for row in grid)
    return Note(
        topic="padding",
        text=f"Padding {padding}: {padding} ring{'s' * (padding != 1)} of zeros around the "
        f"{len(matrix)}×{len(matrix[0])} input gives {len(grid)}×{len(grid[0])}: {rows}",
    )
