"""``convscope.blocks``: residual sums against PyTorch, inception branches and what-ifs against rebuilt modules."""

from __future__ import annotations

import pytest
import torch

from convscope import arithmetic
from convscope.blocks import inception_module, residual_block
from convscope.errors import ConvScopeError, NotFoundError
from convscope.formats import zoo_network
from convscope.network import Network
from convscope.zoo.googlenet import Inception, googlenet


@pytest.fixture(scope="module")
def net() -> Network:
    return zoo_network("googlenet", input_size=64)


def test_inception_branches_are_the_modules_own_branches(net):
    data = inception_module(net, "inception3a")
    module = net.module.inception3a
    expected = [module.branch1, module.branch2, module.branch3, module.branch4]
    assert [b["params"] for b in data["branches"]] == [sum(p.numel() for p in m.parameters()) for m in expected]
    assert [b["output_shape"][0] for b in data["branches"]] == [64, 128, 32, 32]
    assert data["output_shape"] == [256, 8, 8] and data["input_shape"] == [192, 8, 8]
    members = [layer for layer in net.layers if layer.name.startswith("inception3a.") or layer.name == "cat"]
    assert data["mults"] == sum(layer.mults for layer in members)


def test_bottleneck_saving_is_arithmetics_for_the_modules_real_sizes(net):
    branch = inception_module(net, "inception3a")["branches"][2]  # 1×1 to 16, then the "5×5" (3×3 here)
    b = branch["bottleneck"]
    c = arithmetic.bottleneck_cost(size=8, in_channels=192, bottleneck=16, out_channels=32, kernel=3, bias=False)
    assert b["direct"]["mults"] == 8 * 8 * 32 * 192 * 3 * 3 == c.direct_mults.value
    assert b["bottleneck_mults"] == 8 * 8 * 16 * 192 + 8 * 8 * 32 * 16 * 3 * 3
    assert b["saving"] == pytest.approx(c.direct_mults.value / c.bottleneck_mults)
    assert inception_module(net, "inception3a")["branches"][0]["bottleneck"] is None  # a lone 1×1


def test_what_if_counts_equal_a_network_rebuilt_with_that_width():
    torch.manual_seed(0)
    changed = googlenet(input_size=64)
    changed.inception3a = Inception(192, 64, 96, 128, 8, 32, 32)  # branch 3 reduces to 8, not 16
    rebuilt = Network(changed, zoo_network("googlenet", input_size=64).input_spec)
    what_if = inception_module(
        zoo_network("googlenet", input_size=64), "inception3a", {"inception3a.branch3.0.conv": 8}
    )
    members = [layer for layer in rebuilt.layers if layer.name.startswith("inception3a.") or layer.name == "cat"]
    assert what_if["params"] == sum(p.numel() for p in changed.inception3a.parameters())
    assert what_if["mults"] == sum(layer.mults for layer in members)
    assert what_if["branches"][2]["bottleneck"]["bottleneck_channels"] == 8


def test_what_if_output_width_flows_into_the_concatenation(net):
    data = inception_module(net, "inception3a", {"inception3a.branch1.conv": 10})
    assert data["output_shape"] == [10 + 128 + 32 + 32, 8, 8]


@pytest.mark.parametrize(
    ("widths", "message"),
    [({"conv1.conv": 8}, "not a convolution of inception3a"), ({"inception3a.branch1.conv": 0}, "from 1 to 4,096")],
)
def test_bad_what_if_widths_are_refused_with_one_line(net, widths, message):
    with pytest.raises(ConvScopeError, match=message):
        inception_module(net, "inception3a", widths)


def test_an_unknown_block_lists_the_real_ones(net):
    with pytest.raises(NotFoundError, match="inception3a"):
        inception_module(net, "layer1.0")


@pytest.fixture(scope="module")
def traced():
    network = zoo_network("resnet18", input_size=32)
    torch.manual_seed(5)
    return network.run(torch.randn(1, 3, 32, 32))


def test_residual_terms_are_pytorchs_conv_path_and_block_input(traced):
    data = residual_block(traced, "layer1.0", (3, 2, 5))
    block = traced.network.module.layer1[0]
    x = traced.outputs["maxpool"]
    mode = block.training
    block.eval()  # as Network.run traces: batch norm with its running statistics
    try:
        with torch.no_grad():
            f = block.bn2(block.conv2(torch.relu(block.bn1(block.conv1(x)))))
    finally:
        block.train(mode)
    terms = {t["path"]: t["value"] for t in data["terms"]}
    assert terms["F(x)"] == pytest.approx(float(f[0, 3, 2, 5]), abs=1e-5)
    assert terms["x"] == pytest.approx(float(x[0, 3, 2, 5]))
    assert data["sum"] == pytest.approx(data["traced_sum"], abs=1e-5)
    assert data["after_value"] == pytest.approx(max(0.0, data["traced_sum"]), abs=1e-5)
    assert data["formula"] == "y = ReLU(F(x) + x)" and data["shortcut_is_identity"]


def test_a_projected_shortcut_is_named_as_one(traced):
    data = residual_block(traced, "layer2.0")
    assert data["formula"] == "y = ReLU(F(x) + W_s·x)" and not data["shortcut_is_identity"]
    assert next(t for t in data["terms"] if t["path"] == "x")["layers"] == [
        "layer2.0.downsample.0",
        "layer2.0.downsample.1",
    ]


def test_the_papers_5x5_branch_saves_about_ten_times_on_inception3a(net):
    paper = inception_module(net, "inception3a")["branches"][2]["bottleneck"]["as_5x5"]
    h = w = 8
    direct = h * w * 32 * 192 * 5 * 5
    bottleneck = h * w * 16 * 192 + h * w * 32 * 16 * 5 * 5
    assert (paper["direct_mults"], paper["bottleneck_mults"]) == (direct, bottleneck)
    assert paper["saving"] == pytest.approx(direct / bottleneck) and 9 < paper["saving"] < 10
