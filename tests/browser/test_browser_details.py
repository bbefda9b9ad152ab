"""Detail views in Chromium: open each by clicking, compare a displayed number with the API, step back with Esc."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import torch

from convscope.formats import zoo_network
from convscope.inputs import InputSpec
from convscope.network import Network
from convscope.server import create_app
from tests.browser.conftest import ARTIFACTS, api_fixture
from tests.models import CustomLayerNet, ResidualNet
from tests.server.images import write_samples
from tests.server.live import live_server

pytestmark = pytest.mark.browser
LABELS = ["T-shirt/top", "Trouser", "Pullover"]


@pytest.fixture(scope="module")
def details_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    samples = tmp_path_factory.mktemp("detail-samples")
    write_samples(samples, LABELS, size=(40, 40), mode="RGB")
    torch.manual_seed(31)
    residual = Network(ResidualNet(classes=3), InputSpec(3, 16, 16), name="residual")
    torch.manual_seed(32)
    custom = Network(CustomLayerNet(), InputSpec(3, 8, 8), name="custom")
    app = create_app(
        {"rgb": zoo_network("tinyvgg", seed=4), "residual": residual, "custom": custom}, samples_dir=samples
    )
    with live_server(app) as url:
        yield url


api = api_fixture("details_url")


def _open(page, url: str, query: str) -> None:
    page.goto(url + query)
    page.wait_for_function("document.body.dataset.drawn && document.body.dataset.drawn.length > 0", timeout=20_000)


def _view(page, name: str) -> None:
    page.wait_for_selector(f".detail[data-view='{name}'][data-ready='true']:not([hidden])", timeout=10_000)


def _explain(api: httpx.Client, model: str, image: str, layer: str, **params: int) -> dict:
    answer = api.get(f"api/models/{model}/traces/{image}/layers/{layer}/explain", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _shown(page, selector: str) -> float:
    """The full-precision value a displayed number carries in its title."""
    return float(page.locator(selector).first.get_attribute("title"))


def _position(page, scope: str) -> list[int]:
    page.wait_for_selector(f"{scope} [data-position], {scope}[data-position]", timeout=10_000)
    node = page.locator(f"{scope}[data-position], {scope} [data-position]").first
    return [int(v) for v in node.get_attribute("data-position").split(",")]


def _query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def _esc_to(page, view: str | None, shot: str | None = "") -> None:
    """Screenshot the open view as the user sees it, then press Esc and wait for the level above."""
    ARTIFACTS.mkdir(exist_ok=True)
    name = shot or f"detail_{page.locator('.detail').get_attribute('data-view')}"
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    page.keyboard.press("Escape")
    if view is None:
        page.wait_for_selector(".detail", state="hidden", timeout=5_000)
        assert _query(page).get("view") is None
    else:
        _view(page, view)


def _no_errors(page) -> None:
    assert page.errors == [], page.errors


def _click_map(
    page, api: httpx.Client, model: str, image: str, layer: str, channel: int, at: tuple[int, int], view: str
):
    """Click one channel's map at ``at`` (x, y), wait for ``view``: the clicked position and the API's step for it."""
    page.click(f"canvas.map[data-layer='{layer}'][data-channel='{channel}']", position={"x": at[0], "y": at[1]})
    _view(page, view)
    position = _position(page, ".dnumbers")
    c, y, x = position
    return position, _explain(api, model, image, layer, channel=c, y=y, x=x)


def test_conv_elastic_view_sweeps_then_shows_the_api_sum(page, details_url, api) -> None:
    _open(page, details_url, "?model=rgb&image=sample_1")
    page.click("canvas.map[data-layer='conv_1_2'][data-channel='2']")
    _view(page, "conv")
    assert page.locator(".elastic-row").count() == 10  # one row per input channel of relu_1_1
    page.wait_for_selector(".detail-body[data-playing='true']")
    page.click(".player-skip")
    page.wait_for_selector(".detail-body[data-playing='false']")
    assert _position(page, ".elastic-sum") == [2, 59, 59]  # the sweep's last output cell
    step = _explain(api, "rgb", "sample_1", "conv_1_2", channel=2, y=59, x=59)
    assert _shown(page, ".elastic-sum .step-output") == pytest.approx(step["output"], rel=1e-12)
    assert _shown(page, ".elastic-sum .bias") == pytest.approx(step["bias"], rel=1e-12)
    for term in step["terms"]:
        shown = _shown(page, f".elastic-row[data-input-channel='{term['input_channel']}'] .term-value")
        assert shown == pytest.approx(term["sum"], rel=1e-12)
    page.click(".player-replay")
    page.wait_for_selector(".detail-body[data-playing='true']")
    page.click(".player-toggle")  # pause
    page.wait_for_selector(".detail-body[data-playing='false']")
    _esc_to(page, None)
    _no_errors(page)


def test_conv_formula_view_shows_the_window_products_and_sum_of_one_channel(page, details_url, api) -> None:
    _open(page, details_url, "?model=rgb&image=sample_2&view=detail&layer=conv_1_1&channel=4&y=10&x=20")
    _view(page, "conv")
    page.click("canvas.intermediate[data-input-channel='1']")
    _view(page, "formula")
    query = _query(page)  # the position hovered on the way to the click travels with it
    assert query["input"] == "1"
    y, x = int(query["y"]), int(query["x"])
    assert _position(page, ".formula-numbers") == [4, y, x]
    step = _explain(api, "rgb", "sample_2", "conv_1_1", channel=4, y=y, x=x)
    term = next(t for t in step["terms"] if t["input_channel"] == 1)
    assert _shown(page, ".formula-numbers .term-sum") == pytest.approx(term["sum"], rel=1e-12)
    cells = page.locator(".products-grid td")
    assert cells.count() == 9
    shown = [float(cells.nth(i).get_attribute("title")) for i in range(9)]
    assert shown == pytest.approx([p for row in term["products"] for p in row], rel=1e-12)
    assert cells.first.inner_text() == f"{term['products'][0][0]:.2f}".replace("-", "−").replace("−0.00", "0.00")
    page.focus(".doutput canvas")
    page.keyboard.press("ArrowRight")  # the window moves one stride to the right
    page.wait_for_function(
        "p => document.querySelector('.formula-numbers').dataset.position === p", arg=f"4,{y},{min(x + 1, 61)}"
    )
    moved = _explain(api, "rgb", "sample_2", "conv_1_1", channel=4, y=y, x=min(x + 1, 61))
    assert _shown(page, ".formula-numbers .step-output") == pytest.approx(moved["output"], rel=1e-12)
    _esc_to(page, "conv")
    _esc_to(page, None)
    _no_errors(page)


def test_relu_view_opens_from_a_map_and_shows_the_worked_formula(page, details_url, api) -> None:
    _open(page, details_url, "?model=rgb&image=sample_0")
    (channel, _, _), step = _click_map(page, api, "rgb", "sample_0", "relu_2_1", 5, (5, 5), "activation")
    assert channel == 5
    assert page.locator(".dworked").first.inner_text() == step["worked"]
    assert _shown(page, ".step-output") == pytest.approx(step["output"], rel=1e-12)
    assert _shown(page, ".step-input") == pytest.approx(step["input"], rel=1e-12)
    _esc_to(page, None)
    _no_errors(page)


def test_pool_view_shows_the_window_and_its_winner(page, details_url, api) -> None:
    _open(page, details_url, "?model=rgb&image=sample_1")
    _, step = _click_map(page, api, "rgb", "sample_1", "max_pool_2", 3, (20, 12), "pool")
    cells = page.locator(".pool-window td")
    assert [float(cells.nth(i).get_attribute("title")) for i in range(cells.count())] == [
        v for row in step["window"] for v in row
    ]
    winner = page.locator(".pool-window td.winner")
    assert float(winner.get_attribute("title")) == pytest.approx(step["output"], rel=1e-12)
    assert _shown(page, ".step-output") == pytest.approx(step["output"], rel=1e-12)
    _esc_to(page, None)
    _no_errors(page)


def test_class_click_opens_the_fully_connected_view_then_the_softmax(page, details_url, api) -> None:
    _open(page, details_url, "?model=rgb&image=sample_2")
    page.click(".class-row[data-channel='6']")
    _view(page, "linear")
    step = _explain(api, "rgb", "sample_2", "output", index=6)
    assert _shown(page, ".dnumbers .step-output") == pytest.approx(step["output"], rel=1e-12)
    assert _shown(page, ".dnumbers .bias") == pytest.approx(step["bias"], rel=1e-12)
    first = page.locator(".contribution").first
    assert first.locator("td").first.inner_text() == str(step["top"][0]["input_index"])
    first.hover()  # its source pixel is looked up through the flatten layer
    c, y, x = step["top"][0]["source"]
    page.wait_for_function(
        "t => document.querySelector('.hover-line').textContent.includes(t)", arg=f"channel {c}, row {y}, column {x}"
    )
    page.click(".to-softmax")
    _view(page, "softmax")
    softmax = api.get("api/models/rgb/traces/sample_2/probabilities", params={"index": 6}).json()
    assert _shown(page, ".softmax-result .step-output") == pytest.approx(softmax["output"], rel=1e-12)
    assert _shown(page, ".exp-sum") == pytest.approx(softmax["shown"]["sum"], rel=1e-12)  # Σ exp(z) of the real logits
    page.hover(".softmax-row[data-index='2']")  # linked highlighting: the row and its term in the sum
    assert page.locator(".sum-term.linked").count() == 1
    assert float(page.locator(".sum-term.linked").get_attribute("title").split(": ")[1]) == pytest.approx(
        softmax["shown"]["terms"][2]
    )
    _esc_to(page, "linear")
    _esc_to(page, None)
    _no_errors(page)


def test_batchnorm_and_residual_add_views(page, details_url, api) -> None:
    _open(page, details_url, "?model=residual&image=sample_0")
    _, step = _click_map(page, api, "residual", "sample_0", "bn", 3, (10, 10), "batchnorm")
    assert _shown(page, ".step-output") == pytest.approx(step["output"], rel=1e-12)
    _esc_to(page, None)
    _, step = _click_map(page, api, "residual", "sample_0", "add", 1, (3, 20), "add")
    terms = page.locator(".add-term")
    assert [float(terms.nth(i).get_attribute("title").split(": ")[1]) for i in range(terms.count())] == [
        t["value"] for t in step["terms"]
    ]
    _esc_to(page, None)
    _no_errors(page)


def test_explorer_opens_with_a_layers_settings_and_explains_invalid_combinations(page, details_url) -> None:
    _open(page, details_url, "?model=rgb&image=sample_0")
    page.click(".layer-label[data-layer='conv_2_1']")
    page.click(".explorer-open-button")
    _view(page, "explorer")
    assert page.input_value("input[name='kernel']") == "3" and page.input_value("input[name='size']") == "30"
    page.wait_for_selector(".detail-body[data-valid='valid']")
    page.fill("input[name='size']", "8")
    page.fill("input[name='stride']", "2")
    page.fill("input[name='padding']", "0")
    page.wait_for_selector(".detail-body[data-valid='strict-invalid']")
    reason = page.locator(".rule-reason").inner_text()
    assert "does not tile" in reason and "left over" in reason
    assert page.locator(".rule.ok .rule-size").inner_text() == "3×3"  # PyTorch floors
    page.fill("input[name='size']", "4")
    page.fill("input[name='kernel']", "7")
    page.wait_for_selector(".detail-body[data-valid='impossible']")
    assert (
        "bigger than the padded input" in page.locator(".explorer-form .detail-message").inner_text()
    )  # beside the controls
    _esc_to(page, None, shot="detail_explorer_impossible")
    # The impossible combination is answered 400 by design; Chromium logs every 4xx resource, and only that is allowed.
    known = "console error: Failed to load resource: the server responded with a status of 400 (Bad Request)"
    assert [e for e in page.errors if e != known] == [], page.errors


def test_views_open_by_keyboard_and_state_lives_in_the_url(page, details_url, api) -> None:
    _open(page, details_url, "?model=rgb&image=sample_1")
    page.focus("canvas.map[data-layer='relu_1_1'][data-channel='0']")
    page.keyboard.press("Enter")
    _view(page, "activation")
    assert _query(page)["layer"] == "relu_1_1"
    page.focus(".doutput canvas")
    page.keyboard.press("ArrowDown")
    page.wait_for_function("document.querySelector('.dnumbers').dataset.position === '0,1,0'")
    assert (_query(page)["y"], _query(page)["x"]) == ("1", "0")
    page.reload()
    page.wait_for_function("document.body.dataset.drawn && document.body.dataset.drawn.length > 0", timeout=20_000)
    _view(page, "activation")
    assert _position(page, ".dnumbers") == [0, 1, 0]
    page.go_back()  # the pinned position was a history entry
    page.wait_for_function(
        "document.querySelector('.dnumbers') && document.querySelector('.dnumbers').dataset.position === '0,0,0'"
    )
    _esc_to(page, None)
    _no_errors(page)


def test_layers_with_no_explanation_show_a_message_not_a_blank_page(page, details_url) -> None:
    _open(page, details_url, "?model=custom&image=sample_0&view=detail&layer=act&channel=0")
    page.wait_for_selector(".detail-message")
    assert "no step-by-step explanation" in page.locator(".detail-message").inner_text()
    page.screenshot(path=str(ARTIFACTS / "detail_other_layer.png"))
    _open(page, details_url, "?model=rgb&image=sample_0&view=detail&layer=conv_1_1&channel=99")
    page.wait_for_selector(".detail-message")
    assert "channel 99" in page.locator(".detail-message").inner_text()
    _esc_to(page, None, shot="detail_bad_channel")
