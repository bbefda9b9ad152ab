"""Pooling explanations: windows, winners and averages against PyTorch's pooling."""

from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from convscope.explain import explain
from convscope.inputs import InputSpec
from convscope.network import Network
from tests.explain_support import assert_readds


def pool_network(pool: nn.Module, channels: int, h: int, w: int) -> tuple[Network, torch.Tensor]:
    """conv(1×1 identity) → pool → flatten → linear, and a seeded input."""
    conv = nn.Conv2d(channels, channels, 1, bias=False)
    with torch.no_grad():
        conv.weight.copy_(torch.eye(channels)[:, :, None, None])
        out = pool(torch.zeros(1, channels, h, w))
    model = nn.Sequential()
    model.add_module("conv", conv)
    model.add_module("pool", pool)
    model.add_module("flatten", nn.Flatten())
    model.add_module("fc", nn.Linear(out[0].numel(), 2))
    torch.manual_seed(h * 100 + w)
    return Network(model, InputSpec(channels, h, w)), torch.randn(1, channels, h, w)


def every_position(shape: tuple[int, ...]) -> list[tuple[int, int, int]]:
    c, h, w = shape
    return [(k, y, x) for k in range(c) for y in range(h) for x in range(w)]


MAX_POOLS = {
    "2x2": dict(kernel_size=2),
    "3x3-s2-p1": dict(kernel_size=3, stride=2, padding=1),
    "rect-dilated": dict(kernel_size=(2, 3), stride=(2, 1), padding=(1, 1), dilation=(2, 1)),
    "ceil": dict(kernel_size=3, stride=2, ceil_mode=True),
    "ceil-padded": dict(kernel_size=2, stride=2, padding=1, ceil_mode=True),
}


@pytest.mark.parametrize("name", sorted(MAX_POOLS))
def test_max_pool_winner_is_the_cell_pytorch_picks(name: str) -> None:
    pool = nn.MaxPool2d(**MAX_POOLS[name])
    net, inp = pool_network(pool, 2, 7, 9)
    trace = net.run(inp)
    _, indices = F.max_pool2d(inp, **MAX_POOLS[name], return_indices=True)  # flat index into H·W
    for k, y, x in every_position(net.layer("pool").output_shape):
        step = explain(trace, "pool", channel=k, y=y, x=x)
        assert step.pool == "max" and step.sum is None
        assert step.winner == divmod(int(indices[0, k, y, x]), 9)
        assert step.computed == float(trace.output("pool")[0, k, y, x])
        for i, row in enumerate(step.rows):
            for j, col in enumerate(step.cols):
                inside = 0 <= row < 7 and 0 <= col < 9
                assert bool(step.padding_mask[i, j]) is not inside
                expected = float(inp[0, k, row, col]) if inside else 0.0
                assert float(step.window[i, j]) == expected


AVG_POOLS = {
    "2x2": dict(kernel_size=2),
    "3x3-s2-p1-include": dict(kernel_size=3, stride=2, padding=1),
    "3x3-s2-p1-exclude": dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    "ceil-include": dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    "ceil-exclude": dict(kernel_size=(2, 3), stride=(3, 2), padding=1, ceil_mode=True, count_include_pad=False),
    "divisor": dict(kernel_size=2, stride=1, padding=1, divisor_override=3),
}


@pytest.mark.parametrize("name", sorted(AVG_POOLS))
def test_avg_pool_sum_over_divisor_gives_pytorch_value(name: str) -> None:
    pool = nn.AvgPool2d(**AVG_POOLS[name])
    net, inp = pool_network(pool, 2, 8, 7)
    trace = net.run(inp)
    for k, y, x in every_position(net.layer("pool").output_shape):
        step = explain(trace, "pool", channel=k, y=y, x=x)
        assert step.pool == "avg" and step.winner is None
        assert step.sum == pytest.approx(float(step.window.double().sum()), abs=1e-12)
        assert step.computed == pytest.approx(step.sum / step.divisor, rel=1e-12)
        assert_readds(step.computed, float(trace.output("pool")[0, k, y, x]), step.scale, f"{name} {(k, y, x)}")


def test_avg_pool_count_excludes_padding_only_when_asked() -> None:
    include, inp = pool_network(nn.AvgPool2d(3, stride=2, padding=1), 1, 6, 6)
    exclude, _ = pool_network(nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), 1, 6, 6)
    corner_in = explain(include.run(inp), "pool", channel=0, y=0, x=0)
    corner_ex = explain(exclude.run(inp), "pool", channel=0, y=0, x=0)
    assert int(corner_in.padding_mask.sum()) == 5  # top row and left column of the 3×3 window
    assert (corner_in.count, corner_ex.count) == (9, 4)
    assert corner_in.sum == corner_ex.sum


@pytest.mark.parametrize(("size", "out"), [((10, 7), (3, 4)), ((5, 5), (5, 2)), ((6, 9), (1, 1)), ((7, 3), (4, 5))])
def test_adaptive_avg_pool_windows_average_to_pytorch_value(size: tuple[int, int], out: tuple[int, int]) -> None:
    net, inp = pool_network(nn.AdaptiveAvgPool2d(out), 2, *size)
    trace = net.run(inp)
    for k, y, x in every_position(net.layer("pool").output_shape):
        step = explain(trace, "pool", channel=k, y=y, x=x)
        assert step.adaptive and not bool(step.padding_mask.any())
        assert torch.equal(step.window, inp[0, k, step.rows[0] : step.rows[-1] + 1, step.cols[0] : step.cols[-1] + 1])
        assert step.count == len(step.rows) * len(step.cols)
        assert_readds(step.computed, float(trace.output("pool")[0, k, y, x]), step.scale, f"{size}->{out} {(k, y, x)}")


@pytest.mark.parametrize(("size", "out"), [((10, 7), (3, 4)), ((7, 3), (4, 5))])
def test_adaptive_max_pool_winner_is_the_cell_pytorch_picks(size: tuple[int, int], out: tuple[int, int]) -> None:
    net, inp = pool_network(nn.AdaptiveMaxPool2d(out), 2, *size)
    trace = net.run(inp)
    _, indices = F.adaptive_max_pool2d(inp, out, return_indices=True)
    for k, y, x in every_position(net.layer("pool").output_shape):
        step = explain(trace, "pool", channel=k, y=y, x=x)
        assert step.winner == divmod(int(indices[0, k, y, x]), size[1])
        assert step.computed == float(trace.output("pool")[0, k, y, x])


class FunctionalPools(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 2, 1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(2 * 2 * 3, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(self.conv(x), 3, 2, 1, 1, True)  # (N, 2, 5, 6)
        x = F.avg_pool2d(x, 2, 2, 0, True)  # (N, 2, 3, 3)
        x = F.adaptive_avg_pool2d(x, (2, 3))
        return self.fc(self.flatten(x))


def test_functional_pools_are_explained_from_their_recorded_arguments() -> None:
    torch.manual_seed(8)
    net = Network(FunctionalPools(), InputSpec(2, 9, 11))
    trace = net.run(torch.randn(1, 2, 9, 11))
    pools = [layer for layer in net.layers if str(layer.kind).endswith("pool2d")]
    assert len(pools) == 3
    for layer in pools:
        for k, y, x in every_position(layer.output_shape):
            step = explain(trace, layer.name, channel=k, y=y, x=x)
            assert_readds(step.computed, float(trace.output(layer.name)[0, k, y, x]), step.scale, layer.name)


def test_pool_step_to_dict_is_plain_json(tinyvgg_network: Network) -> None:
    trace = tinyvgg_network.run(torch.rand(1, 3, 64, 64))
    data = explain(trace, "max_pool_2", channel=9, y=12, x=0).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["step"] == "pool" and data["rows"] == [24, 25] and data["cols"] == [0, 1]
    assert data["winner"] in [[24, 0], [24, 1], [25, 0], [25, 1]]
