"""A downloaded CNN Explainer next to the default model: its own gallery, its numbers, the picker, the banner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from convscope.formats import zoo_network
from convscope.server import create_app
from convscope.server.registry import load_models
from tests.browser.conftest import ARTIFACTS, wait_drawn
from tests.conftest import CNN_EXPLAINER
from tests.download_mirror import Mirror, fixture_bytes_for, serving
from tests.server.live import live_server

pytestmark = pytest.mark.browser

DEFAULT_SAMPLES = (
    Path(__file__).resolve().parents[2] / "src" / "convscope" / "assets" / "models" / "default" / "samples"
)


@pytest.fixture(scope="module")
def models_url(expected: dict, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Mirror]]:
    """cnn-explainer downloaded from a mirror on 127.0.0.1 into an empty cache, then the default and a zoo model."""
    from convscope.formats.download import registry

    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("CONVSCOPE_HOME", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("CONVSCOPE_OFFLINE", raising=False)
    try:
        with serving() as mirror:
            for url, data in fixture_bytes_for(registry.downloads()["cnn-explainer"]).items():
                mirror.add(url, data)
            monkeypatch.setenv("CONVSCOPE_MIRROR", mirror.url)
            models = {**load_models(["cnn-explainer", "default"]), "tinyvgg": zoo_network("tinyvgg")}
            with live_server(create_app(models)) as url:
                yield url, mirror
    finally:
        monkeypatch.undo()


def gallery_ids(page) -> list[str]:
    return page.eval_on_selector_all(".samples .sample", "bs => bs.map(b => b.dataset.sample)")


def test_cnn_explainer_coffee_cup_shows_its_published_probabilities_and_only_its_own_gallery(
    page, models_url, expected: dict
) -> None:
    url, mirror = models_url
    page.goto(url)
    wait_drawn(page, "cnn-explainer/boat_1")  # the first model's first sample
    assert sorted(gallery_ids(page)) == sorted(p.stem for p in (CNN_EXPLAINER / "images").iterdir())
    page.click('.sample[data-sample="espresso_1"]')
    wait_drawn(page, "cnn-explainer/espresso_1")
    probabilities = expected["images"]["espresso_1.jpeg"]["probabilities"]
    shown = [float(text.rstrip("%")) for text in page.locator(".class-value").all_inner_texts()]
    assert shown == pytest.approx([p * 100 for p in probabilities], abs=0.051)
    assert page.inner_text(".prediction-label") == "espresso"
    assert "true label: espresso ✓" in page.inner_text("#prediction")
    assert page.locator("#banner").is_hidden()
    page.screenshot(path=str(ARTIFACTS / "cnn-explainer-gallery.png"), full_page=False)
    assert page.errors == []


def test_the_picker_switches_to_the_default_model_and_its_own_samples(page, models_url) -> None:
    url, _ = models_url
    page.goto(f"{url}?model=cnn-explainer&image=pizza_1")
    wait_drawn(page, "cnn-explainer/pizza_1")
    picker = page.locator("#model-picker")
    assert picker.is_visible()
    assert page.locator('.model-choice[data-model="cnn-explainer"]').get_attribute("aria-pressed") == "true"
    page.screenshot(path=str(ARTIFACTS / "model-picker.png"), clip={"x": 0, "y": 0, "width": 1400, "height": 260})
    page.click('.model-choice[data-model="default"]')
    first = json.loads((DEFAULT_SAMPLES / "samples.json").read_text())["samples"][0]["file"].removesuffix(".png")
    wait_drawn(page, f"default/{first}")
    assert gallery_ids(page) == [
        Path(s["file"]).stem for s in json.loads((DEFAULT_SAMPLES / "samples.json").read_text())["samples"]
    ]
    assert "model=default" in page.url and "pizza_1" not in page.url
    page.go_back()
    wait_drawn(page, "cnn-explainer/pizza_1")
    assert "pizza_1" in gallery_ids(page)
    assert page.errors == []


def test_a_model_with_random_weights_says_so_in_a_banner(page, models_url) -> None:
    url, _ = models_url
    page.goto(f"{url}?model=tinyvgg")
    page.wait_for_function("document.body.dataset.drawn === 'none'")
    banner = page.locator("#banner")
    assert banner.is_visible() and "random weights — predictions are meaningless until trained" in banner.inner_text()
    assert page.locator('.model-choice[data-model="tinyvgg"] .model-choice-tag').inner_text() == "random weights"
    assert gallery_ids(page) == []  # a zoo model has no samples, and never another model's
    page.screenshot(
        path=str(ARTIFACTS / "random-weights-banner.png"), clip={"x": 0, "y": 0, "width": 1400, "height": 300}
    )
    assert page.errors == []


def test_an_upload_keeps_its_file_name_in_the_gallery_across_models(page, models_url) -> None:
    url, _ = models_url
    data = (CNN_EXPLAINER / "images" / "koala_2.jpeg").read_bytes()
    page.goto(f"{url}?model=cnn-explainer&image=boat_1")
    wait_drawn(page, "cnn-explainer/boat_1")
    page.set_input_files("#upload-input", files=[{"name": "my koala.jpeg", "mimeType": "image/jpeg", "buffer": data}])
    import hashlib

    image_id = hashlib.sha256(data).hexdigest()
    wait_drawn(page, f"cnn-explainer/{image_id}")
    upload = page.locator(f'.sample.uploaded[data-sample="{image_id}"]')
    assert upload.inner_text() == "my koala.jpeg" and upload.get_attribute("aria-pressed") == "true"
    page.click('.model-choice[data-model="default"]')
    wait_drawn(page, f"default/{image_id}")  # the reader's own image stays; the default's samples come first
    assert page.locator(f'.sample.uploaded[data-sample="{image_id}"]').inner_text() == "my koala.jpeg"
    assert "boat_1" not in gallery_ids(page)
    assert page.errors == []
