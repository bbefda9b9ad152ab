"""``/api/models/{model_id}/insight/topk``: the dataset patches that excite a channel most.

The pass over a dataset runs once per (model, dataset) in a worker thread
(:mod:`convscope.server.topk_jobs`); until it is done the patches route answers
202 with its progress, which the page polls; afterwards it answers at once.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from convscope.insight.topk import topk_layers
from convscope.server.routes.common import NO_STORE, errors, service
from convscope.server.topk_datasets import choose_dataset, offered_datasets
from convscope.server.topk_jobs import K_MAX, TopkJobs
from convscope.server.topk_payload import check_channel, progress_payload, topk_payload
from convscope.server.tracing import TraceService

router = APIRouter(prefix="/api/models/{model_id}/insight/topk", tags=["insight"])

#: Examples per channel when a request names none (Zeiler & Fergus's nine).
K_DEFAULT = 9


def jobs(request: Request) -> TopkJobs:
    return request.app.state.topk


@router.get("", responses=errors(404))
def get_topk_offer(model_id: str, svc: TraceService = Depends(service), topk: TopkJobs = Depends(jobs)) -> JSONResponse:
    """The layers whose channels have top-k patches, the datasets on offer (the default first) and k's range."""
    network = svc.models.get(model_id)
    offered = offered_datasets(network, svc.samples.of(model_id), topk.folders)
    return JSONResponse({
        "layers": [layer.name for layer in topk_layers(network)],
        "datasets": [d.to_dict() for d in offered],
        "default": offered[0].id if offered else None,
        "k": {"default": K_DEFAULT, "max": K_MAX},
    })  # fmt: skip


@router.get(
    "/{layer}", responses={202: {"description": "The pass is running: its progress"}, **errors(400, 404, 422, 503)}
)
def get_topk(
    model_id: str,
    layer: str,
    channel: int = Query(0, ge=0, description="The channel of the layer"),
    k: int = Query(K_DEFAULT, ge=1, le=K_MAX, description="Examples, best first"),
    data: str | None = Query(None, max_length=200, description="A dataset id from the offer; its default when absent"),
    svc: TraceService = Depends(service),
    topk: TopkJobs = Depends(jobs),
) -> JSONResponse:
    """The ``k`` patches of the dataset that excite ``channel`` most, or (202) the pass's progress."""
    network = svc.models.get(model_id)
    check_channel(network, layer, channel)
    dataset = choose_dataset(offered_datasets(network, svc.samples.of(model_id), topk.folders), data, network)
    job = topk.request((model_id, dataset.id), network, dataset, k)
    if job.status == "failed":
        return JSONResponse({"detail": job.error}, status_code=job.error_status, headers=NO_STORE)
    if job.result is None or job.status != "ready":
        return JSONResponse(progress_payload(job), status_code=202, headers=NO_STORE)
    return JSONResponse(topk_payload(network, job.result, layer, channel, k), headers=NO_STORE)
