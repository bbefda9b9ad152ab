"""Quizzes about a loaded model and about convolution arithmetic, with the answers computed.

:func:`generate` writes the questions; :func:`render` turns a quiz into
Markdown (questions, then an answer key), JSON or Moodle GIFT. Every answer
comes from :mod:`convscope.arithmetic`, the network's layer records or
:mod:`convscope.calc`; no question holds a number typed in by hand.

Example:
    >>> from convscope.formats import zoo_network
    >>> quiz = generate(zoo_network("tinyvgg"), seed=3, topics=["input", "relu"])
    >>> [q.topic for q in quiz]
    ['input', 'relu']
"""

from __future__ import annotations

import json

from convscope.errors import ConvScopeError
from convscope.quiz.generate import MAX_COUNT, generate
from convscope.quiz.gift import to_gift
from convscope.quiz.markdown import to_markdown
from convscope.quiz.question import DIFFICULTIES, Question, Quiz
from convscope.quiz.topics import TOPICS

FORMATS = ("markdown", "json", "gift")


def to_json(quiz: Quiz, model: str | None = None) -> str:
    data = quiz.to_dict()
    if model is not None:
        data["model"] = model
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render(quiz: Quiz, fmt: str = "markdown", model: str | None = None) -> str:
    """The quiz as text in ``fmt`` (one of :data:`FORMATS`); ``model`` names the model instead of ``quiz.model``."""
    writers = {"markdown": to_markdown, "json": to_json, "gift": to_gift}
    if fmt not in writers:
        raise ConvScopeError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    return writers[fmt](quiz, model)


__all__ = [
    "DIFFICULTIES",
    "FORMATS",
    "MAX_COUNT",
    "TOPICS",
    "Question",
    "Quiz",
    "generate",
    "render",
    "to_gift",
    "to_json",
    "to_markdown",
]
