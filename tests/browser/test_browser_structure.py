"""The structure view and the architectures page in Chromium: every drawn label and table cell is ``convscope summary --json``'s."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from convscope.blocks import inception_module
from convscope.cli import main
from convscope.formats import resolve_model
from convscope.inputs import InputSpec
from convscope.network import Network
from convscope.server import create_app
from convscope.server.registry import load_models
from convscope.structure import Structure
from convscope.zoo import list_models
from tests import requirements
from tests.browser.conftest import LABELS
from tests.models import DataDependentNet
from tests.server.images import write_samples
from tests.server.live import live_server

pytestmark = pytest.mark.browser

ZOO = list_models()
CNN = "cnn-explainer"


def _summary_json(model: str) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert main(["summary", model, "--json"]) == 0
    return json.loads(out.getvalue())


@pytest.fixture(scope="module")
def networks() -> dict[str, Network]:
    # The cnn_explainer_dir fixture's gate, at module scope: skips (fails under CI) without the fixture.
    cnn_explainer_dir: Path = requirements.cnn_explainer()
    models = load_models(ZOO)
    models[CNN] = resolve_model(cnn_explainer_dir / "model.json")
    models["untraceable"] = Network(DataDependentNet(), InputSpec(1, 8, 8), name="untraceable")
    return models


@pytest.fixture(scope="module")
def summaries(networks) -> dict[str, dict]:
    """``convscope summary MODEL --json`` for each model, run as the command line runs it."""
    return {**{m: _summary_json(m) for m in ZOO}, CNN: _summary_json(str(requirements.cnn_explainer() / "model.json"))}


@pytest.fixture(scope="module")
def url(networks, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    samples = tmp_path_factory.mktemp("structure-samples")
    write_samples(samples, LABELS)
    with live_server(create_app(networks, samples_dir=samples)) as base:
        yield base


def _open(page, url: str, query: str) -> None:
    page.goto(f"{url}structure?{query}")
    page.wait_for_function("document.body.dataset.drawn !== undefined", timeout=60_000)
    assert page.evaluate("document.body.dataset.drawn") != "error", page.text_content("#diagram")


def _drawn_labels(page) -> list[list[str]]:
    return page.eval_on_selector_all(
        ".node[data-name]", "nodes => nodes.map(n => [...n.querySelectorAll('text')].map(t => t.textContent))"
    )


def _expected_labels(summary: dict, order: str = "chw") -> list[list[str]]:
    def shape(s: list[int]) -> str:
        return "×".join(str(d) for d in ([s[1], s[2], s[0]] if order == "hwc" and len(s) == 3 else s))

    return [
        [
            layer["name"],
            f"{layer['kind']} · {shape(layer['output_shape'])}",
            f"params {layer['params']:,} · mults {layer['mults']:,}",
        ]
        for layer in summary["layers"]
    ]


@pytest.mark.parametrize("model", [*ZOO, CNN])
def test_every_drawn_node_label_is_summary_jsons_layer(page, url, summaries, model):
    _open(page, url, f"model={model}")
    assert _drawn_labels(page) == _expected_labels(summaries[model])
    facts = page.text_content("#facts")
    assert f"{summaries[model]['total_params']:,} parameters" in facts
    assert f"{summaries[model]['total_mults']:,} multiplications" in facts
    assert page.errors == []


def test_shapes_follow_the_order_parameter(page, url, summaries):
    _open(page, url, "model=tinyvgg&order=hwc")
    assert _drawn_labels(page) == _expected_labels(summaries["tinyvgg"], "hwc")
    page.check("input[name=order][value=chw]")
    page.wait_for_function("!location.search.includes('hwc')")
    assert _drawn_labels(page) == _expected_labels(summaries["tinyvgg"])


def _drawn_edges(page) -> list[tuple[str, str, bool]]:
    return [
        (e[0], e[1], e[2])
        for e in page.eval_on_selector_all(
            "path.edge", "es => es.map(e => [e.dataset.source, e.dataset.target, e.classList.contains('skip')])"
        )
    ]


@pytest.mark.parametrize("model", ["resnet18", "googlenet"])
def test_diagram_has_exactly_the_graphs_nodes_and_edges_with_every_skip(page, url, networks, model):
    structure = Structure.of(networks[model])
    _open(page, url, f"model={model}")
    assert page.locator(".node[data-name]").count() == len(structure.layers)
    drawn = _drawn_edges(page)
    assert sorted(drawn) == sorted((e.source, e.target, e.skip) for e in structure.edges)
    assert len(drawn) == sum(len(layer.inputs) for layer in networks[model].layers)
    assert {(s, t) for s, t, skip in drawn if skip} == {(e.source, e.target) for e in structure.skip_edges}


def test_collapsing_residual_blocks_draws_one_node_each_and_a_click_expands_one(page, url, networks):
    structure = Structure.of(networks["resnet18"])
    _open(page, url, "model=resnet18")
    page.click("#collapse-all")
    page.wait_for_function("document.body.dataset.drawn.endsWith('layer4.1')")
    residual = [b for b in structure.blocks if b.kind == "residual"]
    inside = {m for b in residual for m in b.members}
    assert page.locator(".node[data-name]").count() == len(structure.layers) - len(inside)
    assert page.locator(".node[data-block]").count() == len(residual) == 8
    first = page.locator(".node[data-block='layer1.0'] text").all_text_contents()
    assert (
        first[2]
        == f"params {structure.blocks_by_id['layer1.0'].params:,} · mults {structure.blocks_by_id['layer1.0'].mults:,}"
    )
    page.click(".node[data-block='layer1.0']")
    page.wait_for_function("!location.search.includes('layer1.0%2C') && !location.search.includes('layer1.0,')")
    assert page.locator(".node[data-block]").count() == 7
    page.go_back()
    page.wait_for_function("document.querySelectorAll('.node[data-block]').length === 8")


def test_clicking_a_layer_opens_it_in_the_explainer(page, url):
    _open(page, url, "model=resnet18")
    page.click(".node[data-name='layer1.0.conv1']")
    page.wait_for_url("**/?model=resnet18&layer=layer1.0.conv1")


def test_an_untraceable_model_shows_its_chain_and_says_why_there_is_no_graph(page, url, networks):
    _open(page, url, "model=untraceable")
    assert page.is_visible("#no-graph")
    assert "forward hooks see only the order" in page.text_content("#no-graph")
    assert "torch.fx could not trace" in page.text_content("#no-graph")
    assert page.locator(".node[data-name]").count() == len(networks["untraceable"].layers)


def test_an_unknown_model_gets_the_servers_message(page, url):
    page.goto(f"{url}structure?model=nope")
    page.wait_for_function("document.body.dataset.drawn === 'error'")
    assert "unknown model 'nope'" in page.text_content("#diagram")


def test_residual_block_shows_both_paths_and_their_sum_as_the_server_traced_them(page, url):
    _open(page, url, "model=resnet18")
    page.click("button[data-block='layer1.0']")
    page.wait_for_function("document.body.dataset.explained === 'layer1.0'")
    with httpx.Client(base_url=url) as client:
        image = client.get("api/models/resnet18/samples").json()[0]["id"]
        data = client.get(f"api/models/resnet18/traces/{image}/blocks/layer1.0/residual").json()
    assert page.text_content(".block-formula") == "y = ReLU(F(x) + x)"
    for path, value in [("F(x)", data["terms"][0]["value"]), ("x", data["terms"][1]["value"]), ("sum", data["sum"])]:
        assert page.text_content(f".residual-table tr[data-path='{path}'] .num") == f"{value:.4f}"


def test_inception_what_if_recounts_on_the_server(page, url, networks):
    _open(page, url, "model=googlenet")
    page.click("button[data-block='inception3a']")
    page.wait_for_function("document.body.dataset.explained === 'inception3a'")
    before = inception_module(networks["googlenet"], "inception3a")
    assert f"{before['params']:,} parameters" in page.text_content("#block-panel")
    saving = before["branches"][2]["bottleneck"]["saving"]
    assert f"{saving:.2f}× fewer" in page.text_content(".inception-table tr[data-branch='2']")
    page.evaluate("document.body.dataset.explained = ''")
    page.fill("input[data-layer='inception3a.branch3.0.conv']", "8")
    page.dispatch_event("input[data-layer='inception3a.branch3.0.conv']", "change")
    page.wait_for_function("document.body.dataset.explained === 'inception3a'")
    after = inception_module(networks["googlenet"], "inception3a", {"inception3a.branch3.0.conv": 8})
    assert f"{after['params']:,} parameters" in page.text_content("#block-panel")
    assert after["params"] < before["params"]


def test_architectures_table_is_summary_jsons_totals_for_every_model(page, url, summaries):
    models = [*ZOO, CNN]
    page.goto(f"{url}architectures?models={','.join(models)}")
    page.wait_for_function("document.body.dataset.ready !== undefined", timeout=120_000)
    assert page.evaluate("document.body.dataset.ready") == ",".join(models)
    for model in models:
        summary = summaries[model]
        row = page.locator(f".arch-table tr[data-model='{model}']")

        def cell(key: str, row=row) -> str:
            return row.locator(f"td[data-key='{key}']").text_content()

        conv = sum(layer["params"] for layer in summary["layers"] if layer["kind"] == "conv2d")
        dense = sum(layer["params"] for layer in summary["layers"] if layer["kind"] == "linear")
        assert cell("params") == f"{summary['total_params']:,}"
        assert cell("mults") == f"{summary['total_mults']:,}"
        assert cell("layers") == str(len(summary["layers"]))
        assert (cell("conv_params"), cell("dense_params")) == (f"{conv:,}", f"{dense:,}")
        assert cell("input") == "×".join(str(s) for s in summary["input_shape"])
    assert "25,088" in page.text_content(".arch-card[data-model='vgg16'] .arch-idea")
    page.select_option("#overlay-b", "vgg16")
    page.wait_for_function("location.search.includes('vgg16')")
    assert page.locator("#overlay polyline[data-model='vgg16']").count() == 2
    assert page.errors == []


def test_structure_page_draws_under_its_content_security_policy(browser, url):
    context = browser.new_context(viewport={"width": 1400, "height": 900})  # CSP enforced
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(f"{url}structure?model=resnet18")
        page.wait_for_selector("body[data-drawn^='resnet18/']", timeout=30_000)
        page.goto(f"{url}architectures?models=lenet5,tinyvgg")
        page.wait_for_selector("body[data-ready='lenet5,tinyvgg']", timeout=30_000)
        assert errors == []
    finally:
        context.close()
