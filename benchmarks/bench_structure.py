"""Structure view speed: VGG-16 and GoogLeNet (224×224, default options) drawn in Debian's Chromium.

Usage: python benchmarks/bench_structure.py [--repeats 7]

Measures, after a warm-up, the median of:
- draw: the page's own timing of one diagram (visible graph, dagre layout, SVG built
  and inserted; ``body.dataset.drawMs``);
- load: navigation start → diagram drawn (page, scripts, ``/api/models`` and the
  structure JSON fetched, then the draw), from ``performance.now()``.
Printed in ms and as ratios against TinyVGG (13 layers) drawn in the same run.
Goal: VGG-16 and GoogLeNet drawn (load) in ≤ 1 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.requirements import CHROMIUM, CHROMIUM_ARGS

# ---- config ------------------------------------------------------------------
BASELINE = "tinyvgg"
MODELS = ("vgg16", "googlenet")
REPEATS = 7
WARMUP = 2
GOAL_MS = 1000.0
VIEWPORT = {"width": 1400, "height": 900}
# -------------------------------------------------------------------------------


def _measure(page, url: str, model: str, repeats: int) -> tuple[float, float, int]:
    draws, loads = [], []
    for i in range(WARMUP + repeats):
        page.goto(f"{url}structure?model={model}")
        page.wait_for_selector(f"body[data-drawn^='{model}/']", timeout=60_000)
        draw, load = page.evaluate("[Number(document.body.dataset.drawMs), performance.now()]")
        if i >= WARMUP:
            draws.append(draw)
            loads.append(load)
    nodes = page.locator(".node").count()
    return statistics.median(draws), statistics.median(loads), nodes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from convscope.server import create_app
    from convscope.server.registry import load_models
    from tests.server.live import live_server

    app = create_app(load_models([BASELINE, *MODELS]), samples_dir=None)
    with live_server(app) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_context(viewport=VIEWPORT).new_page()
        base_draw, base_load, base_nodes = _measure(page, url, BASELINE, args.repeats)
        print(f"{BASELINE:10s} {base_nodes:4d} nodes  draw {base_draw:7.1f} ms  load {base_load:7.1f} ms  (baseline)")
        for model in MODELS:
            draw, load, nodes = _measure(page, url, model, args.repeats)
            verdict = "ok" if load <= GOAL_MS else "over goal"
            print(
                f"{model:10s} {nodes:4d} nodes  draw {draw:7.1f} ms ({draw / base_draw:5.1f}× baseline)  "
                f"load {load:7.1f} ms ({load / base_load:4.1f}× baseline)  goal ≤ {GOAL_MS:.0f} ms: {verdict}"
            )
        browser.close()


if __name__ == "__main__":
    main()
