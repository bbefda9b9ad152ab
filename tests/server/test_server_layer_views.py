"""What the server decides for the browser: each layer's view, the class ranking, the padded conv input."""

from __future__ import annotations

import httpx
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from convscope.arithmetic import padded_hw, window_taps
from convscope.explain import explain
from convscope.inputs import InputSpec
from convscope.layer_views import layer_views
from convscope.network import Network
from convscope.server.explain_payload import padded_input_message
from convscope.server.tensor_codec import decode_tensor


def _network(app, model_id: str) -> Network:
    return app.state.service.models.get(model_id)


@pytest.mark.parametrize("model_id", ["gray", "residual", "inception"])
def test_model_detail_sends_every_layers_view_signedness_and_connectivity(
    client: httpx.Client, app, model_id: str
) -> None:
    detail = client.get(f"api/models/{model_id}").json()
    views = layer_views(_network(app, model_id))
    sent = {
        layer["name"]: {k: layer[k] for k in ("view", "display", "signed", "connectivity")}
        for layer in detail["layers"]
    }
    expected = {name: view.to_dict() for name, view in views.items()}
    for layer in sent.values():  # pydantic fills the fields a mode does not use with null
        layer["connectivity"] = {k: v for k, v in layer["connectivity"].items() if v is not None}
    assert sent == expected
    assert detail["logits_layer"] == _network(app, model_id).logits_layer


def test_trace_info_ranks_every_class_most_probable_first(client: httpx.Client) -> None:
    info = client.get("api/models/rgb/traces/sample_3").json()
    probs = info["probabilities"]
    assert sorted(info["ranking"]) == list(range(len(probs)))
    assert [probs[i] for i in info["ranking"]] == sorted(probs, reverse=True)
    assert info["ranking"][0] == info["prediction"]["index"]


def test_padded_input_is_the_conv_input_padded_by_pytorch_and_holds_every_window(client: httpx.Client, app) -> None:
    base = "api/models/residual/traces/sample_1/layers"
    answer = client.get(f"{base}/conv1/padded-input", params={"channels": "6,1"})
    assert answer.status_code == 200, answer.text
    header, padded = decode_tensor(answer.content)
    _, source = decode_tensor(client.get(f"{base}/relu", params={"channels": "6,1"}).content)  # conv1 reads relu
    assert header["input_layer"] == "relu" and header["channels"] == [6, 1]
    assert header["padding_sides"] == [1, 1, 1, 1] and header["padding_mode"] == "zeros"
    np.testing.assert_array_equal(padded, F.pad(torch.from_numpy(source.copy()), (1, 1, 1, 1)).numpy())
    assert tuple(padded.shape[1:]) == padded_hw(tuple(header["size"]), (1, 1, 1, 1))
    step = client.get(f"{base}/conv1/explain", params={"channel": 3, "y": 0, "x": 15}).json()
    rows, cols = np.array(window_taps(0, 3, 1, 1)) + 1, np.array(window_taps(15, 3, 1, 1)) + 1  # padded coordinates
    term = next(t for t in step["terms"] if t["input_channel"] == 6)
    np.testing.assert_allclose(padded[0][np.ix_(rows, cols)], term["receptive_field"], rtol=1e-6)


@pytest.mark.parametrize(
    ("path", "params", "status", "words"),
    [
        ("residual/traces/sample_0/layers/relu/padded-input", {}, 422, "conv2d layers only"),
        ("residual/traces/sample_0/layers/conv1/padded-input", {"channels": "8"}, 404, "channel 8 does not exist"),
        ("residual/traces/sample_0/layers/nope/padded-input", {}, 404, "nope"),
    ],
)
def test_padded_input_refuses_other_layers_and_channels_in_words(
    client: httpx.Client, path, params, status, words
) -> None:
    answer = client.get(f"api/models/{path}", params=params)
    assert answer.status_code == status, answer.text
    assert words in answer.json()["detail"]


class PaddedNet(nn.Module):
    def __init__(self, mode: str) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3, padding=2, dilation=2, padding_mode=mode)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(3 * 7 * 7, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.flatten(self.conv(x)))


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_padded_input_shows_the_values_other_padding_modes_read(mode: str) -> None:
    torch.manual_seed(3)
    network = Network(PaddedNet(mode), InputSpec(2, 7, 7))
    trace = network.run(torch.randn(1, 2, 7, 7))
    header, padded = decode_tensor(padded_input_message(trace, "conv"))
    np.testing.assert_array_equal(padded, F.pad(trace.input, (2, 2, 2, 2), mode=mode)[0].numpy())
    assert header["padding_mode"] == mode
    step = explain(trace, "conv", channel=1, y=0, x=6)
    rows, cols = np.array(window_taps(0, 3, 1, 2, 2)) + 2, np.array(window_taps(6, 3, 1, 2, 2)) + 2
    for term in step.terms:
        np.testing.assert_allclose(
            padded[term.input_channel][np.ix_(rows, cols)], term.receptive_field.numpy(), rtol=1e-6
        )
