"""The Train page's augmentation previews, live activation maps and overlaid runs, in Chromium.

What the page draws is compared with what the server sends and the run folders hold.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from convscope.server import create_app
from convscope.server.registry import load_models
from tests.server.live import live_server
from tests.training.helpers import needs_fashion_mnist

pytestmark = [pytest.mark.browser, needs_fashion_mnist]


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("browser-runs")


@pytest.fixture(scope="module")
def train_url(runs_dir: Path) -> Iterator[str]:
    app = create_app(load_models(["default"]), runs_dir=runs_dir)
    with live_server(app, lifespan="on") as url:
        yield url


def open_page(page, url: str, query: str = "") -> None:
    page.goto(f"{url}train{query}")
    page.wait_for_function("document.body.dataset.ready === 'true'", timeout=30_000)


def strip(page, title: str) -> list[str]:
    return page.eval_on_selector_all(f'[data-preview="{title}"] img', "imgs => imgs.map(i => i.src)")


def test_switching_an_augmentation_on_shows_its_effect_on_the_samples(page, train_url):
    open_page(page, train_url)
    page.wait_for_function("document.body.dataset.preview === 'none'", timeout=30_000)
    originals = strip(page, "original")
    assert len(originals) == 4 and strip(page, "rotate") == []
    page.check("#train-aug-rotate")
    page.fill("#train-aug-rotate-value", "40")
    page.wait_for_function("document.body.dataset.preview === 'rotate=40.0'", timeout=30_000)
    rotated = strip(page, "rotate")
    seed = page.input_value("#train-seed")
    params = {"augment": ["rotate=40"], "count": 4, "seed": seed}
    expected = httpx.get(f"{train_url}api/train/augment-preview", params=params).json()["columns"]
    assert rotated == expected[1]["images"] and strip(page, "original") == expected[0]["images"] == originals
    assert rotated != originals
    page.check("#train-aug-flip")
    page.wait_for_function("document.body.dataset.preview === 'flip rotate=40.0'", timeout=30_000)
    assert len(strip(page, "flip")) == 4 and len(strip(page, "all")) == 4
    assert not page.errors, page.errors
