"""Explanation panels: each view's words with the loaded model's numbers (``convscope.teaching``)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from convscope.explain import explain_probabilities
from convscope.server.explain_payload import finite
from convscope.server.routes.common import NO_STORE, errors, service
from convscope.server.routes.explain import explained, get_arith, get_position
from convscope.server.schemas import PanelInfo
from convscope.server.tracing import TraceService
from convscope.teaching.explanations import explorer_panel, overview_panel, softmax_panel, step_panel

router = APIRouter(tags=["teaching"])
_TRACE = "/api/models/{model_id}/traces/{image_id}"
Order = Literal["chw", "hwc"]
_ORDER = Query("chw", description="How shapes are written: chw (PyTorch) or hwc (Keras, most courses)")


@router.get(f"{_TRACE}/layers/{{layer}}/explanation", response_model=PanelInfo, responses=errors(400, 404, 422))
async def layer_explanation(
    model_id: str,
    image_id: str,
    layer: str,
    position: dict[str, int | None] = Depends(get_position),
    input: int | None = Query(None, description="A conv layer's input channel: the formula view's panel"),
    order: Order = _ORDER,
    svc: TraceService = Depends(service),
) -> JSONResponse:
    """The panel of the view explaining one value, its worked lines read from that value's explain payload.

    The payload is the one ``…/explain`` sent for this position (the trace's step cache), not a second run.
    """
    step = await explained(svc, model_id, image_id, layer, position)
    network = svc.models.get(model_id)
    panel = step_panel(network, step, order=order, input_channel=input)
    return JSONResponse(panel.to_dict(), headers=NO_STORE)


@router.get(f"{_TRACE}/probabilities/explanation", response_model=PanelInfo, responses=errors(400, 404, 422))
async def softmax_explanation(
    model_id: str,
    image_id: str,
    index: int | None = Query(None, description="The class to single out; the predicted class when absent"),
    svc: TraceService = Depends(service),
) -> JSONResponse:
    """The softmax view's panel, worked from the same payload as ``…/probabilities``."""
    entry = await svc.get(model_id, image_id)
    step = explain_probabilities(entry.trace, index=index)
    return JSONResponse(softmax_panel(finite(step.to_dict())).to_dict(), headers=NO_STORE)


@router.get("/api/models/{model_id}/explanation", response_model=PanelInfo, responses=errors(404, 422))
def overview_explanation(model_id: str, order: Order = _ORDER, svc: TraceService = Depends(service)) -> dict[str, Any]:
    """The overview's introduction for a newcomer: what it shows, what can be clicked, this model's sizes."""
    return overview_panel(svc.models.get(model_id), order=order).to_dict()


@router.get("/api/explanation/explorer", response_model=PanelInfo, responses=errors(400, 422))
def explorer_explanation(payload: dict[str, Any] = Depends(get_arith)) -> dict[str, Any]:
    """The explorer's panel for the same settings ``/api/arith`` takes."""
    return explorer_panel(payload["report"]).to_dict()
