"""Training throughput of ``convscope train``'s loop against a plain PyTorch loop.

Both loops train the same architecture from the same initial weights on the
same Fashion-MNIST images, batch size and optimiser, in this process, taking
turns so background load hits both alike. Prints images per second for each,
their ratio (goal ≥ 0.95), and seconds per epoch of the default model (goal ≤ 6.5 s
on 2 cores), with the share of that epoch spent inside the convolution ops
themselves (profiled). ``--to-accuracy`` also trains the default recipe until the
test accuracy reaches 91 % and prints the wall time.

    python benchmarks/bench_train.py [--to-accuracy]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from convscope.data import load_fashion_mnist
from convscope.formats import DEFAULT_MODEL
from convscope.training import distributed
from convscope.training.config import TrainConfig
from convscope.training.loop import LoopState, make_optimizer, place_module, train_epoch
from convscope.zoo import get_entry

# ----- configuration -------------------------------------------------------------
ARCH = "tinyvgg"
#: Used when the bundled default model is missing; otherwise its own options are read.
FALLBACK_OPTIONS = {"in_channels": 1, "input_size": 28, "filters": 16, "padding": 1, "num_classes": 10}
BATCH_SIZE = 128
MEASURED_IMAGES = 6_400  # images per measured pass (50 batches)
WARMUP_BATCHES = 10  # untimed batches before each pass (oneDNN builds its kernels)
ROUNDS = 6  # alternating passes per loop; the median of each counts
LR = 0.005
EPOCH_IMAGES = 57_000  # the default recipe trains on 60,000 minus a 5 % validation split
TARGET_ACCURACY = 0.91
THREADS = 0  # 0 = PyTorch's default; --threads overrides
# ----------------------------------------------------------------------------------


def default_record() -> dict:
    """The bundled default's model.json, or {} when it is missing."""
    meta = Path(DEFAULT_MODEL) / "model.json"
    return json.loads(meta.read_text()) if meta.exists() else {}


def fresh(config: TrainConfig, options: dict, *, ours: bool):
    """The same initial weights every time; ``ours`` lays them out as ``convscope train`` does (channels-last)."""
    torch.manual_seed(0)
    model = get_entry(ARCH).build(**options)
    if ours:
        model = place_module(model, torch.device("cpu"))
    return model, make_optimizer(model, config)


def plain_pass(model, optimizer, data, spec, batches) -> tuple[float, float]:
    """The loop anyone would write by hand; returns images per wall second and per CPU second."""
    model.train()
    started, cpu, seen = time.perf_counter(), time.process_time(), 0
    mean = torch.tensor(spec.mean)[None, :, None, None]
    std = torch.tensor(spec.std)[None, :, None, None]
    for index in batches:
        x = (data.images[index].float() / 255.0 - mean) / std  # (N, C, H, W)
        loss = F.cross_entropy(model(x), data.labels[index])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        seen += len(index)
    return seen / (time.perf_counter() - started), seen / (time.process_time() - cpu)


def our_pass(model, optimizer, data, spec, batches, config) -> tuple[float, float]:
    state = LoopState()
    started, cpu = time.perf_counter(), time.process_time()
    _, _, seen = train_epoch(
        model, data, spec, optimizer, config=config, batches=batches, state=state,
        total_steps=len(batches), augmentation=None, generator=torch.Generator().manual_seed(0),
        device=torch.device("cpu"),
    )  # fmt: skip
    return seen / (time.perf_counter() - started), seen / (time.process_time() - cpu)


#: The ATen ops that run the convolutions (oneDNN on CPU), forward and backward.
CONV_OPS = ("aten::mkldnn_convolution", "aten::convolution_backward")


def conv_share(model, optimizer, data, spec, batches, config) -> tuple[float, float]:
    """One profiled pass of our loop: (seconds in convolution ops, seconds in all) per image.

    The convolutions alone bound any training loop built on PyTorch's CPU
    convolutions from below; this says how much of an epoch they are.
    """
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        started = time.perf_counter()
        our_pass(model, optimizer, data, spec, batches, config)
        total = time.perf_counter() - started
    images = sum(len(b) for b in batches)
    conv_us = sum(e.self_cpu_time_total for e in prof.key_averages() if e.key in CONV_OPS)
    return conv_us / 1e6 / images, total / images


def time_to_accuracy(options: dict, record: dict) -> None:
    """Train the default recipe, checking the test accuracy after every epoch (untimed)."""
    from convscope.training.evaluation import evaluate
    from convscope.training.loop import fit
    from convscope.training.run import build_model, prepare

    # The bundled default's own recipe, as its model.json provenance records it.
    recorded = record.get("provenance", {}).get("config")
    config = (TrainConfig.from_dict(recorded) if recorded
              else TrainConfig(arch=ARCH, data="fashion-mnist", arch_options=options, epochs=9, lr=0.005,
                               weight_decay=0.01, label_smoothing=0.1, val_fraction=0.05))  # fmt: skip
    prepared = prepare(config)
    ctx = distributed.setup("cpu")
    model = place_module(build_model(config, prepared), ctx.device)
    optimizer = make_optimizer(model, config)
    clock = {"training": 0.0, "since": time.perf_counter(), "reached": None}

    def check(state: LoopState) -> None:
        clock["training"] += time.perf_counter() - clock["since"]
        accuracy = evaluate(model, prepared.test, prepared.spec).accuracy
        print(f"  epoch {state.epoch}: test accuracy {accuracy:.2%} after {clock['training']:.1f} s")
        if accuracy >= TARGET_ACCURACY and clock["reached"] is None:
            clock["reached"] = clock["training"]
            state.stopped_early = True  # ends the loop: the target is reached
        clock["since"] = time.perf_counter()

    fit(
        model,
        prepared.train,
        prepared.val,
        prepared.spec,
        config,
        ctx=ctx,
        optimizer=optimizer,
        state=LoopState(),
        on_epoch=check,
    )
    reached = clock["reached"]
    print(
        f"wall time to {TARGET_ACCURACY:.0%} test accuracy: "
        + (f"{reached:.1f} s" if reached is not None else f"not reached in {config.epochs} epochs")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--to-accuracy", action="store_true", help="also train the default recipe to 91 %%")
    parser.add_argument("--threads", type=int, default=THREADS, help="CPU threads (0 = PyTorch's default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    record = default_record()
    options = dict(record["architecture"]["options"]) if record else dict(FALLBACK_OPTIONS)
    config = TrainConfig(arch=ARCH, data="fashion-mnist", arch_options=options, lr=LR, schedule="constant")
    spec = get_entry(ARCH).input_spec(**options)
    data = load_fashion_mnist("train").head(MEASURED_IMAGES + WARMUP_BATCHES * BATCH_SIZE)
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(0)).split(BATCH_SIZE)
    warmup, batches = list(order[:WARMUP_BATCHES]), list(order[WARMUP_BATCHES:])
    ctx = distributed.setup("cpu")
    print(
        f"{ARCH} {options}, batch {BATCH_SIZE}, {len(batches)} measured batches, {torch.get_num_threads()} threads, device {ctx.device}"
    )
    rates: dict[str, list[tuple[float, float]]] = {"plain": [], "convscope": []}
    for round_ in range(ROUNDS):
        for name in ("plain", "convscope") if round_ % 2 == 0 else ("convscope", "plain"):
            model, optimizer = fresh(config, options, ours=name == "convscope")
            if name == "plain":
                plain_pass(model, optimizer, data, spec, warmup)
                rate = plain_pass(model, optimizer, data, spec, batches)
            else:
                our_pass(model, optimizer, data, spec, warmup, config)
                rate = our_pass(model, optimizer, data, spec, batches, config)
            rates[name].append(rate)
            print(f"  round {round_ + 1} {name:>9}: {rate[0]:8,.0f} images/s wall, {rate[1]:8,.0f} images/CPU-s")
    wall = {k: statistics.median(r[0] for r in v) for k, v in rates.items()}
    cpu = {k: statistics.median(r[1] for r in v) for k, v in rates.items()}
    print(f"plain loop      {wall['plain']:8,.0f} images/s wall  {cpu['plain']:8,.0f} images/CPU-s (medians)")
    print(f"convscope loop  {wall['convscope']:8,.0f} images/s wall  {cpu['convscope']:8,.0f} images/CPU-s (medians)")
    print(
        f"ratio convscope / plain = {wall['convscope'] / wall['plain']:.3f} wall, {cpu['convscope'] / cpu['plain']:.3f} CPU (goal >= 0.95)"
    )
    print(
        f"default model: {EPOCH_IMAGES / wall['convscope']:.1f} s per epoch of {EPOCH_IMAGES:,} images (goal <= 6.5 s)"
    )
    model, optimizer = fresh(config, options, ours=True)
    our_pass(model, optimizer, data, spec, warmup, config)
    conv, total = conv_share(model, optimizer, data, spec, batches, config)
    print(
        f"  of which convolution ops (profiled pass): {EPOCH_IMAGES * conv:.1f} s of {EPOCH_IMAGES * total:.1f} s "
        f"({conv / total:.0%}), a floor no loop on PyTorch's CPU convolutions goes below"
    )
    if args.to_accuracy:
        time_to_accuracy(options, record)


if __name__ == "__main__":
    main()
