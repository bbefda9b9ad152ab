"""``/api/models/{model_id}/quiz``: the app's "Check yourself" questions, and verdicts on typed answers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from convscope.quiz import Quiz
from convscope.server.cache import LRUCache
from convscope.server.quiz_payload import QuizRequest, make_quiz, parse_request, quiz_payload, shown_image, verdict
from convscope.server.routes.common import errors, service
from convscope.server.schemas import QuizAnswer, QuizInfo, QuizVerdict
from convscope.server.tracing import TraceService

router = APIRouter(prefix="/api/models", tags=["quiz"])

#: Quizzes kept: each check regenerates its quiz from the request, which the cache makes cheap.
_QUIZZES_KEPT = 32


def quizzes(request: Request) -> LRUCache[Quiz]:
    """The app's cache of quizzes (a FastAPI dependency), made on first use beside its trace service."""
    state = request.app.state
    if not hasattr(state, "quizzes"):
        state.quizzes = LRUCache(_QUIZZES_KEPT)
    return state.quizzes


async def _quiz(svc: TraceService, cache: LRUCache[Quiz], model_id: str, request: QuizRequest) -> Quiz:
    network = svc.models.get(model_id)
    image = None
    if request.image is not None:
        traced = await svc.get(model_id, request.image)
        image = shown_image(request.image, traced.trace, svc.samples.of(model_id))
    key = (model_id, request)
    cached = cache.get(key)
    if cached is not None:
        return cached
    # generation traces receptive fields and sample images: off the event loop, like a payload
    return await svc.build(cache.get_or_compute, key, lambda: make_quiz(network, request, image))


@router.get("/{model_id}/quiz", response_model=QuizInfo, responses=errors(400, 404, 422))
async def get_quiz(
    model_id: str,
    seed: str | None = Query(None, description="Variant: 0 to 999,999,999 (0 when absent)"),
    topics: str | None = Query(None, description="Comma-separated topics (all when absent)"),
    difficulty: str | None = Query(None, description="easy, medium or hard (medium when absent)"),
    count: str | None = Query(None, description="Number of questions (one per topic when absent)"),
    image: str | None = Query(
        None, max_length=200, description="The image on screen: questions about a trace ask about it"
    ),
    svc: TraceService = Depends(service),
    cache: LRUCache[Quiz] = Depends(quizzes),
) -> dict[str, Any]:
    """The quiz's questions: text, kind, unit, tolerance and where the app shows the answer; never the answers."""
    request = parse_request(seed, topics, difficulty, count, image)
    return quiz_payload(model_id, await _quiz(svc, cache, model_id, request), request)


@router.post("/{model_id}/quiz/check", response_model=QuizVerdict, responses=errors(400, 404, 422))
async def check_answer(
    model_id: str, body: QuizAnswer, svc: TraceService = Depends(service), cache: LRUCache[Quiz] = Depends(quizzes)
) -> dict[str, Any]:
    """One typed answer checked against the library's, within the question's tolerance and in its unit."""
    request = parse_request(body.seed, body.topics, body.difficulty, body.count, body.image)
    return verdict(await _quiz(svc, cache, model_id, request), body.id, body.answer, body.reveal)
