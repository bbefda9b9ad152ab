"""Convolution arithmetic checked against PyTorch itself: shapes, parameters, FLOPs."""

from __future__ import annotations

import doctest
import math
import re

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from convscope import arithmetic as ar
from convscope.errors import ConvScopeError

# Tiny tensors and a fixed example budget keep each property test well under a second.
PROPERTY = settings(max_examples=60, deadline=None, derandomize=True)

sizes = st.integers(1, 14)
kernels = st.integers(1, 5)
strides = st.integers(1, 4)
paddings = st.integers(0, 3)
dilations = st.integers(1, 3)


def hw(strategy: st.SearchStrategy[int]) -> st.SearchStrategy[tuple[int, int]]:
    return st.tuples(strategy, strategy)


def torch_conv_hw(size, kernel, stride, padding, dilation) -> tuple[int, int] | None:
    """PyTorch's output (H, W), or None when PyTorch refuses the combination."""
    x = torch.zeros(1, 1, *size)
    w = torch.zeros(1, 1, *kernel)
    try:
        return tuple(F.conv2d(x, w, stride=stride, padding=padding, dilation=dilation).shape[-2:])
    except RuntimeError:
        return None


def torch_pool_hw(size, kernel, stride, padding, dilation, ceil_mode) -> tuple[int, int] | None:
    x = torch.zeros(1, 1, *size)
    try:
        out = F.max_pool2d(x, kernel, stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode)
    except RuntimeError:
        return None
    return tuple(out.shape[-2:])


def flops(module: nn.Module, x: torch.Tensor) -> int:
    with FlopCounterMode(display=False) as counter:
        module(x)
    return counter.get_total_flops()


def evaluate(formula: str) -> tuple[int, int]:
    """``"8·(4/2)·3·3 = 144"`` → (product of the left side, number on the right)."""
    left, right = formula.replace(",", "").split(" = ")
    product = 1
    for term in left.split("·"):
        numerator, _, denominator = term.strip("()").partition("/")
        product *= int(numerator) // int(denominator or 1)
    return product, int(right)


# ---------------------------------------------------------------- output size


@PROPERTY
@given(size=hw(sizes), kernel=hw(kernels), stride=hw(strides), padding=hw(paddings), dilation=hw(dilations))
def test_conv_output_hw_floors_like_pytorch(size, kernel, stride, padding, dilation):
    expected = torch_conv_hw(size, kernel, stride, padding, dilation)
    if expected is None:
        with pytest.raises(ConvScopeError, match="bigger than the padded input"):
            ar.conv_output_hw(size, kernel, stride, padding, dilation)
    else:
        assert ar.conv_output_hw(size, kernel, stride, padding, dilation) == expected


@PROPERTY
@given(size=sizes, kernel=kernels, stride=strides, padding=paddings, dilation=dilations)
def test_conv_output_size_floors_like_pytorch_on_one_axis(size, kernel, stride, padding, dilation):
    expected = torch_conv_hw((size, 1), (kernel, 1), stride, (padding, 0), dilation)
    if expected is None:
        with pytest.raises(ConvScopeError):
            ar.conv_output_size(size, kernel, stride, padding, dilation)
    else:
        assert ar.conv_output_size(size, kernel, stride, padding, dilation) == expected[0]


@PROPERTY
@given(
    size=hw(sizes),
    kernel=hw(kernels),
    stride=hw(strides),
    padding=hw(paddings),
    dilation=hw(dilations),
    ceil_mode=st.booleans(),
)
def test_pool_output_hw_matches_max_pool2d_in_both_rounding_modes(size, kernel, stride, padding, dilation, ceil_mode):
    expected = torch_pool_hw(size, kernel, stride, padding, dilation, ceil_mode)
    if expected is None:
        with pytest.raises(ConvScopeError):
            ar.pool_output_hw(size, kernel, stride, padding, dilation, ceil_mode=ceil_mode)
    else:
        assert ar.pool_output_hw(size, kernel, stride, padding, dilation, ceil_mode=ceil_mode) == expected


@pytest.mark.parametrize("ceil_mode", [False, True])
def test_pool_stride_defaults_to_the_kernel_like_pytorch(ceil_mode):
    x = torch.zeros(1, 1, 7, 7)
    expected = F.max_pool2d(x, 2, ceil_mode=ceil_mode).shape[-1]
    assert ar.pool_output_size(7, 2, ceil_mode=ceil_mode) == expected
    assert ar.pool_output_hw(7, 2, ceil_mode=ceil_mode) == (expected, expected)


def test_pool_padding_above_half_the_window_is_refused_like_pytorch():
    with pytest.raises(RuntimeError):
        F.max_pool2d(torch.zeros(1, 1, 8, 8), 3, padding=2)
    with pytest.raises(ConvScopeError, match="more than half the kernel size 3"):
        ar.pool_output_size(8, 3, padding=2)
    # The limit is half the kernel size even when dilation widens the window.
    with pytest.raises(RuntimeError):
        F.max_pool2d(torch.zeros(1, 1, 8, 8), 3, padding=2, dilation=2)
    with pytest.raises(ConvScopeError, match="at most 1 pixel of padding"):
        ar.pool_output_size(8, 3, padding=2, dilation=2)


# PyTorch warns that it copies the input to pad an even kernel unevenly; that is the case under test.
EVEN_SAME = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning")


@EVEN_SAME
@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("kernel,dilation", [(3, 1), (4, 1), (2, 3), ((4, 3), (1, 2))])
def test_padding_strings_match_pytorch_conv2d(padding, kernel, dilation):
    size = (9, 10)
    kernel_hw = kernel if isinstance(kernel, tuple) else (kernel, kernel)
    expected = F.conv2d(torch.zeros(1, 1, *size), torch.zeros(1, 1, *kernel_hw), padding=padding, dilation=dilation)
    assert ar.conv_output_hw(size, kernel, 1, padding, dilation) == tuple(expected.shape[-2:])


# ------------------------------------------------------------------ strict rule


def reach_and_leftover(padded: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """Windows PyTorch places on a padded axis, and the trailing pixels no tap reaches (via F.unfold)."""
    index = torch.arange(padded, dtype=torch.float32).view(1, 1, padded, 1)  # (N, C, H, W)
    taps = F.unfold(index, (kernel, 1), dilation=(dilation, 1), stride=(stride, 1))  # (N, K, L)
    return taps.shape[-1], padded - 1 - int(taps.max().item())


@PROPERTY
@given(size=sizes, kernel=kernels, stride=strides, padding=paddings, dilation=dilations)
def test_strict_rule_is_valid_exactly_when_the_last_window_reaches_the_last_pixel(
    size, kernel, stride, padding, dilation
):
    padded = size + 2 * padding
    if padded < dilation * (kernel - 1) + 1:
        with pytest.raises(ConvScopeError):
            ar.strict_output_size(size, kernel, stride, padding, dilation)
        return
    windows, leftover = reach_and_leftover(padded, kernel, stride, dilation)
    result = ar.strict_output_size(size, kernel, stride, padding, dilation)
    assert result.floor == windows
    assert result.leftover == leftover
    assert result.valid == (leftover == 0)
    assert result.exact == pytest.approx(windows + leftover / stride)
    assert (result.reason is None) == result.valid


def test_strict_rule_explains_the_leftover_in_words():
    result = ar.strict_output_size(8, 3, stride=2)
    windows, leftover = reach_and_leftover(8, 3, 2, 1)
    assert not result.valid
    assert result.floor == windows
    assert result.exact == 3.5
    assert result.fraction == "(8 − 3)/2 + 1 = 3.5"
    assert result.reason == (
        "the 3×3 window with stride 2 does not tile the 8×8 input exactly: "
        f"(8 − 3)/2 + 1 = 3.5; {leftover} column/row would be left over"
    )


def test_strict_rule_accepts_alexnet_conv1_with_its_fraction():
    result = ar.strict_output_size(227, 11, stride=4)
    assert result.valid and result.reason is None
    assert result.fraction == f"(227 − 11)/4 + 1 = {reach_and_leftover(227, 11, 4, 1)[0]}"


def test_strict_rule_names_the_failing_axis_of_a_rectangular_window():
    shape = ar.strict_output_hw((10, 9), (3, 2), stride=2, padding=(0, 0))
    expected = torch_conv_hw((10, 9), (3, 2), 2, 0, 1)
    assert shape.floor == expected
    assert not shape.height.valid and not shape.width.valid
    assert "3-pixel-tall window" in shape.reason and "1 row would be left over" in shape.reason
    assert "2-pixel-wide window" in shape.reason and "1 column would be left over" in shape.reason


def test_non_terminating_fraction_shows_numerator_and_denominator():
    assert ar.strict_output_size(10, 3, stride=3).fraction == "(10 − 3)/3 + 1 = 10/3 ≈ 3.333"


# -------------------------------------------------------------- same padding


@PROPERTY
@given(size=hw(sizes), kernel=hw(kernels), stride=hw(strides), dilation=hw(dilations))
def test_same_padding_gives_ceil_of_size_over_stride(size, kernel, stride, dilation):
    same = ar.same_padding(kernel, stride, dilation, size)
    x = F.pad(torch.zeros(1, 1, *size), same.pad)
    out = F.conv2d(x, torch.zeros(1, 1, *kernel), stride=stride, dilation=dilation)
    expected = tuple(math.ceil(n / s) for n, s in zip(size, stride, strict=True))
    assert tuple(out.shape[-2:]) == expected == same.output
    assert ar.conv_output_hw(size, kernel, stride, same, dilation) == expected
    assert same.symmetric == (same.padding is not None) == (same.reason is None)


@EVEN_SAME
@PROPERTY
@given(size=hw(sizes), kernel=hw(kernels), dilation=hw(dilations))
def test_same_padding_at_stride_1_splits_like_pytorch_padding_same(size, kernel, dilation):
    torch.manual_seed(0)
    x = torch.randn(1, 1, *size)
    w = torch.randn(1, 1, *kernel)
    same = ar.same_padding(kernel, dilation=dilation)
    ours = F.conv2d(F.pad(x, same.pad), w, dilation=dilation)
    theirs = F.conv2d(x, w, padding="same", dilation=dilation)
    torch.testing.assert_close(ours, theirs)


def test_same_padding_says_when_symmetric_padding_is_impossible():
    same = ar.same_padding(4)
    assert not same.symmetric and same.padding is None
    assert same.pad == (1, 2, 1, 2)
    assert "3 pixels in total along each axis" in same.reason
    assert "pad 1 on the top/left and 2 on the bottom/right" in same.reason
    odd = ar.same_padding(3)
    assert odd.symmetric and odd.padding == (1, 1) and odd.reason is None
    # A symmetric pad from the result works in nn.Conv2d and keeps the size.
    conv = nn.Conv2d(1, 1, 3, padding=odd.padding)
    assert conv(torch.zeros(1, 1, 6, 6)).shape[-2:] == (6, 6)


def test_same_padding_with_a_stride_needs_the_input_size():
    with pytest.raises(ConvScopeError, match="give the size"):
        ar.same_padding(3, stride=2)


# ------------------------------------------------------------------- counts

CONVS = [
    dict(in_channels=3, out_channels=96, kernel_size=11, stride=4),
    dict(in_channels=3, out_channels=10, kernel_size=3),
    dict(in_channels=8, out_channels=12, kernel_size=(3, 5), groups=4, padding=1),
    dict(in_channels=6, out_channels=6, kernel_size=3, groups=6, bias=False, dilation=2),
    dict(in_channels=4, out_channels=5, kernel_size=(1, 2), stride=(2, 1)),
]


@pytest.mark.parametrize("cfg", CONVS, ids=lambda c: "-".join(f"{k}{v}" for k, v in c.items()))
def test_conv_params_match_nn_conv2d(cfg):
    conv = nn.Conv2d(**cfg)
    count = ar.conv_params(
        in_channels=cfg["in_channels"],
        out_channels=cfg["out_channels"],
        kernel=cfg["kernel_size"],
        groups=cfg.get("groups", 1),
        bias=cfg.get("bias", True),
    )
    assert count.weights.value == conv.weight.numel()
    assert count.biases.value == (0 if conv.bias is None else conv.bias.numel())
    assert count.total == sum(p.numel() for p in conv.parameters())
    assert evaluate(count.weights.formula) == (count.weights.value, count.weights.value)


@pytest.mark.parametrize("cfg", CONVS, ids=lambda c: "-".join(f"{k}{v}" for k, v in c.items()))
def test_conv_mults_are_half_the_flops_pytorch_counts(cfg):
    torch.manual_seed(0)
    conv = nn.Conv2d(**cfg)
    x = torch.randn(1, cfg["in_channels"], 31, 29)  # (N, C, H, W)
    h_out, w_out = conv(x).shape[-2:]
    count = ar.conv_mults(
        out_height=h_out,
        out_width=w_out,
        in_channels=cfg["in_channels"],
        out_channels=cfg["out_channels"],
        kernel=cfg["kernel_size"],
        groups=cfg.get("groups", 1),
    )
    assert 2 * count.value == flops(conv, x)
    assert evaluate(count.formula) == (count.value, count.value)


def test_alexnet_conv1_counts_read_as_formulas():
    assert ar.conv_params(in_channels=3, out_channels=96, kernel=11).weights.formula == "96·3·11·11 = 34,848"
    mults = ar.conv_mults(out_height=55, out_width=55, in_channels=3, out_channels=96, kernel=11)
    assert mults.formula == "55·55·96·3·11·11 = 105,415,200"
    conv = nn.Conv2d(3, 96, 11, stride=4)
    assert 2 * mults.value == flops(conv, torch.zeros(1, 3, 227, 227))


def test_grouped_counts_show_the_channels_per_group():
    count = ar.conv_params(in_channels=8, out_channels=12, kernel=3, groups=4)
    assert count.weights.formula.startswith("12·(8/4)·3·3 = ")
    assert count.weights.value == nn.Conv2d(8, 12, 3, groups=4).weight.numel()


@pytest.mark.parametrize("in_features,out_features,bias", [(1690, 10, True), (7, 3, False), (1, 1, True)])
def test_linear_params_and_mults_match_nn_linear(in_features, out_features, bias):
    linear = nn.Linear(in_features, out_features, bias=bias)
    count = ar.linear_params(in_features=in_features, out_features=out_features, bias=bias)
    assert count.weights.value == linear.weight.numel()
    assert count.total == sum(p.numel() for p in linear.parameters())
    mults = ar.linear_mults(in_features=in_features, out_features=out_features)
    assert 2 * mults.value == flops(linear, torch.zeros(1, in_features))


def test_linear_mults_count_every_position_of_a_sequence():
    linear = nn.Linear(6, 4)
    mults = ar.linear_mults(in_features=6, out_features=4, positions=5)
    assert 2 * mults.value == flops(linear, torch.zeros(1, 5, 6))
    assert evaluate(mults.formula) == (mults.value, mults.value)


@pytest.mark.parametrize("kernel,stride,padding", [(3, 2, 0), (2, 2, 1), ((3, 2), 1, (1, 0))])
def test_pool_ops_count_one_fewer_than_each_window_holds(kernel, stride, padding):
    x = torch.zeros(1, 5, 9, 8)  # (N, C, H, W)
    windows = F.unfold(x, kernel, padding=padding, stride=stride)  # (N, C·Kh·Kw, L)
    h_out, w_out = F.max_pool2d(x, kernel, stride, padding).shape[-2:]
    count = ar.pool_ops(out_height=h_out, out_width=w_out, channels=5, kernel=kernel)
    values_per_window = windows.shape[1] // 5
    assert count.value == windows.shape[-1] * 5 * (values_per_window - 1)


def test_bottleneck_comparison_matches_real_layers():
    size, c_in, b, c_out, k = (28, 28), 192, 16, 32, 5  # GoogLeNet inception (3a), 5×5 branch
    direct = nn.Conv2d(c_in, c_out, k, padding=k // 2)
    reduced = nn.Sequential(nn.Conv2d(c_in, b, 1), nn.Conv2d(b, c_out, k, padding=k // 2))
    x = torch.zeros(1, c_in, *size)
    cost = ar.bottleneck_cost(size=size, in_channels=c_in, bottleneck=b, out_channels=c_out, kernel=k)
    assert 2 * cost.direct_mults.value == flops(direct, x)
    assert 2 * cost.bottleneck_mults == flops(reduced, x)
    assert cost.direct_params.total == sum(p.numel() for p in direct.parameters())
    assert cost.bottleneck_params == sum(p.numel() for p in reduced.parameters())
    assert cost.mult_ratio == pytest.approx(flops(reduced, x) / flops(direct, x))
    assert cost.mult_ratio < 0.2
    assert cost.to_dict()["bottleneck_mults"] == cost.bottleneck_mults


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "call,words",
    [
        (lambda: ar.conv_output_size(8, 0), "kernel must be at least 1"),
        (lambda: ar.conv_output_size(8, 3, stride=0), "stride must be at least 1"),
        (lambda: ar.conv_output_size(8, 3, padding=-1), "padding must be 0 or more"),
        (lambda: ar.conv_output_size(8, 3, dilation=0), "dilation must be at least 1"),
        (lambda: ar.conv_output_size(0, 3), "input size must be at least 1"),
        (lambda: ar.conv_output_size(3, 3, dilation=2), "effective kernel 5"),
        (lambda: ar.conv_output_size(8, 2.5), "whole number"),
        (lambda: ar.conv_output_hw(8, (3, 3, 3)), "(H, W) pair"),
        (lambda: ar.conv_output_hw(8, 3, padding="full"), "'same' or 'valid'"),
        (lambda: ar.conv_params(in_channels=10, out_channels=4, kernel=3, groups=3), "not divisible by groups 3"),
        (
            lambda: ar.conv_mults(out_height=4, out_width=4, in_channels=4, out_channels=6, kernel=3, groups=4),
            "groups 4",
        ),
        (lambda: ar.linear_params(in_features=0, out_features=3), "in_features must be at least 1"),
    ],
)
def test_bad_arguments_raise_one_line_errors_that_say_what_to_do(call, words):
    with pytest.raises(ConvScopeError) as info:
        call()
    message = str(info.value)
    assert words in message
    assert "\n" not in message and ";" in message


def test_kernel_bigger_than_the_padded_input_is_refused_by_both_rules_like_pytorch():
    assert torch_conv_hw((4, 4), (5, 5), 1, 0, 1) is None
    for rule in (ar.conv_output_size, ar.strict_output_size):
        with pytest.raises(ConvScopeError, match=re.escape("bigger than the padded input 4 (4 + 2·0)")):
            rule(4, 5)


# ------------------------------------------------------------------ the report


@PROPERTY
@given(size=hw(sizes), kernel=hw(kernels), stride=hw(strides), padding=hw(paddings), pool=st.booleans())
def test_report_output_is_what_pytorch_computes(size, kernel, stride, padding, pool):
    expected = (torch_pool_hw(size, kernel, stride, padding, 1, False) if pool
                else torch_conv_hw(size, kernel, stride, padding, 1))  # fmt: skip
    if expected is None:
        with pytest.raises(ConvScopeError):
            ar.arithmetic_report(size, kernel, stride, padding, pool=pool)
        return
    report = ar.arithmetic_report(size, kernel, stride, padding, pool=pool, in_channels=2, filters=None if pool else 4)
    assert report.output == expected
    assert report.to_dict()["output"]["shape"] == [4 if not pool else 2, *expected]
    assert len(report.steps) >= 5


def test_report_refuses_filters_without_input_channels():
    with pytest.raises(ConvScopeError, match="give both"):
        ar.arithmetic_report(8, 3, filters=4)


def test_docstring_examples_hold():
    result = doctest.testmod(ar, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 10 and result.failed == 0


def test_window_taps_are_the_input_indices_unfold_reads():
    import torch
    import torch.nn.functional as F

    from convscope.arithmetic import conv_output_size, window_taps

    size, kernel, stride, padding, dilation = 11, 3, 2, 2, 2
    positions = torch.arange(size, dtype=torch.float32).reshape(1, 1, 1, size)  # each pixel holds its index
    padded = F.pad(positions + 1, (padding, padding))  # 0 marks padding
    cols = F.unfold(padded, (1, kernel), dilation=(1, dilation), stride=(1, stride))[0]  # (K, out)
    out = conv_output_size(size, kernel, stride, padding, dilation)
    for o in range(out):
        expected = [int(v) - 1 if v > 0 else None for v in cols[:, o].tolist()]
        got = [t if 0 <= t < size else None for t in window_taps(o, kernel, stride, padding, dilation)]
        assert got == expected
