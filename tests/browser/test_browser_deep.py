"""Deep networks in a real Chromium: blocks, compact folds, routes, headers that never collide, navigation.

The expected columns are worked out here from the Python layer graph (``convscope.layer_blocks``),
independently of the browser's own plan (``core/blocks.js``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from convscope.formats import zoo_network
from convscope.layer_blocks import fold_targets, layer_blocks, network_blocks
from convscope.network import Network
from convscope.server import create_app
from convscope.types import LayerKind
from convscope.zoo.registry import list_models
from tests.browser.conftest import ARTIFACTS, wait_drawn
from tests.server.images import write_samples
from tests.server.live import live_server

pytestmark = pytest.mark.browser

#: Every zoo model on a small input (random weights): the overview's layout does not depend on H, W.
SIZES = {"tinyvgg": None, "lenet5": None, "alexnet": 67, "vgg16": 32, "resnet18": 64, "resnet34": 64, "googlenet": 64}
DEEP = ["resnet18", "googlenet"]
VIEWPORT = {"width": 1400, "height": 900}


@pytest.fixture(scope="module")
def zoo() -> dict[str, Network]:
    assert set(SIZES) == set(list_models())
    return {name: zoo_network(name, **({"input_size": size} if size else {})) for name, size in SIZES.items()}


@pytest.fixture(scope="module")
def deep_url(zoo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    samples = tmp_path_factory.mktemp("deep-samples")
    write_samples(samples, ["a", "b"])
    with live_server(create_app(zoo, samples_dir=samples)) as url:
        yield url


def _expected_columns(
    net: Network, *, compact: bool, open_blocks: set[str], unfolded: set[str] = frozenset()
) -> list[str]:
    """Column names, left to right, from the layer graph: a collapsed block shows its output only."""
    blocks = {b.name: b for b in network_blocks(net)}
    of, folds = layer_blocks(net), fold_targets(net)
    out = net.layer(net.output_layer)
    classes = {out.name, net.logits_layer}
    names = []
    for layer in net.layers:
        if layer.kind in (LayerKind.FLATTEN, LayerKind.IDENTITY) or layer.name in classes:
            continue
        block = blocks.get(of[layer.name] or "")
        if block and block.name not in open_blocks:
            if layer.name == block.output:
                names.append(layer.name)
            continue
        if compact and layer.name in folds and folds[layer.name] not in unfolded:
            continue
        names.append(layer.name)
    return [*names, net.output_layer]


def _wait_built(page, columns: list[str]) -> None:
    """Wait for the headers of `columns` (built before the maps load: enough for headers and routes)."""
    page.wait_for_function(
        "names => JSON.stringify([...document.querySelectorAll('.layer-label')].map(l => l.dataset.layer)) === JSON.stringify(names)",
        arg=columns,
        timeout=60_000,
    )


def _columns(page) -> list[str]:
    return page.eval_on_selector_all(".layer-label", "ls => ls.map(l => l.dataset.layer)")


def _all_maps_drawn(page, key: str) -> None:
    page.wait_for_function(
        "k => [...document.querySelectorAll('canvas.map')].every(c => c.dataset.trace === k)", arg=key, timeout=30_000
    )


def _on_screen(box: dict | None) -> bool:
    return (
        bool(box)
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= VIEWPORT["width"]
        and (box["y"] + box["height"] <= VIEWPORT["height"])
    )


def _header_boxes(page) -> list[tuple[str, float, float, float, float]]:
    return page.eval_on_selector_all(
        ".layer-label, .block-label, .fold-chip",
        """ns => ns.map(n => { const r = n.getBoundingClientRect();
            return [n.dataset.layer || n.dataset.block || n.dataset.fold, r.left, r.top, r.width, r.height]; })""",
    )


def _overlaps(boxes) -> list[tuple[str, str]]:
    found = []
    for i, (a, x, y, w, h) in enumerate(boxes):
        for b, x2, y2, w2, h2 in boxes[i + 1 :]:
            if x < x2 + w2 and x2 < x + w and y < y2 + h2 and y2 < y + h:
                found.append((a, b))
    return found


@pytest.mark.parametrize("name", DEEP)
def test_first_screen_shows_a_map_of_every_block_and_the_class_column(page, deep_url: str, zoo, name: str) -> None:
    page.goto(f"{deep_url}?model={name}")
    key = wait_drawn(page, f"{name}/sample_0")
    _all_maps_drawn(page, key)
    net = zoo[name]
    assert _columns(page) == _expected_columns(net, compact=True, open_blocks=set())
    blocks = network_blocks(net)
    assert page.locator(".block-label").count() == len(blocks)
    for block in blocks:
        first = page.locator(f"canvas.map[data-layer='{block.output}']").first
        assert _on_screen(first.bounding_box()), f"{block.name}'s output is off the first screen"
        assert page.get_attribute(f".block-label[data-block='{block.name}']", "aria-expanded") == "false"
    assert _on_screen(page.locator(f".layer-label[data-layer='{net.output_layer}']").bounding_box())
    assert _on_screen(page.locator(".class-row").first.bounding_box())
    page.screenshot(path=str(ARTIFACTS / f"deep_first_screen_{name}.png"))
    assert page.errors == []


@pytest.mark.parametrize("name", list(SIZES))
def test_no_two_headers_overlap_for_any_zoo_model(page, deep_url: str, zoo, name: str) -> None:
    page.goto(f"{deep_url}?model={name}")
    wait_drawn(page, f"{name}/sample_0")
    assert _overlaps(_header_boxes(page)) == []
    net = zoo[name]
    if network_blocks(net) or len(net.layers) > 25:
        every = {b.name for b in network_blocks(net)}
        page.goto(f"{deep_url}?model={name}&compact=off&open={','.join(sorted(every)) or '-'}")
        _wait_built(page, _expected_columns(net, compact=False, open_blocks=every))
        assert _overlaps(_header_boxes(page)) == []
    # Every abbreviated header still names its layer in full for a screen reader and on hover.
    for layer, aria, title in page.eval_on_selector_all(
        ".layer-label", "ls => ls.map(l => [l.dataset.layer, l.getAttribute('aria-label'), l.title])"
    ):
        assert title.startswith(f"{layer} ·") and aria in (None, layer)


@pytest.mark.parametrize("name", DEEP)
@pytest.mark.parametrize("state", ["", "&open=all&compact=off", "&open=all"])
def test_every_add_and_concat_has_a_drawn_route_per_graph_input(
    page, deep_url: str, zoo, name: str, state: str
) -> None:
    net = zoo[name]
    every = {b.name for b in network_blocks(net)}
    page.goto(f"{deep_url}?model={name}{state.replace('open=all', 'open=' + ','.join(sorted(every)))}")
    _wait_built(page, _expected_columns(net, compact="compact=off" not in state, open_blocks=every if state else set()))
    joins = [layer for layer in net.layers if layer.kind in (LayerKind.ADD, LayerKind.CONCAT)]
    assert joins
    for layer in joins:
        drawn = page.eval_on_selector_all(
            f".edges-routes path[data-via='{layer.name}']", "ps => ps.map(p => p.getAttribute('d'))"
        )
        assert len(drawn) == len(layer.inputs), layer.name
        assert len(set(drawn)) == len(drawn), f"{layer.name}: two routes drawn on top of each other"


def test_opening_and_collapsing_a_block_changes_the_columns_as_the_graph_says(page, deep_url: str, zoo) -> None:
    net = zoo["resnet18"]
    page.goto(f"{deep_url}?model=resnet18")
    key = wait_drawn(page, "resnet18/sample_0")
    page.click(".block-label[data-block='layer2.0']")
    page.wait_for_function("location.search.includes('open=layer2.0')")
    assert _columns(page) == _expected_columns(net, compact=True, open_blocks={"layer2.0"})
    assert [c for c in _columns(page) if c.startswith("layer2.0.")] == [
        "layer2.0.downsample.0",
        "layer2.0.conv1",
        "layer2.0.conv2",
    ]
    _all_maps_drawn(page, key)  # the opened block's maps are fetched and drawn
    page.reload()
    wait_drawn(page, key)
    assert _columns(page) == _expected_columns(net, compact=True, open_blocks={"layer2.0"})
    page.click(".block-label[data-block='layer2.0']")
    page.wait_for_function("!location.search.includes('open=')")
    assert _columns(page) == _expected_columns(net, compact=True, open_blocks=set())
    page.click(".fold-chip[data-fold='conv1']")
    page.wait_for_function("location.search.includes('unfold=conv1')")
    assert _columns(page)[:4] == ["input", "conv1", "bn1", "relu"]
    _all_maps_drawn(page, key)
    page.uncheck("#compact-toggle")
    page.wait_for_function("location.search.includes('compact=off')")
    assert _columns(page) == _expected_columns(net, compact=False, open_blocks=set())
    assert page.errors == []


def test_hovering_a_block_highlights_the_routes_into_and_out_of_it(page, deep_url: str) -> None:
    page.goto(f"{deep_url}?model=resnet18")
    wait_drawn(page, "resnet18/sample_0")
    page.hover(".block-label[data-block='layer1.0']")
    active = page.eval_on_selector_all(".edges-routes path.active", "ps => ps.map(p => [p.dataset.from, p.dataset.to])")
    # In: the block's path and its identity, both from maxpool; out: layer1.1's path and identity.
    assert sorted(active) == sorted([["maxpool", "layer1.0.relu2"]] * 2 + [["layer1.0.relu2", "layer1.1.relu2"]] * 2)
    assert set(page.eval_on_selector_all(".layer-label.block-io", "ls => ls.map(l => l.dataset.layer)")) == {
        "maxpool",
        "layer1.0.relu2",
        "layer1.1.relu2",
    }
    page.mouse.move(5, 5)
    assert page.locator(".edges-routes path.active").count() == 0


def test_arrow_keys_move_between_columns_and_enter_selects_one(page, deep_url: str, zoo) -> None:
    page.goto(f"{deep_url}?model=resnet18")
    wait_drawn(page, "resnet18/sample_0")
    columns = _columns(page)
    page.focus(".layer-label[data-layer='input']")
    for expected in columns[1:4]:
        page.keyboard.press("ArrowRight")
        assert page.evaluate("document.activeElement.dataset.layer") == expected
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("document.activeElement.dataset.layer") == columns[2]
    page.keyboard.press("Enter")
    page.wait_for_function(f"location.search.includes('layer={columns[2]}')")


def test_the_minimap_marks_the_visible_part_and_scrolls_the_columns(page, deep_url: str, zoo) -> None:
    every = ",".join(b.name for b in network_blocks(zoo["resnet18"]))
    page.goto(f"{deep_url}?model=resnet18&compact=off&open={every}")
    wait_drawn(page, "resnet18/sample_0", timeout=60_000)
    assert page.is_visible(".minimap")
    scroll, client, total = page.eval_on_selector(
        ".overview-scroll", "s => [s.scrollLeft, s.clientWidth, s.scrollWidth]"
    )
    assert scroll == 0 and total > client
    view = page.locator(".minimap-view")
    assert float(view.get_attribute("x")) == 0 and float(view.get_attribute("width")) == client
    columns = page.locator(".minimap-column")
    assert columns.count() == page.locator(".layer-label").count()
    box = page.locator(".minimap").bounding_box()
    page.mouse.click(box["x"] + box["width"] - 4, box["y"] + box["height"] / 2)
    page.wait_for_function("document.querySelector('.overview-scroll').scrollLeft > 0")
    scrolled = page.eval_on_selector(".overview-scroll", "s => s.scrollLeft")
    assert float(view.get_attribute("x")) == pytest.approx(scrolled, abs=1)
    page.screenshot(path=str(ARTIFACTS / "deep_resnet18_every_layer.png"))


def test_small_networks_open_as_before_without_blocks_routes_or_minimap(page, deep_url: str, zoo) -> None:
    page.goto(f"{deep_url}?model=tinyvgg")
    wait_drawn(page, "tinyvgg/sample_0")
    assert _columns(page) == _expected_columns(zoo["tinyvgg"], compact=False, open_blocks=set())
    assert page.locator(".block-label, .fold-chip, .edges-routes path").count() == 0
    assert not page.is_visible(".overview-bar") and not page.is_visible(".minimap")
