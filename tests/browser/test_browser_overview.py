"""The overview in a real Chromium: drawing, samples, uploads, scales, URL state, keyboard, bad input."""

from __future__ import annotations

import hashlib
import json
import re

import numpy as np
import pytest
from PIL import Image

from convscope.cli import main
from convscope.inputs import decode_image
from convscope.types import LayerKind
from tests.browser.conftest import ARTIFACTS, LABELS, wait_drawn
from tests.server import images

pytestmark = pytest.mark.browser


def _network(app, model_id: str = "default"):
    return app.state.service.models.get(model_id)


def _expected_map_count(network) -> int:
    """Maps the overview should draw, counted from the layer graph independently of the JS layout."""
    hidden = {LayerKind.FLATTEN, LayerKind.IDENTITY}
    out = network.layer(network.output_layer)
    classes = {out.name, *(out.inputs[:1] if out.kind in (LayerKind.SOFTMAX, LayerKind.LOG_SOFTMAX) else ())}
    count = 0
    for layer in network.layers:
        if layer.kind in hidden or layer.name in classes:
            continue
        count += min(layer.output_shape[0], 16) if layer.is_spatial else 1
    return count


def _predicted_label(network, data: bytes) -> str:
    probs = network.predict(network.input_spec.preprocess(decode_image(data)))[0]
    return network.class_names[int(probs.argmax())]


def _traces_shown(page) -> set[str]:
    return set(page.eval_on_selector_all("canvas.map", "cs => cs.map(c => c.dataset.trace || '')"))


def test_page_loads_with_every_map_drawn_and_no_console_errors(page, server_url: str, browser_app) -> None:
    page.goto(server_url)
    assert wait_drawn(page, "default/sample_0") == "default/sample_0"
    network = _network(browser_app)
    assert page.locator("canvas.map").count() == _expected_map_count(network)
    assert _traces_shown(page) == {"default/sample_0"}
    names = page.eval_on_selector_all(".layer-label", "ls => ls.map(l => l.dataset.layer)")
    assert "flatten" not in names and names[0] == "input" and names[-1] == network.output_layer
    assert page.locator(".channel-name").all_inner_texts() == list(network.input_spec.channel_names)
    assert page.locator(".class-row").count() == network.num_classes
    assert page.errors == []


def test_choosing_a_sample_redraws_every_map(page, server_url: str, browser_app, tmp_path) -> None:
    page.goto(server_url)
    wait_drawn(page, "default/sample_0")
    before = page.eval_on_selector("canvas.map[data-layer='input']", "c => c.toDataURL()")
    page.click(".sample[data-sample='sample_2']")
    wait_drawn(page, "default/sample_2")
    assert _traces_shown(page) == {"default/sample_2"}
    assert page.eval_on_selector("canvas.map[data-layer='input']", "c => c.toDataURL()") != before
    assert page.get_attribute(".sample[data-sample='sample_2']", "aria-pressed") == "true"
    network = _network(browser_app)
    sample = browser_app.state.service.samples.get("sample_2").read_bytes()
    assert page.inner_text(".prediction-label") == _predicted_label(network, sample)
    assert f"true label: {LABELS[2]}" in page.inner_text("#prediction")
    assert page.errors == []


def test_input_maps_show_the_image_as_the_network_sees_it(page, server_url: str, browser_app) -> None:
    page.goto(server_url + "?model=gray&image=sample_1&scale=unit")
    wait_drawn(page, "gray/sample_1")
    shown = page.eval_on_selector(
        "canvas.map[data-layer='input']",
        "c => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data.filter((_, i) => i % 4 === 0))",
    )
    network = _network(browser_app, "gray")
    x = network.input_spec.preprocess(Image.open(browser_app.state.service.samples.get("sample_1").path))[
        0, 0
    ]  # (H, W)
    lo, hi = float(x.min()), float(x.max())
    expected = np.clip(np.round((x.numpy() - lo) / (hi - lo) * 255), 0, 255)
    assert np.abs(np.asarray(shown, dtype=np.float64).reshape(expected.shape) - expected).max() <= 1


def _cli_predictions(paths: list, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """Top class of each file from ``convscope predict --json`` with the model the server shows as "default"."""
    capsys.readouterr()
    assert main(["predict", "default", *map(str, paths), "--top", "1", "--json"]) == 0
    return [p["top"][0]["class"] for p in json.loads(capsys.readouterr().out)["predictions"]]


def test_uploaded_png_and_dropped_jpeg_are_classified_like_predict(
    page, server_url: str, browser_app, tmp_path, capsys
) -> None:
    network = _network(browser_app)
    page.goto(server_url)
    wait_drawn(page, "default/sample_0")
    png = images.png(90, 50, seed=21)
    page.set_input_files("#upload-input", files=[{"name": "wide.png", "mimeType": "image/png", "buffer": png}])
    wait_drawn(page, f"default/{hashlib.sha256(png).hexdigest()}")
    assert page.inner_text(".prediction-label") == _predicted_label(network, png)
    jpeg = images.jpeg(120, 200, seed=22)
    page.evaluate(
        """([bytes, name]) => {
            const data = new DataTransfer();
            data.items.add(new File([new Uint8Array(bytes)], name, { type: "image/jpeg" }));
            document.body.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
        }""",
        [list(jpeg), "tall.jpg"],
    )
    wait_drawn(page, f"default/{hashlib.sha256(jpeg).hexdigest()}")
    assert page.inner_text(".prediction-label") == _predicted_label(network, jpeg)
    assert "resized from 120×200" in page.inner_text(".preview figcaption")
    (tmp_path / "wide.png").write_bytes(png)
    (tmp_path / "tall.jpg").write_bytes(jpeg)
    assert _cli_predictions([tmp_path / "wide.png", tmp_path / "tall.jpg"], capsys) == [
        _predicted_label(network, png),
        _predicted_label(network, jpeg),
    ]
    assert page.errors == []


def test_colour_scale_switch_changes_the_legend(page, server_url: str, browser_app) -> None:
    page.goto(server_url + "?model=gray&image=sample_3")
    wait_drawn(page, "gray/sample_3")
    block = page.inner_text("#legends")
    assert "block 1" in block and "block 2" in block
    page.check("input[name='scale'][value='global']")
    page.wait_for_function("document.querySelector('#legends').dataset.mode === 'global'")
    legend = page.inner_text("#legends")
    assert legend != block and "all layers" in legend and "block 1" not in legend
    trace = browser_app.state.service.cache.get(("gray", "sample_3")).trace
    network = _network(browser_app, "gray")
    drawn = [
        layer.name
        for layer in network.layers[1:]
        if layer.kind is not LayerKind.FLATTEN and layer.name != network.output_layer
    ]
    extent = max(abs(v) for name in drawn for v in trace.value_range(name))
    ticks = page.locator(".legend[data-scheme='diverging'] .legend-ticks span").all_inner_texts()
    assert float(ticks[-1]) == pytest.approx(extent, rel=5e-3) and float(ticks[0]) == pytest.approx(-extent, rel=5e-3)
    assert set(page.eval_on_selector_all("canvas.map", "cs => cs.map(c => c.dataset.scale)")) == {"global"}
    assert "scale=global" in page.url
    page.check("input[name='scale'][value='unit']")
    page.wait_for_function("document.querySelector('#legends').dataset.mode === 'unit'")
    assert "each map its own range" in page.inner_text("#legends")


def test_url_state_round_trips_through_reload_and_back(page, server_url: str) -> None:
    page.goto(server_url)
    wait_drawn(page, "default/sample_0")
    page.click(".sample[data-sample='sample_1']")
    wait_drawn(page, "default/sample_1")
    page.click(".layer-label[data-layer='conv_1_1']")
    page.wait_for_function("location.search.includes('layer=conv_1_1')")
    assert "image=sample_1" in page.url
    page.reload()
    wait_drawn(page, "default/sample_1")
    assert page.get_attribute(".layer-label[data-layer='conv_1_1']", "aria-pressed") == "true"
    assert page.inner_text("#layer-info h2") == "conv_1_1"
    page.go_back()
    page.wait_for_function("!location.search.includes('layer=')")
    assert page.get_attribute(".layer-label[data-layer='conv_1_1']", "aria-pressed") == "false"
    page.go_back()
    wait_drawn(page, "default/sample_0")
    page.go_forward()
    wait_drawn(page, "default/sample_1")
    assert page.errors == []


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [("notes.png", b"just some text, not pixels\n" * 10, "not an image"), ("empty.png", b"", "empty")],
)
def test_bad_upload_shows_the_message_and_keeps_the_previous_image(
    page, server_url: str, name: str, data: bytes, words: str
) -> None:
    page.goto(server_url)
    wait_drawn(page, "default/sample_0")
    prediction, url = page.inner_text("#prediction"), page.url
    page.set_input_files("#upload-input", files=[{"name": name, "mimeType": "image/png", "buffer": data}])
    page.wait_for_function("document.querySelector('#upload-error').textContent.length > 0")
    assert words in page.inner_text("#upload-error")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"bad_upload_{name}.png"))
    assert page.evaluate("document.body.dataset.drawn") == "default/sample_0"
    assert _traces_shown(page) == {"default/sample_0"}
    assert page.inner_text("#prediction") == prediction and page.url == url
    good = images.png(40, 40, seed=5)
    page.set_input_files("#upload-input", files=[{"name": "good.png", "mimeType": "image/png", "buffer": good}])
    wait_drawn(page, f"default/{hashlib.sha256(good).hexdigest()}")
    assert page.inner_text("#upload-error") == ""


def test_details_show_kind_and_shape_and_the_selected_layer_its_facts(page, server_url: str, browser_app) -> None:
    page.goto(server_url + "?model=gray&image=sample_2&layer=conv_2_1&details=1")
    wait_drawn(page, "gray/sample_2")
    layer = _network(browser_app, "gray").layer("conv_2_1")
    shape = "×".join(str(s) for s in layer.output_shape)
    assert page.inner_text(".layer-label[data-layer='conv_2_1'] .layer-kind") == "conv2d"
    assert page.inner_text(".layer-label[data-layer='conv_2_1'] .layer-shape") == shape
    facts = page.inner_text("#layer-info")
    assert f"{layer.params:,}" in facts and f"{layer.mults:,}" in facts and shape in facts
    assert page.locator("canvas.map.selected").count() == layer.output_shape[0]
    page.uncheck("#details-toggle")
    page.wait_for_function("!location.search.includes('details=')")
    assert page.locator(".layer-shape").count() == 0
    assert _traces_shown(page) == {"gray/sample_2"}  # rebuilt columns are repainted from the same trace


def test_every_control_is_reachable_by_keyboard(page, server_url: str) -> None:
    page.goto(server_url)
    wait_drawn(page, "default/sample_0")
    reached = []
    for _ in range(60):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate(
                "(() => { const e = document.activeElement; return e.dataset.sample ? 'sample' : e.dataset.layer ? 'layer:' + e.dataset.layer : e.id || e.name || e.tagName; })()"
            )
        )
    assert {"sample", "upload-button", "scale", "details-toggle", "layer:conv_1_1"} <= set(reached)
    while page.evaluate("document.activeElement.dataset.layer") != "relu_1_1":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_function("location.search.includes('layer=relu_1_1')")
    page.keyboard.press("Escape")
    page.wait_for_function("!location.search.includes('layer=')")
    page.focus(".sample[data-sample='sample_3']")
    page.keyboard.press("Space")
    wait_drawn(page, "default/sample_3")
    page.focus("input[name='scale'][value='block']")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.querySelector('#legends').dataset.mode === 'global'")


def test_hovering_a_map_shows_its_connections_and_values(page, server_url: str, browser_app) -> None:
    page.goto(server_url + "?model=gray&image=sample_0")
    wait_drawn(page, "gray/sample_0")
    canvas = page.locator("canvas.map[data-layer='conv_1_2'][data-channel='3']")
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.3)
    assert page.locator(".edges-strong path").count() == 10  # a conv map reads every map of relu_1_1
    text = page.inner_text(".tooltip")
    y, x, value = re.search(r"value at \(y (\d+), x (\d+)\): (\S+)", text).groups()
    network = _network(browser_app, "gray")
    trace = network.run(
        network.input_spec.preprocess(Image.open(browser_app.state.service.samples.get("sample_0").path))
    )
    expected = float(trace.output("conv_1_2")[0, 3, int(y), int(x)])
    assert float(value) == pytest.approx(expected, rel=6e-3, abs=1e-3)
    lo, hi = trace.channel_ranges("conv_1_2")[3].tolist()
    assert re.search(r"map range: (\S+) … (\S+)", text).groups() == tuple(_three_digits(v) for v in (lo, hi))
    relu = page.locator("canvas.map[data-layer='relu_1_2'][data-channel='0']").bounding_box()
    page.mouse.move(relu["x"] + 5, relu["y"] + 5)
    assert page.locator(".edges-strong path").count() == 1  # an activation reads only its own map
    row = page.locator(".class-row").nth(2).bounding_box()
    page.mouse.move(row["x"] + 10, row["y"] + 5)
    assert page.locator(".edges-strong path").count() == 10


def _three_digits(v: float) -> str:
    """What the page's formatValue prints, written independently: 3 significant digits."""
    if v == 0:
        return "0"
    if abs(v) >= 1e5 or abs(v) < 1e-3:
        mantissa, exponent = f"{v:.2e}".split("e")
        return f"{mantissa}e{'+' if int(exponent) >= 0 else '-'}{abs(int(exponent))}"
    text = f"{float(f'{v:.3g}'):f}".rstrip("0").rstrip(".")
    return text


def test_narrow_screens_scroll_the_columns_instead_of_overlapping(browser, server_url: str) -> None:
    context = browser.new_context(viewport={"width": 420, "height": 800}, bypass_csp=True)  # see the page fixture
    page = context.new_page()
    try:
        page.goto(server_url)
        wait_drawn(page, "default/sample_0")
        sizes = page.eval_on_selector(".overview-scroll", "s => [s.scrollWidth, s.clientWidth]")
        assert sizes[0] > sizes[1]
        assert page.evaluate("document.documentElement.scrollWidth") <= 420
        boxes = page.eval_on_selector_all(
            "canvas.map", "cs => cs.map(c => [c.offsetLeft, c.offsetTop, c.offsetWidth, c.offsetHeight])"
        )
        for i, (x, y, w, h) in enumerate(boxes):
            for x2, y2, w2, h2 in boxes[i + 1 :]:
                assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y, "two maps overlap"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "narrow_screen.png"), full_page=True)
    finally:
        context.close()
