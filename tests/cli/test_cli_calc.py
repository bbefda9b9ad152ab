"""``convscope calc``: every subcommand's text and JSON, and one-line refusals for any bad input."""

from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convscope.cli import main

EXAMPLE = "3 0 1 2; 1 5 8 9; 2 7 2 5; 0 1 3 1"
SOBEL_X = [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]
MATRIX = [[3.0, 0.0, 1.0, 2.0], [1.0, 5.0, 8.0, 9.0], [2.0, 7.0, 2.0, 5.0], [0.0, 1.0, 3.0, 1.0]]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["calc", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def as_json(capsys, *argv: str) -> dict:
    status, out, err = run(capsys, *argv, "--json")
    assert status == 0 and err == ""
    return json.loads(out)


def test_calc_conv_prints_the_output_matrix_and_worked_windows(capsys):
    expected = F.conv2d(torch.tensor(MATRIX)[None, None], torch.tensor(SOBEL_X)[None, None])[0, 0]
    status, out, err = run(capsys, "conv", "--input", EXAMPLE, "--kernel", "sobel-x", "--stride", "1", "--padding", "0")
    assert status == 0 and err == ""
    assert "Convolution: 4×4 input, sobel-x 3×3 kernel, stride 1, padding 0, dilation 1 → 2×2 output" in out
    rows = [[int(v) for v in row] for row in expected.tolist()]
    assert "\n".join(f"  {a:>2} {b:>2}" for a, b in rows) in out
    assert f"window (0,0): 3·-1 + 0·0 + 1·1 + 1·-2 + 5·0 + 8·2 + 2·-1 + 7·0 + 2·1 = {rows[0][0]}" in out
    assert "responds to vertical edges" in out
    assert "floor((4 − 3)/1) + 1 = 2" in out


def test_calc_conv_json_holds_the_output_and_every_window(capsys):
    data = as_json(capsys, "conv", "--input", EXAMPLE, "--kernel", "-1 0 1; -2 0 2; -1 0 1", "--padding", "1")
    expected = F.conv2d(torch.tensor(MATRIX)[None, None], torch.tensor(SOBEL_X)[None, None], padding=1)[0, 0]
    assert data["output"] == expected.tolist() and data["shape"] == [4, 4]
    windows = [s for s in data["steps"] if s["step"] == "window"]
    assert len(windows) == 16
    assert windows[0]["rows"] == [-1, 0, 1] and windows[0]["padding_mask"][0] == [True, True, True]
    assert data["settings"]["kernel"]["name"] is None


def test_calc_conv_shows_a_few_windows_unless_all_are_asked_for(capsys):
    _, out, _ = run(capsys, "conv", "--input", EXAMPLE, "--kernel", "box-blur", "--padding", "1")
    assert "the first 4 of 16 (--all shows every one)" in out and "window (3,3)" not in out
    _, out, _ = run(capsys, "conv", "--input", EXAMPLE, "--kernel", "box-blur", "--padding", "1", "--all")
    assert "window (3,3): (2·1 + 5·1 + 0·1 + 3·1 + 1·1 + 0·1 + 0·1 + 0·1 + 0·1)/9 = 11/9 = 1.22222" in out


def test_calc_relu_prints_max_0_x_for_each_value(capsys):
    status, out, _ = run(capsys, "relu", "--input", "-1 2; 0.5 -3")
    assert status == 0 and "(0,0): max(0, -1) = 0" in out and "(1,0): max(0, 0.5) = 0.5" in out
    data = as_json(capsys, "relu", "--input", "-1 2; 0.5 -3")
    assert data["output"] == torch.relu(torch.tensor([[-1.0, 2.0], [0.5, -3.0]])).tolist()


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_calc_pool_matches_pytorch(capsys, mode):
    x = torch.tensor(MATRIX)[None, None]
    pooled = F.max_pool2d(x, 2, 2) if mode == "max" else F.avg_pool2d(x, 2, 2)
    data = as_json(capsys, "pool", "--input", EXAMPLE, "--kernel-size", "2", "--stride", "2", "--mode", mode)
    assert data["output"] == pooled[0, 0].tolist()
    _, out, _ = run(capsys, "pool", "--input", EXAMPLE, "--kernel-size", "2", "--stride", "2", "--mode", mode)
    first = "window (0,0): max(3, 0, 1, 5) = 5, at input (1,1)" if mode == "max" else "(3 + 0 + 1 + 5)/4 = 9/4 = 2.25"
    assert first in out


def test_calc_pool_exclude_pad_divides_by_input_cells_like_count_include_pad_false(capsys):
    x = torch.tensor(MATRIX)[None, None]
    expected = F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)[0, 0]
    data = as_json(capsys, "pool", "--input", EXAMPLE, "--kernel-size", "3", "--stride", "1", "--padding", "1",
                   "--mode", "avg", "--exclude-pad")  # fmt: skip
    assert torch.allclose(torch.tensor(data["output"]), expected)
    assert data["settings"]["count_include_pad"] is False


def test_calc_flatten_gives_both_orders_and_the_chosen_one_as_output(capsys):
    x = torch.arange(1.0, 9.0).reshape(2, 2, 2)  # (C, H, W)
    data = as_json(capsys, "flatten", "--input", "1 2; 3 4 | 5 6; 7 8", "--shape", "2,2,2", "--order", "hwc")
    assert data["output"] == x.permute(1, 2, 0).flatten().tolist()
    assert data["orders"]["chw"] == torch.flatten(x).tolist()
    _, out, _ = run(capsys, "flatten", "--input", "1 2 3 4 5 6 7 8", "--shape", "2,2,2")
    assert "(c=1, y=0, x=0) = 5 → unit 4 (C×H×W), unit 1 (H×W×C)" in out


def test_calc_softmax_prints_probabilities_that_re_add(capsys):
    status, out, _ = run(capsys, "softmax", "--logits", "2.0 1.0 0.1")
    assert status == 0 and "Probabilities:\n  0.659 0.242 0.099" in out
    assert "Sum of the exp terms: 7.38906 + 2.71828 + 1.10517 = 11.2125" in out
    data = as_json(capsys, "softmax", "--logits", "2.0 1.0 0.1")
    assert torch.allclose(torch.tensor(data["output"]), torch.softmax(torch.tensor([2.0, 1.0, 0.1]), 0))


def test_calc_softmax_explains_the_shift_for_huge_logits(capsys):
    status, out, _ = run(capsys, "softmax", "--logits", "1000 999")
    assert status == 0 and "Shift: exp(1000) is too large" in out and "exp(999 − 1000)" in out


def test_calc_dense_counts_weights_biases_and_total(capsys):
    data = as_json(capsys, "dense", "--in", "1690", "--out", "10")
    layer = torch.nn.Linear(1690, 10)
    assert data["output"]["weights"] == layer.weight.numel() and data["output"]["biases"] == layer.bias.numel()
    assert data["output"]["params"] == sum(p.numel() for p in layer.parameters())
    _, out, _ = run(capsys, "dense", "--in", "1690", "--out", "10")
    assert "parameters:  16,900 + 10 = 16,910" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["conv", "--input", "1 2; 3", "--kernel", "sobel-x"], "row 2 of the input has 1 value"),
        (["conv", "--input", "1 x; 3 4", "--kernel", "sobel-x"], "'x', which is not a number"),
        (["conv", "--input", "1 NaN; 3 4", "--kernel", "1"], "NaN and infinity"),
        (["conv", "--input", "1 inf; 3 4", "--kernel", "1"], "NaN and infinity"),
        (["conv", "--input", "", "--kernel", "1"], "the input is empty"),
        (["conv", "--input", "1 2; 3 4", "--kernel", "sobel-x"], "bigger than the padded input"),
        (["conv", "--input", "; ".join(["1 " * 13] * 13), "--kernel", "1"], "13×13; the calculator takes up to 12×12"),
        (["conv", "--input", "1 2; 3 4", "--kernel", "emboss"], "use one of sobel-x, sobel-y, laplacian"),
        (["conv", "--input", "1 2; 3 4", "--kernel", "1", "--stride", "0"], "stride must be at least 1"),
        (["conv", "--input", "1 2; 3 4", "--kernel", "1", "--stride", "-1"], "stride must be at least 1"),
        (["conv", "--input", "1 2; 3 4", "--kernel", "1", "--stride", "two"], "--stride takes a whole number"),
        (["conv", "--input", "1 2; 3 4", "--kernel", "1 1; 1 1", "--padding", "2"], "pad by at most 1"),
        (["pool", "--input", "1 2; 3 4", "--padding", "2"], "more than half the kernel size"),
        (["pool", "--input", "1 2; 3 4", "--exclude-pad"], "use it with --mode avg"),
        (["flatten", "--input", "1 2 3", "--shape", "1,2,2"], "holds 4 values but the input has 3"),
        (["flatten", "--input", "1 2 3", "--shape", "3"], "three whole numbers C,H,W"),
        (["softmax", "--logits", "1 2; 3"], "one row of numbers"),
        (["dense", "--in", "0", "--out", "10"], "at least one of its inputs"),
        (["dense", "--in", "1e3", "--out", "10"], "--in takes a whole number"),
    ],
)
def test_calc_refuses_bad_input_with_one_line_and_status_2(capsys, argv, message):
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("convscope: error: ") and message in err


# Characters a learner (or a cat on the keyboard) might type into --input.
pieces = st.sampled_from([*"0123456789 ;,.-+eExaN|\n\t−[]", "nan", "inf", "1e400", "  ", "; "])
typed = st.lists(pieces, max_size=40).map("".join)


@settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=typed | st.text(max_size=40),
    command=st.sampled_from(
        [
            ["conv", "--kernel", "sobel-x"],
            ["conv", "--kernel", "1 -1"],
            ["conv", "--kernel", "1", "--padding", "0"],
            ["relu"],
            ["pool", "--mode", "avg", "--padding", "1"],
            ["pool"],
            ["flatten", "--shape", "1,2,2"],
        ]
    ),  # fmt: skip
)
def test_any_typed_input_gives_a_result_or_one_line_error_never_a_traceback(capsys, text, command):
    status = main(["calc", *command, f"--input={text}"])
    out, err = capsys.readouterr()
    assert status in (0, 2)
    if status == 0:
        assert out and err == ""
    else:
        assert out == "" and err.startswith("convscope: error: ") and err.count("\n") == 1


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=typed | st.text(max_size=40))
def test_any_typed_logits_or_kernel_give_a_result_or_one_line_error(capsys, text):
    for argv in (["softmax", f"--logits={text}"], ["conv", "--input", EXAMPLE, f"--kernel={text}"]):
        status = main(["calc", *argv])
        out, err = capsys.readouterr()
        assert status in (0, 2)
        assert (status == 0 and out) or (err.startswith("convscope: error: ") and err.count("\n") == 1)
