"""ReLU of a typed vector or matrix: ``max(0, x)`` value by value."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from convscope.calc.parse import parse_matrix
from convscope.calc.result import Calculation, Note, Step, num


@dataclass(frozen=True, kw_only=True)
class ReluValue(Step):
    step = "value"
    #: ``(row, col)``; a typed vector is one row.
    position: tuple[int, int]
    input: float
    value: float


def _value(r: int, c: int, v: float) -> ReluValue:
    out = max(v, 0.0) + 0.0  # + 0.0 turns -0.0 into the 0 torch.relu gives
    return ReluValue(text=f"({r},{c}): max(0, {num(v)}) = {num(out)}", position=(r, c), input=v, value=out)


def relu(matrix: str | Sequence[Sequence[float]]) -> Calculation:
    """``max(0, x)`` for every typed value.

    Example:
        >>> calc = relu("-2 0.5 3")
        >>> calc.output, calc.steps[1].text
        (((0.0, 0.5, 3.0),), '(0,0): max(0, -2) = 0')
    """
    grid = parse_matrix(matrix, "input")
    found = [_value(r, c, v) for r, row in enumerate(grid) for c, v in enumerate(row)]
    negatives = sum(v < 0 for row in grid for v in row)
    note = Note(
        topic="rule",
        text=f"ReLU keeps every positive value and turns every negative one into 0: "
        f"{negatives} of the {len(found)} values here are negative.",
    )
    width = len(grid[0])
    return Calculation(
        operation="relu",
        input=[list(row) for row in grid],
        settings={},
        output=tuple(tuple(v.value for v in found[r * width : (r + 1) * width]) for r in range(len(grid))),
        shape=(len(grid), width),
        steps=(note, *found),
    )
