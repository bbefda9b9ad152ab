"""The structure view's graph, the blocks explained, and the architectures comparison."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query

from convscope.server.architectures import comparison
from convscope.server.routes.common import errors, service
from convscope.server.structure_payload import inception_payload, parse_widths, residual_payload, structure_payload
from convscope.server.tracing import TraceService

router = APIRouter(tags=["structure"])


@router.get("/api/models/{model_id}/structure", responses=errors(404))
def get_structure(model_id: str, svc: TraceService = Depends(service)) -> dict[str, Any]:
    """The layer graph as a diagram's data: nodes with counts, edges (skips marked), blocks, totals."""
    return structure_payload(model_id, svc.models.get(model_id))


@router.get("/api/models/{model_id}/blocks/{block_id}/inception", responses=errors(400, 404, 422))
def get_inception(
    model_id: str,
    block_id: str,
    widths: str | None = Query(
        None, max_length=400, description="What-if filters per conv layer, e.g. inception3a.branch3.0.conv:8"
    ),
    svc: TraceService = Depends(service),
) -> dict[str, Any]:
    """An inception module's branches with shapes and costs, and each 1×1 bottleneck's saving."""
    return inception_payload(svc.models.get(model_id), block_id, parse_widths(widths))


@router.get("/api/models/{model_id}/traces/{image_id}/blocks/{block_id}/residual", responses=errors(400, 404, 422))
async def get_residual(
    model_id: str,
    image_id: str,
    block_id: str,
    channel: int | None = Query(None, ge=0, description="Channel of the block's sum"),
    y: int | None = Query(None, ge=0, description="Row of the block's sum"),
    x: int | None = Query(None, ge=0, description="Column of the block's sum"),
    svc: TraceService = Depends(service),
) -> dict[str, Any]:
    """A residual block's two paths and their sum at one position of the traced image."""
    entry = await svc.get(model_id, image_id)
    return await svc.build(residual_payload, entry.trace, block_id, channel=channel, y=y, x=x)


@router.get("/api/architectures", responses=errors(400, 404, 422))
def get_architectures(
    models: str = Query(
        max_length=400,
        description="Comma-separated served model ids or zoo names; 'zoo' for every zoo model (each built once, slow)",
    ),
    svc: TraceService = Depends(service),
) -> dict[str, Any]:
    """Models side by side: totals, conv vs dense parameters, every layer's shape and counts, year, paper, idea."""
    return comparison(models, dict(svc.models.items()))
