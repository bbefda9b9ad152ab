"""``/api/…/insight``: attribution maps with their trust checks, filter pictures, classic kernels."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from convscope.insight.attribution import Method
from convscope.server.insight_payload import attribution_payload, filters_payload, kernels_payload, layers_payload
from convscope.server.routes.common import NO_STORE, errors, service
from convscope.server.tracing import TraceService

router = APIRouter(tags=["insight"])
_TRACE = "/api/models/{model_id}/traces/{image_id}"


@router.get(f"{_TRACE}/insight/attribution", responses=errors(400, 404, 422))
async def get_attribution(
    model_id: str,
    image_id: str,
    method: Method = Query(Method.GRADCAM, description="Attribution method"),
    target: int | None = Query(None, alias="class", description="Class index; the predicted class when absent"),
    layer: str | None = Query(None, max_length=200, description="Grad-CAM's layer; the last spatial one when absent"),
    steps: int = Query(32, ge=1, le=256, description="Integrated-gradients steps"),
    svc: TraceService = Depends(service),
) -> JSONResponse:
    """The map at input resolution with its sanity check, deletion/insertion curves and (IG) completeness."""
    entry = await svc.get(model_id, image_id)
    body = await svc.build(attribution_payload, entry.trace, str(method), target, layer, steps)
    return JSONResponse(body, headers=NO_STORE)


@router.get("/api/models/{model_id}/insight/layers", responses=errors(404))
def get_insight_layers(model_id: str, svc: TraceService = Depends(service)) -> JSONResponse:
    """The conv layers (for filters) and the layers with maps (for Grad-CAM), in graph order; the attribution methods."""
    return JSONResponse(layers_payload(svc.models.get(model_id)))


@router.get("/api/models/{model_id}/insight/filters/{layer}", responses=errors(400, 404, 422))
async def get_filters(
    model_id: str, layer: str, sort: bool = Query(False, description="Strongest filters first"),
    svc: TraceService = Depends(service),
) -> JSONResponse:  # fmt: skip
    """A conv layer's filters, their norms, the diverging range and the classic kernel each resembles."""
    network = svc.models.get(model_id)
    return JSONResponse(await svc.build(filters_payload, network, layer, sort))


@router.get(f"{_TRACE}/insight/kernels", responses=errors(400, 404, 422))
async def get_kernels(model_id: str, image_id: str, svc: TraceService = Depends(service)) -> JSONResponse:
    """Sobel x/y, Laplacian, blurs, sharpen and edge magnitude applied to the image."""
    entry = await svc.get(model_id, image_id)
    return JSONResponse(await svc.build(kernels_payload, entry.trace), headers=NO_STORE)
