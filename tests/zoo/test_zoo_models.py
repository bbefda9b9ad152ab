"""Zoo architectures: exact parameter counts, forward passes, fx tracing, layer names."""

from __future__ import annotations

import functools

import pytest
import torch
from torch import nn

from convscope.zoo import get_entry, get_model, list_models
from convscope.zoo.vgg import CFGS

#: Counts issue 3 quotes from the papers and torchvision.
PUBLISHED = {
    "tinyvgg": 19_920,
    "lenet5": 61_706,
    "alexnet": 61_100_840,
    "vgg16": 138_357_544,
    "resnet18": 11_689_512,
    "resnet34": 21_797_672,
    "googlenet": 6_624_904,
}

#: Inputs the ImageNet models accept (adaptive pools) that keep fx checks fast.
SMALL_SIZE = {"alexnet": 67, "vgg16": 32, "resnet18": 32, "resnet34": 32, "googlenet": 33}

TINYVGG_NAMES = [
    "conv_1_1", "relu_1_1", "conv_1_2", "relu_1_2", "max_pool_1",
    "conv_2_1", "relu_2_1", "conv_2_2", "relu_2_2", "max_pool_2",
    "flatten", "output",
]  # fmt: skip


@functools.cache
def _seeded(name: str) -> nn.Module:
    """One seeded default build per model for the whole file (VGG-16 takes seconds)."""
    torch.manual_seed(0)
    return get_model(name).eval()


def _meta(name: str, **cfg: object) -> nn.Module:
    """A build without memory, for counts and shapes."""
    with torch.device("meta"):
        return get_model(name, **cfg)


def _count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def _widths_and_pools(model: nn.Module) -> list[int | str]:
    """A VGG-like model read back as a CFGS row: conv widths and "M" for max pools."""
    layers = [m for m in model if isinstance(m, nn.Conv2d | nn.MaxPool2d)]
    return [m.out_channels if isinstance(m, nn.Conv2d) else "M" for m in layers]


@pytest.mark.parametrize("name", list_models())
def test_default_parameter_count_is_the_published_one(name):
    assert get_entry(name).published_params == PUBLISHED[name]
    assert _count(_meta(name)) == PUBLISHED[name]


@pytest.mark.parametrize("name", list_models())
def test_every_model_runs_a_forward_pass_on_its_input_spec(name):
    model = _seeded(name)
    spec = get_entry(name).input_spec()
    with torch.no_grad():
        out = model(torch.randn(1, *spec.shape))
    assert out.shape == (1, get_entry(name).options()["num_classes"])
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("name", list_models())
def test_num_classes_option_sets_the_output_width(name):
    spec = get_entry(name).input_spec()
    model = _meta(name, num_classes=7).eval()
    assert model(torch.empty(2, *spec.shape, device="meta")).shape == (2, 7)


@pytest.mark.parametrize("name", list_models())
def test_symbolic_trace_reproduces_the_forward_pass(name):
    model = _seeded(name)
    size = SMALL_SIZE.get(name, get_entry(name).options()["input_size"])
    channels = get_entry(name).input_spec().channels
    graph = torch.fx.symbolic_trace(model)
    x = torch.randn(1, channels, size, size)
    with torch.no_grad():
        torch.testing.assert_close(graph(x), model(x))


@pytest.mark.parametrize("name", ["tinyvgg", "lenet5", "googlenet"])
def test_seeded_builds_are_identical(name):
    torch.manual_seed(3)
    first = get_model(name).state_dict()
    torch.manual_seed(3)
    second = get_model(name).state_dict()
    assert first.keys() == second.keys()
    assert all(torch.equal(first[k], second[k]) for k in first)


def test_resnet_trains_with_inplace_relus_and_batch_norm():
    torch.manual_seed(0)
    model = get_model("resnet18", num_classes=3).train()
    loss = nn.functional.cross_entropy(model(torch.randn(2, 3, 16, 16)), torch.tensor([0, 2]))
    loss.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())


# ----- TinyVGG -----------------------------------------------------------------


def test_tinyvgg_default_keeps_cnn_explainer_names_and_count():
    model = get_model("tinyvgg")
    assert [name for name, _ in model.named_children()] == TINYVGG_NAMES
    assert _count(model) == 19_920
    assert [m.out_channels for m in model if isinstance(m, nn.Conv2d)] == [10, 10, 10, 10]


def test_tinyvgg_options_shape_the_network():
    model = get_model("tinyvgg", in_channels=1, input_size=28, filters=16, num_classes=10, padding=1, dropout=0.25)
    # 28 → 28 → 28 → 14 → 14 → 14 → 7 with padding 1; PyTorch must agree with the dense layer.
    out = model(torch.randn(2, 1, 28, 28))
    assert out.shape == (2, 10)
    assert model.output.in_features == 16 * 7 * 7
    names = [name for name, _ in model.named_children()]
    assert names[-3:] == ["flatten", "dropout", "output"]
    assert model.dropout.p == 0.25


def test_tinyvgg_widths_follow_the_cfgs_row():
    model = get_model("tinyvgg", filters=4)
    assert _widths_and_pools(model) == [item if item == "M" else 4 for item in CFGS["tinyvgg"]]


# ----- LeNet-5 -----------------------------------------------------------------


def _weights_and_biases(c_in: int, c_out: int, kernel: int = 1) -> int:
    return kernel * kernel * c_in * c_out + c_out


def test_lenet5_counts_each_layer_like_the_modern_reading():
    model = get_model("lenet5")
    expected = {
        "conv_1": _weights_and_biases(1, 6, kernel=5),
        "conv_2": _weights_and_biases(6, 16, kernel=5),  # full C3 connectivity
        "fc_3": _weights_and_biases(16 * 5 * 5, 120),
        "fc_4": _weights_and_biases(120, 84),
        "output": _weights_and_biases(84, 10),
    }
    counted = {name: _count(m) for name, m in model.named_children() if _count(m)}
    assert counted == expected
    assert sum(expected.values()) == 61_706


def test_lenet5_28_variant_pads_c1_and_matches_the_32_shapes():
    torch.manual_seed(0)
    small, classic = get_model("lenet5", input_size=28), get_model("lenet5")
    assert _count(small) == _count(classic) == 61_706
    assert small.conv_1.padding == (2, 2) and classic.conv_1.padding == (0, 0)
    for model, size in ((small, 28), (classic, 32)):
        x = torch.randn(2, 1, size, size)
        assert model[:3](x).shape == (2, 6, 14, 14)  # C1 + S2
        assert model[:6](x).shape == (2, 16, 5, 5)  # C3 + S4
        assert model(x).shape == (2, 10)


def test_lenet5_activation_and_pool_options_pick_the_modules():
    model = get_model("lenet5", activation="relu", pool="max", in_channels=3, num_classes=4)
    names = [name for name, _ in model.named_children()]
    assert names == [
        "conv_1", "relu_1", "pool_1", "conv_2", "relu_2", "pool_2",
        "flatten", "fc_3", "relu_3", "fc_4", "relu_4", "output",
    ]  # fmt: skip
    assert isinstance(model.relu_1, nn.ReLU) and isinstance(model.pool_1, nn.MaxPool2d)
    assert isinstance(get_model("lenet5").tanh_1, nn.Tanh)
    assert isinstance(get_model("lenet5").pool_1, nn.AvgPool2d)
    assert model(torch.randn(1, 3, 32, 32)).shape == (1, 4)


# ----- ImageNet architectures --------------------------------------------------------


def test_vgg16_convs_follow_the_cfgs_row():
    model = _meta("vgg16")
    assert _widths_and_pools(model) == CFGS["vgg16"]
    assert model.conv_5_3.out_channels == 512 and model.output.in_features == 4096


def test_vgg16_and_alexnet_dropout_option_reaches_the_classifier():
    for name in ("vgg16", "alexnet"):
        model = _meta(name, dropout=0.3)
        assert [m.p for m in model.modules() if isinstance(m, nn.Dropout)] == [0.3, 0.3]


def test_alexnet_first_conv_gives_the_papers_55_by_55_maps():
    model = _seeded("alexnet")
    with torch.no_grad():
        assert model[:1](torch.zeros(1, 3, 227, 227)).shape == (1, 64, 55, 55)
        assert model[:13](torch.zeros(1, 3, 227, 227)).shape == (1, 256, 6, 6)


@pytest.mark.parametrize(("name", "blocks"), [("resnet18", [2, 2, 2, 2]), ("resnet34", [3, 4, 6, 3])])
def test_resnet_stages_hold_the_papers_block_counts(name, blocks):
    model = _meta(name)
    assert [len(getattr(model, f"layer{i}")) for i in (1, 2, 3, 4)] == blocks
    # Only the first block of stages 2-4 changes shape, so only it has a projection shortcut.
    projections = [n for n, m in model.named_modules() if n.endswith("downsample")]
    assert projections == ["layer2.0.downsample", "layer3.0.downsample", "layer4.0.downsample"]


def test_googlenet_convs_have_no_bias_and_batch_norm_eps_is_one_thousandth():
    model = _meta("googlenet")
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(convs) == len(norms) == 3 + 9 * 6
    assert all(c.bias is None for c in convs)
    assert all(n.eps == 0.001 for n in norms)
    # torchvision's "5×5" branch is 3×3; the published count depends on it.
    assert model.inception3a.branch3[1].conv.kernel_size == (3, 3)


def test_googlenet_inception_concatenates_its_four_branches():
    model = _seeded("googlenet")
    x = torch.randn(1, 192, 8, 8)
    block = model.inception3a
    with torch.no_grad():
        branches = [block.branch1(x), block.branch2(x), block.branch3(x), block.branch4(x)]
        out = block(x)
    torch.testing.assert_close(out, torch.cat(branches, 1))
    assert out.shape == (1, 64 + 128 + 32 + 32, 8, 8)
