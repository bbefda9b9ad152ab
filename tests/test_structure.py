"""``convscope.structure``: the diagram's nodes and edges are the layer graph's; skips and blocks from the modules."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from convscope.formats import zoo_network
from convscope.inputs import InputSpec
from convscope.network import Network
from convscope.structure import Structure
from tests.models import DataDependentNet, InceptionNet, ResidualNet


@pytest.fixture(scope="module")
def resnet18() -> Network:
    return zoo_network("resnet18", input_size=32)


@pytest.fixture(scope="module")
def googlenet() -> Network:
    return zoo_network("googlenet", input_size=32)


@pytest.mark.parametrize("model", ["resnet18", "googlenet"])
def test_nodes_and_edges_are_exactly_the_layer_records_and_their_inputs(model, request):
    network = request.getfixturevalue(model)
    data = Structure.of(network).to_dict()
    assert [n["name"] for n in data["nodes"]] == [layer.name for layer in network.layers]
    expected = [(source, layer.name) for layer in network.layers for source in layer.inputs]
    assert [(e["source"], e["target"]) for e in data["edges"]] == expected
    assert data["counts"]["nodes"] == len(network.layers) and data["counts"]["edges"] == len(expected)
    for node, layer in zip(data["nodes"], network.layers, strict=True):
        assert (node["params"], node["mults"], tuple(node["output_shape"])) == (
            layer.params,
            layer.mults,
            layer.output_shape,
        )


def test_resnet18_skip_edges_are_the_identity_shortcuts_of_blocks_without_downsample(resnet18):
    structure = Structure.of(resnet18)
    expected = set()
    for name, block in resnet18.module.named_modules():
        if type(block).__name__ == "BasicBlock" and block.downsample is None:
            # The block's input is whatever feeds its first convolution; its sum reads it back.
            source = resnet18.layer(f"{name}.conv1").inputs[0]
            add = next(layer.name for layer in resnet18.layers if layer.kind == "add" and f"{name}.bn2" in layer.inputs)
            expected.add((source, add))
    assert {(e.source, e.target) for e in structure.skip_edges} == expected
    assert len(expected) == 5  # 8 blocks, 3 of which project their shortcut


def test_resnet18_blocks_are_stages_holding_residual_blocks(resnet18):
    blocks = Structure.of(resnet18).blocks_by_id
    assert [b for b in blocks if b.count(".") == 1 and blocks[b].kind == "residual"] == [
        f"layer{s}.{i}" for s in range(1, 5) for i in range(2)
    ]
    assert blocks["layer1"].kind == "module" and blocks["layer1.0"].parent == "layer1"
    assert blocks["layer2.0"].params == sum(p.numel() for p in resnet18.module.layer2[0].parameters())
    assert blocks["layer1.0"].repeats == 8


def test_googlenet_has_nine_inception_modules_whose_counts_are_their_modules(googlenet):
    structure = Structure.of(googlenet)
    inception = [b for b in structure.blocks if b.kind == "inception"]
    assert [b.id for b in inception] == [
        "inception3a", "inception3b", "inception4a", "inception4b", "inception4c",
        "inception4d", "inception4e", "inception5a", "inception5b",
    ]  # fmt: skip
    for block in inception:
        assert block.params == sum(p.numel() for p in googlenet.module.get_submodule(block.id).parameters())
    assert structure.skip_edges == ()
    assert structure.block_of["cat"] == "inception3a"  # the concat its forward calls sits in the module


def test_functional_ops_belong_to_the_module_whose_forward_called_them():
    torch.manual_seed(0)
    network = Network(ResidualNet(), InputSpec(3, 16, 16))
    scopes = network.layer_scopes()
    assert all(scope == "" for scope in scopes.values())  # a flat module: everything at the top level
    assert Structure.of(network).blocks == ()


def test_a_custom_module_with_a_sum_is_a_residual_block():
    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(4, 4, 3, padding=1)
            self.relu = nn.ReLU()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.relu(self.conv(x) + x)

    module = nn.Sequential(nn.Conv2d(1, 4, 3), Block(), Block(), nn.Flatten(), nn.Linear(4 * 6 * 6, 2))
    structure = Structure.of(Network(module, InputSpec(1, 8, 8)))
    assert [(b.id, b.kind, b.repeats) for b in structure.blocks] == [("1", "residual", 2), ("2", "residual", 2)]
    assert {(e.source, e.target) for e in structure.skip_edges} == {("0", "add"), ("1.relu", "add_1")}


def test_an_inception_style_net_without_submodules_has_no_blocks_but_all_its_branches():
    torch.manual_seed(0)
    network = Network(InceptionNet(), InputSpec(3, 16, 16))
    data = Structure.of(network).to_dict()
    cat = next(layer for layer in network.layers if layer.kind == "concat")
    assert sum(1 for e in data["edges"] if e["target"] == cat.name) == len(cat.inputs) == 4


def test_an_untraceable_model_is_a_chain_that_says_why_it_has_no_graph():
    network = Network(DataDependentNet(), InputSpec(1, 8, 8))
    structure = Structure.of(network)
    assert not structure.is_graph
    assert "forward hooks" in str(structure.no_graph_reason) and "torch.fx could not trace" in str(
        structure.no_graph_reason
    )
    assert [(e.source, e.target) for e in structure.edges] == [
        (a.name, b.name) for a, b in zip(network.layers, network.layers[1:], strict=False)
    ]
    assert structure.blocks == ()
