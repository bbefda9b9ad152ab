"""Maps sent at the size they are drawn: block reductions checked against PyTorch's pooling,
the layers route's reduced answers against the traced tensors, and float16 only where the
page's three digits survive it (checked with the page's own formatValue in Node)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convscope.formats import zoo_network
from convscope.server import create_app
from convscope.server.downsample import block_factor, digits_kept, downsample
from convscope.server.payload import wire_dtype
from convscope.server.tensor_codec import decode_frames, decode_tensor
from tests import requirements
from tests.server.images import png
from tests.server.live import live_server

REPO = Path(__file__).resolve().parents[2]
FORMAT_JS = REPO / "src" / "convscope" / "web" / "js" / "core" / "format.js"
SHAPES = [((2, 224, 224), 8), ((3, 55, 55), 2), ((2, 7, 9), 4), ((1, 13, 13), 13)]


def _values(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed)).numpy()


@pytest.mark.parametrize(("shape", "k"), SHAPES)
def test_block_means_equal_pytorchs_area_average_with_partial_edge_blocks(shape, k) -> None:
    x = _values(shape)
    expected = F.avg_pool2d(torch.from_numpy(x), k, k, ceil_mode=True)  # partial blocks divide by their own cells
    np.testing.assert_allclose(downsample(x, k, "mean"), expected.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("shape", "k"), SHAPES)
def test_block_maxima_equal_pytorchs_max_pool(shape, k) -> None:
    x = _values(shape, 1)
    np.testing.assert_array_equal(downsample(x, k, "max"), F.max_pool2d(torch.from_numpy(x), k, k, ceil_mode=True))


@pytest.mark.parametrize(("shape", "k"), SHAPES)
def test_block_extremes_keep_the_sign_of_the_largest_magnitude(shape, k) -> None:
    x = torch.from_numpy(_values(shape, 2))
    high = F.max_pool2d(x, k, k, ceil_mode=True)
    low = -F.max_pool2d(-x, k, k, ceil_mode=True)
    expected = torch.where(low.abs() > high.abs(), low, high)
    np.testing.assert_array_equal(downsample(x.numpy(), k, "extreme"), expected)


def test_the_block_factor_is_the_smallest_that_fits_the_box() -> None:
    assert [block_factor(n, n, 31) for n in (224, 112, 56, 28, 14)] == [8, 4, 2, 1, 1]
    assert block_factor(20, 93, 31) == 3  # the longer side decides


@pytest.fixture(scope="module")
def reduced_server() -> tuple[str, object]:
    network = zoo_network("tinyvgg", seed=8, input_size=128)  # 126×126 maps after the first conv
    app = create_app({"big": network}, samples_dir=None)
    with live_server(app) as url:
        yield url, app


def test_reduced_layers_equal_pytorch_pooling_of_the_traced_tensors(reduced_server) -> None:
    url, app = reduced_server
    with httpx.Client(base_url=url, timeout=60) as client:
        info = client.post("api/models/big/traces", files={"file": ("a.png", png(150, 140, 3), "image/png")}).json()
        answer = client.get(info["layers_url"].rstrip("/"), params={"names": "input,conv_1_1,relu_1_1", "box": 31})
        assert answer.status_code == 200, answer.text
        single = client.get(info["layers_url"] + "relu_1_1", params={"box": 31, "channels": "3,1"})
    trace = app.state.service.cache.get(("big", info["image"])).trace
    frames = {header["layer"]: (header, values) for header, values in decode_frames(answer.content)}
    x = trace.input  # (1, 3, 128, 128)
    header, values = frames["input"]
    assert (header["block"], header["reduce"], header["full_shape"]) == (5, "mean", [3, 128, 128])
    np.testing.assert_allclose(values, F.avg_pool2d(x, 5, 5, ceil_mode=True)[0], rtol=1e-5, atol=1e-6)
    header, values = frames["relu_1_1"]
    relu = trace.output("relu_1_1")
    assert (header["reduce"], list(values.shape)) == ("max", [10, 26, 26])
    np.testing.assert_array_equal(values, F.max_pool2d(relu, 5, 5, ceil_mode=True)[0])
    header, values = frames["conv_1_1"]
    conv = trace.output("conv_1_1")
    assert header["reduce"] == "extreme"  # signed: the value of largest magnitude keeps both signs visible
    high, low = F.max_pool2d(conv, 5, 5, ceil_mode=True), -F.max_pool2d(-conv, 5, 5, ceil_mode=True)
    np.testing.assert_array_equal(values, torch.where(low.abs() > high.abs(), low, high)[0])
    header, values = decode_tensor(single.content)
    assert header["channels"] == [3, 1]
    np.testing.assert_array_equal(values, F.max_pool2d(relu, 5, 5, ceil_mode=True)[0, [3, 1]])


def test_a_box_larger_than_the_map_sends_it_whole(reduced_server) -> None:
    url, app = reduced_server
    with httpx.Client(base_url=url, timeout=60) as client:
        info = client.post("api/models/big/traces", files={"file": ("b.png", png(128, 128, 4), "image/png")}).json()
        answer = client.get(info["layers_url"].rstrip("/"), params={"names": "max_pool_2", "box": 64})
    header, values = decode_frames(answer.content)[0]
    assert "block" not in header
    trace = app.state.service.cache.get(("big", info["image"])).trace
    np.testing.assert_array_equal(values, trace.output("max_pool_2")[0])


def test_a_box_out_of_range_is_a_422(reduced_server) -> None:
    url, _ = reduced_server
    with httpx.Client(base_url=url, timeout=60) as client:
        info = client.post("api/models/big/traces", files={"file": ("c.png", png(128, 128, 5), "image/png")}).json()
        answer = client.get(info["layers_url"].rstrip("/"), params={"names": "input", "box": 0})
    assert answer.status_code == 422 and "box" in answer.json()["detail"]


def _js_format(node: str, values: list[float]) -> list[str]:
    script = f"""
        import {{ formatValue }} from "{FORMAT_JS.as_uri()}";
        const values = JSON.parse(process.argv[1]);
        console.log(JSON.stringify(values.map((v) => (v === null ? "beyond float16" : formatValue(Math.fround(v))))));
    """
    finite = [v if np.isfinite(v) else None for v in values]  # JSON has no infinity
    done = subprocess.run(
        [node, "--input-type=module", "-e", script, json.dumps(finite)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_float16_is_chosen_only_where_the_page_shows_the_same_three_digits() -> None:
    node = requirements.node()
    rng = np.random.default_rng(4)
    exact = (rng.standard_normal(3000) * 10.0 ** rng.uniform(-6, 6, 3000)).astype(np.float32)
    exact[:3] = [9.996, 0.0, 1.1249999]  # a carry into the next power of ten, zero, a value just below a tie
    with np.errstate(over="ignore"):
        half = exact.astype(np.float16)  # the largest become infinity, which the page would never show
    shown_exact = _js_format(node, exact.tolist())
    shown_half = _js_format(node, half.astype(np.float32).tolist())
    same_on_page = [a == b for a, b in zip(shown_exact, shown_half, strict=True)]
    kept = [digits_kept(exact[i : i + 1], half[i : i + 1]) for i in range(len(exact))]
    assert kept == same_on_page  # the server's rule and the page's formatValue agree value by value
    assert 0 < sum(same_on_page) < len(exact)  # both answers occur, so the check can fail either way


def test_auto_dtype_sends_a_layer_as_float16_only_when_every_digit_survives() -> None:
    assert wire_dtype(np.array([0.5, 1.25, -3.0], dtype=np.float32), "auto") == "float16"
    assert wire_dtype(np.array([0.5, 9.996], dtype=np.float32), "auto") == "float32"
    assert wire_dtype(np.array([1e6], dtype=np.float32), "auto") == "float32"  # beyond float16's range
    assert wire_dtype(np.array([9.996], dtype=np.float32), "float16") == "float16"  # asked for: as asked
