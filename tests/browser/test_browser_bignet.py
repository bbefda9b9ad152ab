"""A 1,000-class network at 224×224 (ResNet-18, random seeded weights): the class column shows
the server's top 10 with a search box and pages, the page does not grow with the classes,
the first screen shows maps, and big maps travel reduced to the size they are drawn."""

from __future__ import annotations

import math
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from PIL import Image

from convscope.formats import zoo_network
from convscope.server import create_app
from tests.browser.conftest import ARTIFACTS, wait_drawn
from tests.server.images import write_samples
from tests.server.live import live_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
VIEWPORT_HEIGHT = 900  # the page fixture's viewport


@pytest.fixture(scope="module")
def imagenet_like(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object, object]]:
    samples = tmp_path_factory.mktemp("bignet-samples")
    write_samples(samples, ["first", "second"], size=(256, 256), mode="RGB")
    network = zoo_network("resnet18", seed=2)
    app = create_app({"resnet18": network}, samples_dir=samples)
    with live_server(app, timeout=60) as url:
        yield url, network, samples


def _ranked(network, samples, image: str, k: int, start: int = 0) -> list[int]:
    """The top classes from a trace of our own, ranked by ``Network.ranked_classes``."""
    x = network.input_spec.preprocess(Image.open(samples / f"{image}.png"))
    probs = network.run(x).probabilities[0]
    return [i for i, _, _ in network.ranked_classes(probs, start + k)][start:]


def _shown_classes(page) -> list[int]:
    return page.eval_on_selector_all(
        ".class-row", "rs => rs.sort((a, b) => a.offsetTop - b.offsetTop).map((r) => +r.dataset.channel)"
    )


def test_a_thousand_classes_show_the_top_ten_with_search_and_pages_and_maps_on_the_first_screen(
    page, imagenet_like
) -> None:
    url, network, samples = imagenet_like
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/layers" in r.url else None)
    page.goto(url + "?model=resnet18&image=sample_0")
    wait_drawn(page, "resnet18/sample_0", timeout=120_000)
    assert network.num_classes == 1000
    assert _shown_classes(page) == _ranked(network, samples, "sample_0", 10)
    assert page.inner_text(".class-pager-text") == "top 1–10 of 1,000"

    # The page is as tall as its maps, not its classes, and the first screen shows maps.
    assert page.evaluate("document.documentElement.scrollHeight") < 2 * VIEWPORT_HEIGHT
    tops = page.eval_on_selector_all("canvas.map", "cs => cs.map((c) => c.getBoundingClientRect().top)")
    assert sum(1 for top in tops if 0 <= top < VIEWPORT_HEIGHT - 40) >= 100

    # One request for every map of the switch, each map at most the box it is drawn in.
    batch = [r for r in requests if "/layers?" in r]
    assert len(batch) == 1 and not [r for r in requests if "/layers/" in r]
    box = int(parse_qs(urlparse(batch[0]).query)["box"][0])
    drawn = page.eval_on_selector("canvas.map[data-layer='conv1']", "c => [c.width, c.height, c.offsetWidth]")
    k = math.ceil(112 / box)
    assert box >= drawn[2] and drawn[:2] == [math.ceil(112 / k)] * 2 and k > 1
    assert "largest value of each" in page.inner_text(".legend-reduced")

    # Paging shows the next ten of the ranking; a search finds a class by name, wherever it ranks.
    page.click(".class-pager [data-pager='next']")
    page.wait_for_function("document.querySelector('.class-pager-text').textContent.startsWith('11–20')")
    assert _shown_classes(page) == _ranked(network, samples, "sample_0", 10, start=10)
    last = _ranked(network, samples, "sample_0", 1000)[-1]  # the least probable class
    name = network.class_names[last]
    page.fill(".class-search", name)
    page.wait_for_function(
        "n => document.querySelector('.class-pager-text').textContent.includes('matching')", arg=name
    )
    matching = [i for i in _ranked(network, samples, "sample_0", 1000) if name in network.class_names[i]]
    assert _shown_classes(page) == matching[:10] and last in _shown_classes(page)
    assert page.evaluate("document.activeElement.classList.contains('class-search')")  # typing goes on
    page.eval_on_selector(".overview-scroll", "s => { s.scrollLeft = s.scrollWidth; }")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "bignet_class_search.png"))

    # Another image: the top ten follow its ranking.
    page.fill(".class-search", "")
    page.wait_for_function("document.querySelector('.class-pager-text').textContent.startsWith('top')")
    page.click(".sample[data-sample='sample_1']")
    wait_drawn(page, "resnet18/sample_1", timeout=120_000)
    assert _shown_classes(page) == _ranked(network, samples, "sample_1", 10)
    assert page.errors == []


def test_the_fully_connected_and_softmax_views_find_a_class_by_name(page, imagenet_like) -> None:
    url, network, _ = imagenet_like
    logits = network.logits_layer
    page.goto(url + f"?model=resnet18&image=sample_0&view=detail&layer={logits}&channel=0")
    page.wait_for_selector(".detail[data-view='linear'][data-ready='true']", timeout=60_000)
    name = network.class_names[777]
    page.fill(".class-finder input", name)
    page.keyboard.press("Enter")
    page.wait_for_function("() => new URLSearchParams(location.search).get('channel') === '777'")
    page.wait_for_selector(".detail[data-view='linear'][data-ready='true'] .dnumbers[data-position='777']")
    page.click(".to-softmax")
    page.wait_for_selector(".detail[data-view='softmax'][data-ready='true']", timeout=60_000)
    page.fill(".class-finder input", network.class_names[5])
    page.keyboard.press("Enter")
    page.wait_for_selector(".softmax-row.chosen[data-index='5']", timeout=30_000)
    assert page.locator(".softmax-row").count() <= 21  # the 20 most probable and the chosen one, not 1,000
    assert page.errors == []


def _page_order(page, selector: str) -> list[int]:
    return page.eval_on_selector_all(selector, "ns => ns.map((n) => +n.dataset.index)")


def _values(page, selector: str) -> list[float]:
    return page.eval_on_selector_all(selector, "ns => ns.map((n) => n.dataset.value)")


def _wait_pager(page, start: str) -> None:
    page.wait_for_function(
        "t => document.querySelector('.class-pages .class-pager-text').textContent.startsWith(t)", arg=start
    )


def _search(page, text: str) -> None:
    page.fill(".class-pages .class-search", text)
    _wait_pager(page, "1–")


def test_the_softmax_and_fully_connected_views_page_and_search_all_thousand_classes(page, imagenet_like) -> None:
    url, network, _ = imagenet_like
    with httpx.Client(base_url=url, timeout=60) as api:
        info = api.get("api/models/resnet18/traces/sample_0").json()
        ranking = info["ranking"]
        chosen = ranking[500]  # far down the ranking: kept in view after each page
        probs = api.get("api/models/resnet18/traces/sample_0/probabilities", params={"index": chosen}).json()
    names = network.class_names
    logits = network.logits_layer
    # A search with more than a page of matches: the start of a lowly ranked class's name ("class 3" of "class 345").
    needle = names[next(i for i in reversed(ranking) if i >= 100)][:-2]
    matching = [i for i in ranking if needle in names[i].lower()]
    assert 40 < len(matching) < 1000

    page.goto(url + f"?model=resnet18&image=sample_0&view=softmax&layer={logits}&channel={chosen}")
    page.wait_for_selector(".detail[data-view='softmax'][data-ready='true']", timeout=60_000)
    assert page.inner_text(".class-pages .class-pager-text") == "top 1–20 of 1,000"
    assert _page_order(page, ".softmax-row") == [*ranking[:20], chosen]
    shown = _values(page, ".softmax-row .prob-value")
    assert [float(v) for v in shown] == [probs["probabilities"][i] for i in [*ranking[:20], chosen]]
    assert [float(v) for v in _values(page, ".softmax-row .logit")] == [
        probs["logits"][i] for i in [*ranking[:20], chosen]
    ]
    page.click(".class-pages [data-pager='next']")
    _wait_pager(page, "21–40")
    assert _page_order(page, ".softmax-row") == [*ranking[20:40], chosen]
    assert [float(v) for v in _values(page, ".softmax-row .prob-value")][:20] == [
        probs["probabilities"][i] for i in ranking[20:40]
    ]
    # Picking a class re-opens the view on the same page, that class chosen.
    page.click(f".softmax-row[data-index='{ranking[25]}']")
    page.wait_for_selector(f".detail[data-ready='true'] .softmax-row.chosen[data-index='{ranking[25]}']")
    assert page.inner_text(".class-pages .class-pager-text").startswith("21–40")
    _search(page, needle)
    assert _page_order(page, ".softmax-row") == matching[:20]
    assert page.evaluate("document.activeElement.closest('.class-pages') !== null")  # typing goes on
    page.click(".class-pages [data-pager='next']")
    _wait_pager(page, "21–40")
    assert page.inner_text(".class-pages .class-pager-text") == f"21–40 of {len(matching)} matching"
    assert _page_order(page, ".softmax-row") == matching[20:40]
    assert [float(v) for v in _values(page, ".softmax-row .prob-value")] == [
        probs["probabilities"][i] for i in matching[20:40]
    ]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "bignet_softmax_pages.png"))

    page.goto(url + f"?model=resnet18&image=sample_0&view=detail&layer={logits}&channel={ranking[0]}")
    page.wait_for_selector(".detail[data-view='linear'][data-ready='true']", timeout=60_000)
    buttons = ".class-page-buttons .class-pick"
    assert _page_order(page, buttons) == ranking[:20]
    assert [float(v) for v in _values(page, f"{buttons} .class-logit")] == [info["logits"][i] for i in ranking[:20]]
    assert page.get_attribute(f"{buttons}[data-index='{ranking[0]}']", "aria-pressed") == "true"
    page.click(".class-pages [data-pager='next']")
    _wait_pager(page, "21–40")
    assert _page_order(page, buttons) == ranking[20:40]
    _search(page, needle)
    assert _page_order(page, buttons) == matching[:20]
    page.click(f"{buttons}[data-index='{matching[0]}']")
    page.wait_for_selector(f".detail[data-ready='true'] .dnumbers[data-position='{matching[0]}']")
    assert page.get_attribute(f"{buttons}[data-index='{matching[0]}']", "aria-pressed") == "true"
    page.screenshot(path=str(ARTIFACTS / "bignet_linear_pages.png"))
    assert page.errors == []
