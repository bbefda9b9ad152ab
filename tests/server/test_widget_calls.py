"""The notebook widget's answers (server/widget_calls.py) are the server's routes' answers, without HTTP.

Each call the widget's front end makes (core/kernelapi.js) is compared with the route
detailapi.js fetches for the same question, on the same image through the live server.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from convscope.errors import ConvScopeError
from convscope.server.widget_calls import answer
from tests.server.conftest import server_networks

TRACE = "api/models/{model}/traces/sample_1"


@pytest.fixture(scope="module")
def traces(samples_dir):
    """The server's networks run on the sample the routes are asked about, here in this process."""
    return {name: net.run(samples_dir / "sample_1.png") for name, net in server_networks().items()}


def _get(client, url: str, **params):
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    return response


@pytest.mark.parametrize(
    ("model", "layer", "where"),
    [
        ("rgb", "conv_1_2", {"channel": 3, "y": 5, "x": 7}),
        ("rgb", "max_pool_1", {"channel": 1, "y": 2, "x": 4}),
        ("rgb", "output", {"index": 4}),
        ("residual", "add", {"channel": 0, "y": 1, "x": 1}),
    ],
)
def test_explain_and_its_panel_equal_the_routes(client, traces, model, layer, where) -> None:
    base = TRACE.format(model=model)
    routed = _get(client, f"{base}/layers/{layer}/explain", **where).json()
    assert answer(traces[model], "explain", {"layer": layer, **where}) == routed
    query = "&".join(f"{k}={v}" for k, v in where.items())
    panel = _get(client, f"{base}/layers/{layer}/explanation", **where, order="hwc").json()
    url = f"{base}/layers/{layer}/explanation?{query}&order=hwc"
    assert answer(traces[model], "panel", {"url": url}) == panel


def test_softmax_overview_and_explorer_panels_equal_the_routes(client, traces) -> None:
    base = TRACE.format(model="rgb")
    assert answer(traces["rgb"], "probabilities", {"index": 2}) == _get(client, f"{base}/probabilities", index=2).json()
    assert answer(traces["rgb"], "probabilities", {"index": None}) == _get(client, f"{base}/probabilities").json()
    for url in (f"{base}/probabilities/explanation?index=2", "api/models/rgb/explanation?order=chw"):
        path, query = url.split("?")
        assert answer(traces["rgb"], "panel", {"url": url}) == _get(client, path, **dict(parse_qsl(query))).json()
    arith = "size=9&kernel=3&stride=2&padding=1&dilation=1&pool=true&ceil_mode=true"
    settings = dict(parse_qsl(arith))
    assert answer(traces["rgb"], "arith", {"query": arith}) == _get(client, "api/arith", **settings).json()
    panel = _get(client, "api/explanation/explorer", **settings).json()
    assert answer(traces["rgb"], "panel", {"url": f"api/explanation/explorer?{arith}"}) == panel


def test_binary_answers_are_the_routes_bytes(client, traces) -> None:
    base = TRACE.format(model="rgb")
    trace = traces["rgb"]
    routed = _get(client, f"{base}/layers/conv_1_2/intermediate", channel=3, input_channels="0-3,7").content
    assert answer(trace, "intermediate", {"layer": "conv_1_2", "channel": 3, "input_channels": "0-3,7"}) == routed
    routed = _get(client, f"{base}/layers/conv_1_2/padded-input", channels="0,2", dtype="float16").content
    assert answer(trace, "padded_input", {"layer": "conv_1_2", "channels": "0,2", "dtype": "float16"}) == routed
    routed = _get(client, f"{base}/layers/relu_1_1", channels="1-2", dtype="float32").content
    assert answer(trace, "layer_tensor", {"layer": "relu_1_1", "channels": "1-2"}) == routed
    routed = _get(client, f"{base}/layers/output", dtype="float32").content
    assert answer(trace, "layer_tensor", {"layer": "output", "channels": None}) == routed


@pytest.mark.parametrize(
    ("call", "args", "says"),
    [
        ("explain", {"layer": "nope", "channel": 0, "y": 0, "x": 0}, "nope"),
        ("explain", {"layer": "conv_1_2", "channel": "three", "y": 0, "x": 0}, "whole number"),
        ("explain", {"layer": "conv_1_2", "channel": 0, "y": 999, "x": 0}, "999"),
        ("intermediate", {"layer": "conv_1_2"}, "channel is missing"),
        ("intermediate", {"layer": "relu_1_1", "channel": 0}, "relu_1_1"),
        ("padded_input", {"layer": "conv_1_2", "channels": "0", "dtype": "int8"}, "dtype"),
        ("panel", {"url": "api/models/rgb/traces/sample_1/nowhere"}, "no panel"),
        ("arith", {"query": "kernel=3"}, "size is missing"),
        ("arith", {"query": "size=8&pool=perhaps"}, "true or false"),
        ("shutdown", {}, "answers explain"),
    ],
)
def test_bad_requests_get_one_line_errors(traces, call, args, says) -> None:
    with pytest.raises(ConvScopeError, match=says):
        answer(traces["rgb"], call, args)
