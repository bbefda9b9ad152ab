"""The Train page in Chromium: start a run, watch it update, stop it, continue it, open the model.

Every number the page shows is compared with the run folder the training
process wrote (metrics.json, test.json, live.jsonl).
"""

from __future__ import annotations

import json

import pytest

from convscope.training.live import LIVE_NAME, read_events
from tests.browser.conftest import wait_drawn
from tests.training.helpers import needs_fashion_mnist

pytestmark = [pytest.mark.browser, needs_fashion_mnist]
#: Chromium logs every 4xx resource; the server answers an impossible setting with a 400 by design.
KNOWN_400 = "console error: Failed to load resource: the server responded with a status of 400 (Bad Request)"


def open_page(page, url: str) -> None:
    page.goto(f"{url}train")
    page.wait_for_function("document.body.dataset.ready === 'true'", timeout=30_000)


def fill_small_run(page, name: str, epochs: int) -> None:
    page.fill("#train-name", name)
    page.fill("#train-limit_train", "300")
    page.fill("#train-epochs", str(epochs))
    page.fill("#train-batch_size", "32")
    page.fill("#train-opt-filters", "4")


def wait_status(page, status: str, timeout: float = 300_000) -> None:
    page.wait_for_function("s => document.body.dataset.status === s", arg=status, timeout=timeout)


def test_an_impossible_setting_is_shown_beside_its_control_before_anything_starts(page, train_url, runs_dir):
    open_page(page, train_url)
    page.fill("#train-name", "never")
    page.fill("#train-lr", "-1")
    page.click("#train-start")
    error = page.wait_for_selector('[data-field="lr"] .field-error', timeout=30_000)
    assert "--lr must be positive" in error.inner_text()
    assert page.get_attribute("#train-lr", "aria-invalid") == "true"
    assert not (runs_dir / "never").exists()
    assert set(page.errors) <= {KNOWN_400}, page.errors


def test_a_run_started_from_the_page_shows_the_run_folders_numbers_and_opens_in_the_explainer(
    page, train_url, runs_dir
):
    open_page(page, train_url)
    fill_small_run(page, "page-small", epochs=2)
    page.click("#train-start")
    page.wait_for_function("Number(document.body.dataset.steps) > 0", timeout=300_000)
    assert page.query_selector("#live-filters") is not None
    wait_status(page, "finished")
    page.wait_for_selector("#live-confusion")
    page.wait_for_timeout(300)  # the last animation frame
    folder = runs_dir / "page-small"
    metrics = json.loads((folder / "metrics.json").read_text())["epochs"]
    test = json.loads((folder / "test.json").read_text())
    events, _ = read_events(folder / LIVE_NAME)

    # Epoch dots carry the exact values of metrics.json.
    titles = page.eval_on_selector_all("circle.epoch-dot title", "ts => ts.map(t => t.textContent)")
    for m in metrics:
        assert f"epoch {m['epoch']} validation accuracy: {m['val_accuracy']}" in titles
        assert f"epoch {m['epoch']} training loss: {m['train_loss']}" in titles
    shown = page.inner_text('#live-numbers [data-key="val_accuracy"] b')
    assert shown == f"{metrics[-1]['val_accuracy'] * 100:.1f} %"
    assert page.inner_text('#live-numbers [data-key="test_accuracy"] b') == f"{test['accuracy'] * 100:.1f} %"

    # The confusion matrix is test.json's.
    cells = page.eval_on_selector_all(
        "#live-confusion tr",
        "rows => rows.slice(1).map(r => [...r.querySelectorAll('td')].map(td => Number(td.textContent)))",
    )
    assert cells == test["confusion"]

    # The last filters and probe drawn are the last the process sent.
    last_filters = [e for e in events if e["type"] == "filters"][-1]
    assert page.get_attribute("#live-filters", "data-step") == str(last_filters["step"])
    assert page.locator("#live-filters canvas").count() == last_filters["shape"][0]
    last_probe = [e for e in events if e["type"] == "probe"][-1]
    drawn = page.eval_on_selector_all(
        "#live-probe [data-probability]", "ps => ps.map(p => Number(p.dataset.probability))"
    )
    assert drawn == last_probe["probabilities"]

    # A confusion cell opens its test images.
    off = next((i, j) for i, row in enumerate(test["confusion"]) for j, n in enumerate(row) if i != j and n > 0)
    page.click(f'[data-cell="{off[0]},{off[1]}"]')
    page.wait_for_selector("#live-cell img", timeout=60_000)
    assert page.locator("#live-cell img").count() == min(24, test["confusion"][off[0]][off[1]])

    # The model joins the explainer.
    page.click("#train-open")
    page.wait_for_url("**/?model=run-page-small*", timeout=30_000)
    drawn_key = wait_drawn(page, timeout=60_000)
    assert drawn_key.startswith("run-page-small/")
    assert not page.errors, page.errors


def test_a_run_is_stopped_and_continued_from_the_page_and_a_reload_shows_it_all(page, train_url, runs_dir):
    open_page(page, train_url)
    # Far more epochs than the test lets it train: it stops the run after its first epoch, and
    # 30 epochs (~11 s here) could all finish before a busy machine's page got to the stop button.
    fill_small_run(page, "page-long", epochs=1000)
    page.click("#train-start")
    page.wait_for_selector("circle.epoch-dot.val", timeout=300_000)
    page.click("#train-stop")
    wait_status(page, "stopped")
    finished = len(json.loads((runs_dir / "page-long" / "metrics.json").read_text())["epochs"])
    page.click("#train-continue")
    wait_status(page, "running")
    # The resumed process starts at its checkpoint: its first step comes after the epochs already trained.
    page.wait_for_function(
        "n => [...document.querySelectorAll('#live-numbers [data-key=epoch] b')].some(b => parseFloat(b.textContent) > n)",
        arg=finished,
        timeout=300_000,
    )
    # A reload replays the whole run from its event file.
    page.reload()
    page.wait_for_function("document.body.dataset.ready === 'true'", timeout=30_000)
    wait_status(page, "running")
    dots = page.locator("circle.epoch-dot.val").count()
    assert dots >= finished
    page.click("#train-stop")
    wait_status(page, "stopped")
    # The runs table follows from its own request, answered after the live stream's last event.
    page.wait_for_function(
        """() => { const cell = document.querySelectorAll('[data-run="page-long"] td')[2];
                   return cell && cell.textContent === "stopped"; }""",  # after the compare box and the name
        timeout=10_000,
    )
    assert not page.errors, page.errors


def test_a_finished_run_draws_under_the_servers_content_security_policy(browser, train_url, runs_dir):
    # The other tests bypass the CSP (Playwright's predicates need eval); this one keeps it and reads back the page.
    assert (runs_dir / "page-small" / "model").exists(), "runs after the start-and-open test"
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{train_url}train?run=page-small")
        page.wait_for_selector("#live-confusion", timeout=60_000)
        widths = page.eval_on_selector_all("#live-probe .bar span", "spans => spans.map(s => s.style.width)")
        assert widths and all(w.endswith("%") for w in widths)
        assert not errors, errors
    finally:
        context.close()
