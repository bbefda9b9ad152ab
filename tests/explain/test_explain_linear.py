"""Linear explanations: every product, the largest ones, and where flattened inputs came from."""

from __future__ import annotations

import json

import torch
from torch import nn

from convscope.explain import explain
from convscope.explain.linear import TOP_CONTRIBUTIONS
from convscope.inputs import InputSpec
from convscope.network import Network
from tests.explain_support import assert_readds, cnn_explainer_image, trained_tinyvgg


def test_linear_products_plus_bias_give_the_class_score_of_trained_tinyvgg() -> None:
    net = trained_tinyvgg()
    trace = net.run(cnn_explainer_image("pizza_1.jpeg"))
    fc = net.layer("output").module
    x = trace.output("flatten")[0]
    for j in range(10):
        step = explain(trace, "output", index=j)
        assert torch.equal(step.inputs, x)
        assert torch.equal(step.weights, fc.weight.detach()[j])
        assert torch.equal(step.products, x * fc.weight.detach()[j])
        assert step.bias == float(fc.bias.detach()[j])
        assert step.label == net.class_names[j]
        assert_readds(step.computed, float(trace.logits[0, j]), step.scale, net.class_names[j])


def test_top_contributions_are_the_largest_products_by_magnitude(tinyvgg_network: Network) -> None:
    trace = tinyvgg_network.run(torch.rand(1, 3, 64, 64))
    step = explain(trace, "output", index=4)
    magnitudes = sorted(step.products.abs().tolist(), reverse=True)
    assert len(step.top) == TOP_CONTRIBUTIONS
    assert [abs(c.product) for c in step.top] == magnitudes[:TOP_CONTRIBUTIONS]
    for c in step.top:
        assert c.product == float(step.products[c.input_index])
        assert (c.input, c.weight) == (float(step.inputs[c.input_index]), float(step.weights[c.input_index]))


def test_flattened_inputs_point_back_to_their_cell_in_the_pooled_maps(tinyvgg_network: Network) -> None:
    trace = tinyvgg_network.run(torch.rand(1, 3, 64, 64))
    step = explain(trace, "output", index=0)
    assert (step.source_layer, step.source_shape) == ("max_pool_2", (10, 13, 13))
    pooled = trace.output("max_pool_2")[0]
    for c in step.top:
        assert c.source is not None
        assert c.input == float(pooled[c.source])


class DropoutHead(nn.Module):
    """flatten → dropout → linear, and a second linear whose input is not a flattened map."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3)
        self.pool = nn.AdaptiveAvgPool2d((2, 3))  # non-square: a swapped H and W would show
        self.flatten = nn.Flatten()
        self.drop = nn.Dropout(0.5)
        self.fc1 = nn.Linear(18, 7, bias=False)
        self.fc2 = nn.Linear(7, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.fc1(self.drop(self.flatten(self.pool(self.conv(x))))))


def test_sources_are_found_through_dropout_and_absent_for_hidden_units() -> None:
    torch.manual_seed(9)
    net = Network(DropoutHead(), InputSpec(2, 7, 7))
    trace = net.run(torch.randn(1, 2, 7, 7))
    first = explain(trace, "fc1", index=6)
    assert first.bias is None and first.label is None
    assert (first.source_layer, first.source_shape) == ("pool", (3, 2, 3))
    for c in first.top:
        assert c.input == float(trace.output("pool")[0][c.source])
    assert_readds(first.computed, float(trace.output("fc1")[0, 6]), first.scale)
    second = explain(trace, "fc2", index=1)
    assert second.source_layer is None and all(c.source is None for c in second.top)
    assert len(second.top) == 7  # fewer inputs than TOP_CONTRIBUTIONS: all of them
    assert second.label == net.class_names[1]


def test_linear_step_to_dict_is_plain_json(residual_network: Network) -> None:
    trace = residual_network.run(torch.randn(1, 3, 16, 16))
    data = explain(trace, "fc", index=2).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["source_shape"] == [8, 1, 1]
    assert all(len(c["source"]) == 3 and c["source"][1:] == [0, 0] for c in data["top"])
