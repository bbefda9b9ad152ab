"""The exported site's explanation panels (``web/js/static/panels.js``), run in Node, against Python.

For many positions of every layer of the default model and of an RGB TinyVGG, the
panel panels.js builds from a step payload must equal the panel the server's
``…/explanation`` route builds from the same payload
(:func:`convscope.teaching.explanations.step_panel`, ``softmax_panel``) field for
field: every word, every shown digit, every quoted value and its field path, in
both shape orders and in the conv formula view. The words come from what the export
writes (``data/panels.json`` and the model's ``slots``), and the rounding of single
numbers is checked on its own over ties, tiny and huge values.
"""

from __future__ import annotations

import json
import random
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from convscope.errors import ConvScopeError
from convscope.explain import explain, explain_probabilities
from convscope.network import Network
from convscope.server.explain_payload import finite
from convscope.server.export_site import export_networks
from convscope.server.registry import load_models
from convscope.server.static_panels import FAMILIES, covered, layer_slots, panel_words
from convscope.teaching.explanations import softmax_panel, step_panel
from convscope.teaching.numbers import fixed, readding_decimals
from convscope.trace import Trace
from tests import requirements

# The corners and seeded random positions of a layer; networks with batchnorm, add, concat, padding, dropout.
from tests.web.test_static_runtime import _more_kinds, _positions

REPO = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).resolve().parent / "static" / "run_panels.mjs"
PANELS = REPO / "src" / "convscope" / "web" / "js" / "static" / "panels.js"


@pytest.fixture(scope="module")
def node() -> str:
    return requirements.node()


def _traced(model: str, seed: int) -> tuple[Network, Trace]:
    network = load_models([model])[model] if model in ("default", "tinyvgg") else _more_kinds()[model]
    spec = network.input_spec
    generator = torch.Generator().manual_seed(seed)
    return network, network.run(torch.rand(1, spec.channels, spec.height, spec.width, generator=generator))


def _cases(network: Network, trace: Trace) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Step payloads to word in Node, and Python's panel of each."""
    rng = random.Random(17)
    slots = layer_slots(network, trace)
    cases: list[dict[str, Any]] = []
    want: list[dict[str, Any]] = []
    for layer in network.layers:
        for position in _positions(list(layer.output_shape), rng):
            try:
                step = finite(explain(trace, layer.name, **position).to_dict())
            except ConvScopeError:
                break  # the input layer: no step at all
            assert covered(step), f"{layer.name}: every family of these models is built in the browser"
            for order in ("chw", "hwc"):
                cases.append({"slots": slots.get(layer.name), "step": step, "order": order})
                want.append(step_panel(network, step, order=order).to_dict())
            if step["step"] == "conv":
                for term in {0, len(step["terms"]) - 1, rng.randrange(len(step["terms"]))}:
                    channel = step["terms"][term]["input_channel"]
                    cases.append({"slots": slots[layer.name], "step": step, "order": "chw", "input_channel": channel})
                    want.append(step_panel(network, step, input_channel=channel).to_dict())
    for index in range(network.num_classes):
        step = finite(explain_probabilities(trace, index=index).to_dict())
        cases.append({"softmax": True, "step": step})
        want.append(softmax_panel(step).to_dict())
    return cases, want


def _run(node: str, tmp_path: Path, words: dict[str, Any], cases: list[dict[str, Any]]) -> list[Any]:
    words_file, cases_file = tmp_path / "panels.json", tmp_path / "cases.json"
    words_file.write_text(json.dumps(words), encoding="utf-8")
    cases_file.write_text(json.dumps(cases), encoding="utf-8")
    done = subprocess.run(
        [node, str(DRIVER), str(words_file), str(cases_file)], capture_output=True, text=True, timeout=300, cwd=REPO
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines()]


def _differences(cases: list[dict[str, Any]], got: list[Any], want: list[dict[str, Any]]) -> list[str]:
    assert len(got) == len(want)
    wrong = []
    for case, g, w in zip(cases, got, want, strict=True):
        # JSON on both sides: an exact comparison of words, shown digits, values and field paths.
        if g != w:
            where = (
                f"{case['step']['layer']} {case['step']['position']} {case.get('order')} {case.get('input_channel')}"
            )
            keys = [k for k in w if g.get(k) != w[k]] or ["error"]
            wrong.append(f"{where}: {keys[0]} got {g.get(keys[0])!r}, want {w.get(keys[0])!r}")
    return wrong


DEFAULT_FAMILIES = {"conv", "activation", "pool", "flatten", "linear"}


@pytest.mark.parametrize(
    ("model", "seed", "families"),
    [
        ("default", 3, DEFAULT_FAMILIES),
        ("tinyvgg", 4, DEFAULT_FAMILIES),  # RGB
        ("residual", 5, DEFAULT_FAMILIES | {"batchnorm", "add"}),
        ("inception", 6, {"conv", "activation", "pool", "concat", "linear"}),
        ("mixed", 7, {"conv", "activation", "pool", "flatten", "passthrough", "linear", "softmax"}),
    ],
)
def test_panels_js_words_every_position_as_python(node, tmp_path, model, seed, families):
    network, trace = _traced(model, seed)
    cases, want = _cases(network, trace)
    assert {c["step"]["step"] for c in cases if not c.get("softmax")} >= families
    assert families <= set(FAMILIES) | {"softmax"}
    assert len(cases) > 100
    wrong = _differences(cases, _run(node, tmp_path, panel_words(), cases), want)
    assert not wrong, f"{len(wrong)} panels differ, first:\n" + "\n".join(wrong[:10])


def test_the_comparison_sees_a_changed_word_or_digit(node, tmp_path):
    """The check can fail: one template changed, or one value nudged past a rounding boundary, shows."""
    network, trace = _traced("default", 3)
    cases, want = _cases(network, trace)
    cases, want = cases[::40], want[::40]
    words = panel_words()
    words["lines"]["equals"] = " == "
    assert len(_differences(cases, _run(node, tmp_path, words, cases), want)) > len(cases) // 2
    step = dict(cases[0]["step"], output=cases[0]["step"]["output"] + 0.5)
    nudged = [{**cases[0], "step": step}]
    assert _differences(nudged, _run(node, tmp_path, panel_words(), nudged), want[:1])


def _js(node: str, code: str) -> Any:
    script = f"import {{ fixed, readdingDecimals }} from './{PANELS.relative_to(REPO).as_posix()}';{code}"
    done = subprocess.run(
        [node, "--input-type=module", "-e", script], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_numbers_are_rounded_and_written_as_pythons_decimal(node):
    """Half to even on the float's exact value (0.125 → 0.12), signs, and Decimal's own notation when tiny."""
    rng = np.random.default_rng(9)
    values = [0.125, 0.375, -0.125, 2.5, -2.5, 0.0, -0.0, -0.0001, 1e-12, -3e-9, 1.5e-7, 123456789.0, 1e300, 5e-324]
    values += [k / 2**n for k in range(-9, 10) for n in range(1, 8)]
    values += (rng.standard_normal(400) * 10.0 ** rng.integers(-10, 10, 400)).astype(np.float32).astype(float).tolist()
    decimals = list(range(0, 13))
    got = _js(
        node, f"console.log(JSON.stringify({json.dumps(values)}.map((v) => {decimals}.map((d) => fixed(v, d)))));"
    )
    want = [[fixed(v, d) for d in decimals] for v in values]
    assert got == want
    assert [fixed(0.125, 2), fixed(1.5e-7, 8), fixed(-0.0001, 2)] == ["0.12", "1.5E−7", "0.00"]
    assert str(Decimal(0.125)) == "0.125"  # a true tie: the even neighbour wins


def test_readding_decimals_as_python(node):
    rng = np.random.default_rng(10)
    sets = []
    for n in range(300):
        parts = (rng.standard_normal(rng.integers(1, 10)) * 10.0 ** rng.integers(-3, 2)).astype(np.float32)
        total = float(parts.astype(np.float64).sum()) + (0.0 if n % 3 else float(rng.standard_normal()) * 1e-3)
        sets.append([parts.astype(float).tolist(), total])
    sets += [[[1 / 3, 1 / 3, 1 / 3], 1.0], [[0.124, 0.124], 0.248], [[float("nan")], 0.0]]
    got = _js(
        node, f"console.log(JSON.stringify({json.dumps(sets)}.map(([p, t]) => readdingDecimals(p, t, [2,3,4,5,6]))));"
    )
    want = [list(readding_decimals(p, t)) for p, t in sets]
    assert got == want
    assert {tuple(w) for w in want} >= {(2, True), (6, False)}


def test_the_export_writes_the_words_and_slots_panels_js_reads(tmp_path):
    network, trace = _traced("default", 3)
    export_networks({"default": network}, tmp_path / "site", images=["00000-ankle-boot"])
    data = tmp_path / "site" / "data"
    assert json.loads((data / "panels.json").read_text()) == json.loads(json.dumps(panel_words()))
    model = json.loads((data / "models" / "default" / "panels.json").read_text())
    assert model["slots"] == json.loads(json.dumps(layer_slots(network, trace)))
    # Every layer of the default model is worded in the browser: no first-position panel is exported for it.
    trace_panels = json.loads((data / "models" / "default" / "traces" / "00000-ankle-boot" / "panels.json").read_text())
    assert trace_panels == {}
