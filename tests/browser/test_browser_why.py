"""The "Why this class?" view inside the explainer (view=why) in Chromium on the default model: opened from
the class column, its class and method pickers, the value under the pointer and the trust numbers
are the attribution route's; Esc returns to the overview and the URL reopens the view."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from tests.browser.conftest import ARTIFACTS, wait_drawn

pytestmark = pytest.mark.browser
TRACE = "api/models/default/traces/sample_1"


@pytest.fixture
def api(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url, timeout=120) as client:
        yield client


def _attribution(api: httpx.Client, **params: object) -> dict:
    answer = api.get(f"{TRACE}/insight/attribution", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _ready(page, caption: str) -> None:
    """Wait until the view shows the map whose caption starts with `caption` (method for “class”)."""
    page.wait_for_function(
        """c => {
          const body = document.querySelector(".detail[data-view='why'] .detail-body[data-why='ready']");
          const figure = body && body.querySelector(".insight-map figcaption");
          return Boolean(figure) && figure.textContent.startsWith(c);
        }""",
        arg=caption,
        timeout=120_000,
    )


def _shown(page, key: str) -> float:
    return float(page.locator(f".detail dd[data-key='{key}']").inner_text())


def _query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def _check_trust(page, body: dict) -> None:
    assert _shown(page, "sanity") == pytest.approx(body["sanity"]["correlation"], rel=5e-3, abs=1e-9)
    assert _shown(page, "deletion") == pytest.approx(body["faithfulness"]["deletion_area"], rel=5e-3)
    assert _shown(page, "insertion") == pytest.approx(body["faithfulness"]["insertion_area"], rel=5e-3)
    assert _shown(page, "random-deletion") == pytest.approx(body["faithfulness"]["random_deletion_area"], rel=5e-3)
    if body.get("completeness"):
        assert _shown(page, "sum") == pytest.approx(body["completeness"]["sum"], rel=5e-3, abs=1e-9)
        assert _shown(page, "error") == pytest.approx(body["completeness"]["error"], rel=5e-3, abs=1e-9)
    else:
        assert page.locator(".detail dd[data-key='error']").count() == 0


def _check_hover(page, grid: list[list[float]]) -> None:
    heat = page.locator(".detail .insight-heat")
    box = heat.bounding_box()
    rows, cols = len(grid), len(grid[0])
    readout = page.locator(".detail [data-key='hover']")
    for y, x in [(3, 5), (14, 20), (rows - 1, 0), (10, 10)]:
        page.mouse.move(box["x"] + (x + 0.5) * box["width"] / cols, box["y"] + (y + 0.5) * box["height"] / rows)
        assert (readout.get_attribute("data-y"), readout.get_attribute("data-x")) == (str(y), str(x))
        assert float(readout.inner_text().rsplit(":", 1)[1]) == pytest.approx(grid[y][x], rel=5e-3, abs=1e-12)


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"why_{name}.png"), full_page=True)


def test_why_this_class_opens_in_the_explainer_and_shows_the_apis_map_and_trust_numbers(page, server_url, api):
    page.goto(f"{server_url}?model=default&image=sample_1")
    wait_drawn(page, "default/sample_1")
    names = api.get("api/models/default").json()["classes"]
    info = api.get(TRACE).json()
    link = page.locator(".class-why[data-channel='3']")
    assert link.get_attribute("href") == "?model=default&image=sample_1&view=why&class=3"

    # The "?" beside class 3 opens the view in place with the server's default method (Grad-CAM).
    link.click()
    _ready(page, f"gradcam for “{names[3]}”")
    assert urlparse(page.url).path == "/" and _query(page)["view"] == "why" and _query(page)["class"] == "3"
    body = _attribution(api, **{"class": 3})
    assert page.locator(".detail select[name='class']").input_value() == "3"
    assert page.locator(".detail select[name='method']").input_value() == body["method"] == "gradcam"
    assert page.locator(".detail select[name='layer']").input_value() == body["layer"]
    # The class picker lists every class, highest probability first; the methods are the server's.
    order = [
        int(v) for v in page.eval_on_selector_all(".detail select[name='class'] option", "os => os.map((o) => o.value)")
    ]
    assert order == sorted(range(len(names)), key=lambda i: (-info["probabilities"][i], i))
    offered = page.eval_on_selector_all(".detail select[name='method'] option", "os => os.map((o) => o.value)")
    assert offered == api.get("api/models/default/insight/layers").json()["methods"]
    assert page.locator(".detail .insight-base").get_attribute("src").endswith("traces/sample_1/image")
    _check_trust(page, body)
    _check_hover(page, body["map"])
    full = page.locator(".detail .why-insight-link").get_attribute("href")
    assert full == f"insight?model=default&image=sample_1&layer={body['layer']}&class=3&method=gradcam"
    _shot(page, "gradcam")

    # Another method: integrated gradients, with its completeness check; no layer picker.
    page.locator(".detail select[name='method']").select_option("integrated-gradients")
    _ready(page, f"integrated-gradients for “{names[3]}”")
    body = _attribution(api, **{"class": 3, "method": "integrated-gradients", "layer": _query(page).get("layer")})
    assert body["completeness"] is not None
    assert page.locator(".detail select[name='layer']").count() == 0
    _check_trust(page, body)
    _check_hover(page, body["map"])
    _shot(page, "integrated_gradients")

    # Another class: the predicted one, first in the picker.
    top = info["prediction"]["index"]
    page.locator(".detail select[name='class']").select_option(str(top))
    _ready(page, f"integrated-gradients for “{names[top]}”")
    assert _query(page)["class"] == str(top) and _query(page)["method"] == "integrated-gradients"
    body = _attribution(api, **{"class": top, "method": "integrated-gradients"})
    _check_trust(page, body)
    _check_hover(page, body["map"])

    # The URL restores the view on reload.
    page.reload()
    _ready(page, f"integrated-gradients for “{names[top]}”")
    assert page.locator(".detail select[name='class']").input_value() == str(top)
    _check_trust(page, body)

    # Esc returns to the overview and drops the view's class and method from the URL.
    page.keyboard.press("Escape")
    page.wait_for_selector(".detail", state="hidden", timeout=10_000)
    assert not {"view", "class", "method"} & set(_query(page))
    assert not page.errors


def test_the_headline_opens_the_predicted_class_and_grad_cams_layer_follows_the_picker(page, server_url, api):
    page.goto(f"{server_url}?model=default&image=sample_1")
    wait_drawn(page, "default/sample_1")
    names = api.get("api/models/default").json()["classes"]
    top = api.get(TRACE).json()["prediction"]["index"]
    headline = page.locator(".prediction-why")
    assert headline.get_attribute("href") == f"?model=default&image=sample_1&view=why&class={top}"
    headline.click()
    _ready(page, f"gradcam for “{names[top]}”")
    spatial = api.get("api/models/default/insight/layers").json()["spatial"]
    layer = spatial[0]
    page.locator(".detail select[name='layer']").select_option(layer)
    page.wait_for_function(
        "l => document.querySelector('.detail .insight-map figcaption').textContent.includes(` at ${l} `)",
        arg=layer,
        timeout=60_000,
    )
    _ready(page, f"gradcam for “{names[top]}”")
    assert _query(page)["layer"] == layer
    body = _attribution(api, **{"class": top, "method": "gradcam", "layer": layer})
    assert body["layer"] == layer
    _check_trust(page, body)
    _check_hover(page, body["map"])
    _shot(page, "gradcam_layer")
    assert not page.errors
