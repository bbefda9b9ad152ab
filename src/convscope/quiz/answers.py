"""An answer as a person writes it: whole numbers without ``.0``, lists comma-separated."""

from __future__ import annotations

from convscope.calc import num
from convscope.quiz.question import Answer


def answer_text(answer: Answer) -> str:
    """``24`` → "24"; ``[0.0, 2.5]`` → "0, 2.5"; text stays text.

    Example:
        >>> answer_text([0.0, 2.5]), answer_text(0.659001), answer_text("true")
        ('0, 2.5', '0.659001', 'true')
    """
    if isinstance(answer, str):
        return answer
    if isinstance(answer, list):
        return ", ".join(num(v) for v in answer)
    return num(answer)
