"""Feature visualisations started from the Insight page, each run in a worker thread of its own.

A run of :func:`convscope.insight.visualize.visualize` takes seconds, far too long for a
request, so the page starts a job and polls it:

- **One job per request key** (model, layer and channel or class, steps, seed,
  parametrisation): a repeat request joins the job that is running or has finished,
  so a reload or a second tab costs nothing.
- **Bounded**: at most ``max_running`` jobs optimise at once, and a new one beyond that
  is refused (HTTP 429, "wait for one to finish"); the last ``keep`` jobs are kept, the
  oldest finished ones forgotten first.
- **Progress**: the step reached and the objective at every step so far, and, for
  small inputs, the image every few steps.
- **Stopped or failed jobs say why**: a stop request, the server shutting down, or
  the library's one-line error.

Jobs live in the process that started them: behind ``serve --workers N`` a poll that
reaches another worker gets a 404 ("start it again"), and the repeat request joins or
recomputes the same seeded result.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import torch

from convscope.errors import ConvScopeError, NotFoundError, first_line
from convscope.insight.visualize import check_request, visualize
from convscope.server.registry import ModelRegistry

#: Snapshots of the image during a run, at most; none for inputs over SNAPSHOT_VALUES values.
SNAPSHOTS = 8
SNAPSHOT_VALUES = 64 * 64 * 3


class BusyError(ConvScopeError):
    """Too many visualisations are running (HTTP 429)."""

    status = 429


class _Stopped(Exception):
    """Raised from the progress callback to end a run early."""


@dataclass(frozen=True)
class VisualiseRequest:
    """What a job computes; equal requests are one job."""

    model: str
    layer: str | None
    channel: int | None
    target: int | None
    steps: int
    seed: int
    parametrisation: str = "fourier"


@dataclass
class Job:
    id: str
    request: VisualiseRequest
    status: str = "running"  # running, done, stopped, failed
    step: int = 0
    curve: list[float] = field(default_factory=list)
    snapshots: list[tuple[int, torch.Tensor]] = field(default_factory=list)  # (step, image): lists only when sent
    pixels: torch.Tensor | None = None
    final: float | None = None
    message: str | None = None
    stop_reason: str | None = None
    thread: threading.Thread | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def describe(self, snapshots_from: int = 0) -> dict[str, Any]:
        """The job as the page polls it: settings, progress, the snapshots from number ``snapshots_from``
        on (a poll asks only for those it has not seen), and the image once done."""
        r = self.request
        with self.lock:
            return {
                "id": self.id,
                "model": r.model,
                "layer": r.layer,
                "channel": r.channel,
                "class": r.target,
                "steps": r.steps,
                "seed": r.seed,
                "parametrisation": r.parametrisation,
                "status": self.status,
                "step": self.step,
                "curve": list(self.curve),
                "final": self.final,
                "snapshots_from": snapshots_from,
                "snapshots": [
                    {"step": step, "pixels": image.tolist()} for step, image in self.snapshots[snapshots_from:]
                ],
                "pixels": None if self.pixels is None else self.pixels.tolist(),
                "message": self.message,
            }


class VisualiseJobs:
    """The visualisation jobs of one server process.

    Args:
        models: the served networks.
        max_running: jobs optimising at the same time.
        keep: jobs remembered (running ones included), the oldest finished ones dropped first.
    """

    def __init__(self, models: ModelRegistry, *, max_running: int = 2, keep: int = 16) -> None:
        if not 1 <= max_running < keep:
            raise ValueError("need 1 <= max_running < keep")
        self.models = models
        self.max_running = max_running
        self.keep = keep
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._by_request: dict[VisualiseRequest, str] = {}
        self._guard = threading.Lock()

    def start(self, request: VisualiseRequest) -> tuple[Job, bool]:
        """The job for ``request`` and whether it was already there (joined); bad requests fail here, not later."""
        network = self.models.get(request.model)
        check_request(
            network, layer=request.layer, channel=request.channel, target=request.target,
            steps=request.steps, parametrisation=request.parametrisation,
        )  # fmt: skip
        with self._guard:
            known = self._by_request.get(request)
            if known is not None and self._jobs[known].status in ("running", "done"):
                return self._jobs[known], True
            running = sum(job.status == "running" for job in self._jobs.values())
            if running >= self.max_running:
                raise BusyError(
                    f"{running} visualisations are running, the most this server runs at once; "
                    "wait for one to finish or stop one"
                )
            self._make_room()
            job = Job(secrets.token_hex(8), request)
            self._jobs[job.id] = job
            self._by_request[request] = job.id
            job.thread = threading.Thread(target=self._run, args=(job,), name=f"visualize-{job.id}", daemon=True)
            job.thread.start()
        return job, False

    def _make_room(self) -> None:
        """Forget the oldest finished jobs until one more fits (the caller holds the guard)."""
        while len(self._jobs) >= self.keep:
            oldest = next((j for j in self._jobs.values() if j.status != "running"), None)
            if oldest is None:  # cannot happen while max_running < keep
                break
            del self._jobs[oldest.id]
            if self._by_request.get(oldest.request) == oldest.id:
                del self._by_request[oldest.request]

    def get(self, job_id: str) -> Job:
        job = self._jobs.get(job_id)
        if job is None:
            raise NotFoundError(
                f"no visualisation job '{job_id[:40]}'; it finished long ago or ran on another worker, start it again"
            )
        return job

    def stop(self, job_id: str, reason: str = "stopped by a request") -> Job:
        """Ask a running job to end after its current step and wait for it; a finished job is left as it is."""
        job = self.get(job_id)
        with job.lock:
            if job.status == "running":
                job.stop_reason = reason
        if job.thread is not None and job.thread is not threading.current_thread():
            job.thread.join(30.0)
        return job

    def close(self) -> None:
        """Stop every running job (server shutdown)."""
        for job in list(self._jobs.values()):
            if job.status == "running":
                self.stop(job.id, "stopped: the server shut down")

    def _run(self, job: Job) -> None:
        r = job.request
        network = self.models.get(r.model)
        c, h, w = network.input_spec.shape
        every = max(1, r.steps // SNAPSHOTS) if c * h * w <= SNAPSHOT_VALUES else 0

        def progress(step: int, value: float) -> None:
            with job.lock:
                job.step = step
                job.curve.append(value)
                if job.stop_reason is not None:
                    raise _Stopped(job.stop_reason)

        def snapshot(step: int, pixels: torch.Tensor) -> None:
            with job.lock:
                job.snapshots.append((step, pixels.clone()))

        try:
            result = visualize(
                network, layer=r.layer, channel=r.channel, target=r.target, steps=r.steps, seed=r.seed,
                parametrisation=r.parametrisation, progress=progress, snapshot=snapshot, snapshot_every=every,
            )  # fmt: skip
        except _Stopped as stopped:
            self._end(job, "stopped", f"{stopped} at step {job.step} of {r.steps}")
        except ConvScopeError as error:
            self._end(job, "failed", str(error))
        except Exception as error:  # noqa: BLE001 - the page is told why rather than left polling forever
            self._end(job, "failed", f"the visualisation failed: {first_line(error)}")
        else:
            with job.lock:
                job.pixels = result.pixels
                job.final = result.final
                job.status = "done"

    def _end(self, job: Job, status: str, message: str) -> None:
        with job.lock:
            job.status = status
            job.message = message
