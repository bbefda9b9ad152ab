"""Tracing runs off the event loop: the server keeps answering while a slow network computes."""

from __future__ import annotations

import threading

import httpx
import torch
from torch import nn

from convscope.inputs import InputSpec
from convscope.network import Network
from convscope.server import create_app
from tests.server import images
from tests.server.live import live_server


class Wait(nn.Module):
    """A childless module, so torch.fx keeps it as a layer; once gated, each run holds until released."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release: threading.Event | None = None  # None while the Network is built

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.release is not None:
            self.entered.set()
            self.release.wait(timeout=60)  # the timeout only keeps a broken test from hanging
        return x


class SlowNet(nn.Module):
    """A real CNN whose forward pass takes a while."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.wait = Wait()
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(2 * 6 * 6, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.flatten(self.wait(self.conv(x))))


def test_other_requests_are_answered_while_a_trace_computes() -> None:
    # Ordering, not timing: the trace is held mid-forward-pass until the other request is answered.
    torch.manual_seed(0)
    network = Network(SlowNet(), InputSpec(1, 8, 8))
    wait = network.module.wait
    app = create_app({"slow": network}, samples_dir=None, max_concurrent_traces=1)
    with live_server(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        wait.release = threading.Event()
        done = []
        upload = threading.Thread(
            target=lambda: done.append(
                client.post("api/models/slow/traces", files={"file": ("a.png", images.png(8, 8))})
            )
        )
        upload.start()
        try:
            assert wait.entered.wait(timeout=30), "the upload's trace never reached the network"
            assert client.get("api/models").status_code == 200
            assert not done and not wait.release.is_set()  # answered while the trace was still held
        finally:
            wait.release.set()
            upload.join()
        assert done[0].status_code == 200
