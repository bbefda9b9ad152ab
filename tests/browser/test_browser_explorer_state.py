"""The explorer's settings in the URL, its max-pool mode, and detail views paging by the server's channel order, in Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import torch
from torch import nn

from convscope.formats import zoo_network
from convscope.server import create_app
from tests.browser.conftest import ARTIFACTS, api_fixture
from tests.server.images import write_samples
from tests.server.live import live_server

pytestmark = pytest.mark.browser
LABELS = ["T-shirt/top", "Trouser", "Pullover"]
# The one console message an impossible combination may leave: Chromium logs every 4xx
# resource, and the server answers invalid hyperparameters with a 400 by design.
KNOWN_400 = "console error: Failed to load resource: the server responded with a status of 400 (Bad Request)"


@pytest.fixture(scope="module")
def wide(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    samples = tmp_path_factory.mktemp("explorer-samples")
    write_samples(samples, LABELS)
    network = zoo_network("tinyvgg", filters=20, in_channels=1, input_size=28, seed=7)  # 20 channels: two pages
    with live_server(create_app({"wide": network}, samples_dir=samples)) as url:
        yield url


api = api_fixture("wide")


def _query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def _open_explorer(page, url: str, query: str = "") -> None:
    page.goto(f"{url}?model=wide&image=sample_0&view=explorer{query}")
    page.wait_for_selector(".detail[data-view='explorer'][data-ready='true']:not([hidden])", timeout=20_000)


def _settings(page) -> dict[str, str]:
    values = {
        k: page.input_value(f".explorer-form input[name='{k}']")
        for k in ("size", "kernel", "stride", "padding", "dilation")
    }
    values["mode"] = page.eval_on_selector(".explorer-form input[name='mode']:checked", "r => r.value")
    return values


def _drawn_for(page, params: dict) -> None:
    """Wait until the explorer has drawn the API's answer for exactly these settings."""
    query = "&".join(f"{k}={params[k]}" for k in ("size", "kernel", "stride", "padding", "dilation"))
    query += "&pool=true" if params.get("pool") else ""
    page.wait_for_function(
        "q => { const d = document.querySelector('.detail-body'); return d.dataset.settings === q && d.dataset.valid !== undefined"
        " && document.querySelector('.explorer-stage .cell-grid'); }",
        arg=query,
        timeout=10_000,
    )


def _api_size(api: httpx.Client, **params: object) -> str:
    answer = api.get("api/arith", params=params)
    assert answer.status_code == 200, answer.text
    out = answer.json()["report"]["output"]
    return f"{out['height']}×{out['width']}"


def _fill(page, **values: int) -> None:
    for key, value in values.items():
        page.fill(f".explorer-form input[name='{key}']", str(value))


def test_explorer_settings_survive_reload_and_back_restores_the_previous_ones(page, wide, api) -> None:
    _open_explorer(page, wide)
    _fill(page, stride=2)
    page.wait_for_function("() => new URLSearchParams(location.search).get('S') === '2'")
    first = {"size": 7, "kernel": 3, "stride": 2, "padding": 0, "dilation": 1}
    _drawn_for(page, first)
    _fill(page, size=11)
    page.wait_for_function("() => new URLSearchParams(location.search).get('H') === '11'")
    _fill(page, padding=1)
    page.wait_for_function("() => new URLSearchParams(location.search).get('P') === '1'")
    second = {"size": 11, "kernel": 3, "stride": 2, "padding": 1, "dilation": 1}
    _drawn_for(page, second)
    assert _query(page) == {
        "model": "wide",
        "image": "sample_0",
        "view": "explorer",
        "H": "11",
        "K": "3",
        "S": "2",
        "P": "1",
        "D": "1",
    }
    expected = _api_size(api, **second)
    # Independent check of the API's answer: PyTorch's own output size.
    out = nn.functional.conv2d(torch.zeros(1, 1, 11, 11), torch.zeros(1, 1, 3, 3), stride=2, padding=1)
    assert expected == f"{out.shape[2]}×{out.shape[3]}"
    assert page.locator(".rule-floor .rule-size").inner_text() == expected

    page.reload()
    page.wait_for_selector(".detail[data-view='explorer'][data-ready='true']:not([hidden])", timeout=20_000)
    _drawn_for(page, second)
    assert _settings(page) == {**{k: str(v) for k, v in second.items()}, "mode": "conv"}
    assert page.locator(".rule-floor .rule-size").inner_text() == expected

    page.go_back()  # padding 1 -> 0
    _drawn_for(page, {**second, "padding": 0})
    assert _settings(page)["padding"] == "0" and _settings(page)["size"] == "11"
    assert page.locator(".rule-floor .rule-size").inner_text() == _api_size(api, **{**second, "padding": 0})
    page.go_back()  # size 11 -> 7
    page.go_back()  # before any change: the URL holds no settings, the explorer starts from its defaults
    _drawn_for(page, {"size": 7, "kernel": 3, "stride": 1, "padding": 0, "dilation": 1})
    assert "S" not in _query(page) and _settings(page)["stride"] == "1"
    page.keyboard.press("Escape")
    page.wait_for_selector(".detail", state="hidden", timeout=5_000)
    assert not {"H", "K", "S", "P", "D", "op"} & _query(page).keys()
    assert page.errors == [], page.errors


def test_explorer_pool_mode_shows_the_api_floor_and_ceil_sizes_and_explains_bad_pools(page, wide, api) -> None:
    _open_explorer(page, wide)
    page.check(".explorer-form input[name='mode'][value='pool']")
    _fill(page, kernel=2, stride=2)
    pool = {"size": 7, "kernel": 2, "stride": 2, "padding": 0, "dilation": 1, "pool": True}
    _drawn_for(page, pool)
    assert _query(page)["op"] == "pool"
    floor, ceil = _api_size(api, **pool), _api_size(api, **pool, ceil_mode=True)
    torch_floor = nn.MaxPool2d(2, 2)(torch.zeros(1, 1, 7, 7)).shape[2:]
    torch_ceil = nn.MaxPool2d(2, 2, ceil_mode=True)(torch.zeros(1, 1, 7, 7)).shape[2:]
    assert (floor, ceil) == (f"{torch_floor[0]}×{torch_floor[1]}", f"{torch_ceil[0]}×{torch_ceil[1]}") == ("3×3", "4×4")
    assert page.locator(".rule-floor .rule-size").inner_text() == floor
    assert page.locator(".rule-ceil .rule-size").inner_text() == ceil
    assert "does not tile" in page.locator(".rule-strict .rule-reason").inner_text()
    output = page.locator("canvas.explorer-output")
    drawn = (output.get_attribute("data-rows"), output.get_attribute("data-cols"))
    assert drawn == ("3", "3")  # the animated windows are PyTorch's default (floor)
    page.reload()
    page.wait_for_selector(".detail[data-view='explorer'][data-ready='true']:not([hidden])", timeout=20_000)
    _drawn_for(page, pool)
    assert _settings(page)["mode"] == "pool"
    page.screenshot(path=str(ARTIFACTS / "explorer_pool_mode.png"))

    _fill(page, padding=2)  # more than half the 2-pixel window: PyTorch refuses
    page.wait_for_selector(".detail-body[data-valid='impossible']")
    said = page.locator(".explorer-form .explorer-problem .detail-message").inner_text()
    detail = api.get("api/arith", params={**pool, "padding": 2}).json()["detail"]
    assert detail in said and "more than half the kernel size" in said
    page.screenshot(path=str(ARTIFACTS / "explorer_pool_impossible.png"))
    _fill(page, padding=1)
    _drawn_for(page, {**pool, "padding": 1})
    assert page.locator(".explorer-problem").inner_text() == ""
    assert page.locator(".rule-floor .rule-size").inner_text() == _api_size(api, **{**pool, "padding": 1})
    assert [e for e in page.errors if e != KNOWN_400] == [], page.errors


def test_conv_view_pages_input_channels_in_the_servers_channel_order(page, wide, api) -> None:
    model = api.get("api/models/wide").json()
    conv = next(layer for layer in model["layers"] if layer["name"] == "conv_1_2")
    source = conv["inputs"][0]
    info = api.get("api/models/wide/traces/sample_0").json()
    order = next(layer["channel_order"] for layer in info["layers"] if layer["name"] == source)
    assert len(order) == 20 and order != sorted(order)  # an order that index order would not pass
    page.goto(f"{wide}?model=wide&image=sample_0&view=detail&layer=conv_1_2&channel=3")
    page.wait_for_selector(".detail[data-view='conv'][data-ready='true']:not([hidden])", timeout=20_000)

    def rows():
        return page.eval_on_selector_all(".elastic-row", "rs => rs.map(r => +r.dataset.inputChannel)")

    assert rows() == order[:16]
    page.click(".pager-next")
    page.wait_for_function("n => document.querySelectorAll('.elastic-row').length === n", arg=4)
    assert rows() == order[16:]
    assert page.errors == [], page.errors


def test_flatten_view_shows_the_most_active_source_maps_in_the_servers_order(page, wide, api) -> None:
    info = api.get("api/models/wide/traces/sample_0").json()
    logits = info["layers"][-1]["name"]
    step = api.get(f"api/models/wide/traces/sample_0/layers/{logits}/explain", params={"index": 1}).json()
    order = next(layer["channel_order"] for layer in info["layers"] if layer["name"] == step["source_layer"])
    page.goto(f"{wide}?model=wide&image=sample_0&view=detail&layer={logits}&channel=1")
    page.wait_for_selector(".detail[data-view='linear'][data-ready='true']:not([hidden])", timeout=20_000)
    labels = page.eval_on_selector_all(".flatten-sources figcaption", "fs => fs.map(f => f.textContent)")
    assert labels == [f"channel {c}" for c in order[:16]]
    assert page.errors == [], page.errors
