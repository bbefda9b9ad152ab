"""Big layers in the overview, in Chromium: most active channels first, keyboard paging, and clicks on paged maps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import torch
from PIL import Image

from convscope.formats import zoo_network
from convscope.server import create_app
from tests.browser.conftest import ARTIFACTS
from tests.server.images import write_samples
from tests.server.live import live_server

pytestmark = pytest.mark.browser
LABELS = ["T-shirt/top", "Trouser", "Pullover"]
LAYER = "conv_1_2"  # 20 channels: 16 on the first page, 4 on the second


@pytest.fixture(scope="module")
def wide(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object, Path]]:
    samples = tmp_path_factory.mktemp("paging-samples")
    write_samples(samples, LABELS)
    network = zoo_network("tinyvgg", filters=20, in_channels=1, input_size=28, seed=7)
    with live_server(create_app({"wide": network}, samples_dir=samples)) as url:
        yield url, network, samples


def _most_active(network, samples: Path, image: str, layer: str) -> list[int]:
    """Channels of ``layer`` by largest |value|, ties by index, from a hooked plain forward pass."""
    seen: dict[str, torch.Tensor] = {}
    handle = network.module.get_submodule(layer).register_forward_hook(
        lambda _m, _i, out: seen.__setitem__("out", out.detach().clone())
    )
    try:
        with torch.no_grad():
            network.module.eval()(network.input_spec.preprocess(Image.open(samples / f"{image}.png")))
    finally:
        handle.remove()
    size = seen["out"][0].abs().flatten(1).amax(dim=1).tolist()  # (C,)
    return sorted(range(len(size)), key=lambda c: (-size[c], c))


def _shown(page, layer: str) -> list[int]:
    """Channels of the maps drawn for ``layer``, top to bottom; waits until each is painted."""
    page.wait_for_function(
        "l => [...document.querySelectorAll(`canvas.map[data-layer='${l}']`)].every((c) => c.dataset.trace)",
        arg=layer,
        timeout=10_000,
    )
    boxes = page.eval_on_selector_all(
        f"canvas.map[data-layer='{layer}']", "cs => cs.map(c => [c.getBoundingClientRect().top, +c.dataset.channel])"
    )
    return [channel for _, channel in sorted(boxes)]


def test_big_layers_show_the_most_active_channels_first_and_page_by_keyboard(page, wide) -> None:
    url, network, samples = wide
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/layers" in r.url else None)
    page.goto(url + "?model=wide&image=sample_1")
    page.wait_for_function("document.body.dataset.drawn === 'wide/sample_1'", timeout=20_000)
    order = _most_active(network, samples, "sample_1", LAYER)
    with httpx.Client(base_url=url, timeout=30) as api:
        info = api.get("api/models/wide/traces/sample_1").json()
    assert {layer["name"]: layer["channel_order"] for layer in info["layers"]}[LAYER] == order
    assert order[:16] != list(range(16))  # otherwise index order would pass too
    assert _shown(page, LAYER) == order[:16]

    # Only the drawn channels travel: the batched request lists the first page of each big layer.
    batch = parse_qs(urlparse(next(r for r in requests if "/layers?" in r)).query)
    lists = dict(zip(batch["names"][0].split(","), batch["channels"][0].split(";"), strict=True))
    assert lists[LAYER] == ",".join(map(str, order[:16]))

    # Keyboard: Tab from the (inactive) previous button reaches the next one; Enter pages on.
    pager = f".map-pager button[data-layer='{LAYER}']"
    page.focus(f"{pager}[data-pager='prev']")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.pager") == "next"
    requests.clear()
    page.keyboard.press("Enter")
    assert _shown(page, LAYER) == order[16:]
    assert page.evaluate("[document.activeElement.dataset.layer, document.activeElement.dataset.pager]") == [
        LAYER,
        "next",
    ]
    assert "17–20 of 20" in page.get_attribute(f".map-pager[data-layer='{LAYER}'] .pager-text", "title")
    tops = page.eval_on_selector_all(pager, "bs => bs.map(b => Math.round(b.getBoundingClientRect().top))")
    assert tops[0] == tops[1]  # the two buttons side by side, not stacked
    assert page.evaluate("document.querySelector('.overview-scroll').scrollTop") == 0  # labels stay in view
    single = parse_qs(urlparse(next(r for r in requests if f"/layers/{LAYER}?" in r)).query)
    assert sorted(map(int, single["channels"][0].split(","))) == sorted(order[16:])  # 4 maps, not all 20

    # Hovering a paged conv map lights up its inputs: every map drawn for relu_1_1.
    page.hover(f"canvas.map[data-layer='{LAYER}'][data-channel='{order[17]}']")
    assert page.locator(".edges-strong path").count() == page.locator("canvas.map[data-layer='relu_1_1']").count() == 16
    page.screenshot(path=str(ARTIFACTS / "paging_second_page.png"), full_page=True)

    # Space steps back; the other columns kept their own pages throughout.
    page.focus(f"{pager}[data-pager='prev']")
    page.keyboard.press(" ")
    assert _shown(page, LAYER) == order[:16]
    assert _shown(page, "relu_1_1") == _most_active(network, samples, "sample_1", "relu_1_1")[:16]
    assert page.errors == []


def test_clicking_a_map_on_a_later_page_explains_that_channel(page, wide) -> None:
    url, network, samples = wide
    page.goto(url + "?model=wide&image=sample_2")
    page.wait_for_function("document.body.dataset.drawn === 'wide/sample_2'", timeout=20_000)
    order = _most_active(network, samples, "sample_2", LAYER)
    page.click(f".map-pager button[data-layer='{LAYER}'][data-pager='next']")
    assert _shown(page, LAYER) == order[16:]
    channel = order[18]
    page.click(f"canvas.map[data-layer='{LAYER}'][data-channel='{channel}']")
    page.wait_for_selector(".detail[data-view='conv'][data-ready='true']:not([hidden])", timeout=10_000)
    query = parse_qs(urlparse(page.url).query)
    assert query["layer"] == [LAYER] and query["channel"] == [str(channel)]
    page.wait_for_selector(f"[data-position^='{channel},']", timeout=10_000)  # the sum explained is that channel's
    page.keyboard.press("Escape")
    page.wait_for_selector(".detail", state="hidden", timeout=10_000)
    assert _shown(page, LAYER) == order[16:]  # back in the overview, still on the page left
    assert page.errors == []


_PIXELS = """() => Object.fromEntries([...document.querySelectorAll('canvas.map')].map((c) =>
  [`${c.dataset.layer}#${c.dataset.channel}`, c.toDataURL()]))"""


def test_another_image_reorders_the_kept_canvases_as_a_fresh_page_draws_them(page, wide) -> None:
    url, network, samples = wide
    page.goto(url + "?model=wide&image=sample_0")
    page.wait_for_function("document.body.dataset.drawn === 'wide/sample_0'", timeout=20_000)
    # The first trace's prediction and legends push the overview down, so its maps are sized once more.
    page.click(".sample[data-sample='sample_1']")
    page.wait_for_function("document.body.dataset.drawn === 'wide/sample_1'", timeout=20_000)
    count = page.evaluate(
        "(() => { const cs = document.querySelectorAll('canvas.map'); cs.forEach((c, i) => { c.kept = i; }); return cs.length; })()"
    )
    first, second = (_most_active(network, samples, image, LAYER)[:16] for image in ("sample_1", "sample_2"))
    assert first != second  # the switch must move channels between canvases

    page.click(".sample[data-sample='sample_2']")
    page.wait_for_function("document.body.dataset.drawn === 'wide/sample_2'", timeout=20_000)
    # The same canvases (a new image relabels them, it does not rebuild the overview) show the new order.
    assert page.evaluate("[...document.querySelectorAll('canvas.map')].every((c) => c.kept !== undefined)")
    assert page.locator("canvas.map").count() == count
    assert _shown(page, LAYER) == second
    labels = page.eval_on_selector_all(
        f"canvas.map[data-layer='{LAYER}']", "cs => cs.map((c) => [c.dataset.channel, c.getAttribute('aria-label')])"
    )
    assert all(label == f"Explain {LAYER} channel {channel}" for channel, label in labels)
    both = next(c for c in _shown(page, "relu_1_2") if c in second)
    page.hover(f"canvas.map[data-layer='relu_1_2'][data-channel='{both}']")
    edge = page.eval_on_selector_all(".edges-strong path", "ps => ps.map((p) => p.getBBox().y + p.getBBox().height)")
    source = page.eval_on_selector(f"canvas.map[data-layer='{LAYER}'][data-channel='{both}']", "c => c.offsetTop")
    assert len(edge) == 1 and source <= edge[0]  # from its own channel of conv_1_2, wherever that sits now
    switched = page.evaluate(_PIXELS)

    # Every map equals what a rebuilt overview draws: a new page's first switch sizes the maps anew, so it rebuilds.
    page.goto(url + "?model=wide&image=sample_0")
    page.wait_for_function("document.body.dataset.drawn === 'wide/sample_0'", timeout=20_000)
    page.evaluate("document.querySelectorAll('canvas.map').forEach((c) => { c.kept = true; })")
    page.click(".sample[data-sample='sample_2']")
    page.wait_for_function("document.body.dataset.drawn === 'wide/sample_2'", timeout=20_000)
    assert page.evaluate("[...document.querySelectorAll('canvas.map')].every((c) => c.kept === undefined)")
    fresh = page.evaluate(_PIXELS)
    assert switched.keys() == fresh.keys() and switched == fresh
    assert page.errors == []
