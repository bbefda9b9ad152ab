"""The app's "Check yourself" quiz: questions without their answers, and verdicts on typed ones.

The answer key stays on the server. The page gets each question's text, how it
is answered (answer type, unit, tolerance) and where the app shows it (view, focus);
it sends back what the learner typed, and :func:`verdict` regenerates the same
quiz (same model, image, seed, topics, difficulty and count: generation is
deterministic) and checks the answer with :func:`convscope.quiz.check.check`.
The answer and its explanation are sent only once the learner got it right or
asked to see it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from convscope.errors import ConvScopeError, NotFoundError
from convscope.network import Network
from convscope.quiz import MAX_COUNT, TOPICS, Question, Quiz, generate
from convscope.quiz.answers import answer_text
from convscope.quiz.check import check
from convscope.quiz.question import ShownImage
from convscope.quiz.topics import topic_names
from convscope.server.samples import SampleSet
from convscope.trace import Trace

#: Seeds a link may carry: up to nine digits, so every seed is a short, exact URL value.
MAX_SEED = 999_999_999


@dataclass(frozen=True)
class QuizRequest:
    """What identifies one quiz: a request with the same fields gets the same questions."""

    seed: int
    topics: tuple[str, ...] | None
    difficulty: str
    count: int | None
    image: str | None


def parse_request(
    seed: str | int | None, topics: str | None, difficulty: str | None, count: str | int | None, image: str | None
) -> QuizRequest:
    """Checked fields of a quiz request; each bad one raises a :class:`ConvScopeError` (a 400) saying what is wrong.

    Example:
        >>> parse_request("7", "relu, softmax", None, None, "")
        QuizRequest(seed=7, topics=('relu', 'softmax'), difficulty='medium', count=None, image=None)
    """
    return QuizRequest(
        seed=_whole(seed, "seed", 0, MAX_SEED, default=0) or 0,
        topics=tuple(topic_names(topics)) if topics is not None and topics.strip() else None,
        difficulty=difficulty or "medium",
        count=_whole(count, "count", 1, MAX_COUNT, default=None),
        image=image or None,
    )


def _whole(value: str | int | None, name: str, low: int, high: int, default: int | None) -> int | None:
    if value is None or value == "":
        return default
    text = str(value).strip()
    if not re.fullmatch(r"\d{1,9}", text) or not low <= int(text) <= high:
        raise ConvScopeError(f"{name} must be a whole number from {low} to {high:,}, got {str(value)[:40]!r}")
    return int(text)


def shown_image(image_id: str, trace: Trace, samples: SampleSet) -> ShownImage:
    """The image on screen as the quiz names it: a sample by its file and true class, an upload as such."""
    if image_id not in samples:
        return ShownImage(trace=trace, name="your uploaded image", id=image_id)
    sample = samples.get(image_id)
    return ShownImage(trace=trace, name=f"the sample '{sample.file}'", id=image_id, class_index=sample.class_index)


def make_quiz(network: Network, request: QuizRequest, image: ShownImage | None) -> Quiz:
    return generate(
        network,
        seed=request.seed,
        topics=list(request.topics) if request.topics else None,
        count=request.count,
        difficulty=request.difficulty,
        image=image,
    )


def _question(q: Question) -> dict[str, Any]:
    """A question as the page shows it: everything but the answer and its explanation."""
    return {
        "id": q.id,
        "topic": q.topic,
        "text": q.text,
        "answer_type": q.kind,  # the question's kind: the page keeps "kind" for layers
        "unit": q.unit,
        "tolerance": q.tolerance,
        "view": q.view,
        "focus": asdict(q.focus),
        "needs_human_grader": q.needs_human,
    }


def quiz_payload(model_id: str, quiz: Quiz, request: QuizRequest) -> dict[str, Any]:
    return {
        "model": model_id,
        "seed": quiz.seed,
        "difficulty": quiz.difficulty,
        "count": request.count,
        "image": request.image,
        "topics": list(request.topics) if request.topics else [],
        "questions": [_question(q) for q in quiz],
        "skipped": [{"topic": t, "reason": r} for t, r in quiz.skipped.items()],
        "valid_topics": [{"name": t.name, "summary": t.summary} for t in TOPICS.values()],
    }


def verdict(quiz: Quiz, question_id: str, typed: str, reveal: bool) -> dict[str, Any]:
    """The verdict on ``typed`` for one question; the answer and explanation once right or when ``reveal``."""
    question = next((q for q in quiz if q.id == question_id), None)
    if question is None:
        raise NotFoundError(
            f"this quiz has no question '{question_id[:40]}'; its questions are {quiz[0].id}…{quiz[-1].id}"
            if len(quiz)
            else "this quiz has no questions"
        )
    result = check(question, typed) if typed.strip() or not reveal else None
    shown = reveal or (result is not None and result.correct is True)
    return {
        "id": question.id,
        "correct": result.correct if result else None,
        "message": result.message if result else "The answer, as the library computed it.",
        "answer": answer_text(question.answer) if shown else None,
        "explanation": question.explanation if shown else None,
    }
