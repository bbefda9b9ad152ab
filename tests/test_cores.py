"""A network's forward pass runs on one core when it is small, on the caller's cores when it is big."""

from __future__ import annotations

import threading

import pytest
import torch

from convscope import cores
from convscope.formats import zoo_network


def _threads_seen(network) -> list[int]:
    """PyTorch's intra-op threads inside the first convolution in one traced and one plain pass."""
    seen: list[int] = []
    conv = next(m for m in network.module.modules() if isinstance(m, torch.nn.Conv2d))
    handle = conv.register_forward_pre_hook(lambda *_: seen.append(torch.get_num_threads()))
    try:
        network.run(torch.zeros(1, *network.input_spec.shape))
        network.predict(torch.zeros(1, *network.input_spec.shape))
    finally:
        handle.remove()
    return seen


def test_the_core_count_follows_the_network_s_size() -> None:
    assert cores.cores_for(6_000_000) == 1  # CNN Explainer's TinyVGG: 6 M multiplications per image
    assert cores.cores_for(cores.ONE_CORE_MULTS) is None
    assert cores.cores_for(1_817_000_000) is None  # ResNet-18 at 224×224


def test_using_cores_sets_this_thread_only_and_gives_the_setting_back() -> None:
    before = torch.get_num_threads()
    other: list[int] = []
    with cores.using_cores(1):
        assert torch.get_num_threads() == 1
        thread = threading.Thread(target=lambda: other.append(torch.get_num_threads()))
        thread.start()
        thread.join()
    assert torch.get_num_threads() == before
    assert other and other[0] >= 1
    with cores.using_cores(None), cores.using_cores(before + 8):  # never more than the caller has
        assert torch.get_num_threads() == before


@pytest.mark.parametrize(("threshold", "small"), [(cores.ONE_CORE_MULTS, True), (0, False)])
def test_a_small_network_runs_on_one_core_and_the_caller_keeps_its_own(
    monkeypatch, threshold: int, small: bool
) -> None:
    network = zoo_network("tinyvgg", in_channels=1, input_size=28)
    assert network.total_mults < cores.ONE_CORE_MULTS
    monkeypatch.setattr(cores, "ONE_CORE_MULTS", threshold)  # at 0 every network counts as big
    before = torch.get_num_threads()
    expected = 1 if small else before
    assert _threads_seen(network) == [expected, expected]
    assert torch.get_num_threads() == before


def test_a_small_network_s_layer_messages_are_built_on_one_core(monkeypatch) -> None:
    from convscope.server import payload

    network = zoo_network("tinyvgg", in_channels=1, input_size=28)
    trace = network.run(torch.zeros(1, *network.input_spec.shape))
    seen: list[int] = []
    real = payload._layer_message
    monkeypatch.setattr(
        payload, "_layer_message", lambda *a, **k: seen.append(torch.get_num_threads()) or real(*a, **k)
    )
    before = torch.get_num_threads()
    payload.layer_frames(trace, "conv_1_1,relu_1_1", box=8)
    payload.layer_message(trace, "conv_1_1")
    assert seen == [1, 1, 1] and torch.get_num_threads() == before


def test_a_small_network_s_trace_summary_runs_on_one_core(monkeypatch, tmp_path) -> None:
    from PIL import Image

    from convscope.server import create_app, tracing

    network = zoo_network("tinyvgg", in_channels=1, input_size=28)
    Image.new("L", (28, 28), 90).save(tmp_path / "grey.png")
    service = create_app({"small": network}, samples_dir=tmp_path).state.service
    seen: list[int] = []
    real = tracing.trace_info
    monkeypatch.setattr(tracing, "trace_info", lambda *a, **k: seen.append(torch.get_num_threads()) or real(*a, **k))
    before = torch.get_num_threads()
    service.compute("small", "grey", (tmp_path / "grey.png").read_bytes())
    assert seen == [1] and torch.get_num_threads() == before
