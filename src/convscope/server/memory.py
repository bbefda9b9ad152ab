"""Hand memory freed by evicted traces back to the operating system.

A trace's outputs are tens of megabytes of tensors allocated in worker threads.
glibc keeps freed chunks of that size in per-thread arenas instead of unmapping
them, so without a trim the process's RSS stays at its high-water mark (VGG-16:
~800 MB over the cache budget after 30 images) although the cache itself is
within budget. ``malloc_trim(0)`` returns the free pages of every arena.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): its allocator returns memory itself
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_free_memory() -> bool:
    """Return free heap pages to the OS where the C library can; True when it could."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
