"""``/api/models``: the networks on offer and their layer graphs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from convscope.server.payload import model_detail, model_summary
from convscope.server.routes.common import errors, service
from convscope.server.schemas import ModelDetail, ModelSummary
from convscope.server.tracing import TraceService

router = APIRouter(prefix="/api/models", tags=["models"])


@router.get("", response_model=list[ModelSummary])
def list_models(svc: TraceService = Depends(service)) -> list[dict[str, Any]]:
    """Every model the server offers; the first is the default."""
    return [model_summary(model_id, network) for model_id, network in svc.models.items()]


@router.get("/{model_id}", response_model=ModelDetail, responses=errors(404))
def get_model(model_id: str, svc: TraceService = Depends(service)) -> dict[str, Any]:
    """One model with its input spec, classes and layer graph."""
    return model_detail(model_id, svc.models.get(model_id))
