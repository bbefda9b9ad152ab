"""A bounded, thread-safe LRU cache that computes each missing value once.

Traces are computed in worker threads; two requests for the same trace that
arrive together must not run the network twice, so a per-key lock guards the
computation while the cache lock only guards the dictionary.

The cache is bounded by a count and, when ``max_bytes`` is given, by the bytes
its values hold (``sizeof``): a VGG-16 trace holds ~115 MB, a TinyVGG one
~0.5 MB, so a count alone either wastes memory or exhausts it.

Example:
    >>> cache = LRUCache(maxsize=2)
    >>> cache.get_or_compute(("default", "ab12"), lambda: 42)
    42
    >>> ("default", "ab12") in cache
    True
    >>> sized = LRUCache(maxsize=8, max_bytes=10, sizeof=len)
    >>> for key in "abc":
    ...     sized.put(key, key * 4)
    >>> sorted(sized.keys()), sized.nbytes
    (['b', 'c'], 8)
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class LRUCache(Generic[V]):
    """At most ``maxsize`` values and ``max_bytes`` bytes; the least recently used value is dropped first.

    The newest value is kept even when it alone is over ``max_bytes``: the request
    that computed it reads it next, and the following one evicts it.

    Args:
        maxsize: how many values to keep (at least 1).
        max_bytes: the most bytes the values may hold together (``None``: no byte bound).
        sizeof: the bytes one value holds; needed with ``max_bytes``.
    """

    def __init__(
        self, maxsize: int = 32, *, max_bytes: int | None = None, sizeof: Callable[[V], int] | None = None
    ) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        if max_bytes is not None and (max_bytes < 1 or sizeof is None):
            raise ValueError("max_bytes must be at least 1 and needs sizeof")
        self.maxsize = maxsize
        self.max_bytes = max_bytes
        self._sizeof = sizeof
        self._sizes: dict[Hashable, int] = {}
        #: Bytes the cached values hold (0 without ``sizeof``).
        self.nbytes = 0
        #: How many values were dropped to stay within the bounds.
        self.evictions = 0
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

    def keys(self) -> list[Hashable]:
        """The cached keys, least recently used first."""
        with self._lock:
            return list(self._data)

    def get(self, key: Hashable) -> V | None:
        """The cached value (marked as recently used) or ``None``."""
        with self._lock:
            if key not in self._data:
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return self._data[key]

    def put(self, key: Hashable, value: V) -> None:
        size = self._sizeof(value) if self._sizeof is not None else 0  # outside the lock: it may walk a trace
        with self._lock:
            self.nbytes += size - self._sizes.get(key, 0)
            self._sizes[key] = size
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > 1 and (
                len(self._data) > self.maxsize or (self.max_bytes is not None and self.nbytes > self.max_bytes)
            ):
                old, _ = self._data.popitem(last=False)
                self.nbytes -= self._sizes.pop(old)
                self.evictions += 1

    def clear(self) -> None:
        """Drop every value (benchmarks use it to time cold traces)."""
        with self._lock:
            self._data.clear()
            self._sizes.clear()
            self.nbytes = 0

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
