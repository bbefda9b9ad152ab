"""Residual addition, inception concatenation, flatten and pass-through layers."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from convscope.explain import NoExplanationError, explain
from convscope.explain.flatten import chw_to_flat, flat_to_chw
from convscope.inputs import InputSpec
from convscope.network import Network
from tests.explain_support import assert_readds, sample_positions


def test_residual_addition_shows_both_branches_and_their_sum(residual_network: Network) -> None:
    trace = residual_network.run(torch.randn(1, 3, 16, 16))
    assert residual_network.layer("add").inputs == ("conv2", "relu")
    for pos in sample_positions(residual_network.layer("add"), count=20):
        step = explain(trace, "add", **pos)
        coords = (0, *step.position.coords)
        assert [t.layer for t in step.terms] == ["conv2", "relu"]
        assert [t.value for t in step.terms] == [
            float(trace.output("conv2")[coords]),
            float(trace.output("relu")[coords]),
        ]
        assert_readds(step.computed, float(trace.output("add")[coords]), step.scale, str(pos))
    assert json.loads(json.dumps(step.to_dict()))["terms"][0]["layer"] == "conv2"


def test_concat_points_every_channel_at_the_branch_map_it_copies(inception_network: Network) -> None:
    trace = inception_network.run(torch.randn(1, 3, 16, 16))
    cat = trace.output("cat")[0]
    sources = []
    for c in range(16):
        step = explain(trace, "cat", channel=c, y=5, x=11)
        assert step.axis == 0
        # The whole map, not just the explained cell: a wrong channel cannot match by chance.
        assert torch.equal(cat[c], trace.output(step.source_layer)[0, step.source.channel])
        assert (step.source.y, step.source.x) == (5, 11)
        assert step.computed == step.output
        sources.append((step.source_layer, step.source.channel))
    assert [name for name, _ in sources] == [n for n in inception_network.layer("cat").inputs for _ in range(4)]
    assert step.spans == [("relu", 0, 4), ("relu_1", 4, 8), ("relu_2", 8, 12), ("relu_3", 12, 16)]


def test_flatten_index_maps_to_the_cell_it_copies_and_back(tinyvgg_network: Network) -> None:
    trace = tinyvgg_network.run(torch.rand(1, 3, 64, 64))
    pooled = trace.output("max_pool_2")[0]
    shape = tuple(pooled.shape)
    for i in range(0, 1690, 7):
        step = explain(trace, "flatten", index=i)
        c, y, x = step.source.coords
        assert flat_to_chw(shape, i) == (c, y, x) and chw_to_flat(shape, c, y, x) == i
        assert step.output == float(pooled[c, y, x]) == step.computed
    assert explain(trace, "flatten", index=1689).source.coords == (9, 12, 12)


class PassThrough(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.pad = nn.ZeroPad2d((2, 0, 1, 3))
        self.conv = nn.Conv2d(2, 2, 3)
        self.same = nn.Identity()
        self.flatten = nn.Flatten()
        self.drop = nn.Dropout(0.9)
        self.fc = nn.Linear(2 * 6 * 5, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.drop(self.flatten(self.same(self.conv(self.pad(x))))))


def test_dropout_identity_and_zero_padding_copy_values_or_add_zeros() -> None:
    torch.manual_seed(5)
    net = Network(PassThrough(), InputSpec(2, 4, 5))
    inp = torch.randn(1, 2, 4, 5)
    trace = net.run(inp)
    corner = explain(trace, "pad", channel=1, y=0, x=0)
    assert corner.source is None and corner.output == 0.0 == corner.computed
    inner = explain(trace, "pad", channel=1, y=3, x=4)
    assert inner.source.coords == (1, 2, 2) and inner.output == float(inp[0, 1, 2, 2]) == inner.computed
    for name, pos in (("same", {"channel": 1, "y": 2, "x": 3}), ("drop", {"index": 17})):
        step = explain(trace, name, **pos)
        assert step.source == step.position and step.output == step.computed
    assert "eval mode" in explain(trace, "drop", index=0).note
    conv = trace.output("conv")[0]  # (2, 6, 5): not square
    for i in range(60):
        step = explain(trace, "flatten", index=i)
        assert step.computed == float(conv[step.source.coords]) == step.output


class Unexplainable(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 2, 3, padding=1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(2 * 5 * 5, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        doubled = y + y  # one layer on both sides: the graph records it once
        shifted = doubled + 1.0  # a constant term is not a layer
        twice = torch.cat([y, y], 1)  # (N, 4, H, W) from one recorded input
        return self.fc(self.flatten(shifted + twice[:, :2]))


def test_sums_and_concats_with_hidden_terms_are_refused_not_misexplained() -> None:
    torch.manual_seed(6)
    net = Network(Unexplainable(), InputSpec(2, 5, 5))
    trace = net.run(torch.randn(1, 2, 5, 5) + 3)
    with pytest.raises(NoExplanationError, match="added to itself"):
        explain(trace, "add", channel=0, y=2, x=2)
    with pytest.raises(NoExplanationError, match="added to itself"):
        explain(trace, "add_1", channel=0, y=2, x=2)  # + 1.0: a constant term
    with pytest.raises(NoExplanationError, match="used twice"):
        explain(trace, "cat", channel=3, y=0, x=0)
