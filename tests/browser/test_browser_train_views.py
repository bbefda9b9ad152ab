"""The Train page's augmentation previews, live activation maps and overlaid runs, in Chromium.

What the page draws is compared with what the server sends and the run folders hold.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from convscope.training.live import LIVE_NAME, read_events
from tests.training.helpers import TINY_ARCH, needs_fashion_mnist, tiny_cli_args

pytestmark = [pytest.mark.browser, needs_fashion_mnist]


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


@pytest.fixture(scope="module")
def two_runs(train_url: str, runs_dir: Path) -> tuple[str, str]:
    """A run started from the page (3 epochs, with a validation split) and one from the CLI (2 epochs)."""
    settings = {
        "name": "page-run", "arch": "tinyvgg", "arch_options": dict(TINY_ARCH), "data": "fashion-mnist",
        "limit_train": 300, "limit_test": 200, "epochs": 3, "batch_size": 32, "lr": 0.01, "threads": 1, "seed": 3,
    }  # fmt: skip
    answer = httpx.post(f"{train_url}api/train/start", json=settings, timeout=60)
    assert answer.status_code == 200, answer.text
    cli = subprocess.run(
        [sys.executable, "-m", "convscope", *tiny_cli_args(str(runs_dir / "cli-run"))], capture_output=True, timeout=600
    )
    assert cli.returncode == 0, cli.stderr.decode()
    deadline = time.monotonic() + 600  # a bound on a hang, not a timing
    while httpx.get(f"{train_url}api/train/runs/page-run").json()["status"] != "finished":
        assert time.monotonic() < deadline, "the page's run did not finish"
        time.sleep(0.5)
    return "page-run", "cli-run"


def test_the_probe_images_maps_are_drawn_from_the_last_maps_event(page, train_url, runs_dir, two_runs):
    open_page(page, train_url, "?run=page-run")
    page.wait_for_function("document.body.dataset.status === 'finished'", timeout=60_000)
    page.wait_for_selector("#live-maps")
    page.wait_for_timeout(300)  # the last animation frame
    events, _ = read_events(runs_dir / "page-run" / LIVE_NAME)
    last = [e for e in events if e["type"] == "maps"][-1]
    assert page.get_attribute("#live-maps", "data-step") == str(last["step"])
    rows = page.eval_on_selector_all(
        "#live-maps .maps-row",
        "rows => rows.map(r => [r.dataset.layer, [...r.querySelectorAll('canvas')].map(c => [c.width, c.height])])",
    )
    assert rows == [
        [layer["name"], [list(reversed(layer["shape"][1:]))] * layer["channels"]] for layer in last["layers"]
    ]
    assert not page.errors, page.errors


def test_ticked_runs_are_overlaid_with_each_folders_metrics(page, train_url, runs_dir, two_runs):
    open_page(page, train_url)
    page.check('[data-compare="page-run"]')
    page.wait_for_function("document.body.dataset.compared === 'page-run'", timeout=30_000)
    page.check('[data-compare="cli-run"]')
    page.wait_for_function("document.body.dataset.compared === 'page-run,cli-run'", timeout=30_000)
    legend = page.eval_on_selector_all("#overlay-legend li[data-run]", "items => items.map(i => i.dataset.run)")
    assert legend == ["page-run", "cli-run"]
    dots = page.eval_on_selector_all(
        "circle.overlay-dot",
        "cs => cs.map(c => [c.dataset.run, Number(c.dataset.epoch), c.dataset.field, Number(c.dataset.value)])",
    )
    expected = []
    for key in ("accuracy", "loss"):
        for name in two_runs:
            for which in ("train", "val"):
                epochs = json.loads((runs_dir / name / "metrics.json").read_text())["epochs"]
                field = f"{which}_{key}"
                expected += [[name, e["epoch"], field, e[field]] for e in epochs if e[field] is not None]
    assert dots == expected
    assert {d[0] for d in dots if d[2] == "val_accuracy"} == {"page-run", "cli-run"}
    # The ticked runs live in the URL: a reload shows the same chart.
    page.reload()
    page.wait_for_function("document.body.dataset.compared === 'page-run,cli-run'", timeout=30_000)
    assert page.locator("circle.overlay-dot").count() == len(expected)
    assert not page.errors, page.errors
