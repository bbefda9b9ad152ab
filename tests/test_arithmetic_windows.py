"""The rules that moved into ``convscope.arithmetic``, checked against PyTorch itself.

Adaptive-pool windows against ``nn.AdaptiveAvgPool2d`` / ``nn.AdaptiveMaxPool2d``;
the batchnorm count against the values an ``nn.BatchNorm2d`` outputs; the
layer list's and the channels-last importers' sizes against ``nn.Conv2d`` and
``nn.MaxPool2d``; the worded report's home and its examples.
"""

from __future__ import annotations

import doctest

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from convscope import arithmetic, arithmetic_words
from convscope.errors import ConvScopeError
from convscope.formats.importers.channels_last import pool_same_padding, same_padding
from convscope.formats.layerlist import layer_output_shape

SIZES = [(h, out) for h in range(1, 12) for out in range(1, h + 3)]  # out > H too: windows then repeat pixels


@pytest.mark.parametrize(("size", "out"), SIZES)
def test_adaptive_windows_are_what_adaptive_avg_and_max_pool2d_reduce(size, out):
    torch.manual_seed(size * 100 + out)
    x = torch.randn(1, 1, size, size + 1, dtype=torch.float64)  # (N, C, H, W), W ≠ H
    avg = nn.AdaptiveAvgPool2d(out)(x)[0, 0]
    top = nn.AdaptiveMaxPool2d(out)(x)[0, 0]
    for i in range(out):
        r0, r1 = arithmetic.adaptive_window(i, size, out)
        for j in range(out):
            c0, c1 = arithmetic.adaptive_window(j, size + 1, out)
            window = x[0, 0, r0:r1, c0:c1]
            assert float(window.mean()) == pytest.approx(float(avg[i, j]), abs=1e-12)
            assert float(window.max()) == float(top[i, j])


def test_adaptive_windows_cover_the_axis_in_order():
    windows = [arithmetic.adaptive_window(i, 7, 3) for i in range(3)]
    assert windows == [(0, 3), (2, 5), (4, 7)]  # floor(i·7/3) … ceil((i + 1)·7/3)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((3, 5, 3), "position 3 is outside the 3 outputs"),
        ((0, 0, 3), "input size must be at least 1"),
        ((0, 5, 0), "output size"),
    ],
)
def test_adaptive_window_refuses_impossible_arguments_in_one_line(args, words):
    with pytest.raises(ConvScopeError, match=words):
        arithmetic.adaptive_window(*args)


@pytest.mark.parametrize("shape", [(64, 112, 112), (3, 5, 7), (1, 1, 1)])
def test_batchnorm_counts_one_multiplication_per_value_the_layer_outputs(shape):
    c, h, w = shape
    out = nn.BatchNorm2d(c).eval()(torch.zeros(1, *shape))
    count = arithmetic.batchnorm_mults(channels=c, height=h, width=w)
    assert count.value == out.numel()
    assert count.rule == "C·H·W"
    assert count.formula == f"{c:,}·{h:,}·{w:,} = {out.numel():,}"


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "padding", "dilation"),
    [(9, 3, 2, 1, 1), (10, 4, 3, 0, 2), (5, 5, 1, 0, 1), (13, 3, 1, 2, 3)],
)
def test_layer_list_conv_sizes_are_what_conv2d_outputs(size, kernel, stride, padding, dilation):
    layer = {"name": "c", "type": "conv2d", "in_channels": 2, "out_channels": 3, "kernel": [kernel, kernel],
             "stride": [stride, stride], "padding": [padding, padding], "dilation": [dilation, dilation],
             "groups": 1, "bias": True}  # fmt: skip
    conv = nn.Conv2d(2, 3, kernel, stride, padding, dilation)
    assert layer_output_shape(layer, [(2, size, size + 2)]) == tuple(conv(torch.zeros(1, 2, size, size + 2)).shape[1:])


@pytest.mark.parametrize("ceil_mode", [False, True])
@pytest.mark.parametrize(
    ("size", "kernel", "stride", "padding"), [(7, 2, 2, 0), (8, 3, 2, 1), (5, 3, 3, 1), (9, 4, 3, 2)]
)
def test_layer_list_pool_sizes_are_what_max_pool2d_outputs(size, kernel, stride, padding, ceil_mode):
    layer = {"name": "p", "type": "maxpool2d", "kernel": [kernel, kernel], "stride": [stride, stride],
             "padding": [padding, padding], "dilation": [1, 1], "ceil_mode": ceil_mode}  # fmt: skip
    pool = nn.MaxPool2d(kernel, stride, padding, ceil_mode=ceil_mode)
    assert layer_output_shape(layer, [(1, size, size)]) == tuple(pool(torch.zeros(1, 1, size, size)).shape[1:])


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "dilation"), [(8, 3, 2, 1), (7, 4, 1, 1), (9, 3, 3, 2), (6, 1, 2, 1)]
)
def test_channels_last_same_padding_gives_ceil_of_size_over_stride_with_conv2d(size, kernel, stride, dilation):
    before, after = same_padding(size, kernel, stride, dilation)
    x = F.pad(torch.zeros(1, 1, size, size), (before, after, before, after))
    out = F.conv2d(x, torch.zeros(1, 1, kernel, kernel), stride=stride, dilation=dilation)
    assert out.shape[-1] == -(-size // stride)
    assert 0 <= after - before <= 1  # TensorFlow's split: any extra pixel after


@pytest.mark.parametrize(("size", "kernel", "stride"), [(7, 2, 2), (8, 3, 2), (5, 3, 1), (6, 2, 2), (7, 3, 3)])
def test_channels_last_same_pooling_padding_gives_ceil_of_size_over_stride_with_max_pool2d(size, kernel, stride):
    for ceil_mode in (False, True):
        padding = pool_same_padding(size, kernel, stride, ceil_mode=ceil_mode)
        if padding is not None:
            pool = nn.MaxPool2d(kernel, stride, padding, ceil_mode=ceil_mode)
            assert pool(torch.zeros(1, 1, size, size)).shape[-1] == -(-size // stride)


def test_the_worded_report_lives_in_arithmetic_words_and_is_still_importable_from_arithmetic():
    from convscope.arithmetic import ArithmeticReport, arithmetic_report

    assert arithmetic_report is arithmetic_words.arithmetic_report
    assert ArithmeticReport is arithmetic_words.ArithmeticReport
    with pytest.raises(AttributeError, match="no_such_rule"):
        arithmetic.no_such_rule  # noqa: B018 - the attribute access is the test


def test_arithmetic_words_docstring_examples_hold():
    result = doctest.testmod(arithmetic_words, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 2 and result.failed == 0


@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("ceil_mode", [False, True])
@pytest.mark.parametrize(
    ("size", "kernel", "stride", "padding"), [(5, 3, 2, 1), (6, 2, 2, 1), (7, 3, 3, 1), (4, 4, 3, 2)]
)
def test_average_taps_are_the_divisor_avg_pool2d_uses(size, kernel, stride, padding, ceil_mode, count_include_pad):
    pool = nn.AvgPool2d(kernel, stride, padding, ceil_mode=ceil_mode, count_include_pad=count_include_pad)
    sums = nn.AvgPool2d(kernel, stride, padding, ceil_mode=ceil_mode, divisor_override=1)
    x = torch.ones(1, 1, size, size, dtype=torch.float64)
    divisors = sums(x) / pool(x)  # (1, 1, H_out, W_out): the sum of ones over the average
    for y in range(divisors.shape[2]):
        rows = arithmetic.window_taps(y, kernel, stride, padding)
        for x_out in range(divisors.shape[3]):
            cols = arithmetic.window_taps(x_out, kernel, stride, padding)
            expected = arithmetic.average_taps(rows, size, padding, count_include_pad=count_include_pad) * (
                arithmetic.average_taps(cols, size, padding, count_include_pad=count_include_pad)
            )
            assert float(divisors[0, 0, y, x_out]) == pytest.approx(expected)


@pytest.mark.parametrize(("in_channels", "groups", "kernel"), [(3, 1, 3), (32, 4, (3, 5)), (8, 8, 1), (1, 1, 7)])
def test_window_inputs_are_the_weights_of_one_conv2d_filter(in_channels, groups, kernel):
    conv = nn.Conv2d(in_channels, 2 * groups, kernel, groups=groups)
    window = arithmetic.window_inputs(kernel=kernel, in_channels=in_channels, groups=groups)
    assert window.value == conv.weight[0].numel()
    assert arithmetic.channels_per_group(in_channels, groups) == conv.weight.shape[1]


@pytest.mark.parametrize(("in_channels", "out_channels", "groups"), [(4, 6, 2), (3, 3, 3), (8, 4, 1), (6, 9, 3)])
def test_group_inputs_are_the_input_channels_a_grouped_conv2d_output_depends_on(in_channels, out_channels, groups):
    conv = nn.Conv2d(in_channels, out_channels, 1, groups=groups, bias=False)
    for channel in range(out_channels):
        x = torch.zeros(1, in_channels, 1, 1, requires_grad=True)
        conv(x)[0, channel].sum().backward()
        reads = [c for c in range(in_channels) if x.grad[0, c, 0, 0] != 0]
        _, channels = arithmetic.group_inputs(
            channel, in_channels=in_channels, out_channels=out_channels, groups=groups
        )
        assert list(channels) == reads
