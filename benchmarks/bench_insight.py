"""Insight costs as ratios against plain passes measured in the same run.

Usage: python benchmarks/bench_insight.py [--images 10000] [--repeats 3]

- top-k: the top-9 pass over the Fashion-MNIST test images for every channel of every
  conv/activation/pool layer of the default model, against a plain batched forward pass
  over the same images (target ≤ 1.5×);
- Grad-CAM for one image against one forward + backward of that image (target ≤ 3×);
- integrated gradients with 32 steps in one batch against 32 batched forward + backward
  passes (one batch of 32 interpolated images) (target ≤ 1.2×).
Each stage is warmed up once, then timed ``--repeats`` times; the best time counts.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import torch

# ---- config ------------------------------------------------------------------
IMAGES = 10_000
REPEATS = 3
BATCH = 500
SINGLE_REPEATS = 50  # one-image stages are short: time this many in a row
# -------------------------------------------------------------------------------


def best_pair(baseline: Callable[[], object], measured: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Best times of both, run alternately so a busy machine slows both alike."""
    baseline(), measured()  # warm-up
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for function, into in ((baseline, times[0]), (measured, times[1])):
            start = time.perf_counter()
            function()
            into.append(time.perf_counter() - start)
    return min(times[0]), min(times[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=IMAGES)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args()

    from convscope.data.sources import load_dataset
    from convscope.formats import resolve_model
    from convscope.insight.attribution import grad_cam, integrated_gradients
    from convscope.insight.topk import top_k
    from convscope.training.evaluation import normalize

    net = resolve_model("default")
    net.module.eval()
    data = load_dataset("fashion-mnist", split="test", spec=net.input_spec).head(args.images)

    def plain_forward() -> None:
        with torch.inference_mode():
            for start in range(0, len(data), BATCH):
                net.module(normalize(data.images[start : start + BATCH], net.input_spec))

    forward, topk = best_pair(plain_forward, lambda: top_k(net, data, k=9, batch=BATCH), args.repeats)

    x = normalize(data.images[:1], net.input_spec)

    def forward_backward(batch: torch.Tensor) -> None:
        inputs = batch.clone().requires_grad_(True)
        net.module(inputs)[:, 9].sum().backward()

    def repeated(function: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            for _ in range(SINGLE_REPEATS):
                function()

        return run

    one_fb, cam = best_pair(
        repeated(lambda: forward_backward(x)), repeated(lambda: grad_cam(net, x, 9, "max_pool_2")), args.repeats
    )
    thirty_two = x.expand(32, -1, -1, -1).contiguous()
    batch_fb, ig = best_pair(
        repeated(lambda: forward_backward(thirty_two)),
        repeated(lambda: integrated_gradients(net, x, 9, steps=32)),
        args.repeats,
    )

    print(f"threads {torch.get_num_threads()}, {len(data)} images, best of {args.repeats}")
    print(
        f"top-9 pass, every layer      {topk:8.3f} s vs forward {forward:8.3f} s  ratio {topk / forward:5.2f} (≤ 1.5)"
    )
    print(f"Grad-CAM, one image          {cam / SINGLE_REPEATS * 1e3:8.3f} ms vs fwd+bwd {one_fb / SINGLE_REPEATS * 1e3:8.3f} ms  "
          f"ratio {cam / one_fb:5.2f} (≤ 3)")  # fmt: skip
    print(f"integrated gradients, 32 steps {ig / SINGLE_REPEATS * 1e3:6.3f} ms vs 32 batched fwd+bwd "
          f"{batch_fb / SINGLE_REPEATS * 1e3:8.3f} ms  ratio {ig / batch_fb:5.2f} (≤ 1.2)")  # fmt: skip


if __name__ == "__main__":
    main()
