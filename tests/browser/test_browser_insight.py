"""The insight page in Chromium: the trust numbers, filters and kernels it shows are the API's."""

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
    size = page.evaluate("[...document.querySelectorAll('.insight-map canvas')].map(c => [c.width, c.height])")
    assert size == [[28, 28]]
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
