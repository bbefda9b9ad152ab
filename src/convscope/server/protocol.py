"""uvicorn's h11 protocol with a deadline for reading each request.

uvicorn times out idle keep-alive connections but not a request that arrives
slowly: a client sending one header byte every few seconds (slow-loris) holds
its connection, and a task, forever. Here each request — its headers and its
body — must arrive within ``read_timeout`` seconds of its first byte (or of
the connection opening); otherwise the connection is closed, with a 408 when
no response has started yet.

uvicorn builds the protocol from its ``Config``; the timeout travels as the
config attribute ``read_timeout`` (set by :func:`convscope.cli.serve`), so it
also reaches worker processes, which receive a pickled copy of the config.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

#: Seconds a request may take to arrive, headers and body together.
DEFAULT_READ_TIMEOUT = 30.0


class ServeConfig(uvicorn.Config):
    """uvicorn's config plus what ``convscope serve`` adds, so worker processes get it too."""

    #: The ids of the models served, in the order the page lists them.
    model_ids: list[str]
    #: Seconds a request may take to arrive (read by :class:`DeadlineH11Protocol`).
    read_timeout: float = DEFAULT_READ_TIMEOUT


class DeadlineH11Protocol(H11Protocol):
    """:class:`H11Protocol` that closes connections whose request does not arrive in time."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # uvicorn's signature, passed through
        super().__init__(*args, **kwargs)
        self.read_timeout = float(getattr(self.config, "read_timeout", DEFAULT_READ_TIMEOUT))
        self._read_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        _no_delay(transport)
        self._arm()  # a connection that never sends a full request is a slow request too

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.DONE or self.transport.is_closing():
            self._disarm()  # the request has fully arrived; the app now takes its time
        elif self._read_deadline is None:
            self._arm()  # the first bytes of a request on a kept-alive connection

    def on_response_complete(self) -> None:
        self._disarm()  # idle until the next request: uvicorn's keep-alive timeout applies
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._read_deadline = self.loop.call_later(self.read_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._read_deadline is not None:
            self._read_deadline.cancel()
            self._read_deadline = None

    def _too_slow(self) -> None:
        self._read_deadline = None
        if self.transport.is_closing():
            return
        if self.conn.our_state is h11.IDLE and self.conn.their_state is h11.IDLE:
            # Nothing answered yet and the request line or headers are still incomplete:
            # h11 cannot frame a response to a request it has not parsed, so write it whole.
            self.transport.write(_TIMEOUT_RESPONSE)
        self.transport.close()


def _no_delay(transport: asyncio.Transport) -> None:
    """Send small answers at once (turn off Nagle's algorithm).

    asyncio does this only for sockets whose protocol number says TCP; the socket
    uvicorn binds for ``--workers`` says 0, and without this every answer there
    waited about 40 ms for the client's delayed acknowledgement.
    """
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass


_TIMEOUT_RESPONSE = b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"
