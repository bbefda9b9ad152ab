"""The exported site's explorer arithmetic (``web/js/static/arith.js``), run in Node, against Python.

For every query the explorer can send, the port must answer exactly what
``GET /api/arith`` answers: the same payload field for field (sizes, strict rule,
"same" padding, every step in words, the padded size and every window's taps),
or the same status and message when the settings are impossible. A dense grid is
checked against :func:`arith_payload` directly (a ``ConvScopeError`` is the
route's 400), and a smaller set of queries, refusals by the query's bounds
included, against a live server.
"""

from __future__ import annotations

import itertools
import json
import random
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from convscope.errors import ConvScopeError
from convscope.server.app import create_app
from convscope.server.explain_payload import arith_payload
from convscope.server.static_arith import arith_words
from tests import requirements
from tests.server.live import live_server

REPO = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).resolve().parent / "static" / "run_arith.mjs"
MODES = ({}, {"pool": "true"}, {"pool": "true", "ceil_mode": "true"})


@pytest.fixture(scope="module")
def node() -> str:
    return requirements.node()


def _query(size: int, kernel: int, stride: int | None, padding: str, dilation: int, mode: dict[str, str]) -> str:
    params = {"size": size, "kernel": kernel, "padding": padding, "dilation": dilation, **mode}
    if stride is not None:
        params["stride"] = stride
    return urlencode(params)


def _python(query: dict[str, Any]) -> dict[str, Any]:
    """What the route answers for well-formed query values: the payload, or the ConvScopeError as a 400."""
    try:
        return {"answer": arith_payload(**query)}
    except ConvScopeError as error:
        return {"status": 400, "detail": str(error)}


def _grid() -> list[tuple[str, dict[str, Any]]]:
    """Every size 1..64 (and some to 256) by kernels, strides, paddings incl. "same", dilations and the three modes.

    About 27,000 queries: each size crosses every combination below, then seeded random
    settings over the explorer's whole range add the wider kernels, strides and dilations.
    """
    cases = []
    sizes = [*range(1, 65), 65, 97, 128, 199, 224, 255, 256]
    for size, kernel, stride, padding, dilation, mode in itertools.product(
        sizes, (1, 2, 3, 5), (None, 1, 2, 3), ("0", "1", "2", "same"), (1, 2), MODES
    ):
        cases.append((size, kernel, stride, padding, dilation, mode))
    rng = random.Random(17)
    # Wider settings, sparser: big kernels, strides and dilations, paddings up to the explorer's most.
    for _ in range(4000):
        mode = rng.choice(MODES)
        cases.append((
            rng.randint(1, 256), rng.randint(1, 15), rng.choice([None, *range(1, 9)]),
            rng.choice(["same", *map(str, range(0, 17))]), rng.randint(1, 8), mode,
        ))  # fmt: skip
    out = []
    for size, kernel, stride, padding, dilation, mode in cases:
        query = {
            "size": size, "kernel": kernel, "stride": stride, "padding": padding, "dilation": dilation,
            "pool": "pool" in mode, "ceil_mode": "ceil_mode" in mode,
        }  # fmt: skip
        out.append((_query(size, kernel, stride, padding, dilation, mode), query))
    return out


def _run_node(node: str, tmp_path: Path, queries: list[str]) -> list[dict[str, Any]]:
    words, listed = tmp_path / "arith.json", tmp_path / "queries.json"
    words.write_text(json.dumps(arith_words()), encoding="utf-8")
    listed.write_text(json.dumps(queries), encoding="utf-8")
    done = subprocess.run(
        [node, str(DRIVER), str(words), str(listed)], capture_output=True, text=True, timeout=300, cwd=REPO
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines()]


def _differences(got: Any, want: Any, where: str = "") -> list[str]:
    if isinstance(want, dict) and isinstance(got, dict):
        keys = sorted(set(want) | set(got))
        return [
            d for k in keys for d in _differences(got.get(k, "<missing>"), want.get(k, "<missing>"), f"{where}.{k}")
        ]
    if isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        return [d for i, (g, w) in enumerate(zip(got, want, strict=True)) for d in _differences(g, w, f"{where}[{i}]")]
    # JSON's numbers have no int/float kind (JS writes 1 for Python's 1.0), but a true must not pass for a 1.
    same = got == want and isinstance(got, bool) == isinstance(want, bool)
    return [] if same else [f"{where}: got {got!r}, want {want!r}"]


def _assert_same(queries: list[str], got: list[dict[str, Any]], want: list[dict[str, Any]]) -> None:
    assert len(got) == len(want)
    wrong = []
    for query, g, w in zip(queries, got, want, strict=True):
        # The taps are whole numbers only: compared at once, the rest field by field.
        if "answer" in g and "answer" in w:
            g, w = dict(g["answer"]), dict(w["answer"])
            for key in ("windows", "padded"):
                if g.pop(key) != w.pop(key):
                    wrong.append(f"{query}: {key} differ")
        wrong.extend(f"{query}: {d}" for d in _differences(g, w)[:3])
    assert not wrong, f"{len(wrong)} differences, first:\n" + "\n".join(wrong[:20])


def test_the_grid_covers_every_outcome():
    """The grid reaches valid and strict-invalid answers, both "same" outcomes and each refusal."""
    answers = [_python(q) for _, q in _grid()[::7]]
    details = {a["detail"].split(" ")[1] for a in answers if "detail" in a}
    reports = [a["answer"]["report"] for a in answers if "answer" in a]
    assert {"effective", "padding"} <= details  # the kernel outgrows the input; a pool's padding is over half
    assert {r["strict_rule"]["valid"] for r in reports} == {True, False}
    same = [r["same_padding"] for r in reports if r["same_padding"]]
    assert {s["symmetric"] for s in same} == {True, False}
    assert any(r["ceil_mode"] and r["output"]["height"] > r["floor_rule"][0] for r in reports)
    assert any(r["dilation"][0] > 1 and not r["strict_rule"]["valid"] for r in reports)


def test_arith_js_answers_as_python_over_a_dense_grid(node: str, tmp_path: Path):
    grid = _grid()
    queries = [q for q, _ in grid]
    got = _run_node(node, tmp_path, queries)
    _assert_same(queries, got, [_python(q) for _, q in grid])


def _served(base: str, query: str) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(f"{base}api/arith?{query}", timeout=30) as response:
            return {"answer": json.loads(response.read())}
    except urllib.error.HTTPError as error:
        return {"status": error.code, "detail": json.loads(error.read())["detail"]}


def test_arith_js_answers_as_the_server_refusals_included(node: str, tmp_path: Path):
    """Through the real route: the query's bounds (422), padding past the explorer's most, impossible settings."""
    queries = [
        "size=7&kernel=3&stride=1&padding=0&dilation=1",
        "size=28&kernel=5&stride=2&padding=same&dilation=1",
        "size=8&kernel=4&stride=1&padding=same&dilation=1",
        "size=9&kernel=3&stride=2&padding=1&dilation=2&pool=true&ceil_mode=true",
        "size=5&kernel=2&padding=0&dilation=1&pool=true",
        "size=1024&kernel=64&stride=64&padding=0&dilation=1",
        "size=1025&kernel=3&stride=1&padding=0&dilation=1",
        "size=7&kernel=65&stride=1&padding=0&dilation=1",
        "size=7&kernel=65&stride=99&padding=0&dilation=0",
        "size=7&kernel=3&stride=1&padding=65&dilation=1",
        "size=7&kernel=3&stride=1&padding=64&dilation=1",
        "size=7&kernel=3&stride=1&padding=123456789&dilation=1",
        "size=7&kernel=3&stride=1&padding=wide&dilation=1",
        "size=7&kernel=3&stride=1&padding=VALID&dilation=1",
        "size=3&kernel=5&stride=1&padding=0&dilation=1",
        "size=3&kernel=3&stride=1&padding=0&dilation=2",
        "size=6&kernel=3&stride=2&padding=2&dilation=1&pool=true",
        "size=7&kernel=3&stride=1&padding=0&dilation=1&ceil_mode=true",
        "size=7&kernel=3&padding=1&dilation=1&pool=yes&ceil_mode=1",
        "size=7&kernel=3&padding=1&dilation=1&pool=maybe",
        "size=4&kernel=3&stride=16&padding=0&dilation=1",  # 17/16: .3f rounds the tie 1.0625 to even, 1.062
        "size=6&kernel=3&stride=16&padding=0&dilation=1",  # 19/16 ≈ 1.188
        "size=1000&kernel=1&stride=3&padding=0&dilation=1",  # 1,000 with a thousands comma
        "size=x&kernel=3",
        "kernel=3",
        "size=256&kernel=15&stride=8&padding=same&dilation=8&pool=true&ceil_mode=true",
    ]
    with live_server(create_app(("default",), samples_dir=None)) as base:
        want = [_served(base, q) for q in queries]
    assert {w.get("status") for w in want} == {None, 400, 422}
    _assert_same(queries, _run_node(node, tmp_path, queries), want)
