"""The FastAPI app factory.

Example:
    >>> from convscope.formats import zoo_network
    >>> app = create_app({"tiny": zoo_network("tinyvgg")})
    >>> sorted(p for p in app.openapi()["paths"] if p.startswith("/api/models"))[:2]
    ['/api/models', '/api/models/{model_id}']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from convscope.errors import ConvScopeError
from convscope.network import Network
from convscope.server.paths import WEB_DIR
from convscope.server.registry import ModelRegistry, load_models
from convscope.server.routes import ROUTERS
from convscope.server.samples import ModelSamples
from convscope.server.tracing import TraceService


def create_app(
    models: Mapping[str, Network] | Sequence[str] = ("default",),
    *,
    samples_dir: Path | None = None,
    cache_size: int = 32,
    max_concurrent_traces: int = 2,
) -> FastAPI:
    """Build the ConvScope app.

    Args:
        models: Networks by id, or ``MODEL`` specs (``default``, zoo names, model files);
            the first one is what the page shows first.
        samples_dir: a folder of images added to every model's own samples (``serve --samples``);
            ``None`` for each model's own only.
        cache_size: traces kept in memory.
        max_concurrent_traces: forward passes running at the same time.
    """
    networks = dict(models) if isinstance(models, Mapping) else load_models(models)
    app = FastAPI(
        title="ConvScope",
        summary="See a convolutional neural network compute",
        version="1",
    )
    app.state.service = TraceService(
        ModelRegistry(networks),
        ModelSamples.for_models(networks, samples_dir),
        cache_size=cache_size,
        max_concurrent=max_concurrent_traces,
    )
    app.add_exception_handler(ConvScopeError, _convscope_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")
    return app


async def _convscope_error(request: Request, exc: Exception) -> JSONResponse:
    status = getattr(exc, "status", 400)
    return JSONResponse({"detail": str(exc)}, status_code=status)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """Pydantic's error list as one line, so every 4xx body is ``{"detail": "message"}``."""
    assert isinstance(exc, RequestValidationError)
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid")))
    return JSONResponse({"detail": "invalid request: " + "; ".join(parts)}, status_code=422)
