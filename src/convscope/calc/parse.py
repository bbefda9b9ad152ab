"""Reading typed numbers: matrices, vectors, flat value lists and C,H,W shapes.

A matrix is typed row by row: rows separated by ``;`` (or new lines), values by
spaces or commas, e.g. ``"3 0 1; 1 5 8"``. The library functions also take
nested lists. Everything refused is refused with one line that says what to type.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from convscope.calc.result import Matrix
from convscope.errors import ConvScopeError

#: The largest matrix side: enough for hand-checked examples, small enough to show every window.
MAX_SIDE = 12
#: The longest vector (logits) and the most channels of a flattened tensor.
MAX_VECTOR = MAX_SIDE * MAX_SIDE
MAX_CHANNELS = MAX_SIDE
#: Values beyond a million in size are no longer numbers anyone checks by hand, and
#: keep every product and sum far from float64's range.
MAX_MAGNITUDE = 1e6
#: Longer text cannot hold a 12×12 matrix of sensible numbers; refuse it before splitting.
MAX_TEXT = 4000

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_ROWS = re.compile(r"[;\n\r]")
_VALUES = re.compile(r"\s*,\s*|\s+")
_NOT_FINITE = {"nan", "inf", "infinity"}


def parse_number(token: str, name: str) -> float:
    """One typed value; a Unicode minus is read as ``-``.

    Example:
        >>> parse_number("−1.5", "input")
        -1.5
    """
    text = token.strip().replace("\u2212", "-")
    if text.lstrip("+-").lower() in _NOT_FINITE:
        raise ConvScopeError(f"the {name} holds {token!r}; NaN and infinity cannot be calculated: type finite numbers")
    if not _NUMBER.fullmatch(text):
        raise ConvScopeError(f"the {name} holds {token!r}, which is not a number; type numbers such as 3, -1.5 or 2e-3")
    value = float(text)
    if not math.isfinite(value):  # "1e400" overflows float64
        raise ConvScopeError(f"the {name} holds {token!r}, too large to calculate with; type finite numbers")
    return check_value(value, name)


def check_value(value: Any, name: str) -> float:
    """A finite number no larger than :data:`MAX_MAGNITUDE` in size, as a float."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConvScopeError(f"the {name} holds {value!r}, which is not a number; give ints or floats")
    if not math.isfinite(value):
        raise ConvScopeError(f"the {name} holds {value!r}; NaN and infinity cannot be calculated: give finite numbers")
    if abs(value) > MAX_MAGNITUDE:
        raise ConvScopeError(
            f"the {name} holds {value!r}; values up to {MAX_MAGNITUDE:,.0f} in size are accepted, enough to check by hand"
        )
    return float(value)


def _text(text: str, name: str) -> str:
    if len(text) > MAX_TEXT:
        raise ConvScopeError(f"the {name} is {len(text):,} characters long; type at most {MAX_TEXT:,}")
    if not text.strip():
        raise ConvScopeError(f"the {name} is empty; type numbers, rows separated by ';', e.g. '1 2; 3 4'")
    return text


def _row(text: str, name: str, number: int) -> tuple[float, ...]:
    tokens = _VALUES.split(text.strip())
    if "" in tokens:
        raise ConvScopeError(f"row {number} of the {name} has an empty value between commas; type a number there")
    return tuple(parse_number(t, name) for t in tokens)


def _check_rows(rows: Sequence[Sequence[Any]], name: str, max_side: int) -> Matrix:
    if not rows or not rows[0]:
        raise ConvScopeError(f"the {name} is empty; give at least one row of numbers")
    width = len(rows[0])
    for number, row in enumerate(rows, 1):
        if len(row) != width:
            raise ConvScopeError(
                f"row {number} of the {name} has {len(row)} value{'s' * (len(row) != 1)} but row 1 has {width}; "
                "every row needs the same number of values"
            )
    if len(rows) > max_side or width > max_side:
        raise ConvScopeError(
            f"the {name} is {len(rows)}×{width}; the calculator takes up to {max_side}×{max_side}, "
            "small enough to follow every window"
        )
    return tuple(tuple(check_value(v, name) for v in row) for row in rows)


def parse_matrix(value: str | Sequence[Sequence[float]], name: str = "input", *, max_side: int = MAX_SIDE) -> Matrix:
    """A matrix from text (``"1 2; 3 4"``) or nested lists, checked.

    Raises:
        ConvScopeError: empty input, a value that is not a finite number, rows of
        different lengths, or more than ``max_side`` rows or columns.

    Example:
        >>> parse_matrix("3 0 1; 1, 5, 8")
        ((3.0, 0.0, 1.0), (1.0, 5.0, 8.0))
    """
    if isinstance(value, str):
        lines = [line for line in _ROWS.split(_text(value, name)) if line.strip()]
        return _check_rows([_row(line, name, i) for i, line in enumerate(lines, 1)], name, max_side)
    if isinstance(value, Sequence) and all(isinstance(row, Sequence) and not isinstance(row, str) for row in value):
        return _check_rows(value, name, max_side)
    raise ConvScopeError(f"the {name} must be text such as '1 2; 3 4' or a list of rows, got {type(value).__name__}")


def parse_vector(
    value: str | Sequence[float], name: str = "logits", *, max_length: int = MAX_VECTOR
) -> tuple[float, ...]:
    """One row of numbers from text (``"2.0 1.0 0.1"``) or a list.

    Example:
        >>> parse_vector("2.0, 1.0, 0.1")
        (2.0, 1.0, 0.1)
    """
    if isinstance(value, str):
        lines = [line for line in _ROWS.split(_text(value, name)) if line.strip()]
        if len(lines) != 1:
            raise ConvScopeError(f"the {name} are one row of numbers, got {len(lines)} rows; leave out the ';'")
        values: Sequence[Any] = _row(lines[0], name, 1)
    elif isinstance(value, Sequence):
        values = value
    else:
        raise ConvScopeError(f"the {name} must be text such as '2 1 0.1' or a list, got {type(value).__name__}")
    if not values:
        raise ConvScopeError(f"the {name} are empty; give at least one number")
    if len(values) > max_length:
        raise ConvScopeError(f"the {name} hold {len(values)} values; the calculator takes up to {max_length}")
    return tuple(check_value(v, name) for v in values)


def parse_values(value: str | Sequence[float], name: str = "input", *, max_count: int) -> tuple[float, ...]:
    """Every number in the text in reading order, whatever separates them (``;``, ``|``, spaces, commas).

    Example:
        >>> parse_values("1 2; 3 4 | 5 6; 7 8", max_count=8)
        (1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0)
    """
    if not isinstance(value, str):
        return parse_vector(value, name, max_length=max_count)
    groups = [g for g in re.split(r"[;|\n\r]", _text(value, name)) if g.strip()]
    values = [v for i, group in enumerate(groups, 1) for v in _row(group, name, i)]
    if len(values) > max_count:
        raise ConvScopeError(f"the {name} holds {len(values)} values; the calculator takes up to {max_count}")
    return tuple(values)


def parse_shape(value: str | Sequence[int]) -> tuple[int, int, int]:
    """``"2,3,3"`` (or ``"2x3x3"``, ``"2 3 3"``) → ``(C, H, W)``, each within the calculator's limits.

    Example:
        >>> parse_shape("2x3x3")
        (2, 3, 3)
    """
    if isinstance(value, str):
        parts = [p for p in re.split(r"\s*[,x×]\s*|\s+", value.strip().lower()) if p]
        if len(parts) != 3 or not all(re.fullmatch(r"\d{1,6}", p) for p in parts):
            raise ConvScopeError(f"the shape must be three whole numbers C,H,W such as 2,3,3, got {value!r}")
        dims = [int(p) for p in parts]
    else:
        dims = list(value)
        if len(dims) != 3 or not all(isinstance(d, int) and not isinstance(d, bool) for d in dims):
            raise ConvScopeError(f"the shape must be three whole numbers (C, H, W), got {value!r}")
    c, h, w = dims
    for letter, size, most in (("C", c, MAX_CHANNELS), ("H", h, MAX_SIDE), ("W", w, MAX_SIDE)):
        if not 1 <= size <= most:
            raise ConvScopeError(f"the shape's {letter} is {size}; it must be from 1 to {most}")
    return (c, h, w)
