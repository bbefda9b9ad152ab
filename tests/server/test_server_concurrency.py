"""Tracing runs off the event loop: the server keeps answering while a slow network computes."""

from __future__ import annotations

import threading
import time

import httpx
import torch
from torch import nn

from convscope.inputs import InputSpec
from convscope.network import Network
from convscope.server import create_app
from tests.server import images
from tests.server.live import live_server


class Wait(nn.Module):
    """A childless module, so torch.fx keeps it as a layer and every run really waits."""

    def __init__(self) -> None:
        super().__init__()
        self.delay = 0.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        time.sleep(self.delay)
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
    torch.manual_seed(0)
    network = Network(SlowNet(), InputSpec(1, 8, 8))
    network.module.wait.delay = 1.0
    app = create_app({"slow": network}, samples_dir=None, max_concurrent_traces=1)
    with live_server(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        done = []
        upload = threading.Thread(target=lambda: done.append(client.post("api/models/slow/traces", files={"file": ("a.png", images.png(8, 8))})))
        upload.start()
        time.sleep(0.2)
        begin = time.perf_counter()
        assert client.get("api/models").status_code == 200
        assert time.perf_counter() - begin < 0.5
        upload.join()
        assert done[0].status_code == 200
        assert done[0].json()["trace_ms"] >= 1000  # the trace really was slow
