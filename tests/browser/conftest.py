"""Debian's Chromium driven by Playwright against a live ConvScope server.

Never downloads a browser. When /usr/bin/chromium or Playwright is missing every
browser test is still collected and then skipped, or failed under CI (``tests/requirements.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from convscope.formats import zoo_network
from convscope.server import create_app
from convscope.server.registry import load_models
from tests import requirements
from tests.server.images import write_samples
from tests.server.live import live_server

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress"]


@pytest.fixture(scope="session", autouse=True)
def chromium() -> Path:
    """Checked before any browser test builds its server: Playwright, then Debian's Chromium."""
    requirements.playwright_sync_api()
    return requirements.chromium()


@pytest.fixture(scope="session")
def browser_app(tmp_path_factory: pytest.TempPathFactory):
    samples = tmp_path_factory.mktemp("browser-samples")
    write_samples(samples, LABELS)
    models = {**load_models(["default"]), "gray": zoo_network("tinyvgg", in_channels=1, input_size=28, seed=3)}
    models["default"].samples_dir = None  # these tests' gallery is exactly the four written above
    return create_app(models, samples_dir=samples)


@pytest.fixture(scope="session")
def server_url(browser_app) -> Iterator[str]:
    with live_server(browser_app) as url:
        yield url


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator[object]:
    with requirements.playwright_sync_api().sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium), args=requirements.CHROMIUM_ARGS)
        yield launched
        launched.close()


def api_fixture(url_fixture: str):
    """An ``api`` fixture for a module with its own live server: an HTTP client on the URL ``url_fixture`` yields."""

    @pytest.fixture
    def api(request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
        with httpx.Client(base_url=request.getfixturevalue(url_fixture), timeout=30) as client:
            yield client

    return api


@pytest.fixture
def page(browser, request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh page; console errors and page errors are collected in ``page.errors``.

    The server's Content-Security-Policy forbids eval, which Playwright's string
    predicates need, so these pages bypass it; test_browser_csp.py drives the app under it.
    """
    context = browser.new_context(viewport={"width": 1400, "height": 900}, bypass_csp=True)
    p = context.new_page()
    p.errors = []
    p.on("console", lambda m: p.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    p.on("pageerror", lambda e: p.errors.append(f"page error: {e}"))
    yield p
    ARTIFACTS.mkdir(exist_ok=True)
    p.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def wait_drawn(page, key: str | None = None, timeout: float = 20_000) -> str:
    """Wait until the overview reports every map drawn (for ``key`` = "model/image" when given)."""
    if key is None:
        page.wait_for_function("document.body.dataset.drawn && document.body.dataset.drawn.length > 0", timeout=timeout)
    else:
        page.wait_for_function("k => document.body.dataset.drawn === k", arg=key, timeout=timeout)
    return page.evaluate("document.body.dataset.drawn")


# The Train page's tests (test_browser_train*.py): a server with a runs folder of their own per module.
@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("browser-runs")


@pytest.fixture(scope="module")
def train_url(runs_dir: Path) -> Iterator[str]:
    app = create_app(load_models(["default"]), runs_dir=runs_dir)
    with live_server(app, lifespan="on") as url:
        yield url
