"""``convscope serve``: arguments, model loading, a real start and clear failures."""

from __future__ import annotations

import json
import socket
import threading
import time

import httpx
import pytest

from convscope.cli import build_parser, main
from convscope.cli.serve import build_server, url_of
from convscope.server.registry import load_models, model_id_for
from tests.server.live import free_port


def test_serve_is_a_listed_command_with_loopback_defaults() -> None:
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.open, args.model) == ("127.0.0.1", 8000, False, None)
    args = build_parser().parse_args(["serve", "--model", "tinyvgg", "-m", "lenet5", "--port", "9000", "--json"])
    assert args.model == ["tinyvgg", "lenet5"] and args.port == 9000 and args.json


def test_unknown_model_exits_2_with_one_line_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--model", "no-such-model", "--port", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("convscope: error: unknown model 'no-such-model'") and "\n" not in err


def test_a_busy_port_exits_2_with_one_line_message(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--model", "tinyvgg", "--port", str(port), "--json"]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]  # with --json the error is JSON too
    assert json.loads(err) == {
        "error": f"could not listen on 127.0.0.1:{port}; is another program using the port? try --port"
    }


def test_serve_answers_with_the_models_it_was_given() -> None:
    port = free_port()
    server = build_server(
        build_parser().parse_args(["serve", "-m", "tinyvgg", "-m", "lenet5", "--port", str(port), "--json"])
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        listed = httpx.get(url_of("127.0.0.1", port) + "api/models", timeout=10).json()
        assert [m["id"] for m in listed] == ["tinyvgg", "lenet5"]
        assert httpx.get(url_of("127.0.0.1", port), timeout=10).status_code == 200
    finally:
        server.should_exit = True
        thread.join(10)


def test_default_model_is_the_bundled_fashion_mnist_tinyvgg() -> None:
    network = load_models(["default"])["default"]
    assert network.input_spec.shape == (1, 28, 28) and network.num_classes == 10
    assert network.class_names[0] == "T-shirt/top" and network.provenance["dataset"] == "fashion-mnist"


def test_model_ids_are_url_safe_and_unique() -> None:
    assert model_id_for("default") == "default"
    assert model_id_for("runs/fashion/model.zip") == "model"
    assert model_id_for("my model?.onnx") == "my-model"
    assert list(load_models(["tinyvgg", "tinyvgg"])) == ["tinyvgg", "tinyvgg-2"]


def test_urls_are_printed_for_the_address_served() -> None:
    assert url_of("127.0.0.1", 8000) == "http://127.0.0.1:8000/"
    assert url_of("0.0.0.0", 80) == "http://127.0.0.1:80/"
    assert url_of("::1", 8000) == "http://[::1]:8000/"


def test_all_interfaces_warns_and_prints_every_url(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from convscope.cli import serve

    monkeypatch.setattr(serve, "machine_names", lambda: ["box", "box.lan", "10.1.2.3", "127.0.1.1"])
    monkeypatch.setattr(serve, "check_port_free", lambda host, port: None)
    monkeypatch.setattr("uvicorn.Server.run", lambda self, sockets=None: setattr(self, "started", True))
    assert main(["serve", "-m", "tinyvgg", "--host", "0.0.0.0", "--port", "8123"]) == 0
    out, err = capsys.readouterr()
    assert "http://127.0.0.1:8123/ and http://10.1.2.3:8123/" in out
    assert err.startswith("convscope: warning: listening on 0.0.0.0, not only this machine")
    assert serve.urls_of("127.0.0.1", 8000) == ["http://127.0.0.1:8000/"]


def test_loopback_serves_loopback_names_and_all_interfaces_this_machines(monkeypatch: pytest.MonkeyPatch) -> None:
    from convscope.cli import serve

    monkeypatch.setattr(serve, "machine_names", lambda: ["box", "10.1.2.3"])
    parse = build_parser().parse_args
    assert serve.allowed_hosts_for(parse(["serve"])) == ["127.0.0.1", "::1", "localhost"]
    assert serve.allowed_hosts_for(parse(["serve", "--allowed-host", "Proxy.Example"])) == [
        "127.0.0.1",
        "::1",
        "localhost",
        "proxy.example",
    ]
    assert serve.allowed_hosts_for(parse(["serve", "--host", "0.0.0.0"])) == [
        "10.1.2.3",
        "127.0.0.1",
        "::1",
        "box",
        "localhost",
    ]
    assert serve.allowed_hosts_for(parse(["serve", "--allowed-host", "*"])) is None


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--workers", "0"], "--workers 0 is out of range"),
        (["--read-timeout", "0"], "--read-timeout 0 is out of range"),
        (["--cache-mb", "3"], "--cache-mb 3 is out of range"),
    ],
)
def test_bad_serve_options_exit_2_in_one_line(capsys: pytest.CaptureFixture[str], args: list[str], words: str) -> None:
    assert main(["serve", "-m", "tinyvgg", "--port", "0", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and "\n" not in err


def test_the_served_app_uses_the_request_deadline_protocol() -> None:
    from convscope.server.protocol import DeadlineH11Protocol

    server = build_server(build_parser().parse_args(["serve", "-m", "tinyvgg", "--port", "0", "--read-timeout", "7"]))
    assert server.config.http is DeadlineH11Protocol and server.config.read_timeout == 7
    assert server.config.h11_max_incomplete_event_size == 64 * 1024


def test_cache_mb_bounds_the_served_trace_cache_in_bytes() -> None:
    server = build_server(build_parser().parse_args(["serve", "-m", "tinyvgg", "--port", "0", "--cache-mb", "64"]))
    assert server.config.app.state.service.cache.max_bytes == 64 * 2**20
