"""Top-k passes for the web app: one worker thread per (model, dataset), results kept on disk.

A request for a model's top-k patches names a dataset; the first request starts
a job, every later one (while it runs, and after) gets the same job, so a pass
runs once. A job reads the dataset, then opens the results
:mod:`convscope.insight.store` kept for these weights and images (in the model's
own folder, where ``convscope insight topk`` writes them, or in the server's
cache folder); only when there are none does it run the pass, and it saves what
it computed in the cache folder. Jobs run one at a time, so two passes never
fight over the cores; a waiting job says ``queued``.

Example:
    >>> jobs = TopkJobs(Path("insight-cache"))
    >>> job = jobs.request(("default", "samples"), network, dataset, k=9)  # starts a pass  # doctest: +SKIP
    >>> job.progress()["status"]  # depends on the pass's timing  # doctest: +SKIP
    'loading'
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from convscope.errors import ConvScopeError
from convscope.insight.receptive import ReceptiveFields
from convscope.insight.store import dataset_fingerprint, load_tops, model_fingerprint, save_tops
from convscope.insight.topk import BATCH, LayerTop, top_k, topk_layers
from convscope.network import Network
from convscope.server.topk_datasets import LoadedData, TopkDataset

log = logging.getLogger(__name__)

#: The most examples per channel a request may ask for; every pass keeps this many.
K_MAX = 16


class _Closing(Exception):
    """Raised inside a pass when the server shuts down."""


@dataclass
class TopkResult:
    """A finished pass: the tops of every layer, and what a payload needs to show them."""

    tops: dict[str, LayerTop]
    fields: ReceptiveFields
    #: The images some channel's top-k names, by dataset index: uint8 ``(H, W, C)`` as the network saw them.
    images: dict[int, np.ndarray]
    labels: dict[int, str | None]
    ids: dict[int, str | None]
    dataset: dict[str, Any]
    #: True when the results were opened from disk rather than computed now.
    stored: bool

    @property
    def k(self) -> int:
        return min(top.k for top in self.tops.values())


@dataclass
class TopkJob:
    dataset: TopkDataset
    status: str = "queued"
    done: int = 0
    total: int = 0
    error: str | None = None
    #: The answer's status for a failed job: 400 for bad input, 503 when the server failed or is closing.
    error_status: int = 400
    result: TopkResult | None = None
    started: float = field(default_factory=time.monotonic)

    def progress(self) -> dict[str, Any]:
        """What the page shows while the pass runs."""
        return {
            "status": self.status,
            "done": self.done,
            "total": self.total or self.dataset.size,
            "seconds": round(time.monotonic() - self.started, 1),
            "dataset": self.dataset.to_dict(),
        }


class TopkJobs:
    """The server's top-k jobs, by key (model id, dataset id, network).

    Args:
        root: the cache folder results are saved under (one sub-folder per model's weights).
        folders: the ``serve --data`` image folders a pass may read, by name.
        batch: images per forward pass.
    """

    def __init__(self, root: str | Path, *, folders: Mapping[str, Path] | None = None, batch: int = BATCH) -> None:
        self.root = Path(root)
        self.folders = dict(folders or {})
        self.batch = batch
        self._jobs: dict[tuple[Any, ...], TopkJob] = {}
        self._lock = threading.Lock()
        self._one_at_a_time = threading.Lock()
        self._closing = threading.Event()

    def request(self, key: tuple[Any, ...], network: Network, dataset: TopkDataset, k: int) -> TopkJob:
        """The job for ``key``, started when there is none (or when a finished one kept fewer than ``k``).

        A failed job is handed out once, so its error is answered, and then forgotten: the next
        request tries again.
        """
        key = (*key, id(network))
        with self._lock:
            job = self._jobs.get(key)
            if job is not None and job.status == "failed":
                del self._jobs[key]
                return job
            if job is not None and job.result is not None and job.result.k < min(k, job.total):
                job = None  # kept fewer examples than now asked for
            if job is None:
                job = self._jobs[key] = TopkJob(dataset)
                worker = threading.Thread(
                    target=self._run, args=(job, network, k), name=f"topk-{dataset.id}", daemon=True
                )
                worker.start()
            return job

    def close(self) -> None:
        """Stop running passes at their next batch (the server is shutting down)."""
        self._closing.set()

    def folder_for(self, network: Network) -> Path:
        return self.root / model_fingerprint(network)

    def _run(self, job: TopkJob, network: Network, k: int) -> None:
        try:
            with self._one_at_a_time:
                if self._closing.is_set():
                    raise _Closing
                job.status = "loading"
                loaded = job.dataset.read(network.input_spec)
                job.total = len(loaded.data)
                job.result = self._result(job, network, loaded, min(k, job.total))
                job.status = "ready"
        except ConvScopeError as exc:
            self._fail(job, str(exc), 400)
        except _Closing:
            self._fail(job, "the server is shutting down; the top-k pass stopped", 503)
        except Exception as exc:  # a failed pass is answered with a message, never a hung page
            log.exception("top-k pass over %s failed", job.dataset.id)
            self._fail(job, f"the top-k pass failed ({type(exc).__name__}: {str(exc)[:200]}); try again", 503)

    def _fail(self, job: TopkJob, message: str, status: int) -> None:
        job.error, job.error_status = message, status
        job.status = "failed"

    def _result(self, job: TopkJob, network: Network, loaded: LoadedData, k: int) -> TopkResult:
        data = loaded.data
        fingerprint = dataset_fingerprint(data)
        names = {layer.name for layer in topk_layers(network)}
        tops, stored = None, True
        for folder in self._folders(network):
            found = load_tops(folder, fingerprint, network)
            if found is not None and names <= set(found) and all(found[n].k >= k for n in names):
                tops = found
                break
        if tops is None:
            stored = False
            job.status = "running"
            tops = top_k(network, data, k=max(k, min(K_MAX, len(data))), batch=self.batch, progress=self._advance(job))
            entry = {"source": job.dataset.id, "count": len(data), "k": tops[next(iter(tops))].k,
                     "model": model_fingerprint(network)}  # fmt: skip
            save_tops(self.folder_for(network), fingerprint, entry, tops)
        job.done = len(data)
        return _keep(job.dataset, loaded, fingerprint, tops, ReceptiveFields.of(network), stored)

    def _folders(self, network: Network) -> list[Path]:
        """Where stored results may be: the model's own folder (``convscope insight topk``), then the cache."""
        own = [network.samples_dir.parent] if network.samples_dir is not None else []
        return [*own, self.folder_for(network)]

    def _advance(self, job: TopkJob) -> Any:
        def advance(count: int) -> None:
            if self._closing.is_set():
                raise _Closing
            job.done += count

        return advance


def _keep(
    dataset: TopkDataset, loaded: LoadedData, fingerprint: str, tops: dict[str, LayerTop],
    fields: ReceptiveFields, stored: bool,
) -> TopkResult:  # fmt: skip
    """The result with only the images some top-k names (a pass over 10,000 images keeps a few hundred)."""
    data = loaded.data
    row_of = {int(s): row for row, s in enumerate(data.source_index.tolist())}  # type: ignore[union-attr]
    wanted = sorted({int(i) for top in tops.values() for i in top.index.flatten().tolist()})
    images = {i: data.images[row_of[i]].permute(1, 2, 0).numpy().copy() for i in wanted}  # (H, W, C)
    info = {**dataset.to_dict(), "size": len(data), "fingerprint": fingerprint}
    return TopkResult(
        tops=tops,
        fields=fields,
        images=images,
        labels={i: loaded.labels[row_of[i]] for i in wanted},
        ids={i: loaded.ids[row_of[i]] for i in wanted},
        dataset=info,
        stored=stored,
    )
