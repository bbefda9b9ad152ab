"""``/api/…/insight/visualize`` and ``/api/insight/jobs``: feature visualisation run in the background.

Starting checks the request at once (an unknown layer, a channel or class out of range:
a 4xx with the library's message) and hands the run to
:class:`~convscope.server.insight_jobs.VisualiseJobs`; the page then polls the job.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from convscope.server.insight_jobs import VisualiseJobs, VisualiseRequest
from convscope.server.routes.common import NO_STORE, errors
from convscope.server.schemas import VisualizeBody, VisualizeJobInfo

router = APIRouter(tags=["insight"])


def jobs(request: Request) -> VisualiseJobs:
    return request.app.state.visualisations


@router.post(
    "/api/models/{model_id}/insight/visualize", response_model=VisualizeJobInfo, responses=errors(400, 404, 422, 429)
)
def start_visualisation(model_id: str, body: VisualizeBody, request: Request) -> JSONResponse:
    """Start (or join) the run that maximises a channel of a layer, or a class's score."""
    wanted = VisualiseRequest(
        model=model_id, layer=body.layer, channel=body.channel, target=body.target,
        steps=body.steps, seed=body.seed, parametrisation=body.parametrisation,
    )  # fmt: skip
    job, joined = jobs(request).start(wanted)
    return JSONResponse({**job.describe(), "joined": joined}, headers=NO_STORE)


@router.get("/api/insight/jobs/{job_id}", response_model=VisualizeJobInfo, responses=errors(404, 422))
def get_job(
    job_id: str,
    request: Request,
    snapshots_from: int = Query(0, ge=0, le=10_000, description="Leave out the snapshots before this one"),
) -> JSONResponse:
    """The job's progress: the step reached, the objective so far, and the image once done."""
    return JSONResponse(jobs(request).get(job_id).describe(snapshots_from), headers=NO_STORE)


@router.post("/api/insight/jobs/{job_id}/stop", response_model=VisualizeJobInfo, responses=errors(404))
async def stop_job(job_id: str, request: Request) -> JSONResponse:
    """End a running job after its current step; it then says it was stopped, and at which step."""
    job = await run_in_threadpool(jobs(request).stop, job_id)
    return JSONResponse(job.describe(), headers=NO_STORE)
