"""Turn an image id into a cached trace, off the event loop.

Decoding, preprocessing and the forward pass run on the server's torch thread
(:mod:`convscope.server.torch_thread`), at most ``max_concurrent`` traces admitted
at once, so a burst of uploads cannot starve the server; payload builds run there
too. Finished traces sit in an :class:`LRUCache` keyed by (model id, image SHA-256),
bounded by count and by the bytes the traces hold (:mod:`convscope.server.budget`).
"""

from __future__ import annotations

import gc
import io
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any, TypeVar
from urllib.parse import quote

import anyio
import pydantic_core
from PIL import Image

from convscope.cores import cores_for, using_cores
from convscope.errors import ModelError, NotFoundError
from convscope.inputs import MAX_IMAGE_BYTES, decode_image
from convscope.network import Network
from convscope.server import torch_thread
from convscope.server.budget import default_cache_bytes
from convscope.server.cache import LRUCache
from convscope.server.memory import release_free_memory
from convscope.server.payload import source_notes, trace_info
from convscope.server.registry import ModelRegistry
from convscope.server.samples import ModelSamples
from convscope.server.uploads import UploadStore, image_id_of
from convscope.trace import Trace

T = TypeVar("T")

#: Explain payloads kept per trace: a detail view asks for one position's step and then
#: for its panel, so a few cover the repeats. A payload of a 512-channel 3×3 conv is
#: ~0.3 MB of JSON (~1 MB as Python objects), outside the trace cache's byte budget,
#: so the count stays small.
STEP_CACHE_SIZE = 4


@dataclass(frozen=True)
class TracedImage:
    """A cache entry: the trace, its JSON metadata (as the trace route's body) and the input PNG."""

    trace: Trace
    #: The trace route's JSON (``payload.trace_info`` with the URLs of ``trace_urls``), written
    #: once on the torch thread. Only these bytes are kept, not the dict: GoogLeNet's info is
    #: ~1.5 MB of JSON and ~35,000 small lists, and validating and encoding it per request
    #: on the event loop cost more than the forward pass; kept as lists in the cache, every
    #: trace would also lengthen each full pass of Python's garbage collector.
    body: bytes
    seconds: float
    #: Explain payloads by (layer, position), shared by the explain and panel routes so a
    #: position is explained once. Not counted in ``nbytes``: a few small dicts at most.
    steps: LRUCache[dict[str, Any]] = field(
        default_factory=lambda: LRUCache(STEP_CACHE_SIZE), compare=False, repr=False
    )

    @property
    def info(self) -> dict[str, Any]:
        """The trace's metadata as Python objects (``payload.trace_info`` and ``trace_ms``), read from ``body``."""
        info = json.loads(self.body)
        for url in ("image_url", "layers_url"):
            del info[url]
        return info

    @cached_property
    def png(self) -> bytes:
        """The image as the network sees it (PNG), encoded when first asked for, on the torch thread.

        Not while tracing: the browser asks for it after the maps are drawn, and encoding
        VGG-16's 224×224 input took 5 ms of a fresh switch.
        """
        spec = self.trace.network.input_spec
        return _png(spec.tensor_to_pixels(self.trace.input))

    @property
    def nbytes(self) -> int:
        """Bytes this entry holds: the activations and the JSON body.

        The PNG is left out: it is written later, and at ~0.1 MB it is under 1 % of a
        224×224 trace.
        """
        return self.trace.nbytes + len(self.body)


class TraceService:
    """Images by id (samples and uploads), traced once per model and cached.

    Args:
        models: the networks on offer.
        samples: each model's sample images (ids are file stems).
        cache_size: traces kept at most.
        cache_bytes: the most bytes the kept traces may hold together (``None``: the
            machine's default, ``budget.default_cache_bytes``).
        max_concurrent: traces admitted at the same time (they run one after another on
            the torch thread; a request past this waits without queueing work).
        uploads: where uploaded bytes are kept (a private temporary folder when absent).
        max_upload_bytes: the largest image file accepted.

    Response bodies are built on the torch thread too, one at a time, so at most one
    body under construction (each at most ``layer_request.MAX_RESPONSE_BYTES``) exists.
    """

    def __init__(
        self,
        models: ModelRegistry,
        samples: ModelSamples,
        *,
        cache_size: int = 32,
        cache_bytes: int | None = None,
        max_concurrent: int = 2,
        uploads: UploadStore | None = None,
        max_upload_bytes: int = MAX_IMAGE_BYTES,
    ) -> None:
        self.models = models
        self.samples = samples
        self.images = uploads if uploads is not None else UploadStore()
        self.max_upload_bytes = max_upload_bytes
        budget = cache_bytes if cache_bytes is not None else default_cache_bytes()
        self.cache: LRUCache[TracedImage] = LRUCache(cache_size, max_bytes=budget, sizeof=lambda e: e.nbytes)
        self.limiter = anyio.CapacityLimiter(max_concurrent)

    async def build(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a payload builder on the torch thread, so no body blocks the event loop.

        Small bodies go there too: PyTorch work on the event loop's thread would give it
        an OpenMP team of its own and slow every kernel (see ``torch_thread``).
        """
        return await torch_thread.run(function, *args, **kwargs)

    def image_bytes(self, image_id: str, model_id: str | None = None) -> bytes:
        """A sample of ``model_id`` (the default model when ``None``) or a stored upload."""
        samples = self.samples.of(model_id or self.models.default_id)
        if image_id in samples:
            return samples.get(image_id).read_bytes()
        data = self.images.get(image_id)
        if data is None:
            raise NotFoundError(
                f"unknown image '{image_id[:80]}'; choose a sample or upload the image again (the server keeps recent uploads only)"
            )
        return data

    async def upload(self, model_id: str, data: bytes) -> TracedImage:
        """Trace uploaded bytes; they are stored only once they decode as an image."""
        self.models.get(model_id)
        image_id = image_id_of(data)
        entry = await self._traced(model_id, image_id, data)
        await anyio.to_thread.run_sync(self.images.add, data)
        return entry

    async def get(self, model_id: str, image_id: str) -> TracedImage:
        """The trace of a sample or a stored upload, computed on first request."""
        self.models.get(model_id)
        cached = self.cache.get((model_id, image_id))
        if cached is not None:
            return cached
        data = await anyio.to_thread.run_sync(self.image_bytes, image_id, model_id)
        return await self._traced(model_id, image_id, data)

    async def _traced(self, model_id: str, image_id: str, data: bytes) -> TracedImage:
        key = (model_id, image_id)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        async with self.limiter:
            return await torch_thread.run(self._compute_cached, key, partial(self.compute, model_id, image_id, data))

    def _compute_cached(self, key: tuple[str, str], compute: Callable[[], TracedImage]) -> TracedImage:
        """The cached entry or a new one; when storing it evicted older traces, their memory goes back to the OS."""
        evicted = self.cache.evictions
        entry = self.cache.get_or_compute(key, compute)
        if self.cache.evictions != evicted:
            release_free_memory()
        return entry

    def compute(self, model_id: str, image_id: str, data: bytes) -> TracedImage:
        """Decode, preprocess, run and format one image (blocking; call from a worker thread)."""
        network = self.models.get(model_id)
        # The summary's per-channel ranges on the cores the pass ran on (convscope.cores): a
        # small network's on one, as waking a sleeping helper costs more than the work.
        with using_cores(cores_for(network.total_mults)):
            return self._compute(network, model_id, image_id, data)

    def _compute(self, network: Network, model_id: str, image_id: str, data: bytes) -> TracedImage:
        spec = network.input_spec
        start = time.perf_counter()
        image = decode_image(data, max_bytes=self.max_upload_bytes)
        x = spec.preprocess(image)  # (1, C, H, W)
        trace = network.run(x)
        broken = trace.first_non_finite()
        if broken is not None:  # JSON cannot carry NaN, and a view of it would explain nothing
            raise ModelError(
                f"layer '{broken}' of model '{model_id}' produced NaN or infinite values for this image; "
                "the model's weights or input scaling are broken"
            )
        source = {
            "width": image.size[0],
            "height": image.size[1],
            "mode": image.mode,
            "notes": source_notes(image, (spec.width, spec.height), spec.mode),
        }
        with collector_paused():
            info = trace_info(trace, model_id=model_id, image_id=image_id, source=source)
            seconds = time.perf_counter() - start
            info["trace_ms"] = seconds * 1000.0
            body = pydantic_core.to_json({**info, **trace_urls(model_id, image_id)})
            del info  # its lists go now, by reference count, while the collector is off
        return TracedImage(trace=trace, body=body, seconds=seconds)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for a block that builds and drops many small objects.

    A trace's info is ~35,000 lists (GoogLeNet). Built with the collector on, they set off
    dozens of young-generation passes and, every few traces, a full pass over the whole
    process (models, FastAPI, PyTorch): 220-280 ms inside a 130 ms trace, measured in the
    browser benchmark. The lists hold no cycles and are freed by reference count before
    the collector comes back, so nothing is left for it.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def trace_urls(model_id: str, image_id: str) -> dict[str, str]:
    """Where the browser fetches a trace's input image and its layers (relative to the app)."""
    base = f"api/models/{quote(model_id, safe='')}/traces/{quote(image_id, safe='')}"
    return {"image_url": f"{base}/image", "layers_url": f"{base}/layers/"}


def _png(pixels: Any) -> bytes:
    """Encode uint8 ``(H, W, C)`` pixels as PNG (gray when C is 1)."""
    image = Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
