"""The static site's costs as ratios against the library measured in the same run.

Usage: python benchmarks/bench_export_site.py [--images 30] [--repeats 3]

- export: ``export_site`` of the default model with ``--images`` samples, against only
  tracing the same images (``TraceService.compute``, what the server does per image);
  the rest is layer messages, weights, rules and the first positions' panels;
- sweep: every position of one conv channel explained by the browser runtime in Node
  (``web/js/static/runtime.js``, timed inside Node, file reads excluded), against
  ``convscope.explain`` for the same positions (the server's work without HTTP). The
  elastic view's player asks for exactly this sweep.
Each stage is warmed up once, then timed ``--repeats`` times; the best time counts.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import torch

# ---- config ------------------------------------------------------------------
IMAGES = 30
REPEATS = 3
LAYER, CHANNEL = "conv_1_2", 3  # a 16-input-channel conv of the default model: 784 positions
# -------------------------------------------------------------------------------

REPO = Path(__file__).resolve().parents[1]
SWEEP_JS = """
import { readFileSync } from "node:fs";
import { decodeTensor } from "./src/convscope/web/js/core/tensor.js";
import { explainStep } from "./src/convscope/web/js/static/runtime.js";
const [site, image, layer, channel, repeats] = process.argv.slice(1);
const json = (p) => JSON.parse(readFileSync(`${site}/${p}`, "utf8"));
const tensor = (p) => { const b = readFileSync(`${site}/${p}`); return decodeTensor(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)); };
const base = "data/models/default";
const model = json(`${base}/model.json`), rules = json(`${base}/rules.json`);
const folder = `${base}/traces/${image}`;
const outputs = new Map(model.layers.map((l) => [l.name, tensor(`${folder}/layers/${l.name}.bin`)]));
const weights = tensor(rules.layers[layer].weights);
const data = { output: (n) => outputs.get(n), weights: () => weights, shown: () => null };
const [, h, w] = model.layers.find((l) => l.name === layer).output_shape;
const sweep = () => { for (let y = 0; y < h; y += 1) for (let x = 0; x < w; x += 1) explainStep(model, rules, layer, { channel: Number(channel), y, x }, data); };
sweep();
let best = Infinity;
for (let r = 0; r < Number(repeats); r += 1) { const t = performance.now(); sweep(); best = Math.min(best, performance.now() - t); }
console.log(JSON.stringify({ seconds: best / 1000 }));
"""


def best_of(function, repeats: int) -> float:
    function()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=IMAGES)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args()

    from convscope.explain import explain
    from convscope.server.export_site import export_site
    from convscope.server.registry import ModelRegistry, load_models
    from convscope.server.samples import ModelSamples
    from convscope.server.tracing import TraceService

    networks = load_models(["default"])
    samples = ModelSamples.for_models(networks)
    chosen = list(samples.of("default"))[: args.images]
    service = TraceService(ModelRegistry(networks), samples, cache_size=1)
    work = Path(tempfile.mkdtemp(prefix="bench-export-site-"))
    try:

        def trace_only() -> None:
            with torch.no_grad():
                for sample in chosen:
                    service.compute("default", sample.id, sample.path.read_bytes())

        def export() -> None:
            export_site(["default"], work / "site", images=[s.id for s in chosen], force=True)

        traced, exported = best_of(trace_only, args.repeats), best_of(export, args.repeats)
        size = sum(p.stat().st_size for p in (work / "site").rglob("*") if p.is_file())
        print(f"export of {len(chosen)} images: {exported:.3f} s, {size / 1e6:.2f} MB; tracing alone {traced:.3f} s")
        print(f"  export ÷ trace = {exported / traced:.2f}")

        image = chosen[0].id
        trace = service.compute("default", image, chosen[0].path.read_bytes()).trace
        _, h, w = networks["default"].layer(LAYER).output_shape

        def library_sweep() -> None:
            for y in range(h):
                for x in range(w):
                    explain(trace, LAYER, channel=CHANNEL, y=y, x=x).to_dict()

        library = best_of(library_sweep, args.repeats)
        argv = ["node", "--input-type=module", "-e", SWEEP_JS, str(work / "site"), image, LAYER, str(CHANNEL)]
        done = subprocess.run([*argv, str(args.repeats)], capture_output=True, text=True, cwd=REPO, check=True)
        runtime = json.loads(done.stdout)["seconds"]
        print(
            f"sweep of {h * w} positions of {LAYER} channel {CHANNEL}: runtime {runtime:.3f} s, library {library:.3f} s"
        )
        print(f"  runtime ÷ library = {runtime / library:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
