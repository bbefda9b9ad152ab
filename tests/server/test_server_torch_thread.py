"""The torch thread: one thread for every PyTorch call, on one core for small networks and all for big ones."""

from __future__ import annotations

import anyio
import httpx
import pytest
import torch

from convscope.server import torch_thread
from convscope.server.routes import traces as traces_route


def _threads_in(function):
    """``function`` wrapped to record PyTorch's intra-op threads each time it runs."""
    seen: list[int] = []

    def recording(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return function(*args, **kwargs)

    return recording, seen


def test_each_piece_of_work_runs_on_the_cores_it_asks_for() -> None:
    async def asked() -> list[int]:
        return [
            await torch_thread.run(torch.get_num_threads, cores=1),
            await torch_thread.run(torch.get_num_threads),  # None: every core the process has
            await torch_thread.run(torch.get_num_threads, cores=10_000),  # never more than those
        ]

    everything = torch_thread.call(torch.get_num_threads)
    assert everything == torch_thread._ALL_CORES >= 1
    assert anyio.run(asked) == [1, everything, everything]
    assert torch_thread.call(torch.get_num_threads) == everything  # a blocking call (model loading) uses all again


def test_the_core_count_follows_the_network_s_size() -> None:
    assert torch_thread.cores_for(6_000_000) == 1  # CNN Explainer's TinyVGG: 6 M multiplications per image
    assert torch_thread.cores_for(torch_thread.ONE_CORE_MULTS) is None
    assert torch_thread.cores_for(1_817_000_000) is None  # ResNet-18 at 224×224


@pytest.mark.parametrize(("threshold", "one_core"), [(torch_thread.ONE_CORE_MULTS, True), (0, False)])
def test_traces_and_their_layers_of_a_small_network_run_on_one_core(
    client: httpx.Client, app, monkeypatch, threshold: int, one_core: bool
) -> None:
    """The test networks are small; with the threshold at 0 they count as big and get every core."""
    svc = app.state.service
    assert svc.models.get("rgb").total_mults < torch_thread.ONE_CORE_MULTS  # a small network…
    compute, traced = _threads_in(svc.compute)
    frames, built = _threads_in(traces_route.layer_frames)
    monkeypatch.setattr(svc, "compute", compute)
    monkeypatch.setattr(traces_route, "layer_frames", frames)
    monkeypatch.setattr(torch_thread, "ONE_CORE_MULTS", threshold)
    svc.cache.clear()
    info = client.get("api/models/rgb/traces/sample_1").json()
    assert client.get(info["layers_url"].rstrip("/"), params={"names": "conv_1_1,relu_1_1"}).status_code == 200
    expected = 1 if one_core else torch_thread._ALL_CORES  # …counted as big when the threshold is 0
    assert traced == [expected] and built == [expected]
