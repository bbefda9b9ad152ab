"""The insight page in Chromium: the trust numbers, the overlaid map's values, filters and kernels it shows are
the API's, a feature visualisation run from it ends where the API's job ends. (The explainer's "Why this class?" opens
its own view: test_browser_why.py.)"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def api(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url, timeout=60) as client:
        yield client


def _open(page, server_url: str, query: str) -> None:
    page.goto(f"{server_url}insight{query}")
    page.wait_for_function("document.body.dataset.ready === 'true'", timeout=60_000)


def _shown(page, key: str) -> float:
    return float(page.locator(f"dd[data-key='{key}']").inner_text())


def test_the_trust_numbers_beside_the_map_are_the_apis(page, server_url, api):
    _open(page, server_url, "?model=gray&image=sample_1&class=2&method=integrated-gradients")
    expected = api.get(
        "api/models/gray/traces/sample_1/insight/attribution", params={"method": "integrated-gradients", "class": 2}
    ).json()
    assert page.locator("#insight-status").inner_text() == ""
    assert _shown(page, "sanity") == pytest.approx(expected["sanity"]["correlation"], rel=5e-3, abs=1e-9)
    assert _shown(page, "deletion") == pytest.approx(expected["faithfulness"]["deletion_area"], rel=5e-3)
    assert _shown(page, "insertion") == pytest.approx(expected["faithfulness"]["insertion_area"], rel=5e-3)
    assert _shown(page, "error") == pytest.approx(expected["completeness"]["error"], rel=5e-3)
    size = page.evaluate("[...document.querySelectorAll('.insight-heat')].map(c => [c.width, c.height])")
    assert size == [[28, 28]]
    # Integrated gradients are signed: the legend runs from −s through 0 to +s.
    scale = max(abs(v) for v in expected["range"])
    labels = [float(t) for t in page.locator(".insight-legend-labels span").all_inner_texts()]
    assert labels == pytest.approx([-scale, 0.0, scale], rel=5e-3)
    assert "method=integrated-gradients" in page.url and "class=2" in page.url
    assert not page.errors


def test_filters_and_classic_kernels_follow_the_api(page, server_url, api):
    _open(page, server_url, "?model=gray&image=sample_0&layer=conv_1_1")
    filters = api.get("api/models/gray/insight/filters/conv_1_1").json()
    shown = page.evaluate("[...document.querySelectorAll('.insight-filters li')].map(li => Number(li.dataset.filter))")
    assert shown == filters["order"]
    assert f"{filters['range']:.3g}" in page.locator(".insight-caption").inner_text()
    kernels = page.evaluate("[...document.querySelectorAll('.insight-kernels figure')].map(f => f.dataset.kernel)")
    assert kernels == [o["name"] for o in api.get("api/models/gray/traces/sample_0/insight/kernels").json()["outputs"]]
    assert not page.errors


def test_the_top_bar_links_to_the_insight_page(page, server_url):
    page.goto(server_url)
    link = page.locator("#insight-link")
    assert link.get_attribute("href") == "insight"


def test_the_top_bar_insight_link_opens_the_model_and_image_in_view(page, server_url):
    # An image in view (an upload included) is the one the Insight page's maps and kernels are of.
    page.goto(f"{server_url}?model=gray&image=sample_2")
    link = page.locator("#insight-link")
    link.hover()
    assert link.get_attribute("href") == "insight?model=gray&image=sample_2"
    link.click()
    page.wait_for_function("document.body.dataset.ready === 'true'", timeout=60_000)
    assert "model=gray" in page.url and "image=sample_2" in page.url
    asked = page.evaluate("performance.getEntriesByType('resource').map(e => new URL(e.name).pathname)")
    for what in ("insight/attribution", "insight/kernels"):
        assert f"/api/models/gray/traces/sample_2/{what}" in asked, asked
    assert not [path for path in asked if "/traces/" in path and "/traces/sample_2/" not in path]
    assert not page.errors


def test_the_map_over_the_image_shows_the_apis_value_under_the_pointer(page, server_url, api):
    _open(page, server_url, "?model=gray&image=sample_1&class=2&method=gradient")
    expected = api.get("api/models/gray/traces/sample_1/insight/attribution", params={"method": "gradient", "class": 2})
    body = expected.json()
    grid = body["map"]
    heat = page.locator(".insight-heat")
    box = heat.bounding_box()
    readout = page.locator("[data-key='hover']")
    for y, x in [(3, 5), (14, 20), (27, 0), (10, 10)]:
        page.mouse.move(box["x"] + (x + 0.5) * box["width"] / 28, box["y"] + (y + 0.5) * box["height"] / 28)
        assert (readout.get_attribute("data-y"), readout.get_attribute("data-x")) == (str(y), str(x))
        shown = float(readout.inner_text().rsplit(":", 1)[1])
        assert shown == pytest.approx(grid[y][x], rel=5e-3, abs=1e-12)
    # The image under the map is the one the network sees, and the slider sets the map's opacity.
    image = page.locator(".insight-base")
    assert image.get_attribute("src").endswith("traces/sample_1/image")
    page.wait_for_function("document.querySelector('.insight-base').naturalWidth === 28")
    assert heat.evaluate("c => c.style.opacity") == "0.5"
    page.locator("#insight-opacity").fill("80")
    assert heat.evaluate("c => c.style.opacity") == "0.8"
    # The legend's ends are the map's range (saliency is unsigned: white at its least, red at its most).
    assert body["signed"] is False
    labels = page.locator(".insight-legend-labels span").all_inner_texts()
    assert [float(t) for t in labels] == pytest.approx(body["range"], rel=5e-3)
    page.mouse.move(box["x"] - 20, box["y"] - 20)
    assert readout.get_attribute("data-y") is None
    # The keyboard reads the same values: focus the map, then move with the arrow keys.
    heat.focus()
    for key in ("ArrowRight", "ArrowRight", "ArrowDown", "ArrowUp", "ArrowDown", "ArrowDown"):
        page.keyboard.press(key)
    assert (readout.get_attribute("data-y"), readout.get_attribute("data-x")) == ("2", "2")
    assert float(readout.inner_text().rsplit(":", 1)[1]) == pytest.approx(grid[2][2], rel=5e-3, abs=1e-12)
    assert not page.errors


def test_a_short_visualisation_draws_the_objective_curve_ending_at_the_apis_value(page, server_url, api):
    _open(page, server_url, "?model=gray&image=sample_0&layer=conv_1_2&channel=3#visualize")
    assert page.locator("#vis-layer").input_value() == "conv_1_2"
    assert page.locator("#vis-channel").input_value() == "3"
    assert page.locator("input[name='vis-mode'][value='channel']").is_checked()
    page.locator("#vis-steps").fill("8")
    page.locator("#vis-seed").fill("4")
    page.locator("#vis-start").click()
    page.wait_for_function("document.body.dataset.visualize === 'done'", timeout=60_000)
    job = api.get(f"api/insight/jobs/{page.evaluate('document.body.dataset.job')}").json()
    assert (job["layer"], job["channel"], job["steps"], job["seed"]) == ("conv_1_2", 3, 8, 4)
    shown = float(page.locator("[data-key='vis-last']").inner_text())
    assert shown == pytest.approx(job["curve"][-1], rel=5e-3)
    assert len(page.locator(".vis-line").get_attribute("points").split()) == 8 == len(job["curve"])
    assert page.locator("#vis-status").inner_text().startswith("done: 8 steps")
    assert page.evaluate("[...document.querySelectorAll('.vis-image')].map(c => [c.width, c.height])") == [[28, 28]]
    assert page.locator(".vis-snapshots li").count() == len(job["snapshots"]) == 8
    # The URL reopens this visualisation, and the same request joins the finished job.
    assert "layer=conv_1_2" in page.url and "channel=3" in page.url and page.url.endswith("#visualize")
    again = api.post(
        "api/models/gray/insight/visualize", json={"layer": "conv_1_2", "channel": 3, "steps": 8, "seed": 4}
    )
    assert again.json()["id"] == job["id"] and again.json()["joined"]
    assert not page.errors


def test_a_class_from_the_url_is_visualised_and_a_refused_request_says_why(page, server_url, api):
    _open(page, server_url, "?model=gray&image=sample_0&class=1#visualize")
    assert page.locator("input[name='vis-mode'][value='class']").is_checked()
    assert page.locator("#vis-class").input_value() == "1"
    assert page.locator("#vis-layer").is_disabled()
    page.locator("#vis-steps").fill("0")
    page.locator("#vis-start").click()
    page.wait_for_function("document.body.dataset.visualize === 'refused'", timeout=30_000)
    assert "steps" in page.locator("#vis-status").inner_text()
    page.locator("#vis-steps").fill("3")
    page.locator("#vis-start").click()
    page.wait_for_function("document.body.dataset.visualize === 'done'", timeout=60_000)
    job = api.get(f"api/insight/jobs/{page.evaluate('document.body.dataset.job')}").json()
    assert (job["class"], job["steps"], job["status"]) == (1, 3, "done")
    assert float(page.locator("[data-key='vis-last']").inner_text()) == pytest.approx(job["curve"][-1], rel=5e-3)
    assert "class 1" in page.locator("#vis-status").inner_text()
    # The refused request left a console error (the 422); nothing else went wrong.
    assert all("422" in e for e in page.errors)


def test_the_insight_page_runs_under_its_content_security_policy(browser, server_url) -> None:
    """The overlay's styles and the visualisation's drawing go through CSSOM and attributes, never inline styles."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})  # CSP enforced: CSS selectors only
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        page.goto(f"{server_url}insight?model=gray&image=sample_3&layer=relu_1_1&channel=1#visualize")
        page.wait_for_selector("body[data-ready='true'] .insight-heat", timeout=60_000)
        page.locator("#insight-opacity").fill("30")
        page.locator("#vis-steps").fill("4")
        page.locator("#vis-start").click()
        page.wait_for_selector("body[data-visualize='done'] .vis-image", timeout=60_000)
        assert page.locator(".insight-heat").evaluate("c => c.style.opacity") == "0.3"
        assert problems == [], problems
    finally:
        context.close()
