"""``/api/calc``: the sandbox's calculators answer exactly what ``convscope.calc`` computes, and refuse bad input in one line."""

from __future__ import annotations

import json

import httpx
import pytest
import torch
import torch.nn.functional as F

from convscope import calc
from convscope.errors import ConvScopeError

CONV_INPUT = "3 0 1 2; 1 5 8 9; 2 7 2 5; 0 1 3 1"


def _plain(value):
    """Tuples as lists, as JSON carries them."""
    return json.loads(json.dumps(value))


@pytest.mark.parametrize(
    ("operation", "body", "expected"),
    [
        ("conv", {"input": CONV_INPUT, "kernel": "sobel-x"}, lambda: calc.convolve(CONV_INPUT, "sobel-x")),
        (
            "conv",
            {"input": CONV_INPUT, "kernel": "1 0; 0 -1", "stride": "2", "padding": 1, "dilation": "1"},
            lambda: calc.convolve(CONV_INPUT, "1 0; 0 -1", stride=2, padding=1),
        ),
        (
            "conv",
            {"input": CONV_INPUT, "kernel": "box-blur", "padding": "1"},
            lambda: calc.convolve(CONV_INPUT, "box-blur", padding=1),
        ),
        ("relu", {"input": "-2 0.5 3; 1 -1.5 0"}, lambda: calc.relu("-2 0.5 3; 1 -1.5 0")),
        ("pool", {"input": CONV_INPUT}, lambda: calc.pool(CONV_INPUT)),
        (
            "pool",
            {
                "input": CONV_INPUT,
                "mode": "avg",
                "kernel_size": "3",
                "stride": "1",
                "padding": "1",
                "count_include_pad": False,
            },
            lambda: calc.pool(CONV_INPUT, kernel_size=3, stride=1, padding=1, mode="avg", count_include_pad=False),
        ),
        (
            "flatten",
            {"input": "1 2; 3 4 | 5 6; 7 8", "shape": "2,2,2", "order": "hwc"},
            lambda: calc.flatten("1 2; 3 4 | 5 6; 7 8", "2,2,2", order="hwc"),
        ),
        ("softmax", {"logits": "2.0 1.0 0.1"}, lambda: calc.softmax("2.0 1.0 0.1")),
        ("softmax", {"logits": "1000 999 -5"}, lambda: calc.softmax("1000 999 -5")),
        ("dense", {"in": "1690", "out": 10}, lambda: calc.dense_count(1690, 10)),
        ("dense", {"in": 4, "out": 3, "bias": False}, lambda: calc.dense_count(4, 3, bias=False)),
    ],
)
def test_each_calculation_is_exactly_the_librarys(client: httpx.Client, operation, body, expected) -> None:
    response = client.post(f"api/calc/{operation}", json=body)
    assert response.status_code == 200, response.text
    assert response.json() == _plain(expected().to_dict())


def test_conv_output_matches_torch_conv2d_at_full_precision(client: httpx.Client) -> None:
    got = client.post("api/calc/conv", json={"input": CONV_INPUT, "kernel": "gaussian-blur", "padding": "1"}).json()
    x = torch.tensor(calc.parse_matrix(CONV_INPUT), dtype=torch.float64)[None, None]
    w = torch.tensor([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=torch.float64)[None, None] / 16
    expected = F.conv2d(x, w, padding=1)[0, 0]
    assert torch.allclose(torch.tensor(got["output"], dtype=torch.float64), expected, rtol=1e-15, atol=1e-12)
    assert [s["text"] for s in got["steps"] if s["step"] == "window"][0].startswith("window (0,0): (0·1 + 0·2")


def test_every_window_carries_its_products_and_sum(client: httpx.Client) -> None:
    got = client.post("api/calc/conv", json={"input": CONV_INPUT, "kernel": "sobel-x"}).json()
    windows = [s for s in got["steps"] if s["step"] == "window"]
    assert [w["position"] for w in windows] == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert windows[0]["products"] == [[-3.0, 0.0, 1.0], [-2.0, 0.0, 16.0], [-2.0, 0.0, 2.0]]
    assert windows[0]["sum"] == 12.0 and windows[0]["text"].endswith("= 12")


@pytest.mark.parametrize(
    ("operation", "body", "field", "says"),
    [
        ("conv", {"input": "1 2; 3", "kernel": "sobel-x"}, "input", "row 2 of the input has 1 value but row 1 has 2"),
        ("conv", {"input": "1 two; 3 4", "kernel": "sobel-x"}, "input", "which is not a number"),
        ("conv", {"input": "1 2; 3 4", "kernel": "sobel-z"}, "kernel", "unknown kernel 'sobel-z'"),
        ("conv", {"input": "1 2; 3 4", "kernel": "sobel-x"}, None, "bigger than the padded input"),
        ("conv", {"input": "1 2; 3 4", "kernel": "1", "stride": "two"}, "stride", "the stride S takes a whole number"),
        ("conv", {"kernel": "sobel-x"}, "input", "the input is empty"),
        (
            "relu",
            {"input": ";".join(" ".join(["1"] * 13) for _ in range(13))},
            "input",
            "the input is 13×13; the calculator takes up to 12×12",
        ),
        ("pool", {"input": "1 2; 3 4", "mode": "median"}, "mode", "pooling mode 'median' is not known"),
        ("flatten", {"input": "1 2 3", "shape": "2,2,2"}, "input", "holds 8 values but the input has 3"),
        ("flatten", {"input": "1 2 3", "shape": "two"}, "shape", "the shape must be three whole numbers"),
        ("softmax", {"logits": "1 nan"}, "logits", "NaN and infinity cannot be calculated"),
        ("dense", {"in": "0", "out": "10"}, "in", "at least one of its inputs"),
        ("dense", {"in": "", "out": "10"}, "in", "at least one of its inputs, got 0"),
        ("dense", {"in": "3", "out": "-2"}, "out", "at least one of its outputs"),
    ],
)
def test_bad_input_is_a_400_with_one_line_naming_the_field(client: httpx.Client, operation, body, field, says) -> None:
    response = client.post(f"api/calc/{operation}", json=body)
    assert response.status_code == 400
    answer = response.json()
    assert says in answer["detail"] and "\n" not in answer["detail"]
    assert answer["field"] == field


def test_the_refusal_is_the_librarys_own_message(client: httpx.Client) -> None:
    thirteen = ";".join(" ".join(["2"] * 13) for _ in range(13))
    with pytest.raises(ConvScopeError) as raised:
        calc.convolve(thirteen, "sobel-x")
    answer = client.post("api/calc/conv", json={"input": thirteen, "kernel": "sobel-x"}).json()
    assert answer["detail"] == str(raised.value)


def test_an_unknown_operation_or_field_is_a_422_with_one_line(client: httpx.Client) -> None:
    for path, body in (("api/calc/tanh", {}), ("api/calc/conv", {"input": "1", "colour": "red"})):
        response = client.post(path, json=body)
        assert response.status_code == 422
        assert "\n" not in response.json()["detail"]


def test_kernels_lists_every_classic_kernel_with_what_it_detects(client: httpx.Client) -> None:
    listed = client.get("api/calc/kernels").json()
    assert [k["name"] for k in listed] == list(calc.CLASSIC_KERNELS)
    sobel = listed[0]
    assert sobel["weights"] == [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]] and sobel["divisor"] == 1
    assert "vertical edges" in sobel["detects"]
    assert {k["name"]: k["divisor"] for k in listed}["gaussian-blur"] == 16


def test_the_catalog_offers_each_operation_with_defaults_the_server_accepts(client: httpx.Client) -> None:
    catalog = client.get("api/calc").json()
    assert [o["id"] for o in catalog["operations"]] == ["conv", "relu", "pool", "flatten", "softmax", "dense"]
    assert catalog["kernels"] == client.get("api/calc/kernels").json() and catalog["max_side"] == 12
    for op in catalog["operations"]:
        assert op["summary"] and op["formula"] and op["title"]
        body = {f["name"]: f["default"] for f in op["fields"] if f["default"] != ""}
        response = client.post(f"api/calc/{op['id']}", json=body)
        assert response.status_code == 200, (op["id"], response.text)


def test_the_sandbox_page_is_served_and_linked_from_the_app(client: httpx.Client) -> None:
    page = client.get("sandbox")
    assert page.status_code == 200 and "static/js/sandboxapp.js" in page.text
    assert 'href="sandbox"' in client.get("").text
