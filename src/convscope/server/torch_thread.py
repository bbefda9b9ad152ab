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
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")

_LOCK = threading.Lock()
_EXECUTOR: ThreadPoolExecutor | None = None
_THREAD: threading.Thread | None = None


def _remember_thread() -> None:
    global _THREAD
    _THREAD = threading.current_thread()


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
    return _executor().submit(function, *args, **kwargs).result()


async def run(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Await ``function(*args, **kwargs)`` run on the torch thread, the event loop free meanwhile.

    A request cancelled before its turn comes takes its work out of the queue; work
    already running finishes and its result is dropped.
    """
    return await asyncio.wrap_future(_executor().submit(partial(function, *args, **kwargs)))
