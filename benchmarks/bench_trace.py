"""Trace cost: a full ConvScope trace ÷ a plain forward pass, measured in the same run.

Usage: python benchmarks/bench_trace.py [--models tinyvgg vgg16] [--repeats 50]

Both sides run in eval mode under ``torch.no_grad``; the trace records every
layer's output (and therefore keeps every intermediate tensor alive).
Goals: ≤ 1.15 for TinyVGG at batch 1, ≤ 1.3 for VGG-16 at 224×224.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from convscope.formats import zoo_network

# ---- config ------------------------------------------------------------------
MODELS = {"tinyvgg": 2000, "resnet18": 40, "vgg16": 15}  # name → measured pairs of calls
WARMUP = 3
# -------------------------------------------------------------------------------


def measure(name: str, repeats: int) -> tuple[float, float]:
    """Median seconds of a plain forward pass and of a full trace, taken in turns.

    Alternating call by call (rather than in blocks) lets drifting machine load
    and allocator state hit both sides alike.
    """
    network = zoo_network(name)
    module = network.module.eval()
    x = torch.rand(1, *network.input_spec.shape)

    def plain() -> None:
        with torch.no_grad():
            module(x)

    def trace() -> None:
        network.run(x)

    for _ in range(WARMUP):
        plain()
        trace()
    plain_t, trace_t = [], []
    for _ in range(repeats):
        for fn, times in ((plain, plain_t), (trace, trace_t)):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return statistics.median(plain_t), statistics.median(trace_t)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=list(MODELS))
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args()
    torch.manual_seed(0)
    print(f"threads: {torch.get_num_threads()}")
    print(f"{'model':10s} {'forward ms':>11s} {'trace ms':>9s} {'trace/forward':>14s}")
    for name in args.models:
        plain, trace = measure(name, args.repeats or MODELS.get(name, 10))
        print(f"{name:10s} {plain * 1e3:11.2f} {trace * 1e3:9.2f} {trace / plain:14.3f}")


if __name__ == "__main__":
    main()
