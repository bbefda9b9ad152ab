"""The bounded trace cache and the image store."""

from __future__ import annotations

import threading
import time

import pytest

from convscope.server.cache import LRUCache
from convscope.server.uploads import UploadStore, image_id_of


def test_least_recently_used_value_is_dropped_first() -> None:
    cache: LRUCache[int] = LRUCache(maxsize=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent
    cache.put("c", 3)
    assert "b" not in cache and cache.get("a") == 1 and cache.get("c") == 3
    assert len(cache) == 2


def test_concurrent_requests_for_one_key_compute_it_once() -> None:
    cache: LRUCache[str] = LRUCache(maxsize=4)
    calls = []
    start = threading.Barrier(6)

    def compute() -> str:
        calls.append(1)
        time.sleep(0.05)
        return "trace"

    results = []

    def worker() -> None:
        start.wait()
        results.append(cache.get_or_compute(("m", "img"), compute))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["trace"] * 6
    assert len(calls) == 1 and cache.misses == 1


def test_different_keys_compute_in_parallel() -> None:
    # Each computation waits until the other has started: that can only happen if the two
    # keys compute at the same time (a cache that serialised them would break the barrier).
    cache: LRUCache[int] = LRUCache(maxsize=4)
    both_running = threading.Barrier(2, timeout=30)
    overlapped = []

    def compute() -> int:
        both_running.wait()
        overlapped.append(1)
        return 1

    threads = [threading.Thread(target=cache.get_or_compute, args=(k, compute)) for k in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlapped == [1, 1] and not both_running.broken
    assert cache.misses == 2


def test_a_failed_computation_is_not_cached_and_can_be_retried() -> None:
    cache: LRUCache[int] = LRUCache(maxsize=2)

    def fail() -> int:
        raise ValueError("bad image")

    with pytest.raises(ValueError, match="bad image"):
        cache.get_or_compute("k", fail)
    assert "k" not in cache
    assert cache.get_or_compute("k", lambda: 5) == 5


def test_maxsize_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        LRUCache(maxsize=0)


def test_image_store_keeps_recent_bytes_within_its_budget(tmp_path) -> None:
    store = UploadStore(tmp_path, max_bytes=10)
    first = store.add(b"12345")
    second = store.add(b"abcde")
    assert first == image_id_of(b"12345") and store.get(first) == b"12345"
    store.add(b"xyz")  # 13 bytes: the least recently used ("abcde", since first was just read) goes
    assert store.get(second) is None and store.get(first) == b"12345"
    assert store.add(b"12345") == first
