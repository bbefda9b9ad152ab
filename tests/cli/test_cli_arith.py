"""``convscope arith``: sizes, counts and words, checked against real PyTorch layers."""

from __future__ import annotations

import json
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from convscope.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["arith", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def flops(module: nn.Module, x: torch.Tensor) -> int:
    with FlopCounterMode(display=False) as counter:
        module(x)
    return counter.get_total_flops()


ALEXNET = [
    "--size",
    "227",
    "--kernel",
    "11",
    "--stride",
    "4",
    "--padding",
    "0",
    "--in-channels",
    "3",
    "--filters",
    "96",
]


def test_arith_explains_alexnet_conv1_as_55x55x96_with_34848_weights(capsys):
    conv = nn.Conv2d(3, 96, 11, stride=4, padding=0)
    x = torch.zeros(1, 3, 227, 227)  # (N, C, H, W)
    c, h, w = conv(x).shape[1:]
    mults = flops(conv, x) // 2
    status, out, err = run(capsys, *ALEXNET)
    assert status == 0 and err == ""
    assert f"output:               {h}×{w}×{c}" in out
    assert f"weights:              96·3·11·11 = {conv.weight.numel():,}" in out
    assert f"biases:               {conv.bias.numel()}" in out
    assert f"parameters:           34,848 + 96 = {sum(p.numel() for p in conv.parameters()):,}" in out
    assert f"55·55·96·3·11·11 = {mults:,}" in out
    # The reasoning, step by step with the numbers.
    assert "227 − 11 = 216 pixels" in out
    assert f"floor((227 − 11)/4) + 1 = {h}" in out
    assert "Strict rule: valid" in out
    assert f"each of the 96 filters produces one {h}×{w} map" in out


def test_arith_json_holds_every_number(capsys):
    conv = nn.Conv2d(3, 96, 11, stride=4)
    x = torch.zeros(1, 3, 227, 227)
    status, out, _ = run(capsys, *ALEXNET, "--json")
    data = json.loads(out)
    assert status == 0
    assert data["output"]["shape"] == list(conv(x).shape[1:])
    assert data["floor_rule"] == list(conv(x).shape[-2:])
    assert data["strict_rule"]["valid"] is True
    assert data["weights"] == conv.weight.numel()
    assert data["biases"] == conv.bias.numel()
    assert data["params"] == sum(p.numel() for p in conv.parameters())
    assert data["mults"] == flops(conv, x) // 2
    assert data["mults_formula"] == f"55·55·96·3·11·11 = {data['mults']:,}"
    assert data["steps"]


def test_arith_explains_an_invalid_combination_without_failing(capsys):
    expected = F.conv2d(torch.zeros(1, 1, 8, 8), torch.zeros(1, 1, 3, 3), stride=2).shape[-1]
    status, out, err = run(capsys, "--size", "8", "--kernel", "3", "--stride", "2")
    assert status == 0 and err == ""
    assert f"floor rule (PyTorch): {expected}×{expected}" in out
    assert "strict rule:          invalid: (8 − 3)/2 + 1 = 3.5 is not whole" in out
    assert "1 column/row would be left over" in out


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning")
@pytest.mark.parametrize("kernel", [3, 4])
def test_arith_same_padding_keeps_the_size_like_pytorch(capsys, kernel):
    expected = nn.Conv2d(2, 5, kernel, padding="same")(torch.zeros(1, 2, 10, 10)).shape[1:]
    status, out, _ = run(capsys, "--size", "10", "--kernel", str(kernel), "--padding", "same",
                         "--in-channels", "2", "--filters", "5", "--json")  # fmt: skip
    data = json.loads(out)
    assert status == 0
    assert data["output"]["shape"] == list(expected)
    assert data["same_padding"]["symmetric"] is (kernel % 2 == 1)
    assert (data["same_padding"]["reason"] is None) is (kernel % 2 == 1)


def test_arith_rectangular_sizes_follow_pytorch(capsys):
    conv = nn.Conv2d(4, 6, (3, 5), stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)
    x = torch.zeros(1, 4, 9, 12)
    status, out, _ = run(capsys, "--size", "9x12", "--kernel", "3x5", "--stride", "2x1", "--padding", "1x2",
                         "--dilation", "1x2", "--in-channels", "4", "--filters", "6", "--groups", "2", "--json")  # fmt: skip
    data = json.loads(out)
    assert status == 0
    assert data["output"]["shape"] == list(conv(x).shape[1:])
    assert data["params"] == sum(p.numel() for p in conv.parameters())
    assert data["mults"] == flops(conv, x) // 2


@pytest.mark.parametrize("ceil_mode", [False, True])
def test_arith_pool_counts_comparisons_and_follows_max_pool2d(capsys, ceil_mode):
    x = torch.zeros(1, 3, 7, 7)
    expected = F.max_pool2d(x, 2, ceil_mode=ceil_mode).shape[1:]
    argv = ["--size", "7", "--kernel", "2", "--pool", "--in-channels", "3", "--json"]
    status, out, _ = run(capsys, *argv, *(["--ceil-mode"] if ceil_mode else []))
    data = json.loads(out)
    assert status == 0
    assert data["output"]["shape"] == list(expected)
    assert data["comparisons"] == math.prod(expected) * (2 * 2 - 1)
    assert "weights" not in data


@pytest.mark.parametrize(
    "argv,words",
    [
        (["--size", "3", "--kernel", "5"], "bigger than the padded input"),
        (["--size", "8", "--kernel", "3", "--padding", "-1"], "padding must be 0 or more"),
        (["--size", "-8", "--kernel", "3"], "input size must be at least 1"),
        (["--size", "8", "--kernel", "3", "--stride", "0"], "stride must be at least 1"),
        (["--size", "8x", "--kernel", "3"], "--size takes a whole number"),
        (["--size", "8", "--kernel", "3", "--filters", "4"], "give both"),
        (["--size", "8", "--kernel", "3", "--in-channels", "3", "--filters", "4", "--groups", "2"], "not divisible"),
        (["--size", "8", "--kernel", "3", "--stride", "2", "--padding", "full"], "'same' or 'valid'"),
    ],
)
def test_arith_impossible_input_exits_2_with_one_line(capsys, argv, words):
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert out == ""
    assert err.startswith("convscope: error: ") and words in err
    assert err.count("\n") == 1 and "Traceback" not in err
