"""Every panel's words against its payload: each quoted number is the payload's, each number in the prose is there too."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

import pytest
import torch

from convscope.explain import explain, explain_probabilities
from convscope.formats import resolve_model, zoo_network
from convscope.network import Network, layer_to_dict
from convscope.server.payload import model_detail
from convscope.teaching.explanations import STEP_VIEWS, overview_panel, softmax_panel, step_panel
from convscope.teaching.panel import Number, Panel
from convscope.types import LayerKind
from tests.explain_support import sample_positions

#: A number as prose writes it: a true or ASCII minus, thousands separators, decimals.
NUMBER = re.compile(r"[−-]?\d[\d,]*(?:\.\d+)?")
#: Letters and indices that stand for rules, not quoted values (p_9, C_in, ×3 in "3×3" are numbers).
RULE_WORDS = re.compile(r"[A-Za-z]_\w+|exp\(0\)|\b[A-Za-z]\d\b")


def field_value(payload: dict[str, Any], path: str) -> Any:
    node: Any = payload
    for key in path.split("."):
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def numbers_in(value: Any) -> list[float]:
    """Every number a payload holds, nested lists and dicts included."""
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [float(value)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in numbers_in(v)]
    if isinstance(value, (list, tuple)):  # a list's length is a number the payload states too
        return [float(len(value)), *(n for v in value for n in numbers_in(v))]
    if isinstance(value, str):
        return [_parse(t) for t in NUMBER.findall(RULE_WORDS.sub(" ", value))]
    return []


def _parse(text: str) -> float:
    return float(text.replace("−", "-").replace(",", ""))


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def quotes(panel: Panel) -> list[Number]:
    return [n for line in panel.worked for n in line.numbers()]


def assert_panel_reads_its_payload(panel: Panel, step: dict[str, Any], context: list[Any]) -> None:
    """Quoted numbers are payload fields shown at their decimals; every other number in the text is in the payload."""
    for number in quotes(panel):
        assert field_value(step, number.field) == number.value, (panel.view, number)
        half = 0.5 * 10 ** -_decimals(number.text) + 1e-12
        assert abs(_parse(number.text) - number.value) <= half, (panel.view, number)
    known = numbers_in(step) + numbers_in(context)
    prose = [panel.seeing, panel.reading, panel.formula, *panel.notes]
    prose += ["".join(s for s in line.segments if isinstance(s, str)) for line in panel.worked]
    for text in prose:
        for token in NUMBER.findall(RULE_WORDS.sub(" ", text)):
            value, half = _parse(token), 0.5 * 10 ** -_decimals(token) + 1e-9
            assert any(abs(value - k) <= half for k in known) or value in (0, 1, 2), (panel.view, token, text)


def _networks() -> dict[str, Network]:
    torch.manual_seed(5)
    from convscope.inputs import InputSpec
    from tests.models import InceptionNet, ResidualNet

    return {
        "default": resolve_model("default"),
        "tinyvgg-rgb": zoo_network("tinyvgg", seed=4),
        "residual": Network(ResidualNet(), InputSpec(3, 16, 16)),
        "inception": Network(InceptionNet(), InputSpec(3, 16, 16)),
    }


NETWORKS = _networks()


def _cases() -> list[tuple[str, str, dict[str, int]]]:
    cases = []
    for key, network in NETWORKS.items():
        for layer in network.layers:
            if layer.kind in (LayerKind.INPUT, LayerKind.OTHER):
                continue
            for position in sample_positions(layer, count=2, seed=len(cases))[:3]:
                cases.append((key, layer.name, position))
    return cases


@pytest.mark.parametrize(("key", "layer", "position"), _cases(), ids=lambda v: str(v))
@pytest.mark.parametrize("order", ["chw", "hwc"])
def test_every_number_a_panel_quotes_is_in_the_payload_it_explains(key, layer, position, order) -> None:
    network = NETWORKS[key]
    spec = network.input_spec
    trace = network.run(torch.rand(1, spec.channels, spec.height, spec.width))
    step = explain(trace, layer, **position).to_dict()
    context = [
        layer_to_dict(network.layer(layer)),
        *(layer_to_dict(network.layer(n)) for n in network.layer(layer).inputs),
    ]
    panel = step_panel(network, step, order=order)
    assert panel.view in STEP_VIEWS and panel.worked
    assert_panel_reads_its_payload(panel, step, context)
    if step["step"] == "conv":
        for term in step["terms"][:2]:
            formula = step_panel(network, step, order=order, input_channel=term["input_channel"])
            assert formula.view == "formula"
            assert_panel_reads_its_payload(formula, step, context)


@pytest.mark.parametrize("key", list(NETWORKS))
def test_softmax_and_overview_panels_quote_their_payloads(key) -> None:
    network = NETWORKS[key]
    spec = network.input_spec
    trace = network.run(torch.rand(1, spec.channels, spec.height, spec.width))
    for index in (None, 0):
        step = explain_probabilities(trace, index=index).to_dict()
        assert_panel_reads_its_payload(softmax_panel(step), step, [])
    for order in ("chw", "hwc"):
        described = model_detail("m", network)  # the model record the page has, layer facts included
        assert_panel_reads_its_payload(overview_panel(network, order=order), {}, [described, len(network.layers) - 1])


def _shown_parts(line) -> list[Decimal]:
    return [Decimal(n.text.replace("−", "-")) for n in line.numbers()]


def test_conv_output_line_re_adds_at_the_decimals_it_shows() -> None:
    network = NETWORKS["tinyvgg-rgb"]
    trace = network.run(torch.rand(1, 3, 64, 64))
    checked = 0
    for position in sample_positions(network.layer("conv_1_1"), count=20):
        step = explain(trace, "conv_1_1", **position).to_dict()
        panel = step_panel(network, step)
        if panel.notes:  # no precision tried re-adds: the note says so instead
            continue
        output, *parts = _shown_parts(panel.worked[-1])  # "Output … 0.43 = 0.59 (channel 0) + … + bias −0.17"
        assert sum(parts, Decimal(0)) == output
        checked += 1
    assert checked >= 10


def test_activation_panel_names_the_rule_of_its_kind() -> None:
    network = NETWORKS["default"]
    trace = network.run(torch.rand(1, 1, 28, 28))
    panel = step_panel(network, explain(trace, "relu_1_1", channel=0, y=0, x=0).to_dict())
    assert "max(0, x)" in panel.formula and panel.title == "Activation"


def test_flatten_panel_writes_the_chosen_order_first_with_the_other_as_mapping() -> None:
    network = NETWORKS["default"]
    trace = network.run(torch.rand(1, 1, 28, 28))
    step = explain(trace, "flatten", index=100).to_dict()  # (16, 7, 7): unit 100 is channel 2, row 0, column 2
    assert step["hwc_index"] == (0 * 7 + 2) * 16 + 2
    chw, hwc = step_panel(network, step, order="chw"), step_panel(network, step, order="hwc")
    assert chw.worked[0].text().startswith("Unit 100 (C×H×W)")
    assert hwc.worked[0].text().startswith(f"The same value is unit {step['hwc_index']} in H×W×C order")
    assert "16×7×7" in chw.seeing and "7×7×16" in hwc.seeing


def test_panels_are_plain_json() -> None:
    network = NETWORKS["default"]
    trace = network.run(torch.rand(1, 1, 28, 28))
    data = step_panel(network, explain(trace, "conv_1_1", channel=0, y=1, x=1).to_dict()).to_dict()
    numbers = [s for line in data["worked"] for s in line if isinstance(s, dict)]
    assert numbers and all(set(s) == {"text", "value", "field"} for s in numbers)
    assert all(math.isfinite(s["value"]) for s in numbers)


def test_explorer_panel_writes_uneven_same_padding_as_top_plus_bottom() -> None:
    from convscope.server.explain_payload import arith_payload
    from convscope.teaching.explanations import explorer_panel

    report = arith_payload(size=8, kernel=4, stride=1, padding="same", dilation=1, pool=False)["report"]
    line = explorer_panel(report).worked[0]
    assert line.text() == "H_out = floor((8 + 1 + 2 − 1·(4 − 1) − 1) / 1) + 1 = 8"
    assert all(field_value(report, n.field) == n.value for n in line.numbers())
