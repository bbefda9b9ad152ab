"""CNN Explainer's own TinyVGG, imported from TF.js, served in the app: its classes, its three channels, its numbers."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from convscope.formats import resolve_model
from convscope.server import create_app
from tests.browser.conftest import wait_drawn
from tests.conftest import CNN_EXPLAINER
from tests.server.live import live_server

pytestmark = pytest.mark.browser

IMAGES = ("koala_1.jpeg", "pizza_1.jpeg", "boat_1.jpeg")


@pytest.fixture(scope="module")
def cnn_explainer_url(expected: dict) -> Iterator[str]:
    network = resolve_model(CNN_EXPLAINER / "model.json", classes=expected["classes"])
    with live_server(create_app({"cnn-explainer": network}, samples_dir=None)) as url:
        yield url


@pytest.mark.parametrize("name", IMAGES)
def test_uploaded_fixture_image_shows_cnn_explainers_own_probabilities(
    page, cnn_explainer_url: str, expected: dict, name: str
) -> None:
    data = (CNN_EXPLAINER / "images" / name).read_bytes()
    page.goto(cnn_explainer_url)
    page.wait_for_selector("#upload-input", state="attached")
    page.set_input_files("#upload-input", files=[{"name": name, "mimeType": "image/jpeg", "buffer": data}])
    wait_drawn(page, f"cnn-explainer/{hashlib.sha256(data).hexdigest()}")
    probabilities = expected["images"][name]["probabilities"]
    best = max(range(len(probabilities)), key=probabilities.__getitem__)
    assert page.inner_text(".prediction-label") == expected["classes"][best]
    assert page.locator(".class-label").all_inner_texts() == expected["classes"]
    # Each bar's percentage is the reference runtime's probability, rounded as the page rounds it.
    shown = [float(text.rstrip("%")) for text in page.locator(".class-value").all_inner_texts()]
    assert shown == pytest.approx([p * 100 for p in probabilities], abs=0.051)
    assert page.locator(".channel-name").all_inner_texts() == ["Red", "Green", "Blue"]
    assert page.errors == []
