"""How many bytes of traces a server keeps: the ``serve --cache-mb`` default and each entry's size.

A cached trace holds every layer's float32 output (VGG-16 at 224×224: ~115 MB), so
the cache is bounded in bytes; its default is a fraction of this machine's memory,
capped so a laptop and a 128 GB server both keep it modest.

Example:
    >>> default_cache_bytes(physical=8 * 2**30) // 2**20
    1024
    >>> default_cache_bytes(physical=2 * 2**30) // 2**20
    512
"""

from __future__ import annotations

import os

#: The default budget: this fraction of physical memory, at most DEFAULT_CACHE_CAP bytes.
DEFAULT_CACHE_FRACTION = 0.25
DEFAULT_CACHE_CAP = 2**30
#: The smallest budget accepted (one small trace fits; anything less would cache nothing).
MIN_CACHE_MB = 16


def physical_memory() -> int | None:
    """This machine's memory in bytes, or ``None`` where the OS does not say."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def default_cache_bytes(physical: int | None = None) -> int:
    """min(1 GiB, a quarter of physical memory); 1 GiB where memory is unknown."""
    memory = physical if physical is not None else physical_memory()
    if memory is None:
        return DEFAULT_CACHE_CAP
    return max(MIN_CACHE_MB * 2**20, min(DEFAULT_CACHE_CAP, int(memory * DEFAULT_CACHE_FRACTION)))
