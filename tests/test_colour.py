"""convscope.colour equals the web app's core/colour.js and core/scales.js, run by Node on the same inputs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

from convscope.colour import SCALE_MODES, SCHEMES, Domain, Scales, layer_blocks, lut, lut_index, paint
from convscope.formats import resolve_model, zoo_network
from convscope.server.payload import model_detail, trace_info
from tests import requirements

REPO = Path(__file__).resolve().parents[1]
CORE = REPO / "src" / "convscope" / "web" / "js" / "core"


@pytest.fixture(scope="module")
def node() -> str:
    return requirements.node()


def _node_json(node: str, script: str) -> object:
    done = subprocess.run(
        [node, "--input-type=module"], input=script, capture_output=True, text=True, timeout=60, cwd=REPO
    )  # the script on stdin: a big model's layer table is longer than a command line may be
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_lookup_tables_equal_the_browsers(node):
    script = f"""
    import {{ SCHEMES, lut }} from "{(CORE / "colour.js").as_uri()}";
    const out = {{}};
    for (const s of Object.keys(SCHEMES)) out[s] = {{stops: SCHEMES[s], lut: Array.from(lut(s))}};
    console.log(JSON.stringify(out));
    """
    js = _node_json(node, script)
    assert set(js) == set(SCHEMES)
    for scheme, stops in SCHEMES.items():
        assert [[t, list(c)] for t, c in stops] == js[scheme]["stops"]
        assert lut(scheme).reshape(-1).tolist() == js[scheme]["lut"]


def test_painting_equals_the_browsers_value_for_value(node):
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.standard_normal(500) * 3, [-2.0, 2.0, 0.0, 1e-9, -1e9, 1e9]]).astype(np.float32)
    domains = [Domain("diverging", -2.0, 2.0), Domain("sequential", 0.0, 1.5), Domain("gray", 0.3, 0.3)]
    script = f"""
    import {{ paint, lutIndex }} from "{(CORE / "colour.js").as_uri()}";
    const values = Float32Array.from({json.dumps(values.tolist())});
    const domains = {json.dumps([d.__dict__ for d in domains])};
    const out = domains.map((d) => {{
      const rgba = paint(values, d, new Uint8ClampedArray(values.length * 4));
      return {{rgba: Array.from(rgba), index: Array.from(values, (v) => lutIndex(v, d.lo, d.hi))}};
    }});
    console.log(JSON.stringify(out));
    """
    js = _node_json(node, script)
    for domain, expected in zip(domains, js, strict=True):
        rgb = np.asarray(expected["rgba"]).reshape(-1, 4)[:, :3]
        assert paint(values, domain).tolist() == rgb.tolist(), domain
        assert [lut_index(float(v), domain.lo, domain.hi) for v in values] == expected["index"]


@pytest.mark.parametrize("model", ["default", "resnet18"])
def test_blocks_and_every_maps_domain_equal_the_browsers(node, model):
    net = resolve_model("default") if model == "default" else zoo_network(model)
    size = net.input_spec.shape if model == "default" else (3, 64, 64)
    if model != "default":  # a small input keeps the zoo model quick; the domains only need ranges
        from convscope.inputs import InputSpec

        net = type(net)(net.module, InputSpec(*size), net.class_names, net.name)
    torch.manual_seed(0)
    trace = net.run(torch.randn(1, *size))
    layers = model_detail(model, net)["layers"]
    info = trace_info(trace, model_id=model, image_id="x", source={})
    scales = Scales(trace)
    script = f"""
    import {{ layerBlocks, scaleContext, domainFor }} from "{(CORE / "scales.js").as_uri()}";
    const layers = {json.dumps(layers)};
    const ranges = new Map({json.dumps([[x["name"], x] for x in info["layers"]])});
    const drawn = {json.dumps(scales.drawn)};
    const ctx = scaleContext(layers, ranges, drawn);
    const domains = [];
    for (const mode of {json.dumps(list(SCALE_MODES))})
      for (const name of drawn)
        for (let c = 0; c < Math.min(3, ranges.get(name).channel_ranges.length); c += 1)
          domains.push([mode, name, c, domainFor(mode, name, c, ctx)]);
    console.log(JSON.stringify({{blocks: Object.fromEntries(layerBlocks(layers)), domains}}));
    """
    js = _node_json(node, script)
    assert layer_blocks(net) == js["blocks"]
    for mode, name, channel, expected in js["domains"]:
        ours = scales.domain(mode, name, channel)
        assert (ours.scheme, ours.lo, ours.hi) == (expected["scheme"], expected["lo"], expected["hi"]), (mode, name)
