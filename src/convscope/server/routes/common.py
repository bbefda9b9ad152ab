"""What every route module shares: the app's services and documented error answers."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from convscope.server.schemas import ErrorDetail
from convscope.server.tracing import TraceService


def service(request: Request) -> TraceService:
    """The app's TraceService (a FastAPI dependency)."""
    return request.app.state.service


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the given 4xx statuses."""
    return {status: {"model": ErrorDetail} for status in statuses}


#: Traces differ per upload and model; the browser must not reuse an old answer.
NO_STORE = {"Cache-Control": "no-store"}

#: The OpenAPI ``responses`` of a route that answers a binary tensor message.
BINARY_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/octet-stream": {}}},
    **errors(400, 404, 422),
}


def binary_message(body: bytes) -> Response:
    """A tensor message (``server.tensor_codec``) as an uncached binary response."""
    return Response(body, media_type="application/octet-stream", headers=NO_STORE)
