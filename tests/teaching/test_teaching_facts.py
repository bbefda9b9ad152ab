"""Layer facts against PyTorch itself: the counts a course asks for, in both shape orders."""

from __future__ import annotations

import math
import re

import pytest
import torch
from torch import nn

from convscope.formats import zoo_network
from convscope.inputs import InputSpec
from convscope.network import Network
from convscope.teaching.facts import layer_facts, shape_text, values_text


def _facts(network: Network, name: str, order: str = "chw") -> dict[str, str]:
    return {f["label"]: f[order] for f in layer_facts(network.layer(name), network)}


def _last_count(text: str) -> int:
    return int(re.findall(r"[\d,]+", text.split("=")[-1])[0].replace(",", ""))


class Grouped(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(8, 12, (3, 5), groups=4, bias=False)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(12 * 6 * 4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.flatten(self.conv(x)))


@pytest.mark.parametrize("order", ["chw", "hwc"])
def test_conv_facts_count_what_pytorch_holds(order: str) -> None:
    network = zoo_network("tinyvgg", seed=1)
    layer = network.layer("conv_1_1")
    module = layer.module
    facts = _facts(network, "conv_1_1", order)
    assert _last_count(facts["weights"]) == module.weight.numel()
    assert _last_count(facts["biases"]) == module.bias.numel()
    assert _last_count(facts["parameters"]) == sum(p.numel() for p in module.parameters())
    assert facts["2-D kernels"].startswith(f"C_in·C_out = 3·10 = {3 * 10} kernels of 3×3")
    assert facts["filters"].startswith(f"{module.out_channels} filters of")
    assert _last_count(facts["multiplications"]) == layer.mults
    in_values = "3 channels × 64 × 64 = 12,288 values" if order == "chw" else "64 × 64 × 3 channels = 12,288 values"
    assert facts["input values"] == in_values
    assert facts["output shape"].startswith(shape_text(layer.output_shape, order))


def test_grouped_conv_counts_kernels_per_group_and_says_it_has_no_bias() -> None:
    network = Network(Grouped(), InputSpec(8, 8, 8))
    facts = _facts(network, "conv")
    module = network.layer("conv").module
    # Each of the 12 filters reads 8/4 = 2 channels: 24 kernels of 3×5, as the weight tensor holds.
    assert facts["2-D kernels"] == "C_in·C_out/groups = 8·12/4 = 24 kernels of 3×5"
    assert module.weight.shape[0] * module.weight.shape[1] == 24
    assert _last_count(facts["weights"]) == module.weight.numel()
    assert facts["biases"] == "0 (no bias)"


def test_linear_facts_separate_weights_and_biases() -> None:
    network = Network(Grouped(), InputSpec(8, 8, 8))
    fc = network.layer("fc").module
    facts = _facts(network, "fc")
    assert _last_count(facts["weights"]) == fc.weight.numel()
    assert _last_count(facts["biases"]) == fc.bias.numel()
    assert facts["input values"] == f"{math.prod((12, 6, 4)):,} values"


def test_values_text_writes_the_product_in_the_chosen_order() -> None:
    assert values_text([1, 28, 28], "chw") == "1 channel × 28 × 28 = 784 values"
    assert values_text([3, 64, 64], "hwc") == "64 × 64 × 3 channels = 12,288 values"
    assert values_text([10], "hwc") == "10 values"


def test_every_layer_of_a_served_model_has_facts_with_both_orders() -> None:
    network = zoo_network("tinyvgg", seed=2)
    for layer in network.layers:
        facts = layer_facts(layer, network)
        assert facts and all(set(f) == {"label", "chw", "hwc"} for f in facts)
