"""The detail views' API: explanations equal ``convscope.explain`` and re-add to the traced values."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from convscope.arithmetic import arithmetic_report, conv_output_size
from convscope.explain import explain, explain_probabilities
from convscope.formats import zoo_network
from convscope.inputs import InputSpec, decode_image
from convscope.network import Network
from convscope.server import create_app
from convscope.server.explain_payload import window_taps
from convscope.server.tensor_codec import decode_tensor
from tests.models import CustomLayerNet, ResidualNet
from tests.server.images import write_samples
from tests.server.live import live_server

LABELS = ["T-shirt/top", "Trouser", "Pullover"]


class StridedNet(nn.Module):
    """Stride, padding and dilation on both axes, and padded average pooling."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, stride=2, padding=2, dilation=2)
        self.pool = nn.AvgPool2d(3, stride=2, padding=1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(4 * 4 * 4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.flatten(self.pool(self.conv(x))))


def _networks() -> dict[str, Network]:
    torch.manual_seed(21)
    strided = Network(StridedNet(), InputSpec(3, 15, 15), name="strided")
    torch.manual_seed(22)
    residual = Network(ResidualNet(classes=3), InputSpec(3, 16, 16), name="residual")
    torch.manual_seed(23)
    custom = Network(CustomLayerNet(), InputSpec(3, 8, 8), name="custom")
    return {"rgb": zoo_network("tinyvgg", seed=1), "strided": strided, "residual": residual, "custom": custom}


@pytest.fixture(scope="module")
def explain_app(tmp_path_factory: pytest.TempPathFactory):
    samples = tmp_path_factory.mktemp("explain-samples")
    write_samples(samples, LABELS, size=(40, 40), mode="RGB")
    return create_app(_networks(), samples_dir=samples, cache_size=8)


@pytest.fixture(scope="module")
def api(explain_app) -> Iterator[httpx.Client]:
    with live_server(explain_app) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def _trace(app, model_id: str, image_id: str = "sample_1"):
    """The trace of a sample computed here, independently of the server's cache."""
    network = app.state.service.models.get(model_id)
    path = app.state.service.samples.get(image_id).path
    x = network.input_spec.preprocess(decode_image(path.read_bytes()))
    return network.run(x)


def _url(model_id: str, layer: str, what: str = "explain", image_id: str = "sample_1") -> str:
    return f"api/models/{model_id}/traces/{image_id}/layers/{layer}/{what}"


@pytest.mark.parametrize(
    ("model_id", "layer", "params"),
    [
        ("rgb", "conv_1_1", {"channel": 3, "y": 5, "x": 7}),
        ("rgb", "conv_2_2", {"channel": 9, "y": 25, "x": 0}),
        ("rgb", "relu_1_1", {"channel": 2, "y": 0, "x": 61}),
        ("rgb", "max_pool_2", {"channel": 4, "y": 12, "x": 6}),
        ("rgb", "output", {"index": 7}),
        ("strided", "conv", {"channel": 1, "y": 0, "x": 6}),
        ("strided", "pool", {"channel": 3, "y": 3, "x": 0}),
        ("residual", "bn", {"channel": 5, "y": 4, "x": 9}),
        ("residual", "add", {"channel": 0, "y": 15, "x": 15}),
        ("residual", "fc", {"index": 2}),
    ],
)
def test_explanation_equals_the_library_and_readds_to_the_traced_value(
    api, explain_app, model_id, layer, params
) -> None:
    answer = api.get(_url(model_id, layer), params=params)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    trace = _trace(explain_app, model_id)
    expected = explain(trace, layer, **params).to_dict()
    assert body["step"] == expected["step"]
    assert body["position"] == expected["position"]
    np.testing.assert_allclose(body["output"], expected["output"], rtol=1e-6)
    coords = (params["channel"], params["y"], params["x"]) if "channel" in params else (params["index"],)
    traced = float(trace.output(layer)[(0, *coords)])
    assert body["output"] == pytest.approx(traced, rel=1e-6, abs=1e-7)
    assert body["computed"] == pytest.approx(traced, rel=1e-4, abs=1e-5 * (body["scale"] or 1))


def test_conv_explanation_products_and_bias_readd_to_the_output(api, explain_app) -> None:
    body = api.get(_url("strided", "conv"), params={"channel": 2, "y": 3, "x": 1}).json()
    trace = _trace(explain_app, "strided")
    conv = explain_app.state.service.models.get("strided").module.conv
    x = trace.input[0]  # (3, 15, 15)
    padded = F.pad(x, (2, 2, 2, 2))  # (3, 19, 19): padding 2 on every side
    total = body["bias"]
    for term in body["terms"]:
        c = term["input_channel"]
        window = padded[c, 3 * 2 : 3 * 2 + 5 : 2, 1 * 2 : 1 * 2 + 5 : 2]  # stride 2, dilation 2
        np.testing.assert_allclose(term["receptive_field"], window.numpy(), rtol=1e-6)
        np.testing.assert_allclose(term["kernel"], conv.weight[2, c].detach().numpy(), rtol=1e-6)
        np.testing.assert_allclose(
            term["products"], (window * conv.weight[2, c]).detach().numpy(), rtol=1e-5, atol=1e-7
        )
        total += sum(map(sum, term["products"]))
    assert total == pytest.approx(float(trace.output("conv")[0, 2, 3, 1]), rel=1e-4, abs=1e-6)
    assert body["rows"] == window_taps(conv_output_size(15, 3, 2, 2, 2), 3, 2, 2, 2)[3]


def test_softmax_explanation_reproduces_the_probabilities(api, explain_app) -> None:
    body = api.get("api/models/rgb/traces/sample_2/probabilities", params={"index": 4}).json()
    trace = _trace(explain_app, "rgb", "sample_2")
    expected = explain_probabilities(trace, index=4).to_dict()
    torch_probs = torch.softmax(trace.logits[0].double(), dim=0)
    np.testing.assert_allclose(body["probabilities"], torch_probs.numpy(), rtol=1e-5)
    assert body["output"] == pytest.approx(float(torch_probs[4]), rel=1e-5)
    assert body["exp_terms"] == pytest.approx(expected["exp_terms"])
    assert body["exp_sum"] == pytest.approx(float(np.sum(body["exp_terms"])), rel=1e-6)
    assert body["labels"] == list(explain_app.state.service.models.get("rgb").class_names)


def test_predicted_class_is_singled_out_when_no_index_is_given(api, explain_app) -> None:
    body = api.get("api/models/rgb/traces/sample_0/probabilities").json()
    assert body["position"] == {"index": int(_trace(explain_app, "rgb", "sample_0").probabilities[0].argmax())}


def test_intermediate_maps_plus_bias_add_up_to_the_output_map(api, explain_app) -> None:
    answer = api.get(_url("strided", "conv", "intermediate"), params={"channel": 3})
    assert answer.status_code == 200, answer.text
    header, maps = decode_tensor(answer.content)
    trace = _trace(explain_app, "strided")
    conv = explain_app.state.service.models.get("strided").module.conv
    assert header["input_layer"] == "input" and header["input_channels"] == [0, 1, 2]
    for c in range(3):  # each map is channel c alone under its kernel slice, computed with PyTorch
        alone = F.conv2d(trace.input[:, c : c + 1], conv.weight[3:4, c : c + 1], None, 2, 2, 2)[0, 0]
        np.testing.assert_allclose(maps[c], alone.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(maps.sum(0) + header["bias"], trace.output("conv")[0, 3].numpy(), rtol=1e-4, atol=1e-5)
    h_out, w_out = trace.output("conv").shape[2:]
    assert header["windows"]["rows"] == window_taps(h_out, 3, 2, 2, 2)
    assert len(header["windows"]["cols"]) == w_out


def test_intermediate_maps_of_chosen_input_channels_only(api, explain_app) -> None:
    answer = api.get(
        _url("rgb", "conv_2_1", "intermediate"), params={"channel": 0, "input_channels": "7,2", "dtype": "float16"}
    )
    header, maps = decode_tensor(answer.content)
    full_header, full = decode_tensor(api.get(_url("rgb", "conv_2_1", "intermediate"), params={"channel": 0}).content)
    assert header["input_channels"] == [7, 2] and full_header["input_channels"] == list(range(10))
    np.testing.assert_allclose(maps.astype(np.float32), full[[7, 2]], rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize(
    ("url", "params", "status", "words"),
    [
        (_url("rgb", "conv_1_1"), {"channel": 10, "y": 0, "x": 0}, 400, "choose channel from 0 to 9"),
        (_url("rgb", "conv_1_1"), {"channel": 0, "y": 62, "x": 0}, 400, "choose y from 0 to 61"),
        (_url("rgb", "conv_1_1"), {"channel": 0, "y": 0, "x": -1}, 400, "choose x from 0 to 61"),
        (_url("rgb", "conv_1_1"), {"index": 3}, 400, "give channel, y and x"),
        (_url("rgb", "output"), {"index": 10}, 400, "choose index from 0 to 9"),
        (_url("rgb", "no_such_layer"), {"channel": 0, "y": 0, "x": 0}, 404, "no_such_layer"),
        (_url("custom", "act"), {"channel": 0, "y": 0, "x": 0}, 422, "no step-by-step explanation"),
        (_url("rgb", "input"), {"channel": 0, "y": 0, "x": 0}, 422, "no step-by-step explanation"),
        (_url("rgb", "relu_1_1", "intermediate"), {"channel": 0}, 422, "conv2d layers only"),
        (_url("rgb", "conv_1_1", "intermediate"), {"channel": 12}, 400, "choose channel from 0 to 9"),
        (
            _url("rgb", "conv_1_1", "intermediate"),
            {"channel": 0, "input_channels": "5"},
            404,
            "channel 5 does not exist",
        ),
        (_url("rgb", "conv_1_1", image_id="nope"), {"channel": 0, "y": 0, "x": 0}, 404, "unknown image"),
        ("api/models/rgb/traces/sample_0/probabilities", {"index": 99}, 400, "choose index from 0 to 9"),
    ],
)
def test_bad_positions_layers_and_channels_get_a_4xx_with_a_message(api, url, params, status, words) -> None:
    answer = api.get(url, params=params)
    assert answer.status_code == status, answer.text
    detail = answer.json()["detail"]
    assert words in detail and "\n" not in detail


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "padding", "dilation"),
    [(7, 3, 2, 1, 1), (8, 3, 2, 0, 1), (32, 5, 3, 2, 2), (5, 1, 1, 0, 1)],
)
def test_arith_reports_the_library_numbers_and_windows_that_match_pytorch(
    api, size, kernel, stride, padding, dilation
) -> None:
    params = {"size": size, "kernel": kernel, "stride": stride, "padding": padding, "dilation": dilation}
    body = api.get("api/arith", params=params).json()
    assert body["report"] == arithmetic_report(size, kernel, stride, padding, dilation).to_dict()
    out = F.conv2d(torch.zeros(1, 1, size, size), torch.zeros(1, 1, kernel, kernel), None, stride, padding, dilation)
    assert [len(body["windows"]["rows"]), len(body["windows"]["cols"])] == list(out.shape[2:])
    # Every window's taps, marked on a padded canvas, pick the same cells PyTorch's unfold reads.
    idx = torch.arange(size * size, dtype=torch.float32).reshape(1, 1, size, size) + 1
    cols = F.unfold(idx, kernel, dilation=dilation, padding=padding, stride=stride)[0]  # (K*K, windows)
    for w, (rows, cs) in enumerate((r, c) for r in body["windows"]["rows"] for c in body["windows"]["cols"]):
        expected = [int(v) - 1 if v > 0 else None for v in cols[:, w].tolist()]
        got = [r * size + c if 0 <= r < size and 0 <= c < size else None for r in rows for c in cs]
        assert got == expected
    assert body["padded"] == [size + 2 * padding] * 2


def test_arith_explains_an_invalid_strict_combination_in_words(api) -> None:
    body = api.get("api/arith", params={"size": 8, "kernel": 3, "stride": 2}).json()
    strict = body["report"]["strict_rule"]
    assert strict["valid"] is False and "does not tile" in strict["reason"]
    assert body["report"]["output"]["height"] == 3


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"size": 4, "kernel": 7}, 400, "bigger than the padded input"),
        ({"size": 4, "kernel": 3, "padding": "lots"}, 400, "padding 'lots' is not understood"),
        ({"size": 4, "kernel": 3, "padding": "999"}, 400, "padding must be from 0 to 64"),
        ({"size": 0, "kernel": 3}, 422, "size"),
    ],
)
def test_arith_refuses_impossible_combinations_with_a_reason(api, params, status, words) -> None:
    answer = api.get("api/arith", params=params)
    assert answer.status_code == status, answer.text
    assert words in answer.json()["detail"]


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "padding"), [(7, 2, 2, 0), (8, 3, 2, 1), (5, 3, 3, 0), (6, 2, 2, 1)]
)
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_arith_pool_sizes_match_maxpool2d_in_both_ceil_modes(api, size, kernel, stride, padding, ceil_mode) -> None:
    params = {
        "size": size,
        "kernel": kernel,
        "stride": stride,
        "padding": padding,
        "pool": "true",
        "ceil_mode": str(ceil_mode).lower(),
    }
    body = api.get("api/arith", params=params).json()
    out = nn.MaxPool2d(kernel, stride, padding, ceil_mode=ceil_mode)(torch.zeros(1, 1, size, size))
    assert [body["report"]["output"]["height"], body["report"]["output"]["width"]] == list(out.shape[2:])
    assert body["report"]["ceil_mode"] is ceil_mode and body["report"]["operation"] == "maxpool"
    assert [len(body["windows"]["rows"]), len(body["windows"]["cols"])] == list(out.shape[2:])


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"size": 8, "kernel": 3, "ceil_mode": "true"}, "ceil mode is an option of pooling layers"),
        ({"size": 8, "kernel": 3, "stride": 1, "padding": 2, "pool": "true"}, "more than half the kernel size"),
    ],
)
def test_arith_refuses_pool_only_options_and_over_padded_pools_in_words(api, params, words) -> None:
    answer = api.get("api/arith", params=params)
    assert answer.status_code == 400, answer.text
    assert words in answer.json()["detail"] and "\n" not in answer.json()["detail"]
