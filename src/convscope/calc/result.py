"""What every calculator returns: the output, the settings, and the steps leading to it.

Every step carries ``text``, its worded line with the numbers put in, so the CLI
and the sandbox page show the same sentence; the other fields are the numbers a
view draws. :meth:`Calculation.to_dict` gives plain JSON-able values.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

#: A typed matrix, row by row.
Matrix = tuple[tuple[float, ...], ...]
#: True where a window cell lies in the zero padding.
Mask = tuple[tuple[bool, ...], ...]


def num(value: float) -> str:
    """A number as a learner would write it: whole numbers without ``.0``, else 6 significant digits.

    Example:
        >>> num(-4.0), num(0.1875), num(1 / 3), num(2.5e-9)
        ('-4', '0.1875', '0.333333', '2.5e-09')
    """
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))  # also turns -0.0 into "0"
    return f"{value:.6g}"


@dataclass(frozen=True, kw_only=True)
class Step:
    """One intermediate step: its family (``step``) and its worded line."""

    step: ClassVar[str] = "step"
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, **asdict(self)}


@dataclass(frozen=True, kw_only=True)
class Note(Step):
    """A step that is a sentence only (the output-size reasoning, a rule, a reason)."""

    step: ClassVar[str] = "note"
    #: What the sentence is about, e.g. ``"size"``, ``"kernel"``, ``"shift"``.
    topic: str


@dataclass(frozen=True)
class Calculation:
    """One operation on the learner's numbers.

    ``output`` is a matrix (conv, relu, pool), a vector (flatten, softmax) or a
    dict of counts (dense); ``shape`` is its shape.
    """

    operation: str
    input: Any
    settings: dict[str, Any]
    output: Any
    shape: tuple[int, ...]
    steps: tuple[Step, ...]
    #: Results besides ``output`` (both flatten orders, the softmax display precision).
    extras: dict[str, Any] = field(default_factory=dict)

    def steps_of(self, family: type[Step]) -> list[Any]:
        return [s for s in self.steps if isinstance(s, family)]

    def to_dict(self) -> dict[str, Any]:
        """Plain values: the result under ``output``, every step under ``steps``."""
        return {
            "operation": self.operation,
            "input": self.input,
            "settings": self.settings,
            "output": self.output,
            "shape": list(self.shape),
            **self.extras,
            "steps": [s.to_dict() for s in self.steps],
        }
