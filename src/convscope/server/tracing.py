"""Turn an image id into a cached trace, off the event loop.

Decoding, preprocessing and the forward pass run in worker threads, at most
``max_concurrent`` at once, so a burst of uploads cannot starve the server;
finished traces sit in an :class:`LRUCache` keyed by (model id, image SHA-256),
bounded by count and by the bytes the traces hold (:mod:`convscope.server.budget`).
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

import anyio
from PIL import Image

from convscope.errors import ModelError, NotFoundError
from convscope.inputs import MAX_IMAGE_BYTES, decode_image
from convscope.server.budget import default_cache_bytes, info_bytes
from convscope.server.cache import LRUCache
from convscope.server.layer_request import SMALL_RESPONSE_BYTES
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
    """A cache entry: the trace, its JSON metadata and the image as the network sees it (PNG)."""

    trace: Trace
    info: dict[str, Any]
    png: bytes
    seconds: float
    #: Explain payloads by (layer, position), shared by the explain and panel routes so a
    #: position is explained once. Not counted in ``nbytes``: a few small dicts at most.
    steps: LRUCache[dict[str, Any]] = field(
        default_factory=lambda: LRUCache(STEP_CACHE_SIZE), compare=False, repr=False
    )

    @property
    def nbytes(self) -> int:
        """Bytes this entry holds: the activations, the info's Python objects and the PNG."""
        return self.trace.nbytes + info_bytes(self.info) + len(self.png)


class TraceService:
    """Images by id (samples and uploads), traced once per model and cached.

    Args:
        models: the networks on offer.
        samples: each model's sample images (ids are file stems).
        cache_size: traces kept at most.
        cache_bytes: the most bytes the kept traces may hold together (``None``: the
            machine's default, ``budget.default_cache_bytes``).
        max_concurrent: traces computed at the same time.
        uploads: where uploaded bytes are kept (a private temporary folder when absent).
        max_upload_bytes: the largest image file accepted.
        max_concurrent_builds: response bodies built at the same time (each at most
            ``layer_request.MAX_RESPONSE_BYTES``), which bounds their memory together.
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
        max_concurrent_builds: int = 4,
    ) -> None:
        self.models = models
        self.samples = samples
        self.images = uploads if uploads is not None else UploadStore()
        self.max_upload_bytes = max_upload_bytes
        budget = cache_bytes if cache_bytes is not None else default_cache_bytes()
        self.cache: LRUCache[TracedImage] = LRUCache(cache_size, max_bytes=budget, sizeof=lambda e: e.nbytes)
        self.limiter = anyio.CapacityLimiter(max_concurrent)
        self.builders = anyio.CapacityLimiter(max_concurrent_builds)

    async def build(self, function: Callable[..., T], *args: Any, size: int | None = None, **kwargs: Any) -> T:
        """Run a payload builder in a worker thread, so a large body never blocks the event loop.

        A builder whose body is known to be small (``size`` bytes, at most
        ``SMALL_RESPONSE_BYTES``) runs right here: the thread hop would cost more.
        """
        if size is not None and size <= SMALL_RESPONSE_BYTES:
            return function(*args, **kwargs)
        return await anyio.to_thread.run_sync(partial(function, *args, **kwargs), limiter=self.builders)

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
        work = partial(self._compute_cached, key, partial(self.compute, model_id, image_id, data))
        return await anyio.to_thread.run_sync(work, limiter=self.limiter)

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
        info = trace_info(trace, model_id=model_id, image_id=image_id, source=source)
        seconds = time.perf_counter() - start
        info["trace_ms"] = seconds * 1000.0
        return TracedImage(trace=trace, info=info, png=_png(spec.tensor_to_pixels(x)), seconds=seconds)


def _png(pixels: Any) -> bytes:
    """Encode uint8 ``(H, W, C)`` pixels as PNG (gray when C is 1)."""
    image = Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
