"""``/api/samples``: the default (first) model's sample images; ``/api/models/{id}/samples`` has every model's."""

from __future__ import annotations

import mimetypes
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse

from convscope.server.routes.common import errors, service
from convscope.server.schemas import SampleInfo
from convscope.server.tracing import TraceService

router = APIRouter(prefix="/api/samples", tags=["samples"])


@router.get("", response_model=list[SampleInfo])
def list_samples(svc: TraceService = Depends(service)) -> list[dict[str, Any]]:
    """The default model's sample images in listing order (empty when it has none)."""
    return [
        {"id": s.id, "label": s.label, "class_index": s.class_index, "url": f"api/samples/{s.id}/image"}
        for s in svc.samples
    ]


@router.get(
    "/{sample_id}/image",
    response_class=FileResponse,
    responses={200: {"content": {"image/png": {}, "image/jpeg": {}}}, **errors(404)},
)
def sample_image(sample_id: str, svc: TraceService = Depends(service)) -> FileResponse:
    """The sample's image file as stored."""
    sample = svc.samples.get(sample_id)
    media_type = mimetypes.guess_type(sample.path.name)[0] or "application/octet-stream"
    return FileResponse(sample.path, media_type=media_type)
