"""The FastAPI app factory.

Example:
    >>> from convscope.formats import zoo_network
    >>> app = create_app({"tiny": zoo_network("tinyvgg")})
    >>> sorted(p for p in app.openapi()["paths"] if p.startswith("/api/models"))[:2]
    ['/api/models', '/api/models/{model_id}']
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from convscope.errors import ConvScopeError
from convscope.inputs import MAX_IMAGE_BYTES, megabytes
from convscope.network import Network
from convscope.server import torch_thread
from convscope.server.guards import OriginGuard, RequestLimits, SecurityHeaders
from convscope.server.insight_jobs import VisualiseJobs
from convscope.server.paths import WEB_DIR
from convscope.server.registry import ModelRegistry, load_models
from convscope.server.routes import ROUTERS
from convscope.server.samples import ModelSamples
from convscope.server.topk_jobs import TopkJobs
from convscope.server.tracing import TraceService
from convscope.server.trained_models import offer_run_model
from convscope.server.training_runs import TrainingRuns
from convscope.server.uploads import UploadStore

#: Room for the multipart framing around an uploaded file.
_MULTIPART_ALLOWANCE = 64 * 1024
#: Environment variable through which ``convscope serve --workers N`` configures each worker.
SERVE_CONFIG_ENV = "CONVSCOPE_SERVE_CONFIG"


def create_app(
    models: Mapping[str, Network] | Sequence[str] = ("default",),
    *,
    samples_dir: Path | None = None,
    cache_size: int = 32,
    cache_mb: int | None = None,
    max_concurrent_traces: int = 2,
    uploads: UploadStore | str | Path | None = None,
    allowed_hosts: Collection[str] | None = None,
    max_upload_bytes: int = MAX_IMAGE_BYTES,
    max_url_bytes: int = 16384,
    runs_dir: str | Path | None = None,
    train_data: Sequence[str | Path] = (),
    insight_dir: str | Path | None = None,
    max_visualisations: int = 2,
) -> FastAPI:
    """Build the ConvScope app.

    Args:
        models: Networks by id, or ``MODEL`` specs (``default``, zoo names, model files);
            the first one is what the page shows first.
        samples_dir: a folder of images added to every model's own samples (``serve --samples``);
            ``None`` for each model's own only.
        cache_size: traces kept in memory at most.
        cache_mb: the most megabytes (MiB) the kept traces may hold (``serve --cache-mb``);
            ``None`` for min(1 GiB, a quarter of this machine's memory).
        max_concurrent_traces: forward passes running at the same time.
        uploads: the upload store, or the folder for one that several workers share;
            a private temporary folder when absent.
        allowed_hosts: host names the ``Host`` header may name (``None``: any); pages of
            other origins are refused either way.
        max_upload_bytes: the largest image file accepted; larger bodies are refused unread.
        max_url_bytes: the longest path plus query string accepted.
        runs_dir: the runs folder of the Train page (``serve --runs``); ``None``: no training.
        train_data: class-per-folder datasets the Train page offers besides Fashion-MNIST (``serve --data``);
            the top-k patches may look through them too.
        insight_dir: where top-k passes keep their results; ``None`` for ``insight/`` in ConvScope's
            cache folder (``$CONVSCOPE_HOME``, see ``formats.download.cache``).
        max_visualisations: feature visualisations the Insight page may run at the same time.
    """
    # Specs load on the torch thread, which runs every trace: loading runs forward passes.
    networks = dict(models) if isinstance(models, Mapping) else torch_thread.call(load_models, models)
    training = _training_runs(runs_dir, train_data) if runs_dir is not None else None
    topk = _topk_jobs(insight_dir, train_data)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        topk.close()  # a running pass stops at its next batch
        app.state.visualisations.close()  # no optimisation outlives its server either
        if training is not None:
            training.close()  # a training process never outlives its server

    app = FastAPI(
        title="ConvScope",
        summary="See a convolutional neural network compute",
        version="1",
        lifespan=lifespan,
    )
    app.state.service = TraceService(
        ModelRegistry(networks),
        ModelSamples.for_models(networks, samples_dir),
        cache_size=cache_size,
        cache_bytes=None if cache_mb is None else cache_mb * 2**20,
        max_concurrent=max_concurrent_traces,
        uploads=uploads if isinstance(uploads, UploadStore) or uploads is None else UploadStore(uploads),
        max_upload_bytes=max_upload_bytes,
    )
    app.state.training = training
    app.state.topk = topk
    app.state.visualisations = VisualiseJobs(app.state.service.models, max_running=max_visualisations)
    if training is not None:
        service = app.state.service
        training.on_finished = lambda name, folder: torch_thread.call(offer_run_model, service, name, folder)
    app.add_exception_handler(ConvScopeError, _convscope_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")
    # Added innermost first: security headers wrap every answer, refusals included.
    app.add_middleware(
        RequestLimits,
        max_url_bytes=max_url_bytes,
        max_body_bytes=max_upload_bytes + _MULTIPART_ALLOWANCE,
        file_limit_words=megabytes(max_upload_bytes),
    )
    app.add_middleware(OriginGuard, allowed_hosts=allowed_hosts)
    app.add_middleware(SecurityHeaders)
    return app


def _training_runs(runs_dir: str | Path, train_data: Sequence[str | Path]) -> TrainingRuns:
    """The Train page's runs: Fashion-MNIST when Debian's package is installed, plus ``serve --data`` folders."""
    from convscope.data.fashion_mnist import DEFAULT_ROOT, has_fashion_mnist

    datasets = {"fashion-mnist": "fashion-mnist"} if has_fashion_mnist(DEFAULT_ROOT) else {}
    for folder in train_data:
        path = Path(folder)
        if not path.is_dir():
            raise ConvScopeError(f"--data {path} is not a folder of class folders")
        datasets[path.resolve().name] = str(path.resolve())
    return TrainingRuns(runs_dir, datasets)


def _topk_jobs(insight_dir: str | Path | None, folders: Sequence[str | Path]) -> TopkJobs:
    from convscope.formats.download.cache import cache_root
    from convscope.server.topk_datasets import folder_datasets

    root = Path(insight_dir) if insight_dir is not None else cache_root() / "insight"
    return TopkJobs(root, folders=folder_datasets(tuple(folders)))


def app_from_environment() -> FastAPI:
    """The app one ``convscope serve --workers N`` worker runs (uvicorn calls it in each process).

    The parent process puts the options in :data:`SERVE_CONFIG_ENV` as JSON:
    ``models`` (MODEL specs), ``classes``, ``samples`` (``serve --samples``), ``uploads`` (the
    shared folder), ``allowed_hosts`` and ``cache_mb`` (each worker's own trace cache).
    """
    config = json.loads(os.environ[SERVE_CONFIG_ENV])
    networks = torch_thread.call(load_models, config["models"], classes=config.get("classes"))
    samples = Path(config["samples"]) if config.get("samples") else None
    return create_app(
        networks,
        samples_dir=samples,
        uploads=config["uploads"],
        allowed_hosts=config.get("allowed_hosts"),
        runs_dir=config.get("runs"),
        train_data=config.get("data", ()),
        cache_mb=config.get("cache_mb"),
    )


async def _convscope_error(request: Request, exc: Exception) -> JSONResponse:
    status = getattr(exc, "status", 400)
    return JSONResponse({"detail": str(exc)}, status_code=status)


#: How a 422 words pydantic's errors (the exported site's explorer words its refusals from here too).
VALIDATION_WORDS = {"invalid": "invalid request: {errors}", "part": "{where}: {msg}", "join": "; "}


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """Pydantic's error list as one line, so every 4xx body is ``{"detail": "message"}``."""
    assert isinstance(exc, RequestValidationError)
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path"))
        msg = str(error.get("msg", "invalid"))
        parts.append(VALIDATION_WORDS["part"].format(where=where, msg=msg) if where else msg)
    errors = VALIDATION_WORDS["join"].join(parts)
    return JSONResponse({"detail": VALIDATION_WORDS["invalid"].format(errors=errors)}, status_code=422)
