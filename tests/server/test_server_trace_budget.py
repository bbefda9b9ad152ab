"""The trace cache is bounded in bytes: eviction order, the byte count, and the process's RSS.

No timing: the RSS check compares memory after many distinct traces with the budget,
on a model whose traces are far larger than the budget together.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import anyio
import pytest
import torch

from convscope.formats import zoo_network
from convscope.server import create_app
from convscope.server.budget import DEFAULT_CACHE_CAP, MIN_CACHE_MB, default_cache_bytes
from convscope.server.cache import LRUCache
from tests.server.images import png

MB = 2**20


def _rss() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def _upload(service, data: bytes):
    """``TraceService.upload`` as POST .../traces calls it, on an event loop of its own thread
    (the suite's main thread may already run one)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(anyio.run, service.upload, "big", data).result()


def test_values_past_the_byte_budget_evict_the_least_recently_used_first() -> None:
    cache: LRUCache[bytes] = LRUCache(maxsize=100, max_bytes=10, sizeof=len)
    cache.put("a", b"aaaa")
    cache.put("b", b"bbbb")
    assert cache.get("a") == b"aaaa"  # "a" is now the most recent; "b" goes first
    cache.put("c", b"cccc")
    assert cache.keys() == ["a", "c"] and cache.nbytes == 8 and cache.evictions == 1


def test_a_value_larger_than_the_budget_is_kept_alone_until_the_next_one() -> None:
    cache: LRUCache[bytes] = LRUCache(maxsize=100, max_bytes=10, sizeof=len)
    cache.put("small", b"xx")
    cache.put("huge", b"y" * 50)
    assert cache.keys() == ["huge"] and cache.nbytes == 50  # the request that made it reads it next
    cache.put("next", b"zz")
    assert cache.keys() == ["next"] and cache.nbytes == 2


def test_replacing_a_value_counts_its_bytes_once_and_clear_resets_them() -> None:
    cache: LRUCache[bytes] = LRUCache(maxsize=4, max_bytes=100, sizeof=len)
    cache.put("a", b"1234")
    cache.put("a", b"12")
    assert cache.nbytes == 2
    cache.clear()
    assert cache.nbytes == 0 and len(cache) == 0


def test_a_byte_budget_needs_a_size_function() -> None:
    with pytest.raises(ValueError, match="sizeof"):
        LRUCache(maxsize=2, max_bytes=10)


def test_the_default_budget_is_a_quarter_of_memory_capped_at_one_gibibyte() -> None:
    assert default_cache_bytes(physical=128 * 2**30) == DEFAULT_CACHE_CAP
    assert default_cache_bytes(physical=2 * 2**30) == 2**29
    assert default_cache_bytes(physical=1) == MIN_CACHE_MB * MB  # never so small that nothing fits


def test_a_trace_counts_the_bytes_of_every_output_once() -> None:
    network = zoo_network("tinyvgg", seed=2)
    trace = network.run(torch.rand(1, 3, 64, 64))
    storages = {t.untyped_storage().data_ptr(): t.untyped_storage().nbytes() for t in trace.outputs.values()}
    storages[trace.input.untyped_storage().data_ptr()] = trace.input.untyped_storage().nbytes()
    everything = sum(t.numel() * t.element_size() for t in (trace.input, *trace.outputs.values()))
    assert trace.nbytes == sum(storages.values())
    assert trace.nbytes < everything  # flatten is a view of the last pool: counted once, not twice


@pytest.mark.slow
def test_many_distinct_images_stay_within_the_cache_budget_in_bytes_and_in_rss() -> None:
    # ~13 MB per trace (40 filters of ~126×126 in float32, four such layers); the budget holds one or two.
    network = zoo_network("tinyvgg", seed=5, input_size=128, filters=40)
    app = create_app({"big": network}, samples_dir=None, cache_size=32, cache_mb=MIN_CACHE_MB)
    cache = app.state.service.cache
    budget = MIN_CACHE_MB * MB
    service = app.state.service
    for seed in range(3):  # warm up: torch's allocator, threads, Pillow
        _upload(service, png(128, 128, 1000 + seed))
    one_trace = cache.nbytes // len(cache)
    before = _rss()
    ids = []
    for seed in range(40):
        ids.append(_upload(service, png(128, 128, seed)).info["image"])
        assert cache.nbytes <= max(budget, one_trace)
    grown = _rss() - before
    assert one_trace > MB and 40 * one_trace > 8 * budget  # unbounded, these traces would hold 8× the budget
    assert cache.evictions >= 40 - len(cache)
    assert [key[1] for key in cache.keys()] == ids[-len(cache) :]  # the most recent images stay
    # RSS: the budget plus a few traces in flight and allocator slack, far below all 40 traces.
    assert grown <= budget + 4 * one_trace + 32 * MB, (grown / MB, one_trace / MB)
