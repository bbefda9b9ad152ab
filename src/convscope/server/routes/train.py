"""``/api/train``: training runs started, steered and followed from the Train page.

The routes only parse and call :class:`~convscope.server.training_runs.TrainingRuns`;
the settings go through the same :class:`~convscope.training.config.TrainConfig`
and the same data and architecture checks as ``convscope train``, so the page
shows the CLI's one-line message beside the control before a run starts.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
from fastapi import APIRouter, Body, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from convscope.errors import ConvScopeError, NotFoundError
from convscope.server.routes.common import NO_STORE, errors
from convscope.server.training_runs import TrainingRuns
from convscope.training.presets import PRESETS

router = APIRouter(prefix="/api/train", tags=["training"])

#: Seconds between looks at a running run's event file while nothing new has come.
FOLLOW_INTERVAL = 0.25
#: Seconds between keep-alive comments on a quiet stream (proxies close silent connections).
KEEPALIVE = 15.0


#: A message's ``--flag`` names the form field it is about (the CLI's flags are the form's fields).
_FLAG = re.compile(r"--([a-z][a-z-]*)")
#: Fields named by words rather than a flag.
_WORDS = (
    ("unknown dataset", "data"),
    ("dataset", "data"),
    ("run name", "name"),
    ("run named", "name"),
    ("augmentation", "augment"),
    ("option", "arch_options"),
    ("unknown model", "arch"),
    ("architecture", "arch"),
)


def field_of(message: str) -> str | None:
    """The form field a check's message is about, so the page shows it beside that control.

    Example:
        >>> field_of("--lr must be positive, got -1.0")
        'lr'
        >>> field_of("unknown dataset 'x'; this server offers: fashion-mnist")
        'data'
    """
    flag = _FLAG.search(message)
    if flag:
        name = flag.group(1).replace("-", "_")
        return "arch_options" if name == "arch_option" else name
    lower = message.lower()
    return next((field for words, field in _WORDS if words in lower), None)


async def _answer(work: Callable[[], Awaitable[dict[str, Any]]]) -> Any:
    """``work``'s answer, or its ConvScopeError as ``{"detail", "field"}`` with the error's status."""
    try:
        return await work()
    except ConvScopeError as exc:
        # A form's unknown architecture is bad input to this request, not a missing resource.
        status = 400 if isinstance(exc, NotFoundError) else getattr(exc, "status", 400)
        field = field_of(str(exc)) if status == 400 else None
        return JSONResponse({"detail": str(exc), "field": field}, status_code=status)


def runs(request: Request) -> TrainingRuns:
    training = getattr(request.app.state, "training", None)
    if training is None:
        raise ConvScopeError("this server was started without training (serve --runs)")
    return training


@router.get("/options", responses=errors(400))
def get_options(request: Request) -> dict[str, Any]:
    """What the form offers: architectures with their options, datasets, optimisers, schedules, augmentations."""
    from convscope.data.augment import Augmentation
    from convscope.training.config import OPTIMIZERS, SCHEDULES, TrainConfig
    from convscope.zoo import get_entry, list_models

    defaults = TrainConfig(arch="tinyvgg", data="fashion-mnist").to_dict()
    return {
        "architectures": [{"name": n, "options": _jsonable(get_entry(n).options())} for n in list_models()],
        "datasets": list(runs(request).datasets),
        "optimizers": list(OPTIMIZERS),
        "schedules": list(SCHEDULES),
        "augmentations": {
            k: {"default": v, "largest": Augmentation.LARGEST[k]} for k, v in Augmentation.DEFAULTS.items()
        },
        "defaults": {k: v for k, v in defaults.items() if k not in ("arch", "data", "device")},
        "dataset_shapes": {name: [1, 28, 28] for name in runs(request).datasets if name == "fashion-mnist"},
        "presets": [preset.to_dict() for preset in PRESETS],
    }


def _jsonable(options: dict[str, Any]) -> dict[str, Any]:
    return {k: v if isinstance(v, bool | int | float | str) or v is None else str(v) for k, v in options.items()}


@router.post("/check", responses=errors(400, 422))
async def check(request: Request, body: dict[str, Any] = Body(...)) -> Any:
    """The CLI's checks of a run's settings, data and architecture, without training."""
    training = runs(request)

    async def work() -> dict[str, Any]:
        config = training.config_from(body)
        return {"ok": True, **(await run_in_threadpool(training.check, config))}

    return await _answer(work)


@router.get("/augment-preview", responses=errors(400, 422))
async def augment_preview(
    request: Request,
    data: str = "fashion-mnist",
    augment: list[str] = Query(default=[]),
    count: int = 4,
    seed: int = 0,
) -> Any:
    """Each augmentation alone and all together on ``count`` seeded training samples, as PNG data URLs.

    The pictures ``convscope augment-preview`` draws; a bad setting gets the form's field-named message.
    """
    training = runs(request)

    async def work() -> dict[str, Any]:
        return await run_in_threadpool(training.augment_preview, data, augment, count=count, seed=seed)

    return await _answer(work)


@router.get("/runs", responses=errors(400))
def list_runs(request: Request) -> list[dict[str, Any]]:
    """Every run folder under ``serve --runs``, newest first, with its status."""
    return runs(request).all()


@router.post("/start", responses=errors(400, 409, 422))
async def start_run(request: Request, body: dict[str, Any] = Body(...)) -> Any:
    """Check the settings as ``convscope train`` does, then start it in its own process.

    A path of its own rather than ``POST /runs``: a path with two routes answers OPTIONS
    with only the first route's method in ``Allow``.
    """
    training = runs(request)

    async def work() -> dict[str, Any]:
        name = str(body.get("name") or "")
        training.folder(name)  # a bad name fails before the data is read
        config = training.config_from(body)
        await run_in_threadpool(training.check, config)
        return training.start(name, config)

    return await _answer(work)


@router.get("/runs/{name}", responses=errors(400, 404))
def get_run(request: Request, name: str) -> dict[str, Any]:
    return runs(request).describe(name)


@router.get("/runs/{name}/metrics", responses=errors(400, 404))
def get_metrics(request: Request, name: str) -> dict[str, Any]:
    """The run's ``metrics.json`` epochs, for the runs overlaid on one chart."""
    return runs(request).metrics(name)


@router.post("/runs/{name}/pause", responses=errors(400, 404))
def pause_run(request: Request, name: str) -> dict[str, Any]:
    return runs(request).pause(name)


@router.post("/runs/{name}/unpause", responses=errors(400, 404))
def unpause_run(request: Request, name: str) -> dict[str, Any]:
    return runs(request).unpause(name)


@router.post("/runs/{name}/stop", responses=errors(400, 404))
async def stop_run(request: Request, name: str) -> dict[str, Any]:
    return await run_in_threadpool(runs(request).stop, name)


@router.post("/runs/{name}/resume", responses=errors(400, 404, 409))
def resume_run(request: Request, name: str) -> dict[str, Any]:
    """Continue a stopped or interrupted run from its last finished epoch (``convscope train --resume``)."""
    return runs(request).resume(name)


@router.post("/runs/{name}/open", responses=errors(400, 404))
async def open_run(request: Request, name: str) -> dict[str, Any]:
    """Add a finished run's model to the models this server offers; the explainer can then open it."""
    from convscope.server import torch_thread
    from convscope.server.trained_models import offer_run_model

    training = runs(request)
    if training.status(name) != "finished":
        raise ConvScopeError(f"run '{name}' has not finished; its model is written when training ends")
    model_id = await torch_thread.run(offer_run_model, request.app.state.service, name, training.existing(name))
    return {"model": model_id}


@router.get("/runs/{name}/misclassified", responses=errors(400, 404, 422))
async def misclassified(request: Request, name: str, true: int, predicted: int) -> dict[str, Any]:
    """The test images of one cell of the confusion matrix: class ``true`` predicted as ``predicted``."""
    return await run_in_threadpool(runs(request).misclassified, name, true, predicted)


@router.get("/runs/{name}/events", responses=errors(400, 404))
async def follow_run(request: Request, name: str) -> StreamingResponse:
    """The run's live events as server-sent events: everything so far, then each new one as it is written."""
    training = runs(request)
    training.existing(name)

    async def stream() -> AsyncIterator[bytes]:
        offset, quiet = 0, 0.0
        while True:
            events, offset = training.events(name, offset)
            for event in events:
                yield f"data: {json.dumps(event, separators=(',', ':'))}\n\n".encode()
            if events:
                quiet = 0.0
            ended = training.status(name) not in ("running", "paused")
            if ended and not events:
                # One last read: the process may have written its last word as it ended.
                last, offset = training.events(name, offset)
                for event in last:
                    yield f"data: {json.dumps(event, separators=(',', ':'))}\n\n".encode()
                yield b"event: end\ndata: {}\n\n"
                return
            if await request.is_disconnected():
                return
            await anyio.sleep(FOLLOW_INTERVAL)
            quiet += FOLLOW_INTERVAL
            if quiet >= KEEPALIVE:
                quiet = 0.0
                yield b": still training\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream", headers={**NO_STORE, "X-Accel-Buffering": "no"})
