"""The sandbox page in Chromium: it shows the server's numbers exactly, refuses bad input beside the field, works by keyboard."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser
MATRIX = "1 2 3 4 5; 6 7 8 9 10; 1 0 1 0 1; 2 4 8 16 32; 5 4 3 2 1"
#: Chromium logs every 4xx resource; the server answers bad input with a 400 by design.
KNOWN_400 = "console error: Failed to load resource: the server responded with a status of 400 (Bad Request)"


@pytest.fixture
def api(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url, timeout=30) as client:
        yield client


def _ready(page) -> str:
    return page.evaluate("document.body.dataset.ready || ''")


def _open(page, server_url: str, query: str = "") -> None:
    page.goto(f"{server_url}sandbox{query}")
    page.wait_for_function("document.body.dataset.ready && document.body.dataset.ready.length > 0", timeout=20_000)


def _computed(page, action) -> None:
    """Run ``action`` (a click, a key) and wait for the page to draw the server's answer to it."""
    before = _ready(page)
    action()
    page.wait_for_function(
        "b => document.body.dataset.ready && document.body.dataset.ready !== b", arg=before, timeout=20_000
    )


def _grid(page, selector: str) -> list[list[float]]:
    return page.eval_on_selector(selector, "t => [...t.rows].map(r => [...r.cells].map(c => Number(c.textContent)))")


def _errors(page) -> list[str]:
    return [e for e in page.errors if e != KNOWN_400]


def test_typed_matrix_with_sobel_x_shows_the_apis_output_at_full_precision(
    page, server_url: str, api: httpx.Client
) -> None:
    _open(page, server_url)
    page.fill("#field-input", MATRIX)
    page.select_option("#field-kernel-choice", "sobel-x")
    _computed(page, lambda: page.click("button.sandbox-compute"))
    expected = api.post("api/calc/conv", json={"input": MATRIX, "kernel": "sobel-x"}).json()
    assert _grid(page, ".output-grid") == expected["output"]
    assert _grid(page, ".input-grid") == expected["input"]  # no padding: no grey ring
    shown = page.locator(".sandbox-step").all_inner_texts()
    assert shown == [s["text"] for s in expected["steps"] if s["step"] == "window"]
    # A blur's outputs are not whole numbers: every digit the server sent is on the page.
    page.select_option("#field-kernel-choice", "box-blur")
    _computed(page, lambda: page.click("button.sandbox-compute"))
    blurred = api.post("api/calc/conv", json={"input": MATRIX, "kernel": "box-blur"}).json()
    cells = page.eval_on_selector_all(".output-grid td", "tds => tds.map(td => td.textContent)")
    assert cells == [repr(v).removesuffix(".0") for row in blurred["output"] for v in row]
    assert any(len(c) > 12 for c in cells)  # e.g. 3.4444444444444446, not a rounded 3.44
    assert _errors(page) == []


def test_hovering_a_window_step_lights_its_window_on_the_input(page, server_url: str, api: httpx.Client) -> None:
    _open(page, server_url)
    page.fill("#field-input", MATRIX)
    page.fill("#field-stride", "2")
    page.fill("#field-padding", "1")
    _computed(page, lambda: page.click("button.sandbox-compute"))
    expected = api.post("api/calc/conv", json={"input": MATRIX, "kernel": "sobel-x", "stride": 2, "padding": 1}).json()
    window = [s for s in expected["steps"] if s["step"] == "window"][1]  # (0,1): a top-edge window
    page.hover(".sandbox-step >> nth=1")
    lit = page.eval_on_selector_all(".input-grid td.on", "tds => tds.map(td => td.dataset.cell)")
    assert sorted(lit) == sorted(f"{r},{c}" for r in window["rows"] for c in window["cols"])
    # The padding ring is drawn as zeros: the lit padding taps are exactly the window's padding mask.
    pads = page.eval_on_selector_all(".input-grid td.on.pad", "tds => tds.map(td => td.dataset.cell)")
    masked = [
        f"{r},{c}"
        for i, r in enumerate(window["rows"])
        for j, c in enumerate(window["cols"])
        if window["padding_mask"][i][j]
    ]
    assert sorted(pads) == sorted(masked) and masked
    assert page.locator(".input-grid tr").count() == 7
    assert page.eval_on_selector_all(".output-grid td.on", "tds => tds.map(td => td.dataset.cell)") == [
        ",".join(map(str, window["position"]))
    ]


@pytest.mark.parametrize(
    ("field", "typed", "body"),
    [
        ("input", "1 2 3; 4 5", {"input": "1 2 3; 4 5", "kernel": "sobel-x"}),
        ("input", "1 x; 2 3", {"input": "1 x; 2 3", "kernel": "sobel-x"}),
        (
            "input",
            ";".join(" ".join(["1"] * 13) for _ in range(13)),
            {"input": ";".join(" ".join(["1"] * 13) for _ in range(13)), "kernel": "sobel-x"},
        ),
        ("stride", "two", {"input": MATRIX, "kernel": "sobel-x", "stride": "two"}),
    ],
)
def test_bad_input_shows_the_servers_message_beside_the_field(
    page, server_url: str, api: httpx.Client, field, typed, body
) -> None:
    _open(page, server_url)
    page.fill(f"#field-{field}", typed)
    _computed(page, lambda: page.click("button.sandbox-compute"))
    expected = api.post("api/calc/conv", json=body).json()
    assert expected["field"] == field
    assert page.inner_text(f"#error-{field}") == expected["detail"]
    assert page.get_attribute(f"#field-{field}", "aria-invalid") == "true"
    assert page.is_visible("button.sandbox-compute") and page.is_visible(".sandbox-tabs")
    assert page.locator(".output-grid").count() == 0  # no stale numbers beside a refused input
    # Fixing it clears the message and computes again.
    page.fill(f"#field-{field}", MATRIX if field == "input" else "1")
    _computed(page, lambda: page.click("button.sandbox-compute"))
    assert page.inner_text(f"#error-{field}") == ""
    assert _errors(page) == []


def test_a_custom_kernel_is_typed_in_its_box_and_refused_beside_it(page, server_url: str, api: httpx.Client) -> None:
    _open(page, server_url)
    page.fill("#field-input", MATRIX)
    page.select_option("#field-kernel-choice", "custom")
    assert page.evaluate("document.activeElement.id") == "field-kernel-custom"
    page.fill("#field-kernel-custom", "1 0; 0 -1")
    _computed(page, lambda: page.keyboard.press("Enter"))
    expected = api.post("api/calc/conv", json={"input": MATRIX, "kernel": "1 0; 0 -1"}).json()
    assert _grid(page, ".output-grid") == expected["output"] and _grid(page, ".kernel-grid") == [[1, 0], [0, -1]]
    page.fill("#field-kernel-custom", "1 0; 0")
    _computed(page, lambda: page.click("button.sandbox-compute"))
    refused = api.post("api/calc/conv", json={"input": MATRIX, "kernel": "1 0; 0"}).json()
    assert refused["field"] == "kernel" and page.inner_text("#error-kernel") == refused["detail"]
    assert _errors(page) == []


def test_a_kernel_bigger_than_the_input_is_explained_beside_compute(page, server_url: str, api: httpx.Client) -> None:
    _open(page, server_url)
    page.fill("#field-input", "1 2; 3 4")
    _computed(page, lambda: page.click("button.sandbox-compute"))
    expected = api.post("api/calc/conv", json={"input": "1 2; 3 4", "kernel": "sobel-x"}).json()
    assert page.inner_text("#error-form") == expected["detail"] and "bigger than the padded input" in expected["detail"]


def test_the_sandbox_is_usable_with_the_keyboard_alone(page, server_url: str, api: httpx.Client) -> None:
    _open(page, server_url)
    page.keyboard.press("Tab")  # the top bar's first link
    for _ in range(10):
        if page.evaluate("document.activeElement.getAttribute('role')") == "tab":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.op") == "conv"
    _computed(page, lambda: page.keyboard.press("ArrowRight"))  # the next calculator, computed at once
    assert page.evaluate("document.activeElement.getAttribute('aria-selected')") == "true"
    assert "op=relu" in page.url
    page.keyboard.press("Tab")  # into the form's first box
    assert page.evaluate("document.activeElement.id") == "field-input"
    page.keyboard.press("Control+A")
    page.keyboard.type("-1 2; 3 -4.5")
    _computed(page, lambda: page.keyboard.press("Enter"))
    expected = api.post("api/calc/relu", json={"input": "-1 2; 3 -4.5"}).json()
    assert _grid(page, ".output-grid") == expected["output"] == [[0, 2], [3, 0]]
    # Tab on to the steps: a focused step lights its value.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('sandbox-step')"):
            break
    assert page.eval_on_selector_all(".input-grid td.on", "tds => tds.map(td => td.dataset.cell)") == ["0,0"]
    assert _errors(page) == []


def test_every_calculator_draws_the_server_result_and_the_top_bar_links_here(
    page, server_url: str, api: httpx.Client
) -> None:
    page.goto(server_url)
    page.click("a.sandbox-link")
    page.wait_for_function("document.body.dataset.ready && document.body.dataset.ready.length > 0", timeout=20_000)
    catalog = api.get("api/calc").json()
    for op in catalog["operations"]:
        _computed(page, lambda op=op: page.click(f"button.sandbox-tab[data-op='{op['id']}']"))
        body = {f["name"]: f["default"] for f in op["fields"] if f["default"] != ""}
        expected = api.post(f"api/calc/{op['id']}", json=body).json()
        assert page.inner_text(".sandbox-intro h2") == op["title"]
        notes = page.locator(".sandbox-notes li").all_inner_texts()
        assert notes == [s["text"] for s in expected["steps"] if s["step"] == "note"]
        if op["id"] == "dense":
            values = page.eval_on_selector_all(".count-value", "tds => tds.map(td => Number(td.dataset.value))")
            assert values == [expected["output"][k] for k in ("weights", "biases", "params", "mults")]
        else:
            rows = _grid(page, ".output-grid")
            assert rows == (expected["output"] if isinstance(expected["output"][0], list) else [expected["output"]])
            page.focus(".sandbox-step >> nth=1")  # a step lights the output value it gives
            lit = page.eval_on_selector_all(".output-grid td.on", "tds => tds.map(td => Number(td.dataset.value))")
            worked = [s for s in expected["steps"] if s["step"] != "note"][1]
            assert lit == [worked.get("value", worked.get("probability"))]
    assert _errors(page) == []


@pytest.mark.parametrize("size", [(1400, 900), (800, 1000)], ids=["wide", "narrow"])
def test_screenshots_of_every_calculator(browser, server_url: str, size) -> None:
    context = browser.new_context(
        viewport={"width": size[0], "height": size[1]}, bypass_csp=True
    )  # see the page fixture
    page = context.new_page()
    try:
        ARTIFACTS.mkdir(exist_ok=True)
        for op in ("conv", "relu", "pool", "flatten", "softmax", "dense"):
            page.goto(f"{server_url}sandbox?op={op}")
            page.wait_for_function(
                "document.body.dataset.ready && document.body.dataset.ready.length > 0", timeout=20_000
            )
            if page.locator(".sandbox-step").count():
                page.hover(".sandbox-step >> nth=1")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= size[0], f"{op}: the page scrolls sideways at {size[0]} px"
            page.screenshot(path=str(ARTIFACTS / f"sandbox-{op}-{size[0]}x{size[1]}.png"), full_page=True)
    finally:
        context.close()


def test_a_twelve_by_twelve_blur_at_full_precision_scrolls_inside_its_figure_not_the_page(
    browser, server_url: str
) -> None:
    context = browser.new_context(viewport={"width": 800, "height": 1000}, bypass_csp=True)  # see the page fixture
    page = context.new_page()
    try:
        _open(page, server_url)
        page.fill("#field-input", "; ".join(" ".join(str((r * 12 + c) % 7) for c in range(12)) for r in range(12)))
        page.select_option("#field-kernel-choice", "box-blur")
        _computed(page, lambda: page.click("button.sandbox-compute"))
        assert page.locator(".output-grid tr").count() == 10
        assert page.evaluate("document.documentElement.scrollWidth") <= 800
        page.screenshot(path=str(ARTIFACTS / "sandbox-conv-12x12-blur-800x1000.png"), full_page=True)
    finally:
        context.close()
