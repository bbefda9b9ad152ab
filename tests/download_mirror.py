"""A local stand-in for the download hosts: an HTTP server on 127.0.0.1 serving files by URL path.

Tests point ``CONVSCOPE_MIRROR`` at it, so every registry URL keeps its path
and only the host changes. It counts requests per path and can misbehave on
purpose (a truncated body) to test how failures are handled.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from convscope.formats.download.registry import Downloadable, RemoteFile
from tests import requirements
from tests.conftest import CNN_EXPLAINER


@dataclass
class Mirror:
    """What the server serves (``files``: URL path → bytes) and what it saw."""

    url: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    requests: Counter = field(default_factory=Counter)
    #: URL paths whose body is cut to half while announcing the full length.
    truncate: set[str] = field(default_factory=set)

    def add(self, url: str, data: bytes) -> None:
        self.files[urlsplit(url).path] = data

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())


def _handler(mirror: Mirror) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            mirror.requests[path] += 1
            data = mirror.files.get(path)
            if data is None:
                self.send_error(404, "Not Found")
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2] if path in mirror.truncate else data)

        def log_message(self, *args: object) -> None:
            pass  # keep test output clean

    return Handler


@contextmanager
def serving(mirror: Mirror | None = None) -> Iterator[Mirror]:
    """Run the mirror on a free loopback port for the duration of the block."""
    mirror = mirror or Mirror()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(mirror))
    server.daemon_threads = True
    mirror.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield mirror
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def fixture_bytes_for(entry: Downloadable) -> dict[str, bytes]:
    """The CNN Explainer fixture's bytes for each of the entry's URLs (model, shard, LICENSE, images)."""
    out = {}
    for file in entry.all_files():
        name = file.name
        local = CNN_EXPLAINER / name if (CNN_EXPLAINER / name).is_file() else CNN_EXPLAINER / "images" / name
        out[file.url] = local.read_bytes()
    return out


def pinned(url: str, data: bytes, *, prefix_only: bool = False) -> RemoteFile:
    """A RemoteFile pinning ``data`` at ``url`` (full digest, or its 8-digit prefix as torchvision names do)."""
    import hashlib

    digest = hashlib.sha256(data).hexdigest()
    return RemoteFile(url, None if prefix_only else len(data), digest[:8] if prefix_only else digest)


@pytest.fixture
def download_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty ConvScope cache for one test (``CONVSCOPE_HOME``), online."""
    cache = tmp_path / "convscope-cache"
    monkeypatch.setenv("CONVSCOPE_HOME", str(cache))
    monkeypatch.delenv("CONVSCOPE_OFFLINE", raising=False)
    return cache


@pytest.fixture
def cnn_mirror(download_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Mirror]:
    """The CNN Explainer files served on 127.0.0.1 and ``CONVSCOPE_MIRROR`` pointing at them."""
    requirements.cnn_explainer()
    from convscope.formats.download import registry

    with serving() as mirror:
        for url, data in fixture_bytes_for(registry.downloads()["cnn-explainer"]).items():
            mirror.add(url, data)
        monkeypatch.setenv("CONVSCOPE_MIRROR", mirror.url)
        yield mirror
