"""The Train page's cost: a run started from the page against the same ``convscope train`` from the CLI.

Three ratios, measured in one run with the variants taking turns so background
load hits them alike (medians, with min and max):

- **page ÷ CLI wall time** of the same run (goal ≤ 1.05): the page posts the
  settings to a live server, which checks them and starts ``convscope train
  --live`` in its own process; the clock stops when the event stream ends;
- **live ÷ plain training throughput** (goal: live events cost ≤ 3 %): images per
  second of the last epoch of ``convscope train --live`` against ``convscope train``
  (the live run's event bytes by type are printed too: the maps events are the big ones);
- **explainer latency during a run ÷ idle**: the median time of a layer request
  (``GET /api/models/default``) while the page's run trains, against with no run.

    python benchmarks/bench_train_page.py [--rounds 3] [--images 6000] [--epochs 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' live server, as bench_web.py does
from convscope.server import create_app
from convscope.server.registry import load_models
from tests.server.live import live_server

ARCH_OPTIONS = {"in_channels": 1, "input_size": 28, "filters": 16, "padding": 1}


def settings(images: int, epochs: int) -> dict:
    return {
        "arch": "tinyvgg",
        "arch_options": ARCH_OPTIONS,
        "data": "fashion-mnist",
        "limit_train": images,
        "limit_test": 1000,
        "epochs": epochs,
        "batch_size": 128,
        "seed": 0,
    }


def cli_args(config: dict, out: Path, *, live: bool) -> list[str]:
    words = ["train", "--arch", config["arch"]]
    for key, value in config["arch_options"].items():
        words += ["-o", f"{key}={value}"]
    for key in ("data", "limit_train", "limit_test", "epochs", "batch_size", "seed"):
        words += [f"--{key.replace('_', '-')}", str(config[key])]
    return [*words, "--out", str(out), *(["--live"] if live else [])]


def cli_run(config: dict, out: Path, *, live: bool) -> tuple[float, float]:
    """Wall seconds of ``convscope train`` and its last epoch's images per second."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "convscope", *cli_args(config, out, live=live)], check=True, capture_output=True
    )
    wall = time.perf_counter() - started
    epochs = json.loads((out / "metrics.json").read_text())["epochs"]
    return wall, epochs[-1]["images_per_second"]


def page_run(client: httpx.Client, config: dict, name: str) -> float:
    """Wall seconds from the page's Start to the end of the run's event stream."""
    started = time.perf_counter()
    response = client.post("api/train/start", json={**config, "name": name})
    response.raise_for_status()
    with client.stream("GET", f"api/train/runs/{name}/events") as stream:
        for _ in stream.iter_lines():
            pass
    return time.perf_counter() - started


def latency(client: httpx.Client, stop: threading.Event, out: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        client.get("api/models/default").raise_for_status()
        out.append(time.perf_counter() - started)
        time.sleep(0.05)


def event_bytes(path: Path) -> dict[str, int]:
    """Bytes of a run's live events by type (the maps events are the big ones), largest first."""
    sizes: dict[str, int] = {}
    for line in path.read_bytes().splitlines():
        kind = json.loads(line)["type"]
        sizes[kind] = sizes.get(kind, 0) + len(line) + 1
    return dict(sorted(sizes.items(), key=lambda item: -item[1]))


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} (min {min(values):.3f}, max {max(values):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--images", type=int, default=6000)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    config = settings(args.images, args.epochs)
    root = Path(tempfile.mkdtemp(prefix="bench-train-page-"))
    app = create_app(load_models(["default"]), runs_dir=root / "runs")
    page_walls, cli_walls, live_rates, plain_rates, busy, idle = [], [], [], [], [], []
    with live_server(app, lifespan="on") as url, httpx.Client(base_url=url, timeout=600) as client:
        for i in range(args.rounds):
            stop = threading.Event()
            samples: list[float] = []
            thread = threading.Thread(target=latency, args=(client, stop, samples))
            thread.start()
            page_walls.append(page_run(client, config, f"page-{i}"))
            stop.set()
            thread.join()
            busy.extend(samples)
            wall, rate = cli_run(config, root / f"cli-live-{i}", live=True)
            cli_walls.append(wall)
            live_rates.append(rate)
            plain_rates.append(cli_run(config, root / f"cli-plain-{i}", live=False)[1])
            stop = threading.Event()
            samples = []
            thread = threading.Thread(target=latency, args=(client, stop, samples))
            thread.start()
            time.sleep(5)
            stop.set()
            thread.join()
            idle.extend(samples)
    ratios = [p / c for p, c in zip(page_walls, cli_walls, strict=True)]
    costs = [1 - live / plain for live, plain in zip(live_rates, plain_rates, strict=True)]
    print(f"run: tinyvgg 16 filters, {args.images} Fashion-MNIST images, {args.epochs} epochs, {args.rounds} rounds")
    print(f"page run wall s:      {summary(page_walls)}")
    print(f"CLI --live wall s:    {summary(cli_walls)}")
    print(f"page ÷ CLI wall:      {summary(ratios)}  (goal ≤ 1.05)")
    print(f"live img/s:           {summary(live_rates)}")
    print(f"plain img/s:          {summary(plain_rates)}")
    print(f"live events' cost:    {summary([c * 100 for c in costs])} %  (goal ≤ 3 %)")
    sizes = event_bytes(root / "cli-live-0" / "live.jsonl")
    print("live.jsonl bytes:     " + ", ".join(f"{kind} {size:,}" for kind, size in sizes.items()))
    print(f"explainer request s:  idle {summary(idle)}; during a run {summary(busy)}")
    print(f"during ÷ idle:        {statistics.median(busy) / statistics.median(idle):.2f}")


if __name__ == "__main__":
    main()
