""" "What excites this channel" in Chromium: opened from an overview map, the patches and numbers are the API's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from convscope.server import create_app
from convscope.server.registry import load_models
from tests.browser.conftest import ARTIFACTS, api_fixture, wait_drawn
from tests.download_mirror import Mirror
from tests.server.live import live_server

pytestmark = pytest.mark.browser

#: A Fashion-MNIST pass over 10,000 images on a busy machine.
PASS_MS = 240_000


@pytest.fixture(scope="module")
def topk_url(tmp_path_factory: pytest.TempPathFactory, fashion_mnist: Path) -> Iterator[str]:
    app = create_app(load_models(["default"]), insight_dir=tmp_path_factory.mktemp("topk-cache"))
    with live_server(app) as url:
        yield url


api = api_fixture("topk_url")


def _ready(page) -> None:
    page.wait_for_selector(".detail[data-view='topk'] .detail-body[data-topk='ready']", timeout=PASS_MS)


def _shown_matches_api(page, body: dict) -> None:
    """Every displayed index, value, box and padding is the API's, in the API's order."""
    items = page.locator(".topk-item")
    assert items.count() == body["k"] == len(body["top"])
    assert [int(i) for i in page.eval_on_selector_all(".topk-item", "ns => ns.map(n => n.dataset.index)")] == [
        e["index"] for e in body["top"]
    ]
    values = page.eval_on_selector_all(".topk-value", "ns => ns.map(n => [n.dataset.value, n.textContent])")
    for (full, text), entry in zip(values, body["top"], strict=True):
        assert float(full) == entry["value"]
        assert text == f"{entry['value']:.2f}".replace("-", "−")
    placed = page.eval_on_selector_all(
        ".topk-item",
        "ns => ns.map(n => { const i = n.querySelector('img.topk-patch').style; return [i.left, i.top]; })",
    )
    for (left, top), entry in zip(placed, body["top"], strict=True):
        rows = entry["box"][2] - entry["box"][0]
        scale = max(1, 112 // max(rows, entry["box"][3] - entry["box"][1]))
        assert (left, top) == (f"{entry['padding'][1] * scale}px", f"{entry['padding'][0] * scale}px")
    wheres = page.locator(".topk-where").all_inner_texts()
    assert [w.split(" · ")[0] for w in wheres] == [f"at ({e['y']}, {e['x']})" for e in body["top"]]


def test_a_map_of_the_overview_opens_what_excites_its_channel_with_the_apis_patches(page, topk_url, api) -> None:
    samples = api.get("api/models/default/samples").json()
    page.goto(f"{topk_url}?model=default&image={samples[0]['id']}")
    wait_drawn(page, f"default/{samples[0]['id']}")
    page.click("canvas.map[data-layer='conv_2_1'][data-channel='3']")
    page.wait_for_selector(".detail[data-view='conv']:not([hidden])")
    page.click(".topk-open-button")
    page.wait_for_selector(".topk-progress-text", timeout=30_000)  # the pass runs in the server's worker thread
    assert "Fashion-MNIST test split" in page.inner_text(".topk-progress-text")
    _ready(page)
    body = api.get("api/models/default/insight/topk/conv_2_1", params={"channel": 3}).json()
    assert body["dataset"]["id"] == "fashion-mnist" and body["dataset"]["size"] == 10000
    _shown_matches_api(page, body)
    assert "each unit of conv_2_1 sees a 10×10 patch of the input" in page.inner_text(".topk-field").lower()
    assert "10,000 images" in page.inner_text(".topk-headline")
    href = page.get_attribute(".topk-visualise", "href")
    assert href == "insight?model=default&layer=conv_2_1&channel=3#visualize"
    assert "view=topk" in page.url and "channel=3" in page.url
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "topk_default_conv_2_1.png"), full_page=True)
    page.select_option("select.topk-data", "samples")  # another dataset: its own pass, then its patches
    page.wait_for_function(
        "document.querySelector('.topk-headline')?.textContent.includes('30 images')", timeout=PASS_MS
    )
    _ready(page)
    assert "data=samples" in page.url
    _shown_matches_api(
        page, api.get("api/models/default/insight/topk/conv_2_1", params={"channel": 3, "data": "samples"}).json()
    )
    page.keyboard.press("Escape")  # back to the convolution it was offered from
    page.wait_for_selector(".detail[data-view='conv']:not([hidden])")
    assert page.errors == []


def test_a_downloaded_model_looks_through_its_own_samples(page, cnn_mirror: Mirror, tmp_path: Path) -> None:
    app = create_app(load_models(["cnn-explainer"]), insight_dir=tmp_path / "cache")
    with live_server(app) as url, httpx.Client(base_url=url, timeout=60) as client:
        page.goto(f"{url}?model=cnn-explainer&image=espresso_1")
        wait_drawn(page, "cnn-explainer/espresso_1")
        page.click("canvas.map[data-layer='relu_1_1'][data-channel='4']")
        page.click(".topk-open-button")
        _ready(page)
        body = client.get("api/models/cnn-explainer/insight/topk/relu_1_1", params={"channel": 4}).json()
        assert body["dataset"]["id"] == "samples" and body["dataset"]["size"] == 21
        _shown_matches_api(page, body)
        sources = page.locator(".topk-source").all_inner_texts()
        assert [s.strip().removeprefix("·").strip() for s in sources] == [
            f"sample {e['id']} ({e['label']})" for e in body["top"]
        ]
        assert page.locator("select.topk-data").input_value() == "samples"
        page.goto(f"{url}?model=cnn-explainer&view=topk&layer=relu_1_1&channel=4")  # a link, no image chosen
        _ready(page)
        _shown_matches_api(page, body)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "topk_cnn_explainer_relu_1_1.png"), full_page=True)
    assert page.errors == []
