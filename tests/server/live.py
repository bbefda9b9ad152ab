"""Run a real uvicorn server in a background thread for tests and benchmarks."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: As ``convscope serve`` sets it: a request head this long still reaches the app, which answers 414 in JSON.
MAX_HEAD_BYTES = 64 * 1024


@contextmanager
def live_server(
    app: FastAPI, timeout: float = 20.0, *, read_timeout: float | None = None, lifespan: str = "off"
) -> Iterator[str]:
    """Serve ``app`` on a free loopback port; yields its base URL (ending in ``/``).

    ``read_timeout`` serves it with ``convscope serve``'s protocol and that request deadline;
    ``lifespan="on"`` runs the app's start-up and shut-down as ``convscope serve`` does.
    """
    port = free_port()
    options: dict = {"h11_max_incomplete_event_size": MAX_HEAD_BYTES}
    if read_timeout is not None:
        from convscope.server.protocol import DeadlineH11Protocol

        options["http"] = DeadlineH11Protocol
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan=lifespan, **options)
    if read_timeout is not None:
        config.read_timeout = read_timeout
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"test server did not start on port {port}")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        thread.join(timeout)
