"""RGB inputs in their colours, in Chromium: CNN Explainer's TinyVGG's red, green and blue channels, a gray model's gray."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator

import httpx
import numpy as np
import pytest
from PIL import Image

from convscope.formats import resolve_model, zoo_network
from convscope.server import create_app
from convscope.server.tensor_codec import decode_tensor
from tests.browser.conftest import ARTIFACTS, api_fixture, wait_drawn
from tests.conftest import CNN_EXPLAINER
from tests.server.live import live_server

pytestmark = pytest.mark.browser
PRIMARY = ("red", "green", "blue")


@pytest.fixture(scope="module")
def tint_url(expected: dict) -> Iterator[str]:
    network = resolve_model(CNN_EXPLAINER / "model.json", classes=expected["classes"])
    gray = zoo_network("tinyvgg", in_channels=1, input_size=28, seed=3)
    with live_server(create_app({"cnn-explainer": network, "gray": gray}, samples_dir=None)) as url:
        yield url


api = api_fixture("tint_url")


def _upload(page, url: str, model: str, data: bytes, mime: str) -> dict:
    """Open ``model`` and upload ``data`` through the page, as a learner does; the trace's model and image ids."""
    page.goto(f"{url}?model={model}")
    page.wait_for_selector("#upload-input", state="attached")
    page.set_input_files("#upload-input", files=[{"name": "upload", "mimeType": mime, "buffer": data}])
    image = hashlib.sha256(data).hexdigest()
    wait_drawn(page, f"{model}/{image}")
    return {"model": model, "image": image}


def _input_name(api: httpx.Client, model: str) -> str:
    layers = api.get(f"api/models/{model}").json()["layers"]
    return next(layer["name"] for layer in layers if layer["display"] == "input")


def _channels(api: httpx.Client, info: dict, name: str) -> np.ndarray:
    answer = api.get(f"api/models/{info['model']}/traces/{info['image']}/layers/{name}", params={"dtype": "float32"})
    assert answer.status_code == 200, answer.text
    return decode_tensor(answer.content)[1]  # (C, H, W)


def _pixels(page, selector: str) -> np.ndarray:
    """The RGB pixels a canvas holds, (H, W, 3)."""
    data = page.eval_on_selector(
        selector,
        "c => ({w: c.width, h: c.height, px: [...c.getContext('2d').getImageData(0, 0, c.width, c.height).data]})",
    )
    return np.asarray(data["px"], dtype=np.int64).reshape(data["h"], data["w"], 4)[..., :3]


def _block_means(values: np.ndarray, factor: int) -> np.ndarray:
    """(C, H, W) → (C, H/factor, W/factor): the mean of each factor×factor block, independently of the server."""
    c, h, w = values.shape
    return values.reshape(c, h // factor, factor, w // factor, factor).mean(axis=(2, 4))


def _ramp(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Each value's place in the map's min … max, as 0 … 255 (what a per-map tint shows)."""
    return np.round((values - lo) / (hi - lo) * 255)


def test_rgb_input_channels_are_tinted_red_green_and_blue_in_the_overview(page, tint_url, api) -> None:
    data = (CNN_EXPLAINER / "images" / "koala_1.jpeg").read_bytes()
    info = _upload(page, tint_url, "cnn-explainer", data, "image/jpeg")
    name = _input_name(api, "cnn-explainer")
    assert api.get("api/models/cnn-explainer").json()["input_spec"]["channel_tints"] == list(PRIMARY)
    page.check("input[name='scale'][value='unit']")  # each map its own range: black at its minimum
    page.wait_for_function(f"document.querySelector(\"canvas.map[data-layer='{name}']\").dataset.scale === 'unit'")
    values = _channels(api, info, name)
    for c, tint in enumerate(PRIMARY):
        pixels = _pixels(page, f"canvas.map[data-layer='{name}'][data-channel='{c}']")
        # Maps bigger than they are drawn travel reduced to whole blocks (the input by their mean);
        # the per-map scale still spans the full-resolution channel's min … max.
        factor = values.shape[1] // pixels.shape[0]
        shown = _block_means(values, factor) if factor > 1 else values
        others = [k for k in range(3) if k != c]
        assert (pixels[..., others] == 0).all(), f"{tint} channel has other colours in it"
        ramp = _ramp(shown[c], float(values[c].min()), float(values[c].max()))
        assert np.abs(pixels[..., c] - ramp).max() <= 1  # black at the minimum, pure colour at the maximum
    schemes = page.eval_on_selector_all("#legends .legend", "ls => ls.map((l) => l.dataset.scheme)")
    assert schemes[:3] == list(PRIMARY) and "gray" not in schemes
    # The names sit beside the maps, never over them.
    for c in range(3):
        label = page.locator(".channel-name").nth(c).bounding_box()
        image = page.locator(f"canvas.map[data-layer='{name}'][data-channel='{c}']").bounding_box()
        assert label["x"] >= image["x"] + image["width"] - 0.5
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "tints_overview.png"))
    assert page.errors == [], page.errors


def test_the_conv_view_tints_each_input_channel_and_adds_them_into_a_composite(page, tint_url, api) -> None:
    data = (CNN_EXPLAINER / "images" / "pizza_1.jpeg").read_bytes()
    info = _upload(page, tint_url, "cnn-explainer", data, "image/jpeg")
    name = _input_name(api, "cnn-explainer")
    conv = next(layer for layer in api.get("api/models/cnn-explainer").json()["layers"] if layer["inputs"] == [name])
    page.click(f"canvas.map[data-layer='{conv['name']}'][data-channel='0']")
    page.wait_for_selector(".detail[data-view='conv'][data-ready='true']:not([hidden])", timeout=10_000)
    values = _channels(api, info, name)
    shown = {}
    for c, tint in enumerate(PRIMARY):
        selector = f".elastic-row[data-input-channel='{c}'] canvas.dmap-canvas"
        assert page.get_attribute(selector, "data-tint") == tint
        shown[c] = _pixels(page, selector)
        assert (shown[c][..., [k for k in range(3) if k != c]] == 0).all()
        assert np.abs(shown[c][..., c] - _ramp(values[c], float(values[c].min()), float(values[c].max()))).max() <= 1
    composite = _pixels(page, ".composite canvas")
    for c in range(3):
        assert np.abs(composite[..., c] - shown[c][..., c]).max() <= 1  # the three tints added up
    _, height, width = conv["output_shape"]
    captions = page.locator(".elastic-row[data-input-channel='0'] figcaption").all_inner_texts()
    assert captions == ["Red · 64×64", f"intermediate 0 · {height}×{width}"]  # shapes under the maps, not on them
    page.screenshot(path=str(ARTIFACTS / "tints_conv.png"))
    assert page.errors == [], page.errors


def test_a_gray_input_stays_gray(page, tint_url, api) -> None:
    buffer = io.BytesIO()
    Image.fromarray(np.arange(28 * 28, dtype=np.uint8).reshape(28, 28)).save(buffer, format="PNG")
    _upload(page, tint_url, "gray", buffer.getvalue(), "image/png")
    name = _input_name(api, "gray")
    pixels = _pixels(page, f"canvas.map[data-layer='{name}'][data-channel='0']")
    assert (pixels[..., 0] == pixels[..., 1]).all() and (pixels[..., 1] == pixels[..., 2]).all()
    assert pixels.max() > 200 and pixels.min() < 50  # a ramp from dark to light, not one colour
    assert page.eval_on_selector_all("#legends .legend", "ls => ls.map((l) => l.dataset.scheme)")[0] == "gray"
    assert page.errors == [], page.errors
