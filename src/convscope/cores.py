"""How many cores a network's forward pass uses: one for small networks, all for big ones.

PyTorch's CPU kernels run on OpenMP helper threads, which go to sleep when the process
idles (as a server does between a reader's clicks, or a notebook between cells). Waking
them cost ~7 ms on a 2-core machine, more than a small network's whole pass: after 0.4 s
idle CNN Explainer's TinyVGG traced in 11 ms on two cores and 4.4 ms on one, while
ResNet-18 took 61 ms on two and 84 on one. The measured crossover was ~380 M
multiplications per image.

The rule belongs to the network, not to the caller: the core count can change the last
bits of a convolution's sums, and a trace must give the same numbers in the server, a
notebook and a test.

Example:
    >>> cores_for(6_000_000), cores_for(1_817_000_000)
    (1, None)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

#: Below this many multiplications per image a network runs on one core.
ONE_CORE_MULTS = 300_000_000


def cores_for(mults: int) -> int | None:
    """The cores a network of ``mults`` multiplications per image runs on: 1, or ``None`` for the caller's."""
    return 1 if mults < ONE_CORE_MULTS else None


@contextmanager
def using_cores(cores: int | None) -> Iterator[None]:
    """PyTorch's intra-op threads set to ``cores`` in this thread for the block (``None``: left alone).

    OpenMP keeps the setting per thread, so other threads keep theirs; the caller's comes back after.
    """
    before = torch.get_num_threads()
    if cores is None or cores >= before:
        yield
        return
    torch.set_num_threads(cores)
    try:
        yield
    finally:
        torch.set_num_threads(before)
