"""The browser app's DOM-free core, run with Node's built-in test runner, and checked against Python."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from convscope.layer_views import Display, feeding_channels, layer_views
from convscope.server.payload import model_detail
from convscope.server.tensor_codec import encode_tensor
from tests import requirements

REPO = Path(__file__).resolve().parents[2]
CORE = REPO / "src" / "convscope" / "web" / "js" / "core"
JS_TESTS = Path(__file__).resolve().parent  # node --test is pointed at this folder
#: A top-level ``test(`` call in a ``*.test.mjs`` file: each is one test node --test must run.
JS_TEST_CALL = re.compile(r"^test\(", re.MULTILINE)


@pytest.fixture(scope="module")
def node() -> str:
    return requirements.node()


def _node_eval(node: str, script: str) -> str:
    done = subprocess.run(
        [node, "--input-type=module", "-e", script], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _tap_count(stdout: str, name: str) -> int:
    """A total from node --test's TAP summary (``# tests 65``); missing means node ran nothing."""
    found = re.search(rf"^# {name} (\d+)$", stdout, re.MULTILINE)
    assert found, f"node --test printed no '# {name}' total:\n{stdout[-2000:]}"
    return int(found.group(1))


def test_js_core_passes_every_node_test_its_files_define(node: str) -> None:
    # "# fail 0" alone also reads true when no test ran, so the totals are checked against the files.
    defined = sum(len(JS_TEST_CALL.findall(f.read_text())) for f in JS_TESTS.rglob("*.test.mjs"))
    done = subprocess.run(
        [node, "--test", "--test-reporter=tap", str(JS_TESTS)], capture_output=True, text=True, timeout=120, cwd=REPO
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert _tap_count(done.stdout, "fail") == 0
    assert _tap_count(done.stdout, "tests") == _tap_count(done.stdout, "pass") == defined > 0


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_js_decoder_reads_what_the_python_encoder_writes(node: str, tmp_path: Path, dtype: str) -> None:
    rng = np.random.default_rng(3)
    values = (rng.standard_normal((3, 5, 7)) * 10).astype(np.float32)
    blob_path = tmp_path / "layer.bin"
    blob_path.write_bytes(encode_tensor(values, dtype=dtype, header={"layer": "conv_1_1", "channels": [0, 4, 9]}))
    out = _node_eval(
        node,
        f"""
        import {{ readFileSync }} from "node:fs";
        import {{ decodeTensor }} from "{(CORE / "tensor.js").as_uri()}";
        const b = readFileSync({json.dumps(str(blob_path))});
        const t = decodeTensor(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
        console.log(JSON.stringify({{ header: t.header, data: Array.from(t.data) }}));
        """,
    )
    decoded = json.loads(out)
    assert decoded["header"]["shape"] == [3, 5, 7]
    assert decoded["header"]["channels"] == [0, 4, 9]
    expected = values.astype(np.float16).astype(np.float32) if dtype == "float16" else values
    np.testing.assert_array_equal(np.asarray(decoded["data"], dtype=np.float32), expected.ravel())


def _fed_through_hidden(network, views, name: str, channel: int) -> dict[str, set[int]]:
    """feeding_channels, looking through the layers the overview hides, as the overview draws edges."""
    found: dict[str, set[int]] = {}
    for source, chans in feeding_channels(network, name, channel).items():
        if views[source].display is Display.HIDDEN:
            for c in chans:
                for deeper, more in _fed_through_hidden(network, views, source, c).items():
                    found.setdefault(deeper, set()).update(more)
        else:
            found.setdefault(source, set()).update(chans)
    return found


@pytest.mark.parametrize("fixture", ["residual_network", "inception_network", "tinyvgg_network"])
def test_js_layout_connects_every_real_layer_graph(
    node: str, fixture: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Every drawn map of a real network (residual add, concat, flatten) gets incoming edges from drawn maps."""
    network = request.getfixturevalue(fixture)
    described = tmp_path / "model.json"
    described.write_text(json.dumps(model_detail("m", network)))
    out = _node_eval(
        node,
        f"""
        import {{ readFileSync }} from "node:fs";
        import {{ overviewColumns, incomingEdges }} from "{(CORE / "layout.js").as_uri()}";
        const model = JSON.parse(readFileSync({json.dumps(str(described))}, "utf8"));
        const cols = overviewColumns(model);
        const result = cols.map((c) => [c.name, c.type, c.channels.map((ch) => incomingEdges(c.name, ch, model, cols)), c.channels]);
        console.log(JSON.stringify(result));
        """,
    )
    columns = json.loads(out)
    by_name = {layer.name: layer for layer in network.layers}
    shown = {name: len(edges) for name, _, edges, _ in columns}
    assert columns[0][0] == "input" and columns[-1][1] == "classes"
    assert not any(by_name[name].kind == "flatten" for name, _, _, _ in columns)
    for name, _kind, per_channel, _ in columns[1:]:
        for edges in per_channel:
            assert edges, f"{name} has a map with no incoming connection"
            assert all(e["from"] in shown and e["channel"] < shown[e["from"]] for e in edges)
    views = layer_views(network)
    for name, kind, per_channel, channels in columns:  # a map's edges come from channels Python says feed it
        if kind != "maps" or name == "input":
            continue
        for channel, edges in zip(channels, per_channel, strict=True):
            feeds = _fed_through_hidden(network, views, name, channel)
            assert all(e["channel"] in feeds.get(e["from"], ()) for e in edges), (
                f"{name}[{channel}]: {edges} vs {feeds}"
            )
    for name, _, per_channel, _ in columns:  # add and concat read from each of their inputs
        layer = by_name.get(name)
        if layer is not None and str(layer.kind) in ("add", "concat"):
            sources = {e["from"] for edges in per_channel for e in edges}
            assert len(sources) == len(layer.inputs), f"{name} should draw edges from {layer.inputs}"
