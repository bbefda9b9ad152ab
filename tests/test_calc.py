"""The calculators against PyTorch: conv, pool, relu, flatten, softmax and the dense count."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from convscope.arithmetic import window_taps
from convscope.calc import (
    CLASSIC_KERNELS,
    ConvWindow,
    FlattenEntry,
    PoolWindow,
    convolve,
    dense_count,
    flatten,
    parse_matrix,
    pool,
    relu,
    resolve_kernel,
    softmax,
)
from convscope.calc.softmax import SoftmaxTerm
from convscope.errors import ConvScopeError

PROPERTY = settings(max_examples=60, deadline=None, derandomize=True)
EXAMPLE = "3 0 1 2; 1 5 8 9; 2 7 2 5; 0 1 3 1"

values = st.integers(-9, 9).map(float) | st.floats(-100, 100, allow_nan=False).map(lambda v: round(v, 3))


@st.composite
def matrices(draw, max_side: int = 12) -> list[list[float]]:
    h, w = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    return [[draw(values) for _ in range(w)] for _ in range(h)]


def tensor(matrix) -> torch.Tensor:
    return torch.tensor(matrix, dtype=torch.float64)[None, None]  # (N=1, C=1, H, W)


# ----------------------------------------------------------------- convolution


def test_conv_of_the_issue_example_with_sobel_x_matches_f_conv2d_and_shows_each_product():
    calc = convolve(EXAMPLE, "sobel-x", stride=1, padding=0)
    expected = F.conv2d(tensor(parse_matrix(EXAMPLE)), tensor(CLASSIC_KERNELS["sobel-x"].weights))[0, 0]
    assert calc.output == tuple(tuple(row) for row in expected.tolist())
    first = calc.steps_of(ConvWindow)[0]
    assert first.text == f"window (0,0): 3·-1 + 0·0 + 1·1 + 1·-2 + 5·0 + 8·2 + 2·-1 + 7·0 + 2·1 = {expected[0, 0]:g}"
    assert first.products == ((-3, 0, 1), (-2, 0, 16), (-2, 0, 2))


@PROPERTY
@given(
    matrix=matrices(),
    kernel=st.tuples(st.integers(1, 5), st.integers(1, 5)),
    weights=st.lists(values, min_size=25, max_size=25),
    stride=st.integers(1, 4),
    padding=st.integers(0, 4),
    dilation=st.integers(1, 3),
)
def test_conv_equals_f_conv2d_and_every_window_equals_unfolds_column(
    matrix, kernel, weights, stride, padding, dilation
):
    kh, kw = kernel
    k = [weights[r * kw : (r + 1) * kw] for r in range(kh)]
    x, w = tensor(matrix), tensor(k)
    effective = min(window_taps(0, kh, 1, 0, dilation)[-1], window_taps(0, kw, 1, 0, dilation)[-1]) + 1
    try:
        expected = F.conv2d(x, w, stride=stride, padding=padding, dilation=dilation)[0, 0]
    except RuntimeError:
        with pytest.raises(ConvScopeError, match="bigger than the padded input"):
            convolve(matrix, k, stride=stride, padding=padding, dilation=dilation)
        return
    if padding > effective - 1:  # PyTorch pads on; the calculator refuses windows of padding only
        with pytest.raises(ConvScopeError, match="outer windows would cover only padding"):
            convolve(matrix, k, stride=stride, padding=padding, dilation=dilation)
        return
    calc = convolve(matrix, k, stride=stride, padding=padding, dilation=dilation)
    assert calc.shape == tuple(expected.shape)
    assert torch.allclose(torch.tensor(calc.output, dtype=torch.float64), expected, rtol=1e-12, atol=1e-9)
    columns = F.unfold(x, (kh, kw), dilation=dilation, padding=padding, stride=stride)[0]  # (K_h·K_w, positions)
    inside = F.unfold(torch.ones_like(x), (kh, kw), dilation=dilation, padding=padding, stride=stride)[0]
    found = calc.steps_of(ConvWindow)
    assert len(found) == columns.shape[1]
    for i, window in enumerate(found):
        assert torch.equal(torch.tensor(window.values, dtype=torch.float64).flatten(), columns[:, i])
        assert torch.equal(torch.tensor(window.padding_mask).flatten(), inside[:, i] == 0)
        assert window.position == divmod(i, calc.shape[1])
        assert math.isclose(window.sum, float(expected.flatten()[i]), rel_tol=1e-12, abs_tol=1e-9)


@pytest.mark.parametrize("name", sorted(CLASSIC_KERNELS))
def test_every_classic_kernel_convolves_like_f_conv2d_with_its_weights_over_its_divisor(name):
    kernel = CLASSIC_KERNELS[name]
    calc = convolve(EXAMPLE, name, padding=1)
    weights = tensor(kernel.weights) / kernel.divisor
    expected = F.conv2d(tensor(parse_matrix(EXAMPLE)), weights, padding=1)[0, 0]
    assert torch.allclose(torch.tensor(calc.output, dtype=torch.float64), expected, rtol=1e-12, atol=1e-12)
    assert kernel.detects and kernel.name == name


def test_classic_kernels_detect_what_their_notes_say():
    ramp = [[float(c) for c in range(5)] for _ in range(5)]  # brightness rises left to right
    assert set(sum(convolve(ramp, "sobel-x").output, ())) == {8.0}
    assert set(sum(convolve(ramp, "sobel-y").output, ())) == {0.0}
    assert set(sum(convolve(ramp, "laplacian").output, ())) == {0.0}  # zero on an even slope
    flat = [[7.0] * 4 for _ in range(4)]
    for blur in ("box-blur", "gaussian-blur", "sharpen"):
        assert set(sum(convolve(flat, blur).output, ())) == {7.0}  # weights add to one
    x_shape = [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 1.0]]
    assert convolve(x_shape, "x-detector").output == ((5.0,),)
    assert convolve([[1.0, 1.0, 1.0]] * 3, "x-detector").output == ((1.0,),)


def test_classic_kernels_hold_the_standard_values():
    assert CLASSIC_KERNELS["sobel-x"].weights == ((-1, 0, 1), (-2, 0, 2), (-1, 0, 1))
    assert CLASSIC_KERNELS["sobel-y"].weights == tuple(zip(*CLASSIC_KERNELS["sobel-x"].weights, strict=True))
    assert CLASSIC_KERNELS["laplacian"].weights == ((0, 1, 0), (1, -4, 1), (0, 1, 0))
    gaussian = CLASSIC_KERNELS["gaussian-blur"]
    assert (gaussian.weights, gaussian.divisor) == (((1, 2, 1), (2, 4, 2), (1, 2, 1)), 16)
    assert CLASSIC_KERNELS["box-blur"].divisor == 9
    assert CLASSIC_KERNELS["sharpen"].weights == ((0, -1, 0), (-1, 5, -1), (0, -1, 0))


def test_a_divided_kernel_shows_the_integer_products_then_the_division():
    window = convolve("1 2 3; 4 5 6; 7 8 9", "gaussian-blur").steps_of(ConvWindow)[0]
    assert window.text == "window (0,0): (1·1 + 2·2 + 3·1 + 4·2 + 5·4 + 6·2 + 7·1 + 8·2 + 9·1)/16 = 80/16 = 5"


def test_conv_with_padding_lists_the_padded_matrix_and_reads_zeros_there():
    calc = convolve("1 2; 3 4", "1 1; 1 1", padding=1)
    padding = next(s for s in calc.steps if getattr(s, "topic", None) == "padding")
    assert "0 0 0 0; 0 1 2 0; 0 3 4 0; 0 0 0 0" in padding.text
    corner = calc.steps_of(ConvWindow)[0]
    assert corner.padding_mask == ((True, True), (True, False)) and corner.values == ((0, 0), (0, 1))


def test_conv_size_reasoning_comes_from_the_arithmetic_report():
    from convscope.arithmetic import arithmetic_report

    calc = convolve([[0.0] * 8] * 8, [[1.0] * 3] * 3, stride=2, padding=1)
    notes = [s.text for s in calc.steps if getattr(s, "topic", None) == "size"]
    assert notes == list(arithmetic_report(8, 3, 2, 1).steps)


# -------------------------------------------------------------------- pooling


@PROPERTY
@given(
    matrix=matrices(),
    k=st.integers(1, 5),
    stride=st.none() | st.integers(1, 4),
    padding=st.integers(0, 2),
    mode=st.sampled_from(["max", "avg"]),
    include_pad=st.booleans(),
)
def test_pool_equals_f_max_pool2d_and_f_avg_pool2d(matrix, k, stride, padding, mode, include_pad):
    x = tensor(matrix)
    s = k if stride is None else stride
    try:
        if mode == "max":
            expected, indices = F.max_pool2d(x, k, s, padding, return_indices=True)
        else:
            expected = F.avg_pool2d(x, k, s, padding, count_include_pad=include_pad)
    except RuntimeError:
        with pytest.raises(ConvScopeError):
            pool(matrix, kernel_size=k, stride=stride, padding=padding, mode=mode, count_include_pad=include_pad)
        return
    calc = pool(matrix, kernel_size=k, stride=stride, padding=padding, mode=mode, count_include_pad=include_pad)
    assert calc.shape == tuple(expected.shape[-2:])
    assert torch.allclose(torch.tensor(calc.output, dtype=torch.float64), expected[0, 0], rtol=1e-12, atol=1e-12)
    if mode == "max":  # the same winner, ties included
        width = len(matrix[0])
        winners = [w.winner[0] * width + w.winner[1] for w in calc.steps_of(PoolWindow)]
        assert winners == indices.flatten().tolist()


def test_avg_pool_with_padding_divides_by_the_window_or_by_the_input_cells():
    with_pad = pool("1 2; 3 4", kernel_size=2, stride=1, padding=1, mode="avg")
    without = pool("1 2; 3 4", kernel_size=2, stride=1, padding=1, mode="avg", count_include_pad=False)
    assert with_pad.steps_of(PoolWindow)[0].text == "window (0,0): (0 + 0 + 0 + 1)/4 = 1/4 = 0.25"
    assert without.steps_of(PoolWindow)[0].text == "window (0,0): (1)/1 = 1/1 = 1"
    assert "count_include_pad=True" in with_pad.steps[0].text


def test_max_pool_names_the_winner_and_never_lets_padding_win():
    calc = pool("-5 -6; -7 -8", kernel_size=2, stride=1, padding=1, mode="max")
    corner = calc.steps_of(PoolWindow)[0]
    assert corner.text == "window (0,0): max(pad, pad, pad, -5) = -5, at input (0,0)"
    assert [list(r) for r in calc.output] == F.max_pool2d(tensor([[-5, -6], [-7, -8]]), 2, 1, 1)[0, 0].tolist()


# ------------------------------------------------------------------ relu, flatten


@PROPERTY
@given(matrix=matrices())
def test_relu_equals_torch_relu(matrix):
    calc = relu(matrix)
    assert [list(r) for r in calc.output] == torch.relu(tensor(matrix))[0, 0].tolist()


def test_relu_words_each_value():
    calc = relu("-2 0.5 3")
    assert [s.text for s in calc.steps[1:]] == [
        "(0,0): max(0, -2) = 0",
        "(0,1): max(0, 0.5) = 0.5",
        "(0,2): max(0, 3) = 3",
    ]
    assert "1 of the 3 values here are negative" in calc.steps[0].text


@PROPERTY
@given(shape=st.tuples(st.integers(1, 4), st.integers(1, 5), st.integers(1, 5)), data=st.data())
def test_flatten_in_both_orders_equals_torch_flatten_and_permute(shape, data):
    c, h, w = shape
    flat = data.draw(st.lists(values, min_size=c * h * w, max_size=c * h * w))
    x = torch.tensor(flat, dtype=torch.float64).reshape(c, h, w)  # (C, H, W)
    chw = flatten(flat, shape)
    hwc = flatten(flat, list(shape), order="hwc")
    assert list(chw.output) == torch.flatten(x).tolist()
    assert list(hwc.output) == x.permute(1, 2, 0).flatten().tolist()  # (H, W, C) then flat, as Keras
    for entry in chw.steps_of(FlattenEntry):
        assert x[entry.source].item() == entry.value
        assert torch.flatten(x)[entry.chw].item() == entry.value
        assert x.permute(1, 2, 0).flatten()[entry.hwc].item() == entry.value


def test_flatten_maps_each_cell_to_its_unit_in_both_orders():
    calc = flatten("1 2; 3 4 | 5 6; 7 8", "2,2,2")
    assert calc.steps_of(FlattenEntry)[4].text == "(c=1, y=0, x=0) = 5 → unit 4 (C×H×W), unit 1 (H×W×C)"
    assert calc.extras["orders"]["hwc"] == (1, 5, 2, 6, 3, 7, 4, 8)


# -------------------------------------------------------------------- softmax


finite_logits = st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=12)


@PROPERTY
@given(logits=finite_logits | st.lists(st.integers(-20, 20).map(float), min_size=1, max_size=12))
def test_softmax_equals_torch_softmax_and_its_shown_values_re_add_or_say_they_do_not(logits):
    calc = softmax(logits)
    expected = torch.softmax(torch.tensor(logits, dtype=torch.float64), 0)
    assert torch.allclose(torch.tensor(calc.output, dtype=torch.float64), expected, rtol=1e-12, atol=1e-300)
    shown = [Decimal(t.shown) for t in calc.steps_of(SoftmaxTerm)]
    assert (sum(shown) == 1) == calc.extras["shown_sum_is_one"]
    decimals = calc.extras["decimals"]
    for value, p in zip(shown, calc.output, strict=True):
        assert abs(value - Decimal(p)) <= Decimal(10) ** -decimals / 2
    if not calc.extras["shown_sum_is_one"]:
        assert "rather than 1" in calc.steps[-1].text


def test_softmax_of_the_issue_example_is_shown_to_three_decimals_that_add_to_one():
    calc = softmax("2.0 1.0 0.1")
    assert [t.shown for t in calc.steps_of(SoftmaxTerm)] == ["0.659", "0.242", "0.099"]
    assert calc.steps_of(SoftmaxTerm)[0].text == "p_0 = exp(2)/11.2125 = 7.38906/11.2125 = 0.659"
    assert calc.extras["shift"] == 0 and calc.steps[0].text.startswith("No shift needed")


def test_softmax_shifts_by_the_largest_logit_where_exp_would_overflow_and_says_why():
    logits = [1000.0, 999.0, 998.0]
    assert torch.isinf(torch.exp(torch.tensor(logits))).all()  # float32 overflows without the shift
    calc = softmax(logits)
    assert torch.allclose(torch.tensor(calc.output), torch.softmax(torch.tensor(logits), 0), atol=1e-7)
    assert calc.extras["shift"] == 1000.0
    assert "too large for float64" in calc.steps[0].text and "infinity" in calc.steps[0].text
    assert calc.steps_of(SoftmaxTerm)[1].text.startswith("p_1 = exp(999 − 1000)/")
    float32_only = softmax([100.0, 0.0])
    assert "too large for float32" in float32_only.steps[0].text
    assert math.isfinite(math.exp(100.0)) and torch.isinf(torch.exp(torch.tensor(100.0)))


def test_softmax_shifts_where_every_exp_would_underflow():
    logits = [-1000.0, -1001.0]
    assert torch.exp(torch.tensor(logits, dtype=torch.float64)).sum() == 0  # 0/0 without the shift
    calc = softmax(logits)
    assert torch.allclose(
        torch.tensor(calc.output, dtype=torch.float64), torch.softmax(torch.tensor(logits, dtype=torch.float64), 0)
    )
    assert "smaller than float32 holds" in calc.steps[0].text


def test_softmax_states_the_rounding_when_no_precision_re_adds():
    calc = softmax("0 0 0")
    assert not calc.extras["shown_sum_is_one"]
    assert calc.steps[-1].text.startswith(
        "Probabilities shown to 4 decimals; rounded, they add to 0.9999 rather than 1"
    )


# --------------------------------------------------------------------- dense


@pytest.mark.parametrize(("f_in", "f_out", "bias"), [(1690, 10, True), (3, 7, False), (1, 1, True)])
def test_dense_count_equals_nn_linear_parameters(f_in, f_out, bias):
    layer = nn.Linear(f_in, f_out, bias=bias)
    out = dense_count(f_in, f_out, bias=bias).output
    assert out["weights"] == layer.weight.numel()
    assert out["biases"] == (layer.bias.numel() if bias else 0)
    assert out["params"] == sum(p.numel() for p in layer.parameters())


def test_dense_count_words_the_issue_example():
    texts = [s.text for s in dense_count(1690, 10).steps]
    assert "1,690·10 = 16,900" in texts[0] and texts[2] == "Parameters: weights + biases = 16,900 + 10 = 16,910."


# --------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: convolve("1 2; 3", "sobel-x"), "row 2 of the input has 1 value but row 1 has 2"),
        (lambda: convolve("1 two; 3 4", "1"), "'two', which is not a number"),
        (lambda: convolve("1 nan; 3 4", "1"), "NaN and infinity"),
        (lambda: convolve("1 -inf", "1"), "NaN and infinity"),
        (lambda: convolve("1 1e400", "1"), "too large"),
        (lambda: convolve([[1.0, float("nan")]], "1"), "NaN and infinity"),
        (lambda: convolve("  ; ", "1"), "is empty"),
        (lambda: convolve("1 2; 3 4", "sobel-x"), "bigger than the padded input 2"),
        (lambda: convolve("; ".join(["1 " * 13] * 13), "1"), "up to 12×12"),
        (lambda: convolve("1 " * 13, "1"), "the input is 1×13"),
        (lambda: convolve("1 2; 3 4", "sobol"), "use one of sobel-x, sobel-y, laplacian, box-blur, gaussian-blur"),
        (lambda: convolve("1 2; 3 4", "1", stride=0), "stride must be at least 1"),
        (lambda: convolve("1 2; 3 4", "1", stride=-2), "stride must be at least 1"),
        (lambda: convolve("1 2 3; 4 5 6; 7 8 9", "sobel-x", padding=3), "pad by at most 2"),
        (lambda: convolve("1 2; 3 4", "1", padding=-1), "padding must be 0 or more"),
        (lambda: convolve("1 2; 3 4", "1", padding=100), "at most 12"),
        (lambda: pool("1 2; 3 4", kernel_size=2, padding=2), "more than half the kernel size"),
        (lambda: pool("1 2; 3 4", kernel_size=3), "bigger than the padded input"),
        (lambda: pool("1 2; 3 4", mode="min"), "use 'max' or 'avg'"),
        (lambda: flatten("1 2 3", "2,2,2"), "holds 8 values but the input has 3"),
        (lambda: flatten("1 2 3", "0,1,3"), "C is 0"),
        (lambda: softmax("1 2; 3 4"), "one row of numbers"),
        (lambda: dense_count(0, 10), "at least one of its inputs"),
    ],
)
def test_bad_input_is_refused_with_one_line_that_says_what_to_do(call, message):
    with pytest.raises(ConvScopeError) as caught:
        call()
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_12x12_matrix_is_accepted_and_a_13x13_refused():
    twelve = [[1.0] * 12] * 12
    assert convolve(twelve, "box-blur").shape == (10, 10)
    with pytest.raises(ConvScopeError, match="13×13; the calculator takes up to 12×12"):
        convolve([[1.0] * 13] * 13, "box-blur")


def test_a_kernel_is_a_name_or_a_matrix_in_the_input_syntax():
    assert resolve_kernel(" Sobel-X ") is CLASSIC_KERNELS["sobel-x"]
    assert resolve_kernel("1, 0; 0, -1").weights == ((1, 0), (0, -1))
    assert resolve_kernel("2").weights == ((2,),)


def test_every_calculation_is_plain_json():
    import json

    for calc in (
        convolve(EXAMPLE, "laplacian", padding=1),
        pool(EXAMPLE, mode="avg"),
        relu("1 -1"),
        flatten("1 2 3 4", "1,2,2"),
        softmax("1 2 3"),
        dense_count(4, 2),
    ):
        data = json.loads(json.dumps(calc.to_dict()))
        assert data["output"] and data["steps"] and all("text" in s and "step" in s for s in data["steps"])
