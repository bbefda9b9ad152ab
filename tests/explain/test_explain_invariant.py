"""The invariant: every explained value's parts re-add to the traced value (relative 1e-5).

Checked on every explainable layer of random (seeded) and trained networks,
including a residual block, an inception block and a model using every kind.
"""

from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from convscope.explain import EXPLAINERS, explain, explain_probabilities
from convscope.formats import zoo_network
from convscope.inputs import InputSpec
from convscope.network import Network
from convscope.types import LayerKind
from convscope.zoo import list_models
from tests.explain_support import assert_readds, cnn_explainer_image, sample_positions, trained_tinyvgg


class EveryKindNet(nn.Module):
    """One layer of each explained kind, with non-default settings where a kind has them."""

    def __init__(self) -> None:
        super().__init__()
        self.pad = nn.ZeroPad2d((1, 0, 2, 1))
        self.conv1 = nn.Conv2d(3, 6, (3, 2), stride=(1, 2), padding=1, dilation=(2, 1))
        self.bn = nn.BatchNorm2d(6)
        self.leaky = nn.LeakyReLU(0.2)
        self.conv2 = nn.Conv2d(6, 6, 3, padding=1, groups=3, padding_mode="replicate")
        self.elu = nn.ELU(alpha=0.7)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.gelu = nn.GELU(approximate="tanh")
        self.avgpool = nn.AvgPool2d(2, stride=1, padding=1, ceil_mode=True, count_include_pad=False)
        self.silu = nn.SiLU()
        self.relu6 = nn.ReLU6()
        self.hardswish = nn.Hardswish()
        self.adaptive_max = nn.AdaptiveMaxPool2d((5, 3))
        self.adaptive_avg = nn.AdaptiveAvgPool2d((2, 3))
        self.flatten = nn.Flatten()
        self.identity = nn.Identity()
        self.drop = nn.Dropout(0.3)
        self.fc1 = nn.Linear(12 * 1 * 2, 12)
        self.tanh = nn.Tanh()
        self.fc2 = nn.Linear(12, 5, bias=False)
        self.softmax = nn.Softmax(dim=1)
        with torch.no_grad():
            self.bn.running_mean.uniform_(-1, 1)
            self.bn.running_var.uniform_(0.2, 3)
            self.bn.weight.uniform_(0.5, 2)
            self.bn.bias.uniform_(-1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.leaky(self.bn(self.conv1(self.pad(x))))  # (N, 6, 21, 12)
        x = self.elu(self.conv2(x)) + x
        x = self.gelu(self.maxpool(x))  # (N, 6, 11, 7)
        x = self.hardswish(self.relu6(self.silu(self.avgpool(x))))  # (N, 6, 12, 8)
        x = torch.sigmoid(x)
        wide = self.adaptive_max(x)  # (N, 6, 5, 3): windows overlap
        tall = F.avg_pool2d(x, 2, 2)  # (N, 6, 6, 4)
        x = torch.cat([self.adaptive_avg(wide), self.adaptive_avg(tall)], 1)  # (N, 12, 2, 3)
        x = F.max_pool2d(x, 2, 1, 0, 1, True)  # (N, 12, 1, 2)
        x = self.drop(self.identity(self.flatten(torch.tanh(F.elu(F.relu(x))))))  # (N, 24)
        x = self.tanh(F.log_softmax(self.fc1(x), dim=1))
        return self.softmax(self.fc2(x))


def every_kind_network() -> Network:
    torch.manual_seed(11)
    return Network(EveryKindNet(), InputSpec(3, 20, 22))


NETWORKS = {
    "tinyvgg": lambda request: request.getfixturevalue("tinyvgg_network"),
    "residual": lambda request: request.getfixturevalue("residual_network"),
    "inception": lambda request: request.getfixturevalue("inception_network"),
}


def check_every_layer(network: Network, x: torch.Tensor, count: int = 6) -> set[LayerKind]:
    """Explain sampled positions of every explainable layer; return the kinds explained."""
    trace = network.run(x)
    explained = set()
    for layer in network.layers:
        if layer.kind not in EXPLAINERS:
            continue
        for pos in sample_positions(layer, count=count, seed=len(layer.name)):
            step = explain(trace, layer.name, **pos)
            traced = float(trace.output(layer.name)[(0, *step.position.coords)])
            assert step.output == traced
            assert_readds(step.computed, traced, step.scale, f"{layer.name} {pos}")
            json.dumps(step.to_dict())
        explained.add(layer.kind)
    return explained


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_every_layer_of_the_fixture_networks_readds(name: str, request: pytest.FixtureRequest) -> None:
    network = NETWORKS[name](request)
    torch.manual_seed(12)
    kinds = check_every_layer(network, torch.randn(1, *network.input_spec.shape))
    unexplained = {layer.kind for layer in network.layers} - kinds - {LayerKind.INPUT}
    assert not unexplained, f"{name} has layers without explanations: {unexplained}"


def test_the_residual_and_inception_blocks_are_explained(residual_network: Network, inception_network: Network) -> None:
    assert LayerKind.ADD in check_every_layer(residual_network, torch.randn(1, 3, 16, 16))
    assert LayerKind.CONCAT in check_every_layer(inception_network, torch.randn(1, 3, 16, 16))


@pytest.mark.parametrize("image", ["boat_1.jpeg", "panda_1.jpeg", "white.jpeg"])
def test_every_layer_of_trained_tinyvgg_readds_on_real_images(image: str) -> None:
    network = trained_tinyvgg()
    check_every_layer(network, cnn_explainer_image(image), count=12)


def test_a_model_using_every_explained_kind_readds_everywhere() -> None:
    network = every_kind_network()
    torch.manual_seed(13)
    kinds = check_every_layer(network, torch.randn(1, 3, 20, 22) * 2, count=10)
    missing = set(EXPLAINERS) - kinds
    assert not missing, f"kinds never exercised: {missing}"


def test_probabilities_step_readds_for_every_class_of_trained_tinyvgg() -> None:
    network = trained_tinyvgg()
    trace = network.run(cnn_explainer_image("bus_1.jpeg"))
    for k in range(network.num_classes):
        step = explain_probabilities(trace, index=k)
        assert_readds(step.computed, float(trace.probabilities[0, k]), step.scale, network.class_names[k])


#: The smallest input each zoo architecture accepts without its maps shrinking to nothing.
SMALL_INPUT = {"alexnet": 96}


@pytest.mark.slow
@pytest.mark.parametrize("name", list_models())
def test_every_layer_of_every_zoo_model_readds(name: str) -> None:
    network = zoo_network(name, input_size=SMALL_INPUT.get(name, 32), num_classes=7)
    torch.manual_seed(14)
    kinds = check_every_layer(network, torch.randn(1, *network.input_spec.shape), count=2)
    unexplained = {layer.kind for layer in network.layers} - kinds - {LayerKind.INPUT}
    assert not unexplained, f"{name} has layers without explanations: {unexplained}"
