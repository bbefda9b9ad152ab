"""Hostile requests against a live server: amplified responses, oversized bodies, other sites, slow clients.

Issue 11's classes 4, 5 and 10, each with its regression examples and a property
test of its own (hypothesis, a bounded number of examples).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convscope.formats import zoo_network
from convscope.server import create_app, layer_request, torch_thread
from convscope.server.guards import CSP, OriginGuard
from convscope.server.routes import traces as traces_route
from convscope.server.tensor_codec import decode_frames
from tests.server.images import png
from tests.server.live import live_server

LAYERS = "api/models/rgb/traces/sample_0/layers"
_PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _frames(client: httpx.Client, **params: str) -> list:
    response = client.get(LAYERS, params=params)
    assert response.status_code == 200, response.text
    return decode_frames(response.content)


# --- 4. responses amplified by repeated lists ---------------------------------------------------


def test_repeated_channel_ranges_are_sent_once(client: httpx.Client) -> None:
    once = _frames(client, names="conv_1_1", channels="0-9")
    repeated = _frames(client, names="conv_1_1", channels=",".join(["0-9"] * 600))  # 2.4 KB of repeats
    assert len(repeated) == 1 and repeated[0][0]["channels"] == list(range(10))
    assert repeated[0][1].tobytes() == once[0][1].tobytes()


def test_repeated_layer_names_are_sent_once_with_their_channels_merged(client: httpx.Client) -> None:
    frames = _frames(client, names="conv_1_1,relu_1_1,conv_1_1", channels="3;0-1;1,3")
    assert [h["layer"] for h, _ in frames] == ["conv_1_1", "relu_1_1"]
    assert frames[0][0]["channels"] == [3, 1] and frames[1][0]["channels"] == [0, 1]


def test_repeated_input_channels_of_the_elastic_view_are_sent_once(client: httpx.Client) -> None:
    url = f"{LAYERS}/conv_1_2/intermediate"
    once = client.get(url, params={"channel": 0, "input_channels": "0-9"})
    repeated = client.get(url, params={"channel": 0, "input_channels": ",".join(["0-9", "3"] * 300)})
    assert repeated.status_code == once.status_code == 200
    assert repeated.content == once.content
    unknown = client.get(url, params={"channel": 0, "input_channels": "0-9,0-9,10"})
    assert unknown.status_code == 404  # repeats are dropped; an unknown channel is still refused
    huge = client.get(url, params={"channel": 0, "input_channels": "0-2000000000"})
    assert huge.status_code == 404  # refused by the widest layer's width, never expanded


def test_the_issues_25_kb_url_is_refused_as_too_long(client: httpx.Client) -> None:
    response = client.get(LAYERS, params={"names": "conv_1_1", "channels": ",".join(["0-9"] * 6250)})
    assert response.status_code == 414 and "over the 16,384-byte limit" in response.json()["detail"]


def test_an_answer_over_the_size_limit_is_refused_before_it_is_built(client: httpx.Client, monkeypatch) -> None:
    monkeypatch.setattr(layer_request, "MAX_RESPONSE_BYTES", 20_000)
    built: list[str] = []
    monkeypatch.setattr(traces_route, "layer_frames", lambda *a, **k: built.append("built") or b"")
    response = client.get(LAYERS, params={"names": "conv_1_1,conv_1_2"})  # 2 x 10 x 62 x 62 float32 ≈ 300 KB
    assert response.status_code == 413 and "over the 20,000 bytes limit" in response.json()["detail"]
    assert "ask for fewer layers or channels" in response.json()["detail"] and built == []
    single = client.get(f"{LAYERS}/conv_1_1", params={"channels": "0-9,0-9"})
    assert single.status_code == 413


def test_every_body_is_built_on_the_torch_thread_off_the_event_loop(client: httpx.Client, monkeypatch) -> None:
    seen: list[tuple[bool, bool]] = []
    real = traces_route.layer_frames

    def recording(*args, **kwargs):
        try:
            asyncio.get_running_loop()
            on_loop = True  # a concurrent request would wait behind it
        except RuntimeError:
            on_loop = False
        seen.append((on_loop, torch_thread.on_torch_thread()))
        return real(*args, **kwargs)

    monkeypatch.setattr(traces_route, "layer_frames", recording)
    _frames(client, names="conv_1_1,relu_1_1")  # 2 x 10 x 62 x 62 float32 ≈ 300 KB
    _frames(client, names="max_pool_2")  # 10 x 13 x 13: small, and still not on the loop's thread
    assert seen == [(False, True), (False, True)]


_NAMES = ["conv_1_1", "relu_1_1", "conv_1_2", "relu_1_2", "max_pool_1"]


@_PROPERTY
@given(st.lists(st.tuples(st.sampled_from(_NAMES), st.lists(st.integers(0, 9), max_size=12)), min_size=1, max_size=8))
def test_property_any_repetition_answers_each_layer_and_channel_once(client: httpx.Client, asked) -> None:
    names = ",".join(n for n, _ in asked)
    channels = ";".join(",".join(map(str, c)) for _, c in asked)
    frames = _frames(client, names=names, channels=channels)
    expected: dict[str, list[int] | None] = {}
    for name, picked in asked:
        if name in expected and expected[name] is None:
            continue
        expected[name] = None if not picked else [*(expected.get(name) or []), *picked]
    assert [h["layer"] for h, _ in frames] == list(expected)
    for (header, values), wanted in zip(frames, expected.values(), strict=True):
        order = list(range(10)) if wanted is None else list(dict.fromkeys(wanted))
        assert header["channels"] == order and values.shape[0] == len(order)


# --- 5. upload size checked before the body is read ---------------------------------------------


def _raw(base_url: str, request: bytes, *, read_timeout: float = 30) -> bytes:
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=read_timeout) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks) and b'"}' in chunks[-1]:
                break
        return b"".join(chunks)


def test_a_declared_300_mb_upload_is_refused_before_any_body_is_sent(base_url: str) -> None:
    head = (
        b"POST /api/models/rgb/traces HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 314572800\r\n\r\n"
    )
    answer = _raw(base_url, head)  # no body follows: only the header could have been read
    assert answer.startswith(b"HTTP/1.1 413") and b"the upload is 300 MB, over the 10 MB limit" in answer


def test_a_streamed_upload_is_cut_off_once_it_passes_the_limit(base_url: str) -> None:
    sent = 0

    def body() -> Iterator[bytes]:  # chunked: no Content-Length to refuse it by
        nonlocal sent
        yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n'
        for _ in range(400):  # up to 400 MB if nobody stopped reading
            sent += 1
            yield bytes(2**20)

    try:
        response = httpx.post(
            base_url + "api/models/rgb/traces",
            content=body(),
            headers={"Content-Type": "multipart/form-data; boundary=x"},
            timeout=60,
        )
    except httpx.HTTPError:  # the server may close the connection while the client still writes
        assert sent < 100
        return
    assert response.status_code == 413 and "over the 10 MB limit" in response.json()["detail"]
    assert sent < 100


def test_an_oversized_file_is_reported_with_its_real_size(client: httpx.Client) -> None:
    data = b"\x89PNG" + bytes(10 * 2**20 + 10_000)
    response = client.post("api/models/rgb/traces", files={"file": ("big.png", data, "image/png")})
    assert response.status_code in (413, 422)
    assert "10,495,764 bytes" in response.json()["detail"] or "10.0 MB" in response.json()["detail"]
    assert "over the 10 MB limit" in response.json()["detail"]


@pytest.fixture(scope="module")
def small_limit_url() -> Iterator[str]:
    app = create_app({"rgb": zoo_network("tinyvgg", seed=1)}, samples_dir=None, max_upload_bytes=3000)
    with live_server(app) as url:
        yield url


@settings(max_examples=20, deadline=None)
@given(size=st.integers(1, 80_000), chunked=st.booleans())
def test_property_an_upload_is_accepted_exactly_when_its_file_fits(
    small_limit_url: str, size: int, chunked: bool
) -> None:
    image = png(20, 20, seed=1)
    data = (image + bytes(size))[: max(size, 1)] if size > len(image) else image
    boundary = b"b0undary"
    body = (
        b"--"
        + boundary
        + b'\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n'
        + data
        + b"\r\n--"
        + boundary
        + b"--\r\n"
    )
    content = iter([body[i : i + 4096] for i in range(0, len(body), 4096)]) if chunked else body
    try:
        response = httpx.post(
            small_limit_url + "api/models/rgb/traces",
            content=content,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary.decode()}"},
            timeout=60,
        )
    except httpx.HTTPError:
        assert len(data) > 3000
        return
    if len(data) <= 3000:
        assert response.status_code == 200, response.text
    else:
        assert response.status_code in (413, 422) and "over the 3,000 bytes limit" in response.json()["detail"]


# --- 10. other sites, security headers, slow clients -------------------------------------------


def test_a_post_from_another_site_is_refused(client: httpx.Client, base_url: str) -> None:
    files = {"file": ("a.png", png(20, 20), "image/png")}
    refused = client.post("api/models/rgb/traces", files=files, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403 and "evil.example" in refused.json()["detail"]
    own = base_url.rstrip("/")
    assert client.post("api/models/rgb/traces", files=files, headers={"Origin": own}).status_code == 200
    assert client.post("api/models/rgb/traces", files=files, headers={"Origin": "null"}).status_code == 403


@pytest.fixture(scope="module")
def guarded_url() -> Iterator[str]:
    app = create_app(
        {"rgb": zoo_network("tinyvgg", seed=1)},
        samples_dir=None,
        allowed_hosts=["localhost", "127.0.0.1", "proxy.example"],
    )
    with live_server(app, read_timeout=1.0) as url:
        yield url


def test_unlisted_host_names_are_refused_and_listed_ones_served(guarded_url: str) -> None:
    rebinding = httpx.get(guarded_url + "api/models", headers={"Host": "attacker.example"})
    assert rebinding.status_code == 403 and "host 'attacker.example' is not served" in rebinding.json()["detail"]
    assert httpx.get(guarded_url + "api/models", headers={"Host": "proxy.example"}).status_code == 200
    behind_proxy = httpx.get(guarded_url + "api/models", headers={"Origin": "https://proxy.example"})
    assert behind_proxy.status_code == 200


@pytest.mark.parametrize(
    "path", ["", "api/models", "api/models/nope", "static/js/app.js", "api/models/rgb/traces/x" * 2000]
)
def test_every_answer_carries_the_security_headers(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY" and response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["content-security-policy"] == CSP and "frame-ancestors 'none'" in CSP


_HOSTS = st.sampled_from(
    ["localhost", "127.0.0.1", "[::1]", "proxy.example", "evil.example", "LOCALHOST", "127.0.0.2", ""]
)
_PORTS = st.sampled_from(["", ":8000", ":9000"])


@settings(max_examples=300, deadline=None)
@given(
    host=_HOSTS,
    host_port=_PORTS,
    origin=st.one_of(st.none(), st.tuples(st.sampled_from(["http", "https", "file", "null"]), _HOSTS, _PORTS)),
)
def test_property_only_listed_hosts_and_same_or_listed_origins_pass(host: str, host_port: str, origin) -> None:
    guard = OriginGuard(None, allowed_hosts=["localhost", "127.0.0.1", "::1", "proxy.example"])
    host_header = host + host_port if host else ""
    origin_header = (
        None if origin is None else ("null" if origin[0] == "null" else f"{origin[0]}://{origin[1]}{origin[2]}")
    )
    problem = guard.problem(host_header, origin_header)
    host_ok = host.lower().strip("[]") in ("localhost", "127.0.0.1", "::1", "proxy.example")
    if origin_header is None:
        origin_ok = True
    else:
        parts = urlsplit(origin_header)
        same = parts.scheme in ("http", "https") and parts.netloc.lower() == host_header.lower()
        origin_ok = same or (parts.hostname or "") in ("localhost", "127.0.0.1", "::1", "proxy.example")
    assert (problem is None) == (host_ok and origin_ok), (host_header, origin_header, problem)


def test_a_slow_loris_connection_is_closed(guarded_url: str) -> None:
    parts = urlsplit(guarded_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(b"GET /api/models HTTP/1.1\r\nHost: localhost\r\n")
        received = b""
        try:
            for _ in range(200):  # one header byte at a time, never finishing; the server must end it
                sock.sendall(b"X")
                sock.settimeout(0.2)
                try:
                    chunk = sock.recv(1024)
                except TimeoutError:
                    continue
                received += chunk
                if not chunk:
                    break
            else:
                pytest.fail("the server kept a 40-second slow request open")
        except (BrokenPipeError, ConnectionResetError):
            pass
    assert received == b"" or received.startswith(b"HTTP/1.1 408")
    assert httpx.get(guarded_url + "api/models", headers={"Host": "localhost"}).status_code == 200


def test_a_connection_that_sends_nothing_is_closed(guarded_url: str) -> None:
    parts = urlsplit(guarded_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        assert sock.recv(1024) in (
            b"",
            b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n",
        )


def test_served_connections_send_small_answers_without_delay() -> None:
    from convscope.server.protocol import _no_delay

    class Transport:
        def __init__(self, sock: socket.socket) -> None:
            self.sock = sock

        def get_extra_info(self, name: str) -> socket.socket:
            return self.sock

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0) as sock:  # proto 0, as uvicorn binds for --workers
        _no_delay(Transport(sock))  # type: ignore[arg-type]
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
