"""Blocks and compact folds of the overview, checked against the layer graph and the modules themselves."""

from __future__ import annotations

import functools

import pytest
from torch import nn

from convscope.formats import zoo_network
from convscope.layer_blocks import DEEP_LAYERS, fold_targets, layer_blocks, network_blocks, overview_defaults
from convscope.network import Network
from convscope.types import LayerKind
from tests.models import ResidualNet

DEEP = {"resnet18": {"input_size": 37}, "googlenet": {"input_size": 37}}


@functools.cache
def _zoo(name: str) -> Network:
    return zoo_network(name, **DEEP.get(name, {}))


@pytest.mark.parametrize("name", list(DEEP))
def test_every_block_hands_on_exactly_one_layer_and_is_fed_only_through_its_inputs(name: str) -> None:
    net = _zoo(name)
    readers: dict[str, set[str]] = {layer.name: set() for layer in net.layers}
    for layer in net.layers:
        for src in layer.inputs:
            readers[src].add(layer.name)
    for block in network_blocks(net):
        inside = set(block.layers)
        read_outside = [n for n in block.layers if readers[n] - inside]
        assert read_outside == [block.output]
        fed_from = {src for n in block.layers for src in net.layer(n).inputs} - inside
        assert fed_from == set(block.inputs)
        assert isinstance(net.module.get_submodule(block.name), nn.Module)
        assert type(net.module.get_submodule(block.name)).__name__ == block.kind


def test_resnet_blocks_are_the_basic_blocks_and_each_add_sits_in_its_block() -> None:
    net = _zoo("resnet18")
    blocks = network_blocks(net)
    assert [b.name for b in blocks] == [f"layer{s}.{i}" for s in range(1, 5) for i in range(2)]
    assert {b.kind for b in blocks} == {"BasicBlock"}
    of = layer_blocks(net)
    adds = [layer for layer in net.layers if layer.kind is LayerKind.ADD]
    assert len(adds) == 8
    for add, block in zip(adds, blocks, strict=True):
        assert of[add.name] == block.name
        assert block.output == f"{block.name}.relu2" and add.name in block.layers
    assert of["conv1"] is None and of["fc"] is None  # the stem and the head belong to no block


def test_googlenet_blocks_are_the_inception_modules_with_their_concat_as_output() -> None:
    net = _zoo("googlenet")
    inceptions = [b for b in network_blocks(net) if b.kind == "Inception"]
    assert [b.name for b in inceptions] == [
        f"inception{n}" for n in ("3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b")
    ]
    for block in inceptions:
        output = net.layer(block.output)
        assert output.kind is LayerKind.CONCAT and len(output.inputs) == 4
        assert len(block.layers) == 20  # 4 branches of conv-bn-relu units and a pool, and the concat


def test_a_residual_add_at_the_top_level_belongs_to_no_block() -> None:
    net = Network(ResidualNet(), zoo_network("tinyvgg").input_spec)
    assert network_blocks(net) == []
    assert set(layer_blocks(net).values()) == {None}


@pytest.mark.parametrize("name", ["tinyvgg", "lenet5", "alexnet", "vgg16", *DEEP])
def test_folded_layers_keep_the_shape_of_the_column_they_fold_into(name: str) -> None:
    net = _zoo(name)
    folds = fold_targets(net)
    assert folds, "every zoo model has an activation after a conv"
    for layer_name, host in folds.items():
        layer, into = net.layer(layer_name), net.layer(host)
        assert layer.output_shape == into.output_shape
        assert into.kind in (LayerKind.CONV2D, LayerKind.LINEAR, LayerKind.ADD)
        assert (
            layer.kind is LayerKind.BATCHNORM2D
            or layer.kind is LayerKind.DROPOUT
            or layer.kind.value
            in {
                "relu",
                "tanh",
                "sigmoid",
            }
        )
        assert layer_name not in (net.output_layer, net.logits_layer)


def test_conv_bn_relu_folds_into_the_conv_and_the_relu_after_an_add_into_the_add() -> None:
    folds = fold_targets(_zoo("resnet18"))
    assert folds["bn1"] == folds["relu"] == "conv1"
    assert folds["layer2.0.downsample.1"] == "layer2.0.downsample.0"
    assert folds["layer1.0.relu2"] == "add"
    assert "maxpool" not in folds and "add" not in folds


@pytest.mark.parametrize(
    ("name", "deep"), [("tinyvgg", False), ("lenet5", False), ("resnet18", True), ("googlenet", True)]
)
def test_networks_over_the_threshold_open_compact_and_collapsed(name: str, deep: bool) -> None:
    net = _zoo(name)
    assert (len(net.layers) > DEEP_LAYERS) is deep
    assert overview_defaults(net) == {"compact": deep, "collapsed": deep}
