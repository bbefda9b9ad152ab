"""What the tests need from outside Python, and the one rule for when it is missing.

On a developer's machine a missing browser, Node or dataset skips the tests that need
it (``-rs`` lists each skip and why). Under CI (the environment variable ``CI`` set to
true, as ``.ci/run`` and hosted runners do) it fails them instead: a run that skips
what it cannot run would report success for tests that never ran.

The gates are fixtures (``tests/conftest.py``, ``tests/browser/conftest.py``), so the
tests behind them are always collected and the count of tests does not shrink.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from convscope.data.fashion_mnist import DEFAULT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
#: How Playwright starts it, for the browser tests and ``benchmarks/bench_web.py`` alike.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: CNN Explainer's TinyVGG with its images and probabilities, in the shared folder beside the repository.
CNN_EXPLAINER = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "cnn-explainer-tinyvgg"
FASHION_MNIST = DEFAULT_ROOT
NODE = shutil.which("node")

#: Apply to a test (or set as ``pytestmark``) that reads Debian's Fashion-MNIST.
needs_fashion_mnist = pytest.mark.usefixtures("fashion_mnist")
#: Apply to a test (or set as ``pytestmark``) that reads the shared CNN Explainer fixture.
needs_cnn_explainer = pytest.mark.usefixtures("cnn_explainer_dir")


def in_ci() -> bool:
    """Whether this run is CI's, where every requirement must be present."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require(present: bool, what: str, how_to_install: str) -> None:
    """Return when ``present``; otherwise skip the test, or fail it under CI.

    Args:
        present: whether the requirement was found.
        what: what is missing, as the message names it.
        how_to_install: the command or step that provides it.
    """
    if present:
        return
    message = f"{what} is missing; install it with: {how_to_install}"
    if in_ci():
        pytest.fail(f"{message} (CI is set, so a missing requirement fails the run instead of skipping)", pytrace=False)
    pytest.skip(message)


def chromium() -> Path:
    """Debian's Chromium, which the browser tests drive (never a downloaded browser)."""
    require(CHROMIUM.is_file(), f"Chromium at {CHROMIUM}", "apt-get install chromium")
    return CHROMIUM


def playwright_sync_api() -> ModuleType:
    """Playwright for Python's synchronous API."""
    try:
        from playwright import sync_api
    except ImportError:
        sync_api = None
    require(sync_api is not None, "Playwright for Python", "pip install -e '.[test]'")
    return sync_api


def node() -> str:
    """The ``node`` executable that runs the browser app's core tests (``node --test``)."""
    require(NODE is not None, "Node.js (node on PATH)", "apt-get install nodejs")
    return NODE


def fashion_mnist() -> Path:
    """The folder of Debian's Fashion-MNIST IDX files."""
    require(FASHION_MNIST.is_dir(), f"Fashion-MNIST at {FASHION_MNIST}", "apt-get install dataset-fashion-mnist")
    return FASHION_MNIST


def cnn_explainer() -> Path:
    """The shared CNN Explainer fixture folder (model.json, weights, images, expected.json)."""
    require(
        CNN_EXPLAINER.is_dir(),
        f"CNN Explainer's TinyVGG fixture at {CNN_EXPLAINER}",
        "check out ../shared beside the repository",
    )
    return CNN_EXPLAINER
