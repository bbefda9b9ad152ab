"""The explorer without limits, in Chromium: 227 drawn, a 64×64 layer opened as it is, 'same' padding, the top-bar entry."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import torch
from torch import nn

from convscope.formats import zoo_network
from convscope.server import create_app
from tests.browser.conftest import ARTIFACTS, api_fixture, wait_drawn
from tests.server.images import write_samples
from tests.server.live import live_server

pytestmark = pytest.mark.browser
KNOWN_400 = "console error: Failed to load resource: the server responded with a status of 400 (Bad Request)"


@pytest.fixture(scope="module")
def rgb_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    samples = tmp_path_factory.mktemp("explorer-limit-samples")
    write_samples(samples, ["a", "b", "c"], size=(40, 40), mode="RGB")
    app = create_app({"rgb": zoo_network("tinyvgg", seed=4)}, samples_dir=samples)  # a 3×64×64 input
    with live_server(app) as url:
        yield url


api = api_fixture("rgb_url")


def _arith(api: httpx.Client, **params: object) -> dict:
    answer = api.get("api/arith", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _explorer(page) -> None:
    page.wait_for_selector(".detail[data-view='explorer'][data-ready='true']:not([hidden])", timeout=20_000)


def _drawn(page, query: str) -> None:
    page.wait_for_function(
        "q => document.querySelector('.detail-body') && document.querySelector('.detail-body').dataset.settings === q",
        arg=query,
        timeout=10_000,
    )


def _grid(page, which: str) -> tuple[int, int]:
    canvas = page.locator(f"canvas.explorer-{which}")
    return int(canvas.get_attribute("data-rows")), int(canvas.get_attribute("data-cols"))


def test_explorer_draws_a_227_input_and_steps_its_windows_by_keyboard(page, rgb_url, api) -> None:
    page.goto(f"{rgb_url}?model=rgb&image=sample_0&view=explorer&H=227&K=11&S=4&P=0&D=1")
    _explorer(page)
    _drawn(page, "size=227&kernel=11&stride=4&padding=0&dilation=1")
    assert page.input_value("input[name='size']") == "227"  # not clamped
    answer = _arith(api, size=227, kernel=11, stride=4, padding=0, dilation=1)
    out = nn.functional.conv2d(torch.zeros(1, 1, 227, 227), torch.zeros(1, 1, 11, 11), stride=4).shape[2:]
    assert (answer["report"]["output"]["height"], answer["report"]["output"]["width"]) == tuple(out) == (55, 55)
    assert page.locator(".rule-floor .rule-size").inner_text() == "55×55"
    assert _grid(page, "input") == (227, 227) and _grid(page, "output") == (55, 55)
    assert page.locator(".explorer-undrawn").count() == 0
    page.click(".player-toggle")  # pause
    page.focus(".player-next")
    page.keyboard.press("Home")
    page.wait_for_function("document.querySelector('.explorer-stage').dataset.frame === '0,0'")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.querySelector('.explorer-stage').dataset.frame === '0,1'")
    page.keyboard.press("End")
    page.wait_for_function("document.querySelector('.explorer-stage').dataset.frame === '54,54'")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "explorer_227.png"))
    assert page.errors == [], page.errors


def test_explorer_opens_from_a_64_by_64_layer_with_its_real_sizes_from_the_top_bar(page, rgb_url, api) -> None:
    page.goto(f"{rgb_url}?model=rgb&image=sample_0")
    wait_drawn(page)
    page.click(".layer-label[data-layer='conv_1_1']")
    assert page.locator("#explorer-entry").is_visible()  # a selected layer does not hide it
    page.click("#explorer-entry")
    _explorer(page)
    _drawn(page, "size=64&kernel=3&stride=1&padding=0&dilation=1")
    assert page.input_value("input[name='size']") == "64"
    expected = _arith(api, size=64, kernel=3, stride=1, padding=0, dilation=1)["report"]["output"]
    assert page.locator(".rule-floor .rule-size").inner_text() == f"{expected['height']}×{expected['width']}" == "62×62"
    assert _grid(page, "input") == (64, 64) and _grid(page, "output") == (62, 62)
    assert "Settings of conv_1_1" in page.locator(".explorer-notes").inner_text()
    # The top bar stays above an open view: its Explorer button is what a click there hits.
    box = page.locator("#explorer-entry").bounding_box()
    hit = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).id", [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2]
    )
    assert hit == "explorer-entry"
    page.keyboard.press("Escape")
    page.wait_for_selector(".detail", state="hidden", timeout=5_000)
    page.click(".layer-label[data-layer='max_pool_1']")
    page.click(".explorer-open-button")  # a pooling layer opens it too, in pool mode
    _explorer(page)
    _drawn(page, "size=60&kernel=2&stride=2&padding=0&dilation=1&pool=true")
    assert page.eval_on_selector(".explorer-form input[name='mode']:checked", "r => r.value") == "pool"
    assert page.locator(".rule-floor .rule-size").inner_text() == "30×30"
    assert page.errors == [], page.errors


def test_same_padding_is_worked_out_by_the_server_and_explained_when_impossible(page, rgb_url, api) -> None:
    page.goto(f"{rgb_url}?model=rgb&image=sample_0&view=explorer&H=9&K=3&S=1&P=0&D=1")
    _explorer(page)
    page.check("input[name='same']")
    _drawn(page, "size=9&kernel=3&stride=1&padding=same&dilation=1")
    assert page.evaluate("new URLSearchParams(location.search).get('P')") == "same"
    assert "P = 1" in page.locator(".same-possible").inner_text()
    assert page.locator(".rule-floor .rule-size").inner_text() == "9×9"
    page.fill("input[name='kernel']", "4")
    _drawn(page, "size=9&kernel=4&stride=1&padding=same&dilation=1")
    reason = _arith(api, size=9, kernel=4, stride=1, padding="same", dilation=1)["report"]["same_padding"]["reason"]
    assert reason and reason in page.locator(".explorer-problem .same-impossible").inner_text()
    assert "impossible" in page.locator(".same-impossible").inner_text()
    assert page.is_disabled("input[name='padding']")
    page.screenshot(path=str(ARTIFACTS / "explorer_same_impossible.png"))
    page.uncheck("input[name='same']")
    _drawn(page, "size=9&kernel=4&stride=1&padding=0&dilation=1")
    assert page.locator(".same-impossible").count() == 0
    assert page.errors == [], page.errors


def test_settings_it_cannot_draw_are_named_not_clamped(page, rgb_url, api) -> None:
    page.goto(f"{rgb_url}?model=rgb&image=sample_0&view=explorer")
    _explorer(page)
    page.fill("input[name='size']", "300")
    _drawn(page, "size=300&kernel=3&stride=1&padding=0&dilation=1")
    assert page.input_value("input[name='size']") == "300"
    assert "more than the explorer draws (at most 256)" in page.locator(".explorer-undrawn").inner_text()
    expected = _arith(api, size=300, kernel=3, stride=1, padding=0, dilation=1)["report"]["output"]
    assert page.locator(".rule-floor .rule-size").inner_text() == f"{expected['height']}×{expected['width']}"
    assert page.locator("canvas.explorer-input").count() == 0
    page.fill("input[name='kernel']", "0")
    _drawn(page, "size=300&kernel=0&stride=1&padding=0&dilation=1")
    assert "kernel K 0 is less than 1" in page.locator(".explorer-problem").inner_text()
    assert page.errors == [], page.errors


def test_every_new_explorer_control_and_the_top_bar_entry_are_reachable_by_keyboard(page, rgb_url) -> None:
    page.goto(f"{rgb_url}?model=rgb&image=sample_0")
    wait_drawn(page)
    page.focus("body")
    reached = []
    for _ in range(30):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.id"))
        if reached[-1] == "explorer-entry":
            break
    assert reached[-1] == "explorer-entry", reached
    page.keyboard.press("Enter")
    _explorer(page)
    seen = set()
    for _ in range(24):
        page.keyboard.press("Tab")
        seen.add(page.evaluate("(e => e.name || e.className)(document.activeElement)"))
    for control in ("mode", "size", "kernel", "stride", "padding", "dilation", "same"):
        assert control in seen, seen
    for control in ("player-toggle", "player-prev", "player-next", "player-skip", "player-replay", "player-speed"):
        assert control in seen, seen
    assert [e for e in page.errors if e != KNOWN_400] == [], page.errors
