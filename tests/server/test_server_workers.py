"""Several server processes behind one address answer each other's uploads (a shared upload folder)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.server.images import png
from tests.server.live import free_port

pytestmark = pytest.mark.slow


@contextmanager
def serving(
    *commands: list[str], timeout: float = 240, env: dict[str, str] | None = None, stop: int = signal.SIGINT
) -> Iterator[list[str]]:
    """One ``convscope serve ARGS`` subprocess per argument list, started together; yields their URLs once all answer."""
    started = []
    for args in commands:
        port = free_port()
        command = [sys.executable, "-m", "convscope", "serve", "-m", "tinyvgg", "--port", str(port), "--json", *args]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        started.append((process, f"http://127.0.0.1:{port}/"))
    try:
        deadline = time.monotonic() + timeout
        for process, url in started:
            while not _answers(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"convscope serve did not start: {process.poll()=}")
                time.sleep(0.1)
        yield [url for _, url in started]
    finally:
        for process, _ in started:
            process.send_signal(stop)
        for process, _ in started:
            try:
                process.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url + "api/models", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def _upload(url: str, seed: int) -> str:
    with httpx.Client(base_url=url, timeout=60) as client:  # a fresh connection per request
        response = client.post("api/models/tinyvgg/traces", files={"file": ("a.png", png(40, 30, seed), "image/png")})
        assert response.status_code == 200, response.text
        return response.json()["image"]


def test_two_processes_sharing_an_upload_folder_answer_each_others_images(tmp_path: Path) -> None:
    shared = str(tmp_path / "uploads")
    with serving(["--upload-dir", shared], ["--upload-dir", shared]) as (first, second):
        image_id = _upload(first, seed=1)
        trace = httpx.get(f"{second}api/models/tinyvgg/traces/{image_id}", timeout=60)
        assert trace.status_code == 200 and trace.json()["image"] == image_id
        layer = f"api/models/tinyvgg/traces/{image_id}/layers/conv_1_1"
        assert httpx.get(second + layer, timeout=60).content == httpx.get(first + layer, timeout=60).content
        other_id = _upload(second, seed=2)
        assert httpx.get(f"{first}api/models/tinyvgg/traces/{other_id}", timeout=60).status_code == 200


def test_serve_with_two_workers_answers_every_upload_on_any_connection(tmp_path: Path) -> None:
    with serving(["--workers", "2"]) as (url,):
        for seed in range(8):
            image_id = _upload(url, seed)
            for _ in range(3):  # each on a new connection, so either worker may answer
                response = httpx.get(f"{url}api/models/tinyvgg/traces/{image_id}", timeout=60)
                assert response.status_code == 200, response.text


@pytest.mark.parametrize(("workers", "stop"), [("1", signal.SIGTERM), ("2", signal.SIGINT), ("2", signal.SIGTERM)])
def test_the_private_upload_folder_is_removed_when_the_server_stops(tmp_path: Path, workers: str, stop: int) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}  # where serve makes its folder
    with serving(["--workers", workers], env=env, stop=stop) as (url,):
        _upload(url, seed=3)
        assert len(list(tmp_path.glob("convscope-uploads-*/*.img"))) == 1
    assert list(tmp_path.glob("convscope-uploads-*")) == []
