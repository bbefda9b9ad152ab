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
    assert json.loads(err) == {"error": f"could not listen on 127.0.0.1:{port}; is another program using the port? try --port"}


def test_serve_answers_with_the_models_it_was_given() -> None:
    port = free_port()
    server = build_server(build_parser().parse_args(["serve", "-m", "tinyvgg", "-m", "lenet5", "--port", str(port), "--json"]))
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
