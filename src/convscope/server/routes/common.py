"""What every route module shares: the app's services and documented error answers."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from convscope.server.schemas import ErrorDetail
from convscope.server.tracing import TraceService


def service(request: Request) -> TraceService:
    """The app's TraceService (a FastAPI dependency)."""
    return request.app.state.service


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the given 4xx statuses."""
    return {status: {"model": ErrorDetail} for status in statuses}
