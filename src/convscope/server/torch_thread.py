"""The one thread a server runs its PyTorch work on: traces, payload builds, model loading.

Why one thread. PyTorch's CPU kernels run on OpenMP, and GNU OpenMP (the runtime of
PyTorch's Linux wheels) gives every thread that starts a parallel region a team of
helper threads of its own, kept until that thread exits. Once the teams' helpers
outnumber the cores, libgomp stops letting idle helpers spin and parks them, so every
kernel of every team then waits for its helpers to wake. On a 2-core machine a second
team is enough: GoogLeNet's recorded forward pass took 59 ms on one thread and 103 ms
once a second thread had run PyTorch, the per-channel ranges 12 → 33 ms, and both came
back when that thread exited (``/proc/self/task`` showed the extra team). A server
that traces in whichever worker thread is free makes a team per worker.

So the server hands every trace and every payload build to this thread, and loads its
models here too (building a Network runs a forward pass, which would give the loading
thread a team): one team for the process. Work runs one piece at a time, each piece
using every core. Jobs that run for minutes (top-k, visualisation, training) keep
threads of their own, so a trace never waits behind them; while one runs, its team
slows both.

How many cores a piece uses. Helpers that have slept (the server idles between a
reader's clicks) cost ~7 ms to wake on this kind of machine, more than a small network's
whole trace: CNN Explainer's TinyVGG traced in 11 ms on two cores after 0.4 s idle, 4.4 ms
on one; ResNet-18 in 61 ms on two, 84 on one. So a network below :data:`ONE_CORE_MULTS`
multiplications per image runs on one core (:func:`cores_for`), every other on all of them.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

import torch

T = TypeVar("T")

#: Below this many multiplications per image a network's work runs on one core (measured
#: crossover ~380 M on 2 cores: waking a helper costs more than it saves).
ONE_CORE_MULTS = 300_000_000

_LOCK = threading.Lock()
_EXECUTOR: ThreadPoolExecutor | None = None
_THREAD: threading.Thread | None = None
_ALL_CORES = 1  # PyTorch's intra-op threads when the torch thread started (OMP_NUM_THREADS or the cores)


def _remember_thread() -> None:
    global _THREAD, _ALL_CORES
    _THREAD = threading.current_thread()
    _ALL_CORES = torch.get_num_threads()


def cores_for(mults: int) -> int | None:
    """The cores a network of ``mults`` multiplications per image runs on: 1, or ``None`` for all."""
    return 1 if mults < ONE_CORE_MULTS else None


def _on_cores(cores: int | None, function: Callable[[], T]) -> T:
    """``function()`` with PyTorch's intra-op threads set to ``cores`` (``None``: all) for it."""
    wanted = min(cores, _ALL_CORES) if cores else _ALL_CORES
    if torch.get_num_threads() != wanted:  # set per thread (OpenMP's own setting), so jobs keep theirs
        torch.set_num_threads(wanted)
    return function()


def _executor() -> ThreadPoolExecutor:
    """The process's torch thread, started on first use; it lives as long as the process."""
    global _EXECUTOR
    with _LOCK:
        if _EXECUTOR is None:
            _EXECUTOR = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="convscope-torch", initializer=_remember_thread
            )
        return _EXECUTOR


def on_torch_thread() -> bool:
    """Whether the caller is the torch thread itself."""
    return _THREAD is not None and threading.current_thread() is _THREAD


def call(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``function(*args, **kwargs)`` on the torch thread, waiting for it (blocking).

    Called from the torch thread itself, it runs at once (waiting on its own queue
    would never return).
    """
    if on_torch_thread():
        return function(*args, **kwargs)
    return _executor().submit(_on_cores, None, partial(function, *args, **kwargs)).result()


async def run(function: Callable[..., T], *args: Any, cores: int | None = None, **kwargs: Any) -> T:
    """Await ``function(*args, **kwargs)`` run on the torch thread, the event loop free meanwhile.

    ``cores``: the intra-op threads it uses (``None``: all; see :func:`cores_for`).
    A request cancelled before its turn comes takes its work out of the queue; work
    already running finishes and its result is dropped.
    """
    return await asyncio.wrap_future(_executor().submit(_on_cores, cores, partial(function, *args, **kwargs)))
