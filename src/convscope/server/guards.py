"""ASGI middleware that refuses hostile requests before any route runs.

- :class:`RequestLimits`: URLs longer than a limit (414), and request bodies over
  a limit (413), refused on ``Content-Length`` and again while the body streams,
  so Starlette never spools an oversized multipart upload to disk.
- :class:`OriginGuard`: a ``Host`` that is not served (DNS rebinding) and an
  ``Origin`` of another site are refused, so other web pages cannot drive a
  server running on the user's machine.
- :class:`SecurityHeaders`: CSP, ``nosniff``, frame and referrer policies on every answer.

Each answers refusals as ``{"detail": "message"}`` like every other 4xx.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from convscope.inputs import megabytes

#: The page loads only its own scripts, styles and images; no page may frame it.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
#: FastAPI's interactive docs load Swagger UI and ReDoc from a CDN, so they get no CSP.
_DOC_PATHS = ("/docs", "/redoc")
_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


async def refuse(send: Send, status: int, detail: str, *, close: bool = False) -> None:
    """Send ``{"detail": ...}`` with ``status``; ``close`` ends the connection (an unread body follows)."""
    body = json.dumps({"detail": detail}).encode("utf-8")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


class RequestLimits:
    """Refuse long URLs and large bodies before the app reads them.

    Args:
        max_url_bytes: path plus query string.
        max_body_bytes: a whole request body (an upload's file plus its multipart framing).
        file_limit_words: the limit as the message states it (the image limit, e.g. ``"10 MB"``).
    """

    def __init__(self, app: ASGIApp, *, max_url_bytes: int, max_body_bytes: int, file_limit_words: str) -> None:
        self.app = app
        self.max_url_bytes = max_url_bytes
        self.max_body_bytes = max_body_bytes
        self.file_limit_words = file_limit_words

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        url_bytes = len(scope.get("raw_path") or scope["path"].encode()) + len(scope.get("query_string", b""))
        if url_bytes > self.max_url_bytes:
            await refuse(
                send,
                414,
                f"the URL is {url_bytes:,} bytes, over the {self.max_url_bytes:,}-byte limit; ask for fewer layers or channels at once",
            )
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > self.max_body_bytes:
            await refuse(
                send,
                413,
                f"the upload is {megabytes(int(declared))}, over the {self.file_limit_words} limit; use a smaller image",
                close=True,
            )
            return
        over, seen = False, 0

        async def counted() -> Message:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    over = True
                    # FastAPI passes an HTTPException raised while it reads the form through to its handler.
                    raise HTTPException(
                        413, f"the upload is over the {self.file_limit_words} limit; use a smaller image"
                    )
            return message

        async def closing(message: Message) -> None:
            if over and message["type"] == "http.response.start":
                # Close instead of draining the rest of the body for a keep-alive that would follow.
                message = {**message, "headers": [*message.get("headers", ()), (b"connection", b"close")]}
            await send(message)

        await self.app(scope, counted, closing)


class OriginGuard:
    """Serve only the configured host names, and only pages of this server's own origin.

    Args:
        allowed_hosts: host names (no port) a request's ``Host`` may name; ``None`` accepts any.
            Origins naming one of them are accepted too, for a reverse proxy in front.
    """

    def __init__(self, app: ASGIApp, *, allowed_hosts: Collection[str] | None = None) -> None:
        self.app = app
        self.allowed = None if allowed_hosts is None else {h.lower().strip("[]") for h in allowed_hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = self.problem(_header(scope, b"host"), _header(scope, b"origin"))
        if problem is not None:
            await refuse(send, 403, problem)
            return
        await self.app(scope, receive, send)

    def problem(self, host: str | None, origin: str | None) -> str | None:
        """Why a request with this ``Host`` and ``Origin`` is refused, or ``None``.

        Example:
            >>> OriginGuard(None, allowed_hosts=["localhost"]).problem("localhost:8000", "http://evil.example")
            'requests from pages of http://evil.example are refused; this server answers its own page (add --allowed-host to serve others)'
        """
        host_name = _host_name(host or "")
        if self.allowed is not None and "*" not in self.allowed and host_name not in self.allowed:
            return f"host '{host_name[:100]}' is not served here; allowed: {', '.join(sorted(self.allowed))} (see --allowed-host)"
        if origin is None:
            return None
        parts = urlsplit(origin)
        same = parts.scheme in ("http", "https") and parts.netloc.lower() == (host or "").lower()
        listed = self.allowed is not None and (parts.hostname or "") in self.allowed
        if same or listed:
            return None
        return (
            f"requests from pages of {origin[:100]} are refused; this server answers its own page "
            "(add --allowed-host to serve others)"
        )


def _host_name(host: str) -> str:
    """``'[::1]:8000'`` → ``'::1'``, ``'Example.org:80'`` → ``'example.org'``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


class SecurityHeaders:
    """Add the security headers to every HTTP answer (errors and static files included)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(_HEADERS)
        if not scope["path"].startswith(_DOC_PATHS):
            extra.append((b"content-security-policy", CSP.encode()))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {key.lower() for key, _ in message.get("headers", ())}
                message = {
                    **message,
                    "headers": [*message.get("headers", ()), *(h for h in extra if h[0] not in present)],
                }
            await send(message)

        await self.app(scope, receive, with_headers)
