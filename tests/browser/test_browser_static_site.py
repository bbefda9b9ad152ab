"""The exported static site in Chromium, served by ``python -m http.server`` with no ConvScope server.

The overview's maps are compared pixel for pixel with the library's trace painted by
``convscope.colour``; each detail view's numbers with ``convscope.explain`` run on the
same image; every request the page makes is answered by the static server.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from convscope.colour import Scales, paint
from convscope.errors import ConvScopeError
from convscope.explain import explain, explain_probabilities
from convscope.formats import resolve_model
from convscope.server.explain_payload import arith_payload, finite
from convscope.server.export_site import export_site
from convscope.server.samples import SAMPLES_DIR
from convscope.teaching.explanations import softmax_panel, step_panel
from convscope.teaching.panel import Panel
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_browser_details import _position, _shown, _view

pytestmark = pytest.mark.browser
IMAGES = ["00000-ankle-boot", "00001-pullover", "00004-shirt"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    export_site(["default"], out, images=IMAGES)
    return out


@pytest.fixture(scope="module")
def site_url(site: Path) -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port), "--directory", str(site)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "python -m http.server did not start"
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def traces() -> dict[str, object]:
    """The library's traces of the exported images, run from the sample files (not from the export)."""
    network = resolve_model("default")
    return {image: network.run(next(SAMPLES_DIR.glob(f"{image}.*"))) for image in IMAGES}


@pytest.fixture
def answers(page) -> list[tuple[int, str]]:
    """Every response the page gets: (status, url)."""
    seen: list[tuple[int, str]] = []
    page.on("response", lambda r: seen.append((r.status, r.url)))
    return seen


def _open(page, url: str, query: str) -> None:
    page.goto(url + query)
    page.wait_for_function("document.body.dataset.drawn && document.body.dataset.drawn.length > 0", timeout=20_000)


def _pixels(page, layer: str, channel: int) -> np.ndarray:
    data = page.evaluate(
        """([layer, channel]) => {
          const c = document.querySelector(`canvas.map[data-layer="${layer}"][data-channel="${channel}"]`);
          return {w: c.width, h: c.height, px: Array.from(c.getContext("2d").getImageData(0, 0, c.width, c.height).data)};
        }""",
        [layer, channel],
    )
    return np.asarray(data["px"], dtype=np.uint8).reshape(data["h"], data["w"], 4)[:, :, :3]


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"static_site_{name}.png"))


def _panel_says(page, view: str, panel: Panel) -> None:
    """The detail view's explanation panel shows ``panel`` (Python's, for the same step): every word and digit."""
    page.wait_for_selector(f".explain-detail[data-view='{view}']", timeout=5_000)
    root = page.locator(".explain-detail")
    assert root.locator(".explain-title").inner_text() == panel.title
    assert root.locator(".explain-seeing").inner_text() == panel.seeing
    assert root.locator(".explain-formula").inner_text() == panel.formula
    assert root.locator(".explain-worked").all_inner_texts() == [line.text() for line in panel.worked]
    assert root.locator(".explain-note").all_inner_texts() == panel.notes


def _all_static(answers: list[tuple[int, str]], url: str) -> None:
    assert answers, "the page made no requests"
    assert all(u.startswith(url) or u.startswith("data:") for _, u in answers), answers
    assert [a for a in answers if a[0] >= 400] == []
    assert not any("/api/" in u for _, u in answers)


def test_overview_draws_the_traces_maps_with_no_convscope_server(page, site_url, traces, answers) -> None:
    for image in IMAGES[:2]:
        _open(page, site_url, f"?model=default&image={image}")
        assert page.evaluate("document.body.dataset.drawn") == f"default/{image}"
        trace = traces[image]
        scales = Scales(trace)
        for layer, channel in (("input", 0), ("conv_1_2", 3), ("relu_2_1", 5), ("max_pool_2", 15)):
            expected = paint(trace.output(layer, 0)[channel].numpy(), scales.domain("block", layer, channel))
            assert np.array_equal(_pixels(page, layer, channel), expected), (image, layer)
        top = int(trace.probabilities[0].argmax())
        assert trace.network.class_names[top] in page.inner_text("#prediction")
    # Uploading and the pages that need a server are hidden; the explorer computes in the page (static/arith.js).
    assert not page.locator(".upload").is_visible()
    assert page.locator("#explorer-entry").is_visible()
    shown = page.eval_on_selector_all("button.sample", "bs => bs.map((b) => b.dataset.sample)")
    assert shown == IMAGES  # exactly the images --images chose
    page.click("button.sample[data-sample='00004-shirt']")
    page.wait_for_function("document.body.dataset.drawn === 'default/00004-shirt'", timeout=20_000)
    _shot(page, "overview")
    _all_static(answers, site_url)
    assert page.errors == [], page.errors


def test_every_detail_view_shows_the_librarys_numbers(page, site_url, traces, answers) -> None:
    image = IMAGES[0]
    trace = traces[image]
    _open(page, site_url, f"?model=default&image={image}")

    # Convolution: the elastic view sweeps every position; its last one against the library.
    page.click("canvas.map[data-layer='conv_1_2'][data-channel='3']")
    _view(page, "conv")
    page.wait_for_selector(".detail-body[data-playing='true']")
    page.click(".player-skip")
    page.wait_for_selector(".detail-body[data-playing='false']")
    assert _position(page, ".elastic-sum") == [3, 27, 27]
    step = explain(trace, "conv_1_2", channel=3, y=27, x=27)
    assert _shown(page, ".elastic-sum .step-output") == pytest.approx(step.output, rel=1e-6)
    assert _shown(page, ".elastic-sum .bias") == pytest.approx(step.bias, rel=1e-6)
    for term in step.terms:
        shown = _shown(page, f".elastic-row[data-input-channel='{term.input_channel}'] .term-value")
        assert shown == pytest.approx(term.sum, rel=1e-6, abs=1e-7)
    _shot(page, "conv")

    # Its formula view: one input channel's window × kernel = products.
    page.click("canvas.intermediate[data-input-channel='2']")
    _view(page, "formula")
    c, y, x = _position(page, ".formula-numbers")
    step = explain(trace, "conv_1_2", channel=c, y=y, x=x)
    term = next(t for t in step.terms if t.input_channel == 2)
    assert _shown(page, ".formula-numbers .term-sum") == pytest.approx(term.sum, rel=1e-6, abs=1e-7)
    cells = page.locator(".products-grid td")
    shown = [float(cells.nth(i).get_attribute("title")) for i in range(cells.count())]
    assert shown == pytest.approx(term.products.flatten().tolist(), rel=1e-6)
    _shot(page, "formula")
    page.keyboard.press("Escape")
    _view(page, "conv")
    page.keyboard.press("Escape")
    page.wait_for_selector(".detail", state="hidden", timeout=5_000)

    # Activation and pooling: click a map, compare with the library at the clicked position.
    for layer, view in (("relu_1_1", "activation"), ("max_pool_1", "pool")):
        page.click(f"canvas.map[data-layer='{layer}'][data-channel='4']", position={"x": 20, "y": 14})
        _view(page, view)
        c, y, x = _position(page, ".dnumbers")
        step = explain(trace, layer, channel=c, y=y, x=x)
        assert _shown(page, ".step-output") == pytest.approx(step.output, rel=1e-6)
        # The worded panel of this position (channel 4, not the first), built in the page (static/panels.js).
        _panel_says(page, view, step_panel(trace.network, finite(step.to_dict())))
        if view == "activation":
            assert page.locator(".dworked").first.inner_text() == step.worked
        else:
            cells = page.locator(".pool-window td")
            values = [float(cells.nth(i).get_attribute("title")) for i in range(cells.count())]
            assert values == pytest.approx(step.window.flatten().tolist(), rel=1e-6)
        _shot(page, view)
        page.keyboard.press("Escape")
        page.wait_for_selector(".detail", state="hidden", timeout=5_000)

    # Fully connected, then softmax, from a class row.
    page.click(".class-row[data-channel='2']")
    _view(page, "linear")
    step = explain(trace, "output", index=2)
    assert _shown(page, ".dnumbers .step-output") == pytest.approx(step.output, rel=1e-6)
    assert _shown(page, ".dnumbers .bias") == pytest.approx(step.bias, rel=1e-6)
    assert page.locator(".contribution").first.locator("td").first.inner_text() == str(step.top[0].input_index)
    # Worded in the page from the step, as the server's route words it.
    _panel_says(page, "linear", step_panel(trace.network, finite(step.to_dict())))
    assert f"{step.output:.4f}".replace("-", "−") in page.inner_text(".explain-detail")
    _shot(page, "linear")
    page.click(".to-softmax")
    _view(page, "softmax")
    softmax = explain_probabilities(trace, index=2)
    assert _shown(page, ".softmax-result .step-output") == pytest.approx(softmax.output, rel=1e-6)
    assert _shown(page, ".exp-sum") == pytest.approx(softmax.shown["sum"], rel=1e-9)
    _panel_says(page, "softmax", softmax_panel(finite(softmax.to_dict())))
    _shot(page, "softmax")

    # Flatten, through the plain step view: unit 200 is cell (c 4, y 0, x 4) of max_pool_2.
    page.goto(site_url + f"?model=default&image={image}&view=detail&layer=flatten&channel=200")
    _view(page, "step")
    step = explain(trace, "flatten", index=200)
    assert _shown(page, ".step-output") == pytest.approx(step.output, rel=1e-6)
    assert '{"channel":4,"y":0,"x":4}' in page.inner_text(".detail .dnumbers")
    _all_static(answers, site_url)
    assert page.errors == [], page.errors


def test_a_why_this_class_url_says_it_needs_a_server(page, site_url, answers) -> None:
    # "Why this class?" computes attributions on a server; the exported site's link to it says so in one line.
    _open(page, site_url, f"?model=default&image={IMAGES[0]}&view=why&class=3")
    page.wait_for_selector(".detail[data-view='why'][data-ready='true']:not([hidden])", timeout=10_000)
    assert page.locator(".detail .detail-message").inner_text() == (
        "“Why this class?” needs a ConvScope server: attribution maps are computed by convscope serve."
    )
    assert page.locator(".detail .insight-map").count() == 0
    assert not page.locator(".class-why").first.is_visible() and not page.locator(".prediction-why").is_visible()
    _shot(page, "why")
    page.keyboard.press("Escape")
    page.wait_for_selector(".detail", state="hidden", timeout=5_000)


def _explorer_drawn(page, query: str) -> None:
    page.wait_for_function(
        "q => { const d = document.querySelector('.detail-body'); return d && d.dataset.settings === q"
        " && d.dataset.valid !== undefined; }",
        arg=query,
        timeout=10_000,
    )


def _fill_explorer(page, **values: int) -> None:
    for key, value in values.items():
        page.fill(f".explorer-form input[name='{key}']", str(value))


def test_the_explorer_answers_as_the_server_would_with_no_server(page, site_url, answers) -> None:
    """Opened from its entry: sizes, strict rule, "same" padding, steps and refusals equal arith_payload's."""
    _open(page, site_url, "?model=default&image=00000-ankle-boot")
    page.click("#explorer-entry")
    page.wait_for_selector(".detail[data-view='explorer'][data-ready='true']:not([hidden])", timeout=20_000)

    # A convolution that does not tile its input: 8×8, K 3, S 2, D 2.
    _fill_explorer(page, size=8, kernel=3, stride=2, padding=1, dilation=2)
    _explorer_drawn(page, "size=8&kernel=3&stride=2&padding=1&dilation=2")
    want = arith_payload(size=8, kernel=3, stride=2, padding="1", dilation=2, pool=False)["report"]
    assert (
        page.locator(".rule-floor .rule-size").inner_text() == f"{want['output']['height']}×{want['output']['width']}"
    )
    assert page.locator(".rule-strict .rule-reason").inner_text() == want["strict_rule"]["reason"]
    assert page.locator(".explorer-steps li").all_inner_texts() == want["steps"]
    output = page.locator("canvas.explorer-output")
    assert (output.get_attribute("data-rows"), output.get_attribute("data-cols")) == ("3", "3")
    _shot(page, "explorer_conv")

    # "Same" padding with an even kernel: no single P gives it, and the page says why.
    _fill_explorer(page, size=9, kernel=4, stride=1, dilation=1)
    page.check(".explorer-form input[name='same']")
    _explorer_drawn(page, "size=9&kernel=4&stride=1&padding=same&dilation=1")
    same = arith_payload(size=9, kernel=4, stride=1, padding="same", dilation=1, pool=False)["report"]
    assert same["same_padding"]["reason"] in page.locator(".explorer-problem").inner_text()
    assert page.locator(".explorer-steps li").all_inner_texts() == same["steps"]
    page.uncheck(".explorer-form input[name='same']")

    # Max pooling, floor and ceil side by side, then a padding PyTorch refuses.
    page.check(".explorer-form input[name='mode'][value='pool']")
    _fill_explorer(page, size=7, kernel=2, stride=2, padding=0, dilation=1)
    _explorer_drawn(page, "size=7&kernel=2&stride=2&padding=0&dilation=1&pool=true")
    floor = arith_payload(size=7, kernel=2, stride=2, padding="0", dilation=1, pool=True)["report"]["output"]
    ceil = arith_payload(size=7, kernel=2, stride=2, padding="0", dilation=1, pool=True, ceil_mode=True)["report"]
    assert page.locator(".rule-floor .rule-size").inner_text() == f"{floor['height']}×{floor['width']}" == "3×3"
    assert page.locator(".rule-ceil .rule-size").inner_text() == f"{ceil['output']['height']}×{ceil['output']['width']}"
    assert page.locator(".rule-ceil .hint").inner_text() in ceil["steps"]
    _shot(page, "explorer_pool")
    _fill_explorer(page, padding=2)
    page.wait_for_selector(".detail-body[data-valid='impossible']", timeout=10_000)
    with pytest.raises(ConvScopeError) as refused:
        arith_payload(size=7, kernel=2, stride=2, padding="2", dilation=1, pool=True)
    said = page.locator(".explorer-problem .detail-message").inner_text()
    assert said == f"No output at all: {refused.value}"
    _shot(page, "explorer_impossible")
    _all_static(answers, site_url)
    assert page.errors == [], page.errors
