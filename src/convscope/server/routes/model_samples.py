"""``/api/models/{model_id}/samples``: the sample images that belong to one model."""

from __future__ import annotations

import mimetypes
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse

from convscope.server.routes.common import errors, service
from convscope.server.schemas import SampleInfo
from convscope.server.tracing import TraceService

router = APIRouter(prefix="/api/models/{model_id}/samples", tags=["samples"])


@router.get("", response_model=list[SampleInfo], responses=errors(404))
def list_model_samples(model_id: str, svc: TraceService = Depends(service)) -> list[dict[str, Any]]:
    """This model's samples in listing order: its own, then any folder the server was given (empty when none)."""
    svc.models.get(model_id)  # an unknown model is a 404, not an empty gallery
    base = f"api/models/{quote(model_id, safe='')}/samples"
    return [
        {"id": s.id, "label": s.label, "class_index": s.class_index, "url": f"{base}/{quote(s.id, safe='')}/image"}
        for s in svc.samples.of(model_id)
    ]


@router.get(
    "/{sample_id}/image",
    response_class=FileResponse,
    responses={200: {"content": {"image/png": {}, "image/jpeg": {}}}, **errors(404)},
)
def model_sample_image(model_id: str, sample_id: str, svc: TraceService = Depends(service)) -> FileResponse:
    """The sample's image file as stored."""
    svc.models.get(model_id)
    sample = svc.samples.of(model_id).get(sample_id)
    media_type = mimetypes.guess_type(sample.path.name)[0] or "application/octet-stream"
    return FileResponse(sample.path, media_type=media_type)
