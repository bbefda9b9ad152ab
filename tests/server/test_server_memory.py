"""Memory-bounded behaviour without timing: hostile requests against a server whose address space is capped.

The server runs in a subprocess that limits itself (``RLIMIT_AS``) to what it uses
after warming up plus a fixed headroom. Before issue 11's fixes, a 469-byte 1x200000
PNG made it allocate a 64x12,800,000 RGB intermediate (2.4 GB) and a repeated
channel list a 961 MB body; under the cap those fail. Now every answer is below 500
and the same process still answers afterwards.
"""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.server.images import encoded, pixel_bomb_png, png
from tests.server.live import free_port

ROOT = Path(__file__).resolve().parents[2]
HEADROOM_MB = 700


@pytest.fixture(scope="module")
def bounded_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    uploads = tmp_path_factory.mktemp("bounded-uploads")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.server.bounded_server", str(port), str(HEADROOM_MB), str(uploads)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        assert line.startswith("ready"), process.stderr.read() if process.stderr else line
        url = f"http://127.0.0.1:{port}/"
        for _ in range(600):
            try:
                httpx.get(url + "api/models", timeout=5)
                break
            except httpx.TransportError:
                if process.poll() is not None:
                    pytest.fail(f"the bounded server exited: {process.stderr.read() if process.stderr else ''}")
                import time

                time.sleep(0.05)
        yield url
        assert process.poll() is None, "the bounded server died"
    finally:
        process.terminate()
        process.communicate(timeout=30)


def _strip(width: int, height: int) -> bytes:
    return encoded(Image.new("L", (width, height), 80), "PNG")


def _eps() -> bytes:
    return b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 8 8\n%%EndComments\nshowpage\n%%EOF\n"


HOSTILE_UPLOADS = [
    ("1x200000.png", _strip(1, 200_000), 200),  # an image, now fitted by cropping first
    ("1x1000000.png", _strip(1, 1_000_000), 200),
    ("200000x1.png", _strip(200_000, 1), 200),
    ("bomb.png", pixel_bomb_png(), 422),
    ("harmless.png", _eps(), 422),
]


@pytest.mark.slow
def test_hostile_uploads_get_answers_below_500_under_an_address_space_cap(bounded_url: str) -> None:
    with httpx.Client(base_url=bounded_url, timeout=120) as client:
        for name, data, status in HOSTILE_UPLOADS:
            response = client.post("api/models/tinyvgg/traces", files={"file": (name, data, "image/png")})
            assert response.status_code == status, (name, response.status_code, response.text[:200])
        image_id = client.post(
            "api/models/tinyvgg/traces", files={"file": ("ok.png", png(64, 64), "image/png")}
        ).json()["image"]
        base = f"api/models/tinyvgg/traces/{image_id}/layers"
        repeated = client.get(base, params={"names": "conv_1_1", "channels": ",".join(["0-9"] * 1500)})
        assert repeated.status_code == 200 and len(repeated.content) < 200_000
        the_issues_url = client.get(base, params={"names": "conv_1_1", "channels": ",".join(["0-9"] * 6250)})
        assert the_issues_url.status_code == 414
        names = client.get(base, params={"names": ",".join(["conv_1_1"] * 700)})
        assert names.status_code == 200 and len(names.content) < 200_000
        assert client.get("api/models").status_code == 200  # the same process still answers
        buffer = io.BytesIO()
        Image.new("RGB", (64, 64), (10, 20, 30)).save(buffer, format="PNG")
        after = client.post("api/models/tinyvgg/traces", files={"file": ("after.png", buffer.getvalue(), "image/png")})
        assert after.status_code == 200
