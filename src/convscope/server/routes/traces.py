"""``/api/models/{model_id}/traces``: trace an image, then fetch its layers one by one."""

from __future__ import annotations

import math
from typing import Literal

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import Response

from convscope.inputs import check_image_size
from convscope.server.downsample import MAX_BOX, block_factor
from convscope.server.layer_request import check_size, plan_layers, unique_channels
from convscope.server.payload import layer_frames, layer_message
from convscope.server.routes.common import BINARY_RESPONSES, NO_STORE, binary_message, errors, service
from convscope.server.schemas import TraceInfo
from convscope.server.tracing import TracedImage, TraceService

router = APIRouter(prefix="/api/models/{model_id}/traces", tags=["traces"])
#: Activations are computed per image and may change when the server restarts with other models.


def _info(entry: TracedImage) -> Response:
    """The trace's JSON, written once when it was traced (``TracedImage.body``)."""
    return Response(entry.body, media_type="application/json")


@router.post("", response_model=TraceInfo, responses=errors(400, 404, 422))
async def upload_image(
    model_id: str,
    file: UploadFile = File(description="An image of any size and mode, at most 10 MB"),
    svc: TraceService = Depends(service),
) -> Response:
    """Trace an uploaded image; its id (SHA-256) then works in the GET routes below."""
    check_image_size(file.size or 0, svc.max_upload_bytes)  # the real size, known once the form is parsed
    data = await file.read(svc.max_upload_bytes + 1)  # one byte over the limit is enough to refuse it
    return _info(await svc.upload(model_id, data))


@router.get("/{image_id}", response_model=TraceInfo, responses=errors(400, 404, 422))
async def get_trace(model_id: str, image_id: str, svc: TraceService = Depends(service)) -> Response:
    """The trace of a sample or a recently uploaded image (computed once, then cached)."""
    return _info(await svc.get(model_id, image_id))


@router.get(
    "/{image_id}/image",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}, **errors(400, 404, 422)},
)
async def get_input_image(model_id: str, image_id: str, svc: TraceService = Depends(service)) -> Response:
    """The image as the network sees it: converted, resized and centre-cropped (PNG)."""
    entry = await svc.get(model_id, image_id)
    png = await svc.build(lambda: entry.png)  # encoded on first request (TracedImage.png)
    return Response(png, media_type="image/png", headers=NO_STORE)


@router.get(
    "/{image_id}/layers",
    response_class=Response,
    responses=BINARY_RESPONSES,
)
async def get_layers(
    model_id: str,
    image_id: str,
    names: str = Query(description="Layer names separated by commas"),
    dtype: Literal["float32", "float16", "auto"] = Query(
        "float32", description="auto: float16 for each layer whose three shown digits it keeps, else float32"
    ),
    first: int | None = Query(None, ge=1, description="At most this many channels of each (C, H, W) layer"),
    channels: str | None = Query(
        None,
        description="Channels of each layer, one list per name separated by ';', e.g. 0-15;7,3,12 (empty: first or all)",
    ),
    box: int | None = Query(
        None,
        ge=1,
        le=MAX_BOX,
        description="Cells a map is drawn in: larger maps come reduced by an integer factor (block mean for the "
        "input, max for non-negative maps, the value of largest magnitude for signed ones; see the headers)",
    ),
    svc: TraceService = Depends(service),
) -> Response:
    """Several layers' outputs in one response: aligned frames of tensor messages (``tensor_codec``)."""
    entry = await svc.get(model_id, image_id)
    names, channels, _ = plan_layers(entry.trace.network, names, channels, first=first, dtype=dtype, box=box)
    body = await svc.build(layer_frames, entry.trace, names, dtype=dtype, first=first, channels=channels, box=box)
    return binary_message(body)


@router.get(
    "/{image_id}/layers/{layer}",
    response_class=Response,
    responses=BINARY_RESPONSES,
)
async def get_layer(
    model_id: str,
    image_id: str,
    layer: str,
    dtype: Literal["float32", "float16", "auto"] = "float32",
    channels: str | None = Query(None, description="Channel indices and ranges, e.g. 0-15,20 (all when absent)"),
    box: int | None = Query(None, ge=1, le=MAX_BOX, description="Cells the map is drawn in, as for the layers route"),
    svc: TraceService = Depends(service),
) -> Response:
    """One layer's output as a binary tensor message (layout in ``convscope.server.tensor_codec``)."""
    entry = await svc.get(model_id, image_id)
    found = entry.trace.network.layer(layer)
    shape = found.output_shape
    if found.is_spatial and box is not None:
        k = block_factor(shape[1], shape[2], box)
        shape = (shape[0], -(-shape[1] // k), -(-shape[2] // k))
    size = math.prod(shape) * (2 if dtype == "float16" else 4)
    if found.is_spatial:
        channels, count = unique_channels(channels, shape[0])
        size = size // shape[0] * count
        check_size(size)
    body = await svc.build(layer_message, entry.trace, layer, dtype=dtype, channels=channels, box=box)
    return binary_message(body)
