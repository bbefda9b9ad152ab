"""The notebook widget's front end in Chromium: the app's modules linked from the kernel's payloads.

The widget model is a stand-in for anywidget's (get/set/save_changes/on) holding exactly
the traits the real ``ConvScopeWidget`` syncs; the page is served from 127.0.0.1. Clicks
are played back into the real Python widget, whose explanation goes back to the page.
(No JupyterLab runs here: examples/quickstart.ipynb runs the Python side in a real kernel.)
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from convscope.colour import Scales, paint
from convscope.formats import resolve_model

pytestmark = pytest.mark.browser
SHOTS = Path("/work/shots-notebook")

HARNESS = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body><div id="cell"></div>
<script type="module">
const state = await (await fetch("state.json")).json();
state.layers_blob = new DataView(await (await fetch("layers.bin")).arrayBuffer());
const listeners = {};
window.changes = [];
const model = {
  get: (k) => state[k],
  set: (k, v) => { state[k] = v; window.changes.push([k, v]); },
  save_changes: () => window.changes.push(["save"]),
  on: (e, f) => { (listeners[e] ??= []).push(f); },
  off: () => {},
};
window.push = (k, v) => { state[k] = v; (listeners["change:" + k] || []).forEach((f) => f()); };
const esm = await import(URL.createObjectURL(new Blob([state._esm], { type: "text/javascript" })));
await esm.default.render({ model, el: document.getElementById("cell") });
</script></body></html>"""


@pytest.fixture(scope="module")
def real_widget():
    from convscope.server.widget import ConvScopeWidget

    net = resolve_model("default")
    return ConvScopeWidget(net.run(sorted(net.samples_dir.glob("*.png"))[0]))


@pytest.fixture(scope="module")
def harness_url(real_widget, tmp_path_factory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("widget")
    traits = real_widget.get_state()
    blob = traits.pop("layers_blob")
    (root / "layers.bin").write_bytes(bytes(blob))
    (root / "state.json").write_text(
        json.dumps({k: v for k, v in traits.items() if not isinstance(v, bytes | memoryview)})
    )
    (root / "index.html").write_text(HARNESS)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()
    server.server_close()


def _pixels(page, layer: str, channel: int) -> np.ndarray:
    data = page.evaluate(
        """([layer, channel]) => {
          const c = document.querySelector(`canvas.map[data-layer="${layer}"][data-channel="${channel}"]`);
          return {w: c.width, h: c.height, px: Array.from(c.getContext("2d").getImageData(0, 0, c.width, c.height).data)};
        }""",
        [layer, channel],
    )
    return np.asarray(data["px"], dtype=np.uint8).reshape(data["h"], data["w"], 4)[:, :, :3]


def test_widget_draws_the_traces_maps_in_the_apps_colours_and_explains_a_clicked_value(page, harness_url, real_widget):
    trace = real_widget.trace
    page.goto(harness_url)
    page.wait_for_selector("#cell[data-drawn='true']")
    scales = Scales(trace)
    for layer, channel in (("conv_1_2", 0), ("relu_2_1", 5), ("input", 0)):
        expected = paint(trace.output(layer, 0)[channel].numpy(), scales.domain("block", layer, channel))
        assert np.array_equal(_pixels(page, layer, channel), expected), layer

    canvas = page.locator('canvas.map[data-layer="conv_1_2"][data-channel="3"]')
    box = canvas.bounding_box()
    assert box["width"] >= 56  # mouse positions are whole pixels: two or more per cell
    page.mouse.click(box["x"] + (7 + 0.5) / 28 * box["width"], box["y"] + (5 + 0.5) / 28 * box["height"])
    changes = dict(c for c in page.evaluate("window.changes") if len(c) == 2)
    assert changes == {"layer": "conv_1_2", "channel": 3, "y": 5, "x": 7}

    real_widget.layer, real_widget.channel, real_widget.y, real_widget.x = "conv_1_2", 3, 5, 7  # what the kernel gets
    assert real_widget.step["output"] == float(trace.output("conv_1_2")[0, 3, 5, 7])
    page.evaluate("([k, v]) => window.push(k, v)", ["step", real_widget.step])
    page.evaluate("([k, v]) => window.push(k, v)", ["layer", "conv_1_2"])
    panel = page.locator(".widget-step")
    assert float(panel.get_attribute("data-output")) == real_widget.step["output"]
    assert "total" in panel.inner_text() and "input channel 15" in panel.inner_text()
    assert page.locator('canvas.map.selected[data-layer="conv_1_2"]').count() == 16

    page.evaluate("([k, v]) => window.push(k, v)", ["scale", "unit"])
    unit = paint(trace.output("conv_1_2", 0)[0].numpy(), scales.domain("unit", "conv_1_2", 0))
    assert np.array_equal(_pixels(page, "conv_1_2", 0), unit)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "widget.png"), full_page=True)
    assert page.errors == []
