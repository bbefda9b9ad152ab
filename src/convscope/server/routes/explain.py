"""Detail views: step explanations of one value, intermediate conv maps, and the explorer's arithmetic."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response

from convscope.explain import explain_probabilities
from convscope.server.explain_payload import (
    arith_payload,
    finite,
    intermediate_message,
    padded_input_message,
    step_payload,
)
from convscope.server.layer_request import dedupe_channels
from convscope.server.routes.common import BINARY_RESPONSES, NO_STORE, binary_message, errors, service
from convscope.server.schemas import ArithInfo, StepInfo
from convscope.server.tracing import TraceService

router = APIRouter(tags=["explain"])
_TRACE = "/api/models/{model_id}/traces/{image_id}"


def get_position(
    channel: int | None = Query(None, description="Output channel of a (C, H, W) layer"),
    y: int | None = Query(None, description="Row of a (C, H, W) layer"),
    x: int | None = Query(None, description="Column of a (C, H, W) layer"),
    index: int | None = Query(None, description="Unit of an (F,) layer"),
) -> dict[str, int | None]:
    """The value a step explains: (channel, y, x) of a map or the index of a vector unit."""
    return {"channel": channel, "y": y, "x": x, "index": index}


async def explained(
    svc: TraceService, model_id: str, image_id: str, layer: str, position: dict[str, int | None]
) -> dict[str, Any]:
    """One position's explain payload, shared with its panel (``…/explanation``) through the trace's step cache."""
    entry = await svc.get(model_id, image_id)
    return await svc.build(step_payload, entry.trace, entry.steps, layer, position)


@router.get(f"{_TRACE}/layers/{{layer}}/explain", response_model=StepInfo, responses=errors(400, 404, 422))
async def explain_value(
    model_id: str,
    image_id: str,
    layer: str,
    position: dict[str, int | None] = Depends(get_position),
    svc: TraceService = Depends(service),
) -> JSONResponse:
    """How one output value was computed, step by step (``convscope.explain``)."""
    return JSONResponse(await explained(svc, model_id, image_id, layer, position), headers=NO_STORE)


@router.get(f"{_TRACE}/probabilities", response_model=StepInfo, responses=errors(400, 404, 422))
async def explain_softmax(
    model_id: str,
    image_id: str,
    index: int | None = Query(None, description="The class to single out; the predicted class when absent"),
    svc: TraceService = Depends(service),
) -> JSONResponse:
    """The softmax turning the class scores into probabilities (whether or not the model has a softmax layer)."""
    entry = await svc.get(model_id, image_id)
    step = explain_probabilities(entry.trace, index=index)  # one vector of class scores: small
    return JSONResponse(finite(step.to_dict()), headers=NO_STORE)


@router.get(
    f"{_TRACE}/layers/{{layer}}/intermediate",
    response_class=Response,
    responses=BINARY_RESPONSES,
)
async def get_intermediate(
    model_id: str,
    image_id: str,
    layer: str,
    channel: int = Query(description="Output channel of the conv layer"),
    input_channels: str | None = Query(
        None, description="Input channels to send, e.g. 0-15,20 (the whole group when absent)"
    ),
    dtype: Literal["float32", "float16"] = "float32",
    svc: TraceService = Depends(service),
) -> Response:
    """Each input channel's kernel slid over that channel alone: the elastic view's intermediate maps (binary)."""
    entry = await svc.get(model_id, image_id)
    input_channels = dedupe_channels(input_channels, entry.trace.network)
    body = await svc.build(
        intermediate_message, entry.trace, layer, channel=channel, input_channels=input_channels, dtype=dtype
    )
    return binary_message(body)


@router.get(
    f"{_TRACE}/layers/{{layer}}/padded-input",
    response_class=Response,
    responses=BINARY_RESPONSES,
)
async def get_padded_input(
    model_id: str,
    image_id: str,
    layer: str,
    channels: str | None = Query(None, description="Input channels to send, e.g. 0-15,20 (all when absent)"),
    dtype: Literal["float32", "float16"] = "float32",
    svc: TraceService = Depends(service),
) -> Response:
    """A conv layer's input with the padding its kernel reads, in the layer's padding mode (binary)."""
    entry = await svc.get(model_id, image_id)
    body = await svc.build(padded_input_message, entry.trace, layer, channels=channels, dtype=dtype)
    return binary_message(body)


@router.get("/api/arith", response_model=ArithInfo, responses=errors(400, 422), tags=["arithmetic"])
def get_arith(
    size: int = Query(description="Input H = W", ge=1, le=1024),
    kernel: int = Query(3, description="Kernel K", ge=1, le=64),
    stride: int | None = Query(None, description="Stride S (1 for a conv, K for a pool when absent)", ge=1, le=64),
    padding: str = Query("0", description="Padding P: a number, 'same' or 'valid'", max_length=8),
    dilation: int = Query(1, description="Dilation D", ge=1, le=64),
    pool: bool = Query(False, description="Max pooling instead of a convolution"),
    ceil_mode: bool = Query(False, description="The pool rounds up (PyTorch's ceil_mode); pooling only"),
) -> dict[str, Any]:
    """Output size by the floor rule (PyTorch) and the strict rule, in words, with every window's taps."""
    return arith_payload(
        size=size, kernel=kernel, stride=stride, padding=padding, dilation=dilation, pool=pool, ceil_mode=ceil_mode
    )
