"""A bounded, thread-safe LRU cache that computes each missing value once.

Traces are computed in worker threads; two requests for the same trace that
arrive together must not run the network twice, so a per-key lock guards the
computation while the cache lock only guards the dictionary.

Example:
    >>> cache = LRUCache(maxsize=2)
    >>> cache.get_or_compute(("default", "ab12"), lambda: 42)
    42
    >>> ("default", "ab12") in cache
    True
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class LRUCache(Generic[V]):
    """At most ``maxsize`` values; the least recently used one is dropped first.

    Args:
        maxsize: how many values to keep (at least 1).
    """

    def __init__(self, maxsize: int = 32) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.maxsize = maxsize
        self._data: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[Hashable, list] = {}  # key -> [lock, users]
        #: How many values were computed (misses) and served from the cache (hits).
        self.misses = 0
        self.hits = 0

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._data

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def get(self, key: Hashable) -> V | None:
        """The cached value (marked as recently used) or ``None``."""
        with self._lock:
            if key not in self._data:
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return self._data[key]

    def put(self, key: Hashable, value: V) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def clear(self) -> None:
        """Drop every value (benchmarks use it to time cold traces)."""
        with self._lock:
            self._data.clear()

    def get_or_compute(self, key: Hashable, compute: Callable[[], V]) -> V:
        """The cached value, or ``compute()`` stored under ``key``; one computation per key at a time."""
        value = self.get(key)
        if value is not None:
            return value
        with self._lock:  # count users so the key lock is dropped only when nobody waits on it
            entry = self._key_locks.setdefault(key, [threading.Lock(), 0])
            entry[1] += 1
        try:
            with entry[0]:
                value = self.get(key)  # another thread may have finished it meanwhile
                if value is not None:
                    return value
                value = compute()
                with self._lock:
                    self.misses += 1
                self.put(key, value)
                return value
        finally:
            with self._lock:
                entry[1] -= 1
                if entry[1] == 0:
                    del self._key_locks[key]
