"""Explanation panels in Chromium: every quoted number equals the API at full precision, for the default
model and CNN Explainer's RGB TinyVGG; the panel follows the position, hides and remembers it; the shape switch."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from convscope.formats import resolve_model
from convscope.server import create_app
from tests.browser.conftest import api_fixture, wait_drawn
from tests.conftest import CNN_EXPLAINER
from tests.server.live import live_server

pytestmark = pytest.mark.browser

PANEL = ".explain-detail"

#: (view in the URL, query, the API payload the panel's numbers are read from)
VIEWS = [
    ("conv", "view=detail&layer=conv_1_1&channel=1&y=2&x=3", "layers/conv_1_1/explain?channel=1&y=2&x=3"),
    ("formula", "view=formula&layer=conv_1_2&channel=0&y=4&x=5&input=3", "layers/conv_1_2/explain?channel=0&y=4&x=5"),
    ("activation", "view=detail&layer=relu_1_1&channel=2&y=6&x=6", "layers/relu_1_1/explain?channel=2&y=6&x=6"),
    ("pool", "view=detail&layer=max_pool_1&channel=3&y=5&x=2", "layers/max_pool_1/explain?channel=3&y=5&x=2"),
    ("step", "view=detail&layer=flatten&channel=100", "layers/flatten/explain?index=100"),
    ("linear", "view=detail&layer=output&channel=3", "layers/output/explain?index=3"),
    ("softmax", "view=softmax&layer=output&channel=3", "probabilities?index=3"),
]


def _field(payload, path: str):
    for key in path.split("."):
        payload = payload[int(key)] if isinstance(payload, list) else payload[key]
    return payload


def _ready(page, selector: str = PANEL) -> str:
    page.wait_for_function(
        "s => { const n = document.querySelector(s); return n && n.dataset.ready && n.dataset.ready.startsWith('api/'); }",
        arg=selector,
        timeout=15_000,
    )
    return page.get_attribute(selector, "data-ready")


def _quoted(page, selector: str = PANEL) -> list[tuple[str, float]]:
    return page.eval_on_selector_all(
        f"{selector} .explain-num", "ns => ns.map(n => [n.dataset.field, Number(n.dataset.value)])"
    )


def check_every_view(page, api: httpx.Client, base: str, model: str, image: str, views) -> None:
    for view, query, source in views:
        page.goto(f"{base}?model={model}&image={image}&{query}")
        url = _ready(page)
        panel = api.get(url).json()
        payload = api.get(f"api/models/{model}/traces/{image}/{source}").json()
        quoted = _quoted(page)
        assert quoted, view
        for field, value in quoted:
            assert value == _field(payload, field), (view, field)  # the exact float, not a rounding of it
        # The browser only displays: each worked line is the server's, segment for segment.
        shown = page.locator(f"{PANEL} .explain-worked").all_inner_texts()
        assert shown == ["".join(s if isinstance(s, str) else s["text"] for s in line) for line in panel["worked"]], (
            view
        )
        assert page.inner_text(f"{PANEL} .explain-title") == panel["title"]
    assert page.errors == []


api = api_fixture("server_url")


def test_every_views_worked_numbers_equal_the_api_for_the_default_model(page, server_url: str, api) -> None:
    check_every_view(page, api, server_url, "default", "sample_1", VIEWS)


def test_the_explorer_and_overview_panels_quote_their_own_payloads(page, server_url: str, api) -> None:
    page.goto(f"{server_url}?model=default&image=sample_1&view=explorer&layer=conv_2_1")
    url = _ready(page)
    query = parse_qs(urlparse(url).query)
    report = api.get("api/arith", params={k: v[0] for k, v in query.items()}).json()["report"]
    assert int(query["size"][0]) == 14  # conv_2_1 reads 14×14 maps
    for field, value in _quoted(page):
        assert value == _field(report, field)
    page.goto(f"{server_url}?model=default&image=sample_1")
    _ready(page, ".explain-intro")
    assert "1 channel × 28 × 28 = 784 values" in page.inner_text(".explain-intro")
    assert "click" in page.inner_text(".explain-intro .explain-reading").lower()
    assert page.errors == []


def test_the_panel_follows_the_pinned_position(page, server_url: str) -> None:
    page.goto(f"{server_url}?model=default&image=sample_1&view=detail&layer=relu_1_1&channel=0&y=0&x=0")
    first = _ready(page)
    page.focus(".doutput canvas")
    page.keyboard.press("ArrowRight")  # moves and pins the cursor: the state, and so the panel, follows
    page.wait_for_function("u => document.querySelector('.explain-detail').dataset.ready !== u", arg=first)
    assert "y=0&x=1" in _ready(page)


def test_hiding_the_explanation_is_remembered_and_keyboard_reachable(page, server_url: str) -> None:
    page.goto(f"{server_url}?model=default&image=sample_1&view=detail&layer=relu_1_1&channel=0&y=0&x=0")
    _ready(page)
    toggle = page.locator(f"{PANEL} .explain-toggle")
    assert toggle.get_attribute("aria-expanded") == "true"
    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "false" and page.locator(f"{PANEL} .explain-body").is_hidden()
    page.reload()
    _ready(page)
    assert page.locator(f"{PANEL} .explain-body").is_hidden()
    page.keyboard.press("Escape")  # back in the overview, the introduction is hidden too
    page.wait_for_selector(".detail", state="hidden")
    assert page.locator(".explain-intro .explain-body").is_hidden()
    page.click(".explain-intro .explain-toggle")
    assert page.locator(".explain-intro .explain-body").is_visible()
    assert page.errors == []


def test_the_shape_switch_writes_every_shape_in_the_chosen_order_and_keeps_it_in_the_url(page, server_url: str) -> None:
    page.goto(f"{server_url}?model=default&image=sample_1&layer=conv_1_1&details=1")
    wait_drawn(page)
    assert page.inner_text(".layer-label[data-layer='conv_1_1'] .layer-shape") == "16×28×28"
    assert "16×28×28 = 12,544 values" in page.inner_text("#layer-info")
    page.check("input[name='order'][value='hwc']")
    page.wait_for_function("location.search.includes('order=hwc')")
    page.wait_for_function(
        "document.querySelector(\".layer-label[data-layer='conv_1_1'] .layer-shape\").textContent === '28×28×16'"
    )
    info = page.inner_text("#layer-info")
    assert "28×28×16 = 12,544 values" in info and "28 × 28 × 1 channel = 784 values" in info
    assert "2-D kernels" in info and "weights" in info and "biases" in info
    assert page.inner_text(".preview .input-values") == "28 × 28 × 1 channel = 784 values"
    page.goto(f"{server_url}?model=default&image=sample_1&view=detail&layer=output&channel=3&order=hwc")
    page.wait_for_selector(".detail[data-view='linear'][data-ready='true']")
    assert page.inner_text(".contributions th >> nth=0") == "unit (H×W×C)"
    assert page.errors == []


@pytest.fixture(scope="module")
def cnn_explainer_url(expected: dict) -> Iterator[str]:
    network = resolve_model(CNN_EXPLAINER / "model.json", classes=expected["classes"])
    with live_server(create_app({"cnn-explainer": network}, samples_dir=None)) as url:
        yield url


cnn_api = api_fixture("cnn_explainer_url")


def test_every_views_worked_numbers_equal_the_api_for_cnn_explainers_rgb_tinyvgg(
    page, cnn_explainer_url, cnn_api
) -> None:
    data = (CNN_EXPLAINER / "images" / "koala_1.jpeg").read_bytes()
    image = hashlib.sha256(data).hexdigest()
    page.goto(cnn_explainer_url)
    page.wait_for_selector("#upload-input", state="attached")
    # Uploaded in the page, so this tab's gallery holds it when the views are opened by URL.
    page.set_input_files("#upload-input", files=[{"name": "koala_1.jpeg", "mimeType": "image/jpeg", "buffer": data}])
    wait_drawn(page, f"cnn-explainer/{image}")
    network = resolve_model(CNN_EXPLAINER / "model.json")
    names = [layer.name for layer in network.layers]
    conv, relu, pool = names[1], names[2], next(n for n in names if "pool" in n)
    views = [
        ("conv", f"view=detail&layer={conv}&channel=4&y=10&x=20", f"layers/{conv}/explain?channel=4&y=10&x=20"),
        (
            "formula",
            f"view=formula&layer={conv}&channel=4&y=10&x=20&input=2",
            f"layers/{conv}/explain?channel=4&y=10&x=20",
        ),
        ("activation", f"view=detail&layer={relu}&channel=1&y=3&x=3", f"layers/{relu}/explain?channel=1&y=3&x=3"),
        ("pool", f"view=detail&layer={pool}&channel=2&y=4&x=4", f"layers/{pool}/explain?channel=2&y=4&x=4"),
        (
            "linear",
            f"view=detail&layer={network.logits_layer}&channel=2",
            f"layers/{network.logits_layer}/explain?index=2",
        ),
        ("softmax", f"view=softmax&layer={network.logits_layer}&channel=0", "probabilities?index=0"),
    ]
    check_every_view(page, cnn_api, cnn_explainer_url, "cnn-explainer", image, views)
