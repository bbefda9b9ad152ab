"""Convolution explanations against F.conv2d and F.unfold, on random hyperparameters."""

from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch import nn

from convscope.explain import explain, intermediate_maps
from convscope.explain.conv import padding_sides
from convscope.inputs import InputSpec
from convscope.network import Network
from tests.explain_support import assert_readds, cnn_explainer_image, sample_positions, trained_tinyvgg
from tests.models import DataDependentNet


def conv_network(conv: nn.Conv2d, h: int, w: int) -> Network:
    """A network around one conv layer: conv → flatten → linear (ConvScope needs class scores)."""
    with torch.no_grad():
        out = conv(torch.zeros(1, conv.in_channels, h, w))
    model = nn.Sequential()
    model.add_module("conv", conv)
    model.add_module("flatten", nn.Flatten())
    model.add_module("fc", nn.Linear(out[0].numel(), 2))
    return Network(model, InputSpec(conv.in_channels, h, w))


def reference(
    conv: nn.Conv2d, x: torch.Tensor, k: int, y: int, xx: int
) -> tuple[float, float, torch.Tensor, torch.Tensor]:
    """F.conv2d's value, Σ|products| via a conv of magnitudes, and unfold's receptive field and padding mask.

    Returns the value, the scale, the receptive field ``(C_in/groups, K_h, K_w)``
    and the padding mask ``(K_h, K_w)`` of output ``(k, y, xx)``.
    """
    top, bottom, left, right = padding_sides(conv)
    mode = "constant" if conv.padding_mode == "zeros" else conv.padding_mode
    padded = F.pad(x, (left, right, top, bottom), mode=mode)  # (1, C, H+P, W+P)
    inside = F.pad(torch.ones_like(x[:, :1]), (left, right, top, bottom))  # 1 on input cells, 0 on padding
    weight, bias = conv.weight.detach(), None if conv.bias is None else conv.bias.detach()
    with torch.no_grad():
        value = F.conv2d(padded, weight, bias, conv.stride, 0, conv.dilation, conv.groups)
        scale = F.conv2d(padded.abs(), weight.abs(), None, conv.stride, 0, conv.dilation, conv.groups)
    kh, kw = conv.kernel_size
    per_group = conv.in_channels // conv.groups
    g = k // (conv.out_channels // conv.groups)
    cols = F.unfold(
        padded[:, g * per_group : (g + 1) * per_group], (kh, kw), dilation=conv.dilation, stride=conv.stride
    )
    mask = F.unfold(inside, (kh, kw), dilation=conv.dilation, stride=conv.stride)
    column = y * value.shape[-1] + xx
    field = cols[0, :, column].reshape(per_group, kh, kw)
    padding_mask = mask[0, :, column].reshape(kh, kw) == 0
    total_scale = float(scale[0, k, y, xx]) + (0.0 if bias is None else abs(float(bias[k])))
    return float(value[0, k, y, xx]), total_scale, field, padding_mask


@st.composite
def conv_cases(draw: st.DrawFn) -> tuple[nn.Conv2d, int, int, tuple[int, int, int]]:
    groups = draw(st.integers(1, 3))
    conv = dict(
        in_channels=groups * draw(st.integers(1, 3)),
        out_channels=groups * draw(st.integers(1, 3)),
        kernel_size=(draw(st.integers(1, 4)), draw(st.integers(1, 4))),
        stride=(draw(st.integers(1, 3)), draw(st.integers(1, 3))),
        padding=(draw(st.integers(0, 3)), draw(st.integers(0, 3))),
        dilation=(draw(st.integers(1, 3)), draw(st.integers(1, 3))),
        groups=groups,
        bias=draw(st.booleans()),
    )
    h, w = draw(st.integers(3, 11)), draw(st.integers(3, 11))
    for size, k, p, d in zip((h, w), conv["kernel_size"], conv["padding"], conv["dilation"], strict=True):
        assume(d * (k - 1) + 1 <= size + 2 * p)
    torch.manual_seed(draw(st.integers(0, 2**16)))
    module = nn.Conv2d(**conv)
    out_h = (h + 2 * conv["padding"][0] - conv["dilation"][0] * (conv["kernel_size"][0] - 1) - 1) // conv["stride"][
        0
    ] + 1
    out_w = (w + 2 * conv["padding"][1] - conv["dilation"][1] * (conv["kernel_size"][1] - 1) - 1) // conv["stride"][
        1
    ] + 1
    position = (
        draw(st.integers(0, conv["out_channels"] - 1)),
        draw(st.integers(0, out_h - 1)),
        draw(st.integers(0, out_w - 1)),
    )
    return module, h, w, position


@settings(max_examples=60, deadline=None, derandomize=True)
@given(conv_cases())
def test_conv_step_matches_f_conv2d_for_random_hyperparameters(
    case: tuple[nn.Conv2d, int, int, tuple[int, int, int]],
) -> None:
    conv, h, w, (k, y, x) = case
    net = conv_network(conv, h, w)
    inp = torch.randn(1, conv.in_channels, h, w)
    trace = net.run(inp)
    step = explain(trace, "conv", channel=k, y=y, x=x)
    value, scale, field, mask = reference(conv, inp, k, y, x)

    assert_readds(step.computed, value, scale, "parts vs F.conv2d")
    assert_readds(step.computed, float(trace.output("conv")[0, k, y, x]), scale, "parts vs trace")
    assert torch.equal(step.padding_mask, mask)
    assert torch.equal(torch.stack([t.receptive_field for t in step.terms]), field)
    for term in step.terms:
        assert torch.equal(term.kernel, conv.weight.detach()[k, term.input_channel % (conv.in_channels // conv.groups)])
        assert torch.equal(term.products, term.receptive_field * term.kernel)
        assert term.sum == pytest.approx(float(term.products.double().sum()), rel=1e-12, abs=1e-12)
    assert len(step.terms) == conv.in_channels // conv.groups
    assert step.bias == (None if conv.bias is None else float(conv.bias.detach()[k]))


def test_zero_padding_cells_are_zeros_and_marked_at_the_corner() -> None:
    torch.manual_seed(3)
    conv = nn.Conv2d(2, 3, 3, padding=2, dilation=2)
    net = conv_network(conv, 6, 7)
    trace = net.run(torch.randn(1, 2, 6, 7) + 5.0)  # inputs far from zero: a zero can only be padding
    step = explain(trace, "conv", channel=1, y=0, x=0)
    assert step.rows == [-2, 0, 2] and step.cols == [-2, 0, 2]
    expected_mask = torch.tensor([[True, True, True], [True, False, False], [True, False, False]])
    assert torch.equal(step.padding_mask, expected_mask)
    for term in step.terms:
        assert torch.all(term.receptive_field[expected_mask] == 0)
        assert torch.all(term.receptive_field[~expected_mask] != 0)
        assert term.receptive_field[1, 1] == trace.input[0, term.input_channel, 0, 0]


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_padding_modes_show_the_padded_values_and_readd(mode: str) -> None:
    torch.manual_seed(4)
    conv = nn.Conv2d(3, 2, (3, 4), stride=(1, 2), padding=(2, 1), padding_mode=mode)
    net = conv_network(conv, 7, 8)
    inp = torch.randn(1, 3, 7, 8)
    trace = net.run(inp)
    for pos in sample_positions(net.layer("conv")):
        step = explain(trace, "conv", **pos)
        value, scale, field, mask = reference(conv, inp, pos["channel"], pos["y"], pos["x"])
        assert step.padding_mode == mode
        assert torch.equal(torch.stack([t.receptive_field for t in step.terms]), field)
        assert torch.equal(step.padding_mask, mask)
        assert_readds(step.computed, value, scale, f"{mode} {pos}")


# PyTorch warns that it copies the input to pad it unevenly; that is the behaviour under test.
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning")
@pytest.mark.parametrize(("kernel", "dilation"), [((4, 2), (1, 3)), ((2, 3), (2, 1))])
def test_same_padding_with_even_kernels_pads_more_after_like_pytorch(
    kernel: tuple[int, int], dilation: tuple[int, int]
) -> None:
    torch.manual_seed(5)
    conv = nn.Conv2d(2, 2, kernel, padding="same", dilation=dilation)
    net = conv_network(conv, 6, 5)
    inp = torch.randn(1, 2, 6, 5)
    trace = net.run(inp)
    for pos in sample_positions(net.layer("conv"), count=10):
        step = explain(trace, "conv", **pos)
        _, scale, field, _ = reference(conv, inp, pos["channel"], pos["y"], pos["x"])
        with torch.no_grad():
            value = float(F.conv2d(inp, conv.weight, conv.bias, 1, "same", dilation)[(0, *step.position.coords)])
        assert torch.equal(torch.stack([t.receptive_field for t in step.terms]), field)
        assert_readds(step.computed, value, scale, f"same {pos}")


def test_trained_tinyvgg_conv_steps_readd_on_a_real_image() -> None:
    net = trained_tinyvgg()
    trace = net.run(cnn_explainer_image("koala_1.jpeg"))
    for name in ("conv_1_1", "conv_1_2", "conv_2_1", "conv_2_2"):
        conv = net.layer(name).module
        inp = trace.output(net.layer(name).inputs[0])
        for pos in sample_positions(net.layer(name), count=10):
            step = explain(trace, name, **pos)
            value, scale, _, _ = reference(conv, inp, pos["channel"], pos["y"], pos["x"])
            assert_readds(step.computed, float(trace.output(name)[0, pos["channel"], pos["y"], pos["x"]]), scale, name)
            assert_readds(step.computed, value, scale, name)


def single_channel_map(x: torch.Tensor, conv: nn.Conv2d, k: int, c: int) -> torch.Tensor:
    """Output channel ``k``'s kernel slice for input channel ``c`` slid over channel ``c`` alone."""
    per_group = conv.in_channels // conv.groups
    weight = conv.weight.detach()[k, c % per_group][None, None]  # (1, 1, K_h, K_w)
    with torch.no_grad():
        return F.conv2d(x[:, c : c + 1], weight, None, conv.stride, conv.padding, conv.dilation)[0, 0]


@pytest.mark.parametrize(
    "conv",
    [
        nn.Conv2d(3, 4, 3),
        nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2),
        nn.Conv2d(3, 3, 5, padding=2, groups=3, bias=False),
        nn.Conv2d(2, 2, 3, padding=1, padding_mode="reflect"),
    ],
    ids=["plain", "grouped-strided-dilated", "depthwise-nobias", "reflect"],
)
def test_intermediate_maps_are_single_channel_convs_that_add_up_to_the_map(conv: nn.Conv2d) -> None:
    torch.manual_seed(6)
    nn.init.normal_(conv.weight)
    net = conv_network(conv, 9, 10)
    inp = torch.randn(1, conv.in_channels, 9, 10)
    trace = net.run(inp)
    padded_modes = conv.padding_mode != "zeros"
    for k in range(conv.out_channels):
        maps = intermediate_maps(trace, "conv", channel=k)
        traced = trace.output("conv")[0, k]
        assert maps.output.shape == traced.shape
        if not padded_modes:
            for i, c in enumerate(maps.input_channels):
                assert torch.allclose(maps.maps[i], single_channel_map(inp, conv, k, c), rtol=1e-5, atol=1e-6)
        total = maps.maps.double().sum(0) + (maps.bias or 0.0)
        scale = maps.maps.double().abs().sum(0) + abs(maps.bias or 0.0)
        assert torch.all((total - traced.double()).abs() <= 1e-5 * torch.maximum(scale, traced.double().abs()) + 1e-7)


def test_intermediate_map_cells_equal_the_step_channel_sums(residual_network: Network) -> None:
    trace = residual_network.run(torch.randn(1, 3, 16, 16))
    maps = intermediate_maps(trace, "conv2", channel=5)
    for pos in sample_positions(residual_network.layer("conv2")):
        if pos["channel"] != 5:
            continue
        step = explain(trace, "conv2", channel=5, y=pos["y"], x=pos["x"])
        for i, term in enumerate(step.terms):
            assert float(maps.maps[i, pos["y"], pos["x"]]) == pytest.approx(term.sum, rel=1e-5, abs=1e-6)


def test_conv_explanation_works_when_the_model_was_read_with_hooks() -> None:
    torch.manual_seed(7)
    net = Network(DataDependentNet(), InputSpec(1, 8, 8))
    assert net.traced_with == "hooks"
    trace = net.run(torch.randn(1, 1, 8, 8))
    for pos in sample_positions(net.layer("conv")):
        step = explain(trace, "conv", **pos)
        assert_readds(step.computed, float(trace.output("conv")[(0, *step.position.coords)]), step.scale)


def test_conv_step_to_dict_is_plain_json(tinyvgg_network: Network) -> None:
    trace = tinyvgg_network.run(torch.rand(1, 3, 64, 64))
    data = explain(trace, "conv_1_2", channel=3, y=4, x=9).to_dict()
    again = json.loads(json.dumps(data))
    assert again == data
    assert again["step"] == "conv" and again["position"] == {"channel": 3, "y": 4, "x": 9}
    assert len(again["terms"]) == 10
    assert len(again["terms"][0]["products"]) == 3 and isinstance(again["terms"][0]["products"][0][0], float)
    assert again["padding_mask"] == [[False] * 3] * 3
    maps = intermediate_maps(trace, "conv_1_2", channel=3).to_dict()
    assert json.loads(json.dumps(maps))["maps"][0][0][0] == maps["maps"][0][0][0]
