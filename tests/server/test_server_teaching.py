"""The explanation routes: panels whose quoted numbers are the explain payload's, and 4xx for bad requests."""

from __future__ import annotations

import pytest

TRACE = "api/models/{model}/traces/sample_1"


def _field(payload, path: str):
    for key in path.split("."):
        payload = payload[int(key)] if isinstance(payload, list) else payload[key]
    return payload


def _quoted(panel: dict) -> list[dict]:
    return [s for line in panel["worked"] for s in line if isinstance(s, dict)]


@pytest.mark.parametrize(
    ("model", "layer", "params"),
    [
        ("rgb", "conv_1_1", {"channel": 2, "y": 5, "x": 7}),
        ("rgb", "relu_1_1", {"channel": 1, "y": 0, "x": 3}),
        ("rgb", "max_pool_1", {"channel": 3, "y": 2, "x": 2}),
        ("rgb", "flatten", {"index": 17}),
        ("rgb", "output", {"index": 4}),
        ("residual", "bn", {"channel": 1, "y": 2, "x": 2}),
        ("residual", "add", {"channel": 0, "y": 1, "x": 1}),
        ("inception", "cat", {"channel": 5, "y": 3, "x": 3}),
    ],
)
def test_layer_panel_quotes_its_explain_payload_at_full_precision(client, model, layer, params) -> None:
    base = TRACE.format(model=model)
    step = client.get(f"{base}/layers/{layer}/explain", params=params).json()
    answer = client.get(f"{base}/layers/{layer}/explanation", params=params)
    assert answer.status_code == 200, answer.text
    panel = answer.json()
    assert panel["title"] and panel["seeing"] and panel["formula"] and panel["worked"]
    for number in _quoted(panel):
        assert _field(step, number["field"]) == number["value"]


def test_formula_panel_follows_the_input_channel(client) -> None:
    base = TRACE.format(model="rgb")
    step = client.get(f"{base}/layers/conv_1_1/explain", params={"channel": 0, "y": 3, "x": 3}).json()
    panel = client.get(f"{base}/layers/conv_1_1/explanation", params={"channel": 0, "y": 3, "x": 3, "input": 2}).json()
    assert panel["view"] == "formula" and "input channel 2" in panel["seeing"]
    assert all(n["field"].startswith("terms.2.") for n in _quoted(panel))
    assert _quoted(panel)[-1]["value"] == step["terms"][2]["sum"]


def test_softmax_panel_quotes_the_probabilities_payload(client) -> None:
    base = TRACE.format(model="rgb")
    step = client.get(f"{base}/probabilities", params={"index": 3}).json()
    panel = client.get(f"{base}/probabilities/explanation", params={"index": 3}).json()
    assert panel["view"] == "softmax"
    assert [n["field"] for n in _quoted(panel)][-1] == "probabilities.3"
    for number in _quoted(panel):
        assert _field(step, number["field"]) == number["value"]


def test_overview_and_explorer_panels(client) -> None:
    intro = client.get("api/models/rgb/explanation", params={"order": "hwc"}).json()
    assert "64 × 64 × 3 channels = 12,288 values" in intro["worked"][0][0]
    explorer = client.get("api/explanation/explorer", params={"size": 7, "kernel": 3, "stride": 2, "padding": 1})
    report = client.get("api/arith", params={"size": 7, "kernel": 3, "stride": 2, "padding": 1}).json()["report"]
    assert explorer.status_code == 200
    for number in _quoted(explorer.json()):
        assert _field(report, number["field"]) == number["value"]


def test_layer_records_carry_facts_in_both_orders(client) -> None:
    layers = {layer["name"]: layer for layer in client.get("api/models/rgb").json()["layers"]}
    facts = {f["label"]: f for f in layers["conv_1_1"]["facts"]}
    assert facts["input values"]["chw"] == "3 channels × 64 × 64 = 12,288 values"
    assert facts["output shape"]["hwc"].startswith("62×62×10")


@pytest.mark.parametrize(
    ("url", "params", "status"),
    [
        ("layers/nope/explanation", {"index": 0}, 404),
        ("layers/conv_1_1/explanation", {"channel": 99, "y": 0, "x": 0}, 400),
        ("layers/conv_1_1/explanation", {"channel": 0, "y": 0, "x": 0, "order": "whc"}, 422),
        ("probabilities/explanation", {"index": 99}, 400),
    ],
)
def test_bad_panel_requests_get_a_4xx_with_a_message(client, url, params, status) -> None:
    answer = client.get(f"{TRACE.format(model='rgb')}/{url}", params=params)
    assert answer.status_code == status and answer.json()["detail"]


def test_explorer_panel_refuses_a_kernel_larger_than_the_padded_input(client) -> None:
    answer = client.get("api/explanation/explorer", params={"size": 4, "kernel": 9})
    assert answer.status_code == 400 and "bigger than the padded input" in answer.json()["detail"]


def test_a_panel_reuses_the_step_its_view_fetched(client, app, monkeypatch) -> None:
    """One explain request and then its panel run ``explain`` once; another position runs it again."""
    from convscope.server import explain_payload

    calls: list[tuple[str, dict]] = []
    real = explain_payload.explain

    def counted(trace, layer, **position):
        calls.append((layer, position))
        return real(trace, layer, **position)

    monkeypatch.setattr(explain_payload, "explain", counted)
    base = TRACE.format(model="rgb").replace("sample_1", "sample_2")  # a trace no other test explained
    params = {"channel": 3, "y": 4, "x": 6}
    step = client.get(f"{base}/layers/conv_1_2/explain", params=params)
    panel = client.get(f"{base}/layers/conv_1_2/explanation", params=params)
    assert step.status_code == 200 and panel.status_code == 200, panel.text
    assert calls == [("conv_1_2", {"channel": 3, "y": 4, "x": 6, "index": None})]
    for number in _quoted(panel.json()):
        assert _field(step.json(), number["field"]) == number["value"]
    # The payload is what the library gives for that position, and another position is a fresh step.
    entry = app.state.service.cache.get(("rgb", "sample_2"))  # traced by the requests above
    assert entry is not None
    assert step.json() == explain_payload.finite(real(entry.trace, "conv_1_2", **params).to_dict())
    assert client.get(f"{base}/layers/conv_1_2/explain", params=params).json() == step.json()
    other = client.get(f"{base}/layers/conv_1_2/explain", params={**params, "x": 5})
    assert other.status_code == 200 and len(calls) == 2 and other.json() != step.json()
