"""The explanation panel as data: prose, the formula, and worked lines of text and numbers.

A worked line is a list of segments: plain text, or a number with the text it is
shown as, its full value and the payload field it was read from (``"terms.0.sum"``),
so the browser can show the full value on hover and a test can check every
quoted number against the explain payload at full precision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from convscope.teaching.numbers import fixed


@dataclass(frozen=True)
class Number:
    """One quoted number: as shown, its full value, and where in the payload it comes from."""

    text: str
    value: float | int
    field: str

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "value": self.value, "field": self.field}


@dataclass
class Line:
    """One worked line, built left to right.

    Example:
        >>> line = Line().say("output ").num(0.4312, "output", 2)
        >>> line.text()
        'output 0.43'
    """

    segments: list[str | Number] = field(default_factory=list)

    def say(self, text: str) -> Line:
        if text:
            self.segments.append(text)
        return self

    def num(self, value: float, path: str, decimals: int) -> Line:
        self.segments.append(Number(fixed(value, decimals), value, path))
        return self

    def int(self, value: int, path: str) -> Line:
        self.segments.append(Number(f"{value:,}", value, path))
        return self

    def text(self) -> str:
        return "".join(s if isinstance(s, str) else s.text for s in self.segments)

    def numbers(self) -> list[Number]:
        return [s for s in self.segments if isinstance(s, Number)]

    def to_list(self) -> list[Any]:
        return [s if isinstance(s, str) else s.to_dict() for s in self.segments]


@dataclass
class Panel:
    """What one view's explanation panel shows."""

    #: The view explained: overview, conv, formula, activation, pool, batchnorm, add, concat, flatten, step, linear, softmax, explorer.
    view: str
    title: str
    #: What you are looking at.
    seeing: str
    #: How to read it.
    reading: str
    #: The operation in the course's letters.
    formula: str
    #: Worked lines with this model's numbers at the selected position.
    worked: list[Line] = field(default_factory=list)
    #: Rounding or overflow remarks, when there are any.
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        """Everything the panel says, as one string (tests and the notebook read it)."""
        return "\n".join(
            [self.title, self.seeing, self.reading, self.formula, *(w.text() for w in self.worked), *self.notes]
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "view": self.view,
            "title": self.title,
            "seeing": self.seeing,
            "reading": self.reading,
            "formula": self.formula,
            "worked": [line.to_list() for line in self.worked],
            "notes": list(self.notes),
        }
