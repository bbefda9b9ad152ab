"""Checking a typed answer against the computed one: numbers within the tolerance, lists value by value, units read.

A learner writes "1,690", "1690 values", "24×24", "[0, 2.5, 0]", "65.9%" or
"true"; :func:`check` reads it the way a person means it and compares it with
the question's answer within the question's tolerance. Input that cannot be
read is not marked wrong: the verdict says what it expected, so the learner can
type it again. A unit that is not the question's ("24 biases" when it asks for
weights) is wrong, and the verdict says so.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from convscope.quiz.answers import answer_text
from convscope.quiz.question import Question

#: The words a quiz counts in (singular); a number followed by another of these answers another question.
UNITS = (
    "channel", "value", "unit", "filter", "kernel", "weight", "bias", "parameter", "multiplication",
    "pixel", "row", "zero", "probability",
)  # fmt: skip
#: Short forms a person writes for a unit.
_ALIASES = {"px": "pixel", "mult": "multiplication", "mults": "multiplication", "param": "parameter"}
#: A number as people write it: "1,690" or "1 690" (groups of three), "0.5", ".5", "1e-3", with a sign.
_NUMBER = r"[-+]?(?:\d{1,3}(?:[, ]\d{3})+(?:\.\d+)?|\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?"
_WITH_UNIT = re.compile(rf"^({_NUMBER})\s*(%|[a-z]+)?$")
_TRUE = {"true", "t", "yes", "valid"}
_FALSE = {"false", "f", "no", "invalid"}


@dataclass(frozen=True)
class Verdict:
    """``correct``: True or False; ``None`` when the answer could not be read or a person must grade it."""

    correct: bool | None
    #: One sentence for the learner: what was read and whether it is right, or what to type instead.
    message: str


def check(question: Question, typed: str) -> Verdict:
    """Compare what a learner typed with ``question``'s answer.

    Example:
        >>> from convscope.quiz.question import Question
        >>> q = Question("q01-weights", "weights", "…", 2430, 0, "layer facts", "…", unit="weights")
        >>> check(q, "2,430 weights").correct, check(q, "2430 biases").message
        (True, 'The question counts weights, not biases.')
    """
    text = typed.strip().lower().replace("\u2212", "-").replace("\u00a0", " ")
    if question.kind == "essay":
        return Verdict(None, "A person grades free-text answers: compare yours with the model answer.")
    if not text:
        return Verdict(None, "Type an answer first.")
    if question.kind == "truefalse":
        return _truefalse(question, text)
    if question.kind == "list":
        return _list(question, text)
    return _number(question, text)


def _singular(word: str) -> str:
    word = _ALIASES.get(word, word)
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ses", "xes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def _unit_problem(question: Question, word: str | None) -> Verdict | None:
    """None when ``word`` (the unit typed, if any) suits the question; else the verdict about it."""
    if word is None:
        return None
    want = _singular(question.unit) if question.unit else None
    have = _singular(word)
    if have == want or (want == "probability" and word == "%"):
        return None
    if have in UNITS:
        wanted = question.unit or "a plain number"
        return Verdict(False, f"The question counts {wanted}, not {word}.")
    expected = f"a number of {question.unit}" if question.unit else "a number"
    return Verdict(None, f"Could not read '{word}': type {expected}.")


def _value(number: str) -> float:
    return float(re.sub(r"[, ]", "", number))


def _close(got: float, want: float, tolerance: float | None) -> bool:
    # the tolerance is the accepted difference; a hair more absorbs how decimals are stored as binary
    return math.isclose(got, want, rel_tol=0, abs_tol=(tolerance or 0) + 1e-9)


def _number(question: Question, text: str) -> Verdict:
    found = _WITH_UNIT.match(text)
    if found is None:
        unit = f" of {question.unit}" if question.unit else ""
        return Verdict(None, f"Could not read '{text}' as one number{unit}.")
    got, word = _value(found.group(1)), found.group(2)
    if word == "%" and question.unit == "probability":
        got /= 100
    elif (problem := _unit_problem(question, word)) is not None:
        return problem
    if question.unit == "probability" and not 0 <= got <= 1:
        return Verdict(None, f"A probability lies between 0 and 1: write {got / 100:g} or {got:g}%.")
    assert isinstance(question.answer, int | float)
    return _said(_close(got, question.answer, question.tolerance), _shown(got), question)


def _list(question: Question, text: str) -> Verdict:
    body = text.strip("[]() ")
    word = None
    if (tail := re.search(r"\s*\b([a-z]{2,})$", body)) is not None:  # "15×15 pixels"; a lone "x" is a separator
        word, body = tail.group(1), body[: tail.start()].strip("[]() ")
    if (problem := _unit_problem(question, word)) is not None:
        return problem
    parts = [p for p in re.split(r"\s*(?:[,;×*]|\bx\b|(?<=\d)x(?=[-+\d.]))\s*|\s+", body) if p]
    if not parts or not all(re.fullmatch(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?", p) for p in parts):
        return Verdict(None, f"Could not read '{text}' as numbers: separate them with commas, e.g. '3, 0, 1.5'.")
    got = [float(p) for p in parts]
    assert isinstance(question.answer, list)
    want = question.answer
    if len(got) != len(want):
        return Verdict(False, f"The answer has {len(want)} values; you gave {len(got)}.")
    right = all(_close(g, w, question.tolerance) for g, w in zip(got, want, strict=True))
    return _said(right, ", ".join(_shown(g) for g in got), question)


def _truefalse(question: Question, text: str) -> Verdict:
    if text not in _TRUE | _FALSE:
        return Verdict(None, "Answer true or false.")
    got = "true" if text in _TRUE else "false"
    return _said(got == question.answer, got, question)


def _shown(value: float) -> str:
    return answer_text(int(value) if value.is_integer() and abs(value) < 2**53 else value)


def _said(right: bool, read: str, question: Question) -> Verdict:
    unit = f" {question.unit}" if question.unit and question.unit != "probability" else ""
    if right:
        return Verdict(True, f"Right: {read}{unit}.")
    return Verdict(False, f"Not {read}{unit}. Try again, or open the hint.")
