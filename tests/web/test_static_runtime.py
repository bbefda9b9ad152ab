"""The exported site's browser runtime (``web/js/static/runtime.js``), run in Node, against the library.

Every payload the runtime builds must equal what the server's routes answer for the
same position, field for field, to float32 precision: ``/explain`` for many
positions of every layer, ``/probabilities`` for every class, ``/intermediate`` and
``/padded-input`` for every conv layer. Two models: the default (gray, padded) and
an RGB TinyVGG without padding, exported with an image file given to ``--images``.
"""

from __future__ import annotations

import json
import math
import random
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from convscope.explain import explain, explain_probabilities
from convscope.inputs import InputSpec
from convscope.network import Network
from convscope.server.explain_payload import finite, intermediate_message, padded_input_message
from convscope.server.export_site import export_networks, export_site
from convscope.server.registry import load_models
from convscope.server.tensor_codec import decode_tensor
from convscope.server.tracing import TraceService
from tests import requirements
from tests.models import InceptionNet, ResidualNet

REPO = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).resolve().parent / "static" / "run_runtime.mjs"
#: Positions asked per layer (besides the corners): enough to cross padding, windows and channels.
POSITIONS = 12


@pytest.fixture(scope="module")
def node() -> str:
    return requirements.node()


@pytest.fixture(scope="module")
def rgb_image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(11)
    path = tmp_path_factory.mktemp("images") / "noise.png"
    Image.fromarray(rng.integers(0, 256, (40, 52, 3), dtype=np.uint8), "RGB").save(path)
    return path


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory, rgb_image: Path) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("sites")
    export_site(["default"], root / "default", images=["00000-ankle-boot", "00007-shirt"])
    export_site(["tinyvgg"], root / "tinyvgg", images=[str(rgb_image)])
    # Batchnorm, residual add, adaptive average pooling, concatenation, zero padding, dropout, leaky ReLU.
    export_networks(_more_kinds(), root / "kinds", images=[str(rgb_image)])
    return {
        "default": root / "default",
        "tinyvgg": root / "tinyvgg",
        "residual": root / "kinds",
        "inception": root / "kinds",
        "mixed": root / "kinds",
    }


class MixedNet(nn.Module):
    """Zero padding, leaky ReLU, average pooling with padding, dropout and a log-softmax head."""

    def __init__(self) -> None:
        super().__init__()
        self.pad = nn.ZeroPad2d((1, 2, 0, 1))
        self.conv = nn.Conv2d(3, 4, 3, stride=2, padding=1, padding_mode="reflect")
        self.act = nn.LeakyReLU(0.1)
        self.avg = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)
        self.flatten = nn.Flatten()
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(4 * 4 * 4, 3)
        self.out = nn.LogSoftmax(dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.avg(self.act(self.conv(self.pad(x))))  # (N, 4, 4, 4)
        return self.out(self.fc(self.drop(self.flatten(x))))


def _more_kinds() -> dict[str, Network]:
    torch.manual_seed(21)
    residual = Network(ResidualNet(classes=3), InputSpec(3, 16, 16), name="residual")
    torch.manual_seed(22)
    inception = Network(InceptionNet(classes=4), InputSpec(3, 16, 16), name="inception")
    torch.manual_seed(23)
    mixed = Network(MixedNet(), InputSpec(3, 13, 13), name="mixed")
    return {"residual": residual, "inception": inception, "mixed": mixed}


def _trace(site: Path, model: str, image: str) -> Any:
    """The library's trace of the exported image, computed again from its file."""
    networks = load_models([model]) if model in ("default", "tinyvgg") else {model: _more_kinds()[model]}
    samples = json.loads((site / f"data/models/{model}/samples.json").read_text())
    sample = next(s for s in samples if s["id"] == image)
    from convscope.server.registry import ModelRegistry
    from convscope.server.samples import ModelSamples

    service = TraceService(ModelRegistry(networks), ModelSamples.for_models(networks))
    return service.compute(model, image, (site / sample["url"]).read_bytes()).trace


def _positions(shape: list[int], rng: random.Random) -> list[dict[str, int]]:
    if len(shape) == 1:
        picks = {0, shape[0] - 1, *(rng.randrange(shape[0]) for _ in range(POSITIONS))}
        return [{"index": i} for i in sorted(picks)]
    c, h, w = shape
    picks = {(0, 0, 0), (c - 1, h - 1, w - 1), (0, 0, w - 1), (c - 1, h - 1, 0)}
    picks |= {(rng.randrange(c), rng.randrange(h), rng.randrange(w)) for _ in range(POSITIONS)}
    return [{"channel": k, "y": y, "x": x} for k, y, x in sorted(picks)]


def _cases(site: Path, model: str, image: str) -> tuple[list[dict[str, Any]], list[Any]]:
    """What to ask the runtime, and the library's answer to each."""
    trace = _trace(site, model, image)
    network = trace.network
    rng = random.Random(5)
    cases: list[dict[str, Any]] = []
    expected: list[Any] = []
    rules = json.loads((site / f"data/models/{model}/rules.json").read_text())["layers"]
    for layer in network.layers:
        if "refusal" in rules[layer.name]:
            continue
        for params in _positions(list(layer.output_shape), rng):
            cases.append({"what": "explain", "layer": layer.name, "params": params})
            expected.append(finite(explain(trace, layer.name, **params).to_dict()))
        if rules[layer.name]["explainer"] == "explain_conv":
            for channel in sorted({0, layer.output_shape[0] - 1, rng.randrange(layer.output_shape[0])}):
                cases.append({"what": "intermediate", "layer": layer.name, "channel": channel, "input_channels": None})
                expected.append(decode_tensor(intermediate_message(trace, layer.name, channel=channel)))
            cases.append({"what": "padded", "layer": layer.name, "channels": None})
            expected.append(decode_tensor(padded_input_message(trace, layer.name)))
    for index in [None, *range(network.num_classes)]:
        cases.append({"what": "probabilities", "index": index})
        expected.append(finite(explain_probabilities(trace, index=index).to_dict()))
    return [{**c, "model": model, "image": image} for c in cases], expected


def _run(node: str, site: Path, cases: list[dict[str, Any]], tmp_path: Path) -> list[Any]:
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(cases))
    done = subprocess.run(
        [node, str(DRIVER), str(site), str(path)], capture_output=True, text=True, timeout=300, cwd=REPO
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines()]


def _differences(got: Any, want: Any, where: str, tol: float) -> list[str]:
    """Field paths where ``got`` differs from ``want``; numbers agree to ``tol`` relative (float32: ~1e-7)."""
    if isinstance(want, bool) or want is None or isinstance(want, str):
        return [] if got == want else [f"{where}: {got!r} != {want!r}"]
    if isinstance(want, (int, float)):
        ok = isinstance(got, (int, float)) and math.isclose(got, want, rel_tol=tol, abs_tol=tol)
        return [] if ok else [f"{where}: {got!r} != {want!r}"]
    if isinstance(want, (list, tuple)):
        if not isinstance(got, list) or len(got) != len(want):
            return [f"{where}: length {len(got) if isinstance(got, list) else got!r} != {len(want)}"]
        return [
            d for i, (g, w) in enumerate(zip(got, want, strict=True)) for d in _differences(g, w, f"{where}.{i}", tol)
        ]
    assert isinstance(want, dict)
    if set(got) != set(want):
        return [f"{where}: fields {sorted(set(got) ^ set(want))} differ"]
    return [d for key in want for d in _differences(got[key], want[key], f"{where}.{key}", tol)]


def _binary(want: tuple[dict[str, Any], np.ndarray]) -> dict[str, Any]:
    header, values = want
    return {"header": header, "data": values.astype(np.float64).ravel().tolist()}


@pytest.mark.parametrize(
    ("model", "image"),
    [
        ("default", "00000-ankle-boot"),
        ("default", "00007-shirt"),
        ("tinyvgg", "noise"),
        ("residual", "noise"),
        ("inception", "noise"),
        ("mixed", "noise"),
    ],
)
def test_static_runtime_rebuilds_every_payload_of_the_server(node, sites, tmp_path, model, image):
    cases, expected = _cases(sites[model], model, image)
    got = _run(node, sites[model], cases, tmp_path)
    assert len(got) == len(cases)
    problems = []
    for case, g, want in zip(cases, got, expected, strict=True):
        if isinstance(want, tuple):
            # F.conv2d adds in float32 (its own order); the runtime rounds each product the same way
            want, tol = _binary(want), 2e-6
        else:
            tol = 1e-9  # the same float32 products, added in float64: only the sums' last bits may differ
        problems += _differences(
            g, want, f"{case['what']} {case.get('layer', '')} {case.get('params', case.get('index', ''))}", tol
        )
    assert problems == [], "\n".join(problems[:20])
    kinds = {c["what"] for c in cases}
    assert kinds == {"explain", "intermediate", "padded", "probabilities"}
    explained = {c["layer"] for c in cases if c["what"] == "explain"}
    network = _trace(sites[model], model, image).network
    refused = {layer.name for layer in network.layers} - explained
    assert refused <= {"input"}  # every other layer of these models is explained by the runtime


def test_worked_numbers_are_written_like_pythons_four_significant_digits(node):
    from convscope.explain.base import num

    rng = np.random.default_rng(8)
    values = [0.0, -0.0, 1.0, -1.0, 9999.4, 9999.6, 1e-4, 9.99951e-5, 123456.0, 0.5, 2.5, 1e300, -3.14159e-30]
    values += (rng.standard_normal(300) * 10.0 ** rng.integers(-8, 8, 300)).astype(np.float32).astype(float).tolist()
    script = (
        "import { num } from './src/convscope/web/js/static/runtime.js';"
        f"console.log(JSON.stringify({json.dumps(values)}.map(num)));"
    )
    done = subprocess.run(
        [node, "--input-type=module", "-e", script], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [num(v) for v in values]
