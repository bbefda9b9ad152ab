"""The animation player in Chromium: one output position per frame at the layer's real stride, numbers equal to the API's."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import torch
from torch import nn

from convscope.inputs import InputSpec
from convscope.network import Network
from convscope.server import create_app
from tests.browser.conftest import ARTIFACTS, api_fixture, wait_drawn
from tests.server.images import write_samples
from tests.server.live import live_server

pytestmark = pytest.mark.browser


class StrideNet(nn.Module):
    """A stride-1 conv, a stride-2 padded conv, a max pool and an average pool on a 12×12 RGB input."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3)  # 12 -> 10
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(4, 3, 3, stride=2, padding=1)  # 10 -> 5
        self.pool = nn.MaxPool2d(2, stride=1)  # 5 -> 4
        self.avg = nn.AvgPool2d(2)  # 4 -> 2
        self.fc = nn.Linear(3 * 2 * 2, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.avg(self.pool(self.conv2(self.relu1(self.conv1(x)))))
        return self.fc(x.flatten(1))  # (N, C*H*W)


@pytest.fixture(scope="module")
def stride_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    samples = tmp_path_factory.mktemp("player-samples")
    write_samples(samples, ["a", "b", "c"], size=(12, 12), mode="RGB")
    torch.manual_seed(41)
    network = Network(StrideNet(), InputSpec(3, 12, 12), name="stride", class_names=("a", "b", "c"))
    with live_server(create_app({"stride": network}, samples_dir=samples)) as url:
        yield url


api = api_fixture("stride_url")


def _explain(api: httpx.Client, layer: str, **params: int) -> dict:
    answer = api.get(f"api/models/stride/traces/sample_0/layers/{layer}/explain", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _open(page, url: str, layer: str, channel: int, at: tuple[int, int] | None = None) -> None:
    where = f"&y={at[0]}&x={at[1]}" if at else ""
    page.goto(f"{url}?model=stride&image=sample_0&view=detail&layer={layer}&channel={channel}{where}")
    wait_drawn(page)
    page.wait_for_selector(".detail[data-ready='true']:not([hidden])", timeout=10_000)


# One read of everything a frame shows, so the numbers and the cursor are seen together.
_READ = """scope => {
  const numbers = document.querySelector(scope);
  const title = (node) => (node ? Number(node.title) : null);
  const box = document.querySelector('.elastic-row .dmap-box, .dsource .dmap-box');
  const cursor = document.querySelector('.doutput .dmap-cursor');
  return {
    position: numbers.dataset.position ?? null,
    output: title(numbers.querySelector('.step-output')),
    bias: title(numbers.querySelector('.bias')),
    terms: [...document.querySelectorAll('.elastic-row')].map((r) => [Number(r.dataset.inputChannel), title(r.querySelector('.term-value'))]),
    box: box && !box.hidden ? [parseFloat(box.style.top), parseFloat(box.style.left)] : null,
    cursor: [parseFloat(cursor.style.top), parseFloat(cursor.style.left)],
    where: document.querySelector('.player-where').textContent,
  };
}"""

# Records every frame drawn while playing: its position and its output number, read as it is drawn.
_RECORD = """scope => {
  window.frames_seen = [];
  const numbers = document.querySelector(scope);
  new MutationObserver(() => {
    if (numbers.dataset.position === undefined) return;
    const out = numbers.querySelector('.step-output');
    window.frames_seen.push([numbers.dataset.position, out ? Number(out.title) : null]);
  }).observe(numbers, { attributes: true, attributeFilter: ['data-position'] });
}"""


def _wait_position(page, scope: str, position: str) -> dict:
    page.wait_for_function(
        "([s, p]) => document.querySelector(s) && document.querySelector(s).dataset.position === p",
        arg=[scope, position],
        timeout=10_000,
    )
    return page.evaluate(_READ, scope)


def _check_conv_frame(api: httpx.Client, layer: str, channel: int, y: int, x: int, shown: dict) -> None:
    step = _explain(api, layer, channel=channel, y=y, x=x)
    assert shown["output"] == pytest.approx(step["output"], rel=1e-12)
    assert shown["bias"] == pytest.approx(step["bias"], rel=1e-12)
    assert dict(shown["terms"]) == pytest.approx({t["input_channel"]: t["sum"] for t in step["terms"]}, rel=1e-12)


@pytest.mark.parametrize(
    ("layer", "stride", "padding", "size_in", "size_out"),
    [("conv1", 1, 0, 12, 10), ("conv2", 2, 1, 10, 5)],
    ids=["stride-1", "stride-2"],
)
def test_conv_player_steps_one_output_position_at_a_time_with_the_apis_numbers(
    page, stride_url, api, layer, stride, padding, size_in, size_out
) -> None:
    _open(page, stride_url, layer, 1, at=(0, 0))
    scope = ".elastic-sum .dnumbers"
    shown = _wait_position(page, scope, "1,0,0")
    _check_conv_frame(api, layer, 1, 0, 0, shown)
    page.focus(".player-next")
    for index in range(1, size_out + 2):  # along the first row and onto the second
        page.keyboard.press("ArrowRight")
        y, x = divmod(index, size_out)
        shown = _wait_position(page, scope, f"1,{y},{x}")
        _check_conv_frame(api, layer, 1, y, x, shown)
        # The window on the input moved by the stride: it starts at S·x − P (clipped to the map).
        top, left = (round(v / 100 * size_in) for v in shown["box"])
        assert (top, left) == (max(0, stride * y - padding), max(0, stride * x - padding))
        assert [round(v / 100 * size_out) for v in shown["cursor"]] == [y, x]
        assert shown["where"].startswith(f"output (y {y}, x {x}) · position {index + 1} of {size_out * size_out}")
    page.keyboard.press("ArrowLeft")  # and one back
    shown = _wait_position(page, scope, "1,1,0")
    _check_conv_frame(api, layer, 1, 1, 0, shown)
    assert page.evaluate("new URLSearchParams(location.search).get('x')") == "0"  # the URL follows the player
    assert page.errors == [], page.errors


def test_conv_player_plays_every_position_in_turn_and_its_numbers_follow_the_cursor(page, stride_url, api) -> None:
    _open(page, stride_url, "conv2", 0)  # no position in the URL: the sweep plays
    page.wait_for_selector(".detail-body[data-playing='true']")
    page.evaluate(_RECORD, ".elastic-sum .dnumbers")
    page.select_option(".player-speed", "fastest")
    page.wait_for_selector(".detail-body[data-playing='false']", timeout=20_000)  # the sweep ran to its end
    seen = page.evaluate("window.frames_seen")
    indices = [int(p.split(",")[1]) * 5 + int(p.split(",")[2]) for p, _ in seen]
    assert len(indices) >= 10 and indices[-1] == 24
    assert indices == list(range(indices[0], 25))  # one position per frame, none skipped
    for position, output in seen:
        c, y, x = (int(v) for v in position.split(","))
        assert output == pytest.approx(_explain(api, "conv2", channel=c, y=y, x=x)["output"], rel=1e-12)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "player_conv_stride2.png"))
    page.click(".player-replay")
    page.wait_for_selector(".detail-body[data-playing='true']")
    page.click(".player-skip")
    page.wait_for_selector(".detail-body[data-playing='false']")
    shown = _wait_position(page, ".elastic-sum .dnumbers", "0,4,4")
    _check_conv_frame(api, "conv2", 0, 4, 4, shown)
    assert page.errors == [], page.errors


@pytest.mark.parametrize(("layer", "width"), [("pool", 4), ("avg", 2), ("relu1", 10)])
def test_pool_and_activation_players_slide_the_window_and_fill_the_output_in(
    page, stride_url, api, layer, width
) -> None:
    _open(page, stride_url, layer, 2)
    page.wait_for_selector(".detail-body[data-playing='true']")
    page.evaluate(_RECORD, ".dnumbers")
    page.wait_for_function("window.frames_seen.length >= 2", timeout=20_000)
    # While it plays, the part of the output not reached yet is veiled.
    veiled = page.evaluate("[...document.querySelectorAll('.doutput .dmap-veil')].some((v) => !v.hidden)")
    # Pause, unless the sweep already ended (a click then would start it again).
    page.evaluate(
        "document.querySelector('.detail-body').dataset.playing === 'true' && document.querySelector('.player-toggle').click()"
    )
    page.wait_for_selector(".detail-body[data-playing='false']")
    seen = page.evaluate("window.frames_seen")
    indices = [int(p.split(",")[1]) * width + int(p.split(",")[2]) for p, _ in seen]
    assert indices == list(range(indices[0], indices[0] + len(indices)))
    assert veiled or indices[-1] == width * width - 1  # unless it already reached the end
    for position, output in seen:
        c, y, x = (int(v) for v in position.split(","))
        assert output == pytest.approx(_explain(api, layer, channel=c, y=y, x=x)["output"], rel=1e-12)
    page.focus(".player-prev")
    page.keyboard.press("Home")
    shown = _wait_position(page, ".dnumbers", "2,0,0")
    page.keyboard.press("ArrowRight")
    shown = _wait_position(page, ".dnumbers", "2,0,1")
    step = _explain(api, layer, channel=2, y=0, x=1)
    assert shown["output"] == pytest.approx(step["output"], rel=1e-12)
    if layer != "relu1":
        # The pool's window is the server's: its first row and column, in input cells.
        input_size = {"pool": 5, "avg": 4}[layer]
        top, left = (round(v / 100 * input_size) for v in shown["box"])
        assert (top, left) == (max(0, step["rows"][0]), max(0, step["cols"][0]))
        if step["pool"] == "max":
            assert page.locator(".pool-window td.winner").count() == 1
        else:
            assert float(page.locator(".dnumbers .num").first.get_attribute("title")) == pytest.approx(step["sum"])
    # Input and output are drawn at one scale, with their shapes under them.
    captions = page.locator(".drow figcaption").all_inner_texts()
    assert captions[-1].endswith(f"· {width}×{width}")
    widths = page.eval_on_selector_all(".drow .dmap-frame", "fs => fs.map((f) => f.getBoundingClientRect().width)")
    sizes = {"pool": (5, 4), "avg": (4, 2), "relu1": (10, 10)}[layer]
    assert widths[-1] / widths[0] == pytest.approx(sizes[1] / sizes[0], abs=0.03)
    assert page.errors == [], page.errors


def test_every_player_control_is_reachable_by_keyboard(page, stride_url) -> None:
    _open(page, stride_url, "conv2", 0, at=(0, 0))
    page.focus(".detail-back")
    reached = set()
    for _ in range(14):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.className"))
    for control in ("player-toggle", "player-prev", "player-next", "player-skip", "player-replay", "player-speed"):
        assert control in reached, reached
    page.focus(".player-speed")
    page.keyboard.press("ArrowDown")  # the select's own arrows change the speed, not the position
    assert page.input_value(".player-speed") == "fast"
    assert page.evaluate("document.querySelector('.elastic-sum .dnumbers').dataset.position") == "0,0,0"
    assert page.errors == [], page.errors
