"""The notebook widget in a real JupyterLab and kernel, driven in Debian's Chromium.

The test starts JupyterLab on 127.0.0.1 with its own token and folders (no news, no
update check, a read-only extension manager), opens a notebook that makes
``convscope.widget(net, image)``, runs its cells in the page, and checks what the cell
draws against the library run in this process: the overview's maps against the trace's
values in the app's colours, a clicked map's detail view against ``explain``, the
kernel's state following the click, and the page following state set from Python.
Every request the page makes off 127.0.0.1 is refused and counted (there must be none).
It takes about 30–60 s, most of it JupyterLab and the kernel starting.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from convscope.colour import Scales, paint
from convscope.explain import explain, explain_probabilities
from convscope.formats import resolve_model
from tests.browser.conftest import ARTIFACTS
from tests.requirements import require

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MAKE = """import json
import convscope
from convscope.formats import resolve_model
net = resolve_model("default")
image = sorted(net.samples_dir.glob("*.png"))[0]
w = convscope.widget(net, image)
w"""
STATE = 'print("STATE " + json.dumps({k: getattr(w, k) for k in ("view", "layer", "channel", "y", "x")}))'
FOLLOW = """with w.hold_sync():
    w.layer, w.channel, w.position = "relu_2_1", 5, (4, 6)"""
SOFTMAX = """w.view, w.channel = "softmax", 7"""
SCALE = 'w.scale = "unit"'
EXPLORER = 'w.view = "explorer"'

CONFIG = """c.ServerApp.ip = "127.0.0.1"
c.ServerApp.port = {port}
c.ServerApp.port_retries = 0
c.ServerApp.open_browser = False
c.ServerApp.allow_root = True  # CI runs as root
c.ServerApp.terminals_enabled = False
c.ServerApp.root_dir = {root!r}
c.IdentityProvider.token = {token!r}
# Nothing reaches the network: no news feed, no update check, no PyPI extension manager.
c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
c.LabApp.extension_manager = "readonly"
# window.jupyterapp, so that the test runs the notebook's cells through JupyterLab's own commands.
c.LabApp.expose_app_in_browser = True
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    """In the child before exec: end JupyterLab (and so its kernel) if pytest itself is killed."""
    import ctypes
    import signal

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _write_notebook(path: Path) -> None:
    try:
        import nbformat
    except ImportError:
        nbformat = None
    require(nbformat is not None, "nbformat", "pip install -e '.[test]'")
    cells = [nbformat.v4.new_code_cell(source) for source in (MAKE, STATE, FOLLOW, SOFTMAX, SCALE, EXPLORER)]
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}  # no kernel picker
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": kernel}), path)


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """JupyterLab on 127.0.0.1 serving a folder with widget.ipynb; yields the notebook's URL (token included)."""
    try:
        import jupyterlab
    except ImportError:
        jupyterlab = None
    require(jupyterlab is not None, "JupyterLab", "pip install -e '.[test]'")
    base = tmp_path_factory.mktemp("jupyterlab")
    root, home = base / "notebooks", base / "home"
    root.mkdir()
    home.mkdir()
    _write_notebook(root / "widget.ipynb")
    port, token = _free_port(), secrets.token_hex(16)
    config = base / "jupyter_lab_config.py"
    config.write_text(CONFIG.format(port=port, root=str(root), token=token))
    # JupyterLab asks whether to fetch its news feed: that plugin is switched off (the feed itself is, above).
    labconfig = home / "config" / "labconfig"
    labconfig.mkdir(parents=True)
    off = {"@jupyterlab/apputils-extension:announcements": True}
    (labconfig / "page_config.json").write_text(json.dumps({"disabledExtensions": off}))
    env = {
        **os.environ,
        # Own folders for everything JupyterLab and the kernel keep, so the user's settings play no part.
        "HOME": str(home),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "IPYTHONDIR": str(home / "ipython"),
        "MPLBACKEND": "agg",
    }
    log = (base / "jupyterlab.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", f"--config={config}"],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_die_with_parent,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, (base / "jupyterlab.log").read_text()[-3000:]
            try:
                if httpx.get(f"{url}/api/status", params={"token": token}, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "JupyterLab did not start in 120 s"
            time.sleep(0.5)
        yield f"{url}/lab/tree/widget.ipynb?token={token}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def trace():
    """The notebook's trace, computed again here: what the cell draws is checked against it."""
    net = resolve_model("default")
    return net.run(sorted(net.samples_dir.glob("*.png"))[0])


@pytest.fixture
def lab_page(browser, request: pytest.FixtureRequest) -> Iterator[object]:
    """A page that may reach 127.0.0.1 only; ``page.offsite`` lists what it tried to reach elsewhere."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.offsite = []
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))

    def route(found) -> None:
        if found.request.url.startswith("http://127.0.0.1:"):
            found.continue_()
        else:
            page.offsite.append(found.request.url)
            found.abort()

    context.route("**/*", route)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def _run_cell(page, index: int) -> None:
    """Run cell ``index`` with JupyterLab's own command, as Ctrl+Enter does, and wait until it has run."""
    page.evaluate(
        """async (index) => {
          const app = window.jupyterapp;
          const panel = app.shell.currentWidget;
          const run = (async () => {
            await panel.sessionContext.ready;
            panel.content.activeCellIndex = index;
            await app.commands.execute("notebook:run-cell");
          })();
          const late = new Promise((_, reject) => setTimeout(() => reject(new Error(`cell ${index} did not run in 120 s`)), 120000));
          await Promise.race([run, late]);
        }""",
        index,
    )


def _state(page) -> dict:
    """The widget's traits as the kernel holds them, printed by the notebook's second cell."""
    _run_cell(page, 1)
    page.wait_for_function(
        "() => (window.jupyterapp.shell.currentWidget.content.widgets[1].outputArea.node.textContent || '').includes('STATE ')"
    )
    text = page.evaluate("window.jupyterapp.shell.currentWidget.content.widgets[1].outputArea.node.textContent")
    return json.loads(text.split("STATE ", 1)[1].strip())


def _pixels(page, layer: str, channel: int) -> np.ndarray:
    data = page.evaluate(
        """([layer, channel]) => {
          const c = document.querySelector(`.convscope-widget canvas.map[data-layer="${layer}"][data-channel="${channel}"]`);
          return {w: c.width, h: c.height, px: Array.from(c.getContext("2d").getImageData(0, 0, c.width, c.height).data)};
        }""",
        [layer, channel],
    )
    return np.asarray(data["px"], dtype=np.uint8).reshape(data["h"], data["w"], 4)[:, :, :3]


def _view(page, name: str) -> None:
    page.wait_for_selector(
        f".convscope-widget .detail[data-view='{name}'][data-ready='true']:not([hidden])", timeout=30_000
    )


def _shown(page, selector: str) -> float:
    """The full-precision value a displayed number carries in its title."""
    return float(page.locator(f".convscope-widget .detail {selector}").first.get_attribute("title"))


def _position(page, selector: str) -> list[int]:
    scope = f".convscope-widget .detail {selector}"
    node = page.locator(f"{scope}[data-position], {scope} [data-position]").first
    return [int(v) for v in node.get_attribute("data-position").split(",")]


def test_widget_in_jupyterlab_draws_the_trace_opens_detail_views_and_follows_python(lab_page, jupyterlab, trace):
    page = lab_page
    page.goto(jupyterlab)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget", timeout=90_000)
    _run_cell(page, 0)
    page.wait_for_selector("[data-drawn='true'] .convscope-widget", timeout=90_000)

    scales = Scales(trace)
    for layer, channel in (("input", 0), ("conv_1_2", 0), ("relu_2_1", 5)):
        expected = paint(trace.output(layer, 0)[channel].numpy(), scales.domain("block", layer, channel))
        assert np.array_equal(_pixels(page, layer, channel), expected), layer
    page.screenshot(path=str(ARTIFACTS / "jupyterlab_widget_overview.png"))

    # A click on a conv map opens the app's conv view, sweeping; skipping lands on its last output cell.
    page.click(".convscope-widget canvas.map[data-layer='conv_1_2'][data-channel='3']")
    _view(page, "conv")
    page.wait_for_selector(".convscope-widget .detail-body[data-playing='true']")
    page.click(".convscope-widget .player-skip")
    page.wait_for_selector(".convscope-widget .detail-body[data-playing='false']")
    _, height, width = trace.network.layer("conv_1_2").output_shape
    assert _position(page, ".elastic-sum") == [3, height - 1, width - 1]
    step = explain(trace, "conv_1_2", channel=3, y=height - 1, x=width - 1)
    assert _shown(page, ".elastic-sum .step-output") == pytest.approx(step.output, rel=1e-12)
    for term in step.to_dict()["terms"]:
        shown = _shown(page, f".elastic-row[data-input-channel='{term['input_channel']}'] .term-value")
        assert shown == pytest.approx(term["sum"], rel=1e-12)
    page.wait_for_selector(".convscope-widget .explain-detail:not([hidden])")
    page.screenshot(path=str(ARTIFACTS / "jupyterlab_widget_conv.png"))
    state = _state(page)
    assert state == {"view": "detail", "layer": "conv_1_2", "channel": 3, "y": height - 1, "x": width - 1}

    # State set from Python: the cell shows that layer's view at that position.
    _run_cell(page, 2)
    _view(page, "activation")
    page.wait_for_function(
        "() => document.querySelector('.convscope-widget .detail [data-position=\"5,4,6\"]') !== null"
    )
    step = explain(trace, "relu_2_1", channel=5, y=4, x=6)
    assert _shown(page, ".step-output") == pytest.approx(step.output, rel=1e-12)
    assert _shown(page, ".step-input") == pytest.approx(step.to_dict()["input"], rel=1e-12)
    assert page.locator(".convscope-widget .detail .dworked").first.inner_text() == step.to_dict()["worked"]
    page.screenshot(path=str(ARTIFACTS / "jupyterlab_widget_activation.png"))

    # A view named from Python: the softmax, singling out class 7.
    _run_cell(page, 3)
    _view(page, "softmax")
    softmax = explain_probabilities(trace, index=7).to_dict()
    assert _shown(page, ".softmax-result .step-output") == pytest.approx(softmax["output"], rel=1e-12)
    assert _shown(page, ".exp-sum") == pytest.approx(softmax["shown"]["sum"], rel=1e-12)

    # Esc in the cell steps back one level (the softmax to the layer's view), Back to the overview,
    # and the kernel hears of it.
    page.locator(".convscope-widget .detail-back").focus()
    page.keyboard.press("Escape")
    _view(page, "activation")
    page.locator(".convscope-widget .detail-back").click()
    page.wait_for_selector(".convscope-widget .detail", state="hidden")
    assert _state(page)["view"] == "overview"

    # The colour scale set from Python: the maps are painted again, each on its own range.
    unit = paint(trace.output("conv_1_2", 0)[0].numpy(), scales.domain("unit", "conv_1_2", 0))
    assert not np.array_equal(_pixels(page, "conv_1_2", 0), unit)  # the block and unit scales differ here
    _run_cell(page, 4)
    deadline = time.monotonic() + 10
    while not np.array_equal(_pixels(page, "conv_1_2", 0), unit):
        assert time.monotonic() < deadline, "the maps were not repainted on the unit scale"
        time.sleep(0.2)

    # The hyperparameter explorer: its arithmetic and panel are the kernel's answers too.
    _run_cell(page, 5)
    _view(page, "explorer")
    page.wait_for_selector(".convscope-widget .detail [data-valid='valid'] .explorer-stage .cell-grid")
    page.wait_for_selector(".convscope-widget .explain-detail:not([hidden]) .explain-worked")
    page.screenshot(path=str(ARTIFACTS / "jupyterlab_widget_explorer.png"))
    assert page.offsite == []
    assert page.errors == []
