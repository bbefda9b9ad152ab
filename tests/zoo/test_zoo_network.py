"""Every zoo model reads as a ConvScope Network whose counts agree with PyTorch's."""

from __future__ import annotations

import functools

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from convscope.network import Network
from convscope.types import LayerKind
from convscope.zoo import get_entry, get_model, list_models
from tests.models import batchnorm_values

#: Small odd sizes the ImageNet models accept, where ceil-mode and floor pooling differ.
ODD_SIZE = {"alexnet": 99, "vgg16": 45, "resnet18": 37, "resnet34": 37, "googlenet": 37}


@functools.cache
def _module(name: str) -> nn.Module:
    """One seeded default build per model for the whole file (VGG-16 takes seconds)."""
    torch.manual_seed(0)
    return get_model(name)


def _flops_over_two(module: nn.Module, x: torch.Tensor) -> int:
    """PyTorch's FLOP count halved, plus the one multiplication per batchnorm value it leaves out."""
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        module.eval()(x)
    return counter.get_total_flops() // 2 + batchnorm_values(module, x)


@pytest.mark.parametrize("name", list_models())
def test_network_builds_on_the_default_spec(name):
    entry = get_entry(name)
    network = Network(_module(name), entry.input_spec())
    assert network.layers[0].name == "input"
    assert network.layers[0].output_shape == entry.input_spec().shape
    assert network.total_params == entry.published_params
    assert network.num_classes == entry.options()["num_classes"]
    if name not in ODD_SIZE:  # the ImageNet models are counted on smaller inputs below
        x = torch.zeros(1, *entry.input_spec().shape)
        assert network.total_mults == _flops_over_two(network.module, x)


@pytest.mark.parametrize("name", sorted(ODD_SIZE))
def test_network_counts_like_flop_counter_on_a_small_odd_input(name):
    spec = get_entry(name).input_spec(input_size=ODD_SIZE[name])
    network = Network(_module(name), spec)
    assert network.total_mults == _flops_over_two(network.module, torch.zeros(1, *spec.shape))


@pytest.mark.parametrize("name", ["lenet5", "tinyvgg"])
def test_small_models_count_like_flop_counter_in_every_variant(name):
    variants = {
        "lenet5": {"input_size": 28, "activation": "relu", "pool": "max"},
        "tinyvgg": {"filters": 16, "padding": 1},
    }
    entry = get_entry(name)
    network = Network(get_model(name, **variants[name]), entry.input_spec(**variants[name]))
    x = torch.zeros(1, *network.input_spec.shape)
    assert network.total_mults == _flops_over_two(network.module, x)


@pytest.mark.parametrize("name", ["alexnet", "vgg16", "resnet18", "googlenet"])
def test_trace_survives_inplace_relus(name):
    spec = get_entry(name).input_spec(input_size=ODD_SIZE[name])
    network = Network(_module(name), spec)
    torch.manual_seed(1)
    x = torch.randn(1, *spec.shape)
    trace = network.run(x)
    with torch.no_grad():
        torch.testing.assert_close(trace.logits, network.module.eval()(x))
    relus = [layer for layer in network.layers if layer.kind is LayerKind.RELU]
    assert relus
    for layer in relus:
        (source,) = layer.inputs
        before = trace.outputs[source]
        assert (before < 0).any(), f"{source} lost its negative values to {layer.name}"
        torch.testing.assert_close(trace.outputs[layer.name], before.clamp(min=0))


def test_tinyvgg_network_layers_keep_cnn_explainer_names():
    network = Network(_module("tinyvgg"), get_entry("tinyvgg").input_spec())
    assert [layer.name for layer in network.layers] == [
        "input",
        "conv_1_1", "relu_1_1", "conv_1_2", "relu_1_2", "max_pool_1",
        "conv_2_1", "relu_2_1", "conv_2_2", "relu_2_2", "max_pool_2",
        "flatten", "output",
    ]  # fmt: skip
    assert network.layer("output").output_shape == (10,)


def test_resnet_network_shows_residual_additions_with_both_inputs():
    network = Network(_module("resnet18"), get_entry("resnet18").input_spec(input_size=37))
    adds = [layer for layer in network.layers if layer.kind is LayerKind.ADD]
    assert len(adds) == 8  # one per basic block
    assert adds[0].inputs == ("layer1.0.bn2", "maxpool")
    assert adds[2].inputs == ("layer2.0.bn2", "layer2.0.downsample.1")


def test_googlenet_network_concatenates_four_branches_per_inception():
    network = Network(_module("googlenet"), get_entry("googlenet").input_spec(input_size=37))
    concats = [layer for layer in network.layers if layer.kind is LayerKind.CONCAT]
    assert len(concats) == 9
    for layer in concats:
        assert len(layer.inputs) == 4
        widths = [network.layer(source).output_shape[0] for source in layer.inputs]
        assert layer.output_shape[0] == sum(widths)
