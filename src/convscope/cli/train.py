"""``convscope train``: train a zoo architecture on Fashion-MNIST or an image folder.

Runs the same under ``torchrun --nproc_per_node=N`` (DistributedDataParallel);
then only rank 0 prints and writes files.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

from convscope.cli import model_facts, print_json
from convscope.cli.options import parse_option
from convscope.errors import ConvScopeError
from convscope.training.config import OPTIMIZERS, SCHEDULES, TrainConfig

#: TrainConfig fields set by a flag of the same name (``limit_train`` ↔ ``--limit-train``).
_FLAGS = {
    "data": (str, "fashion-mnist, a folder of IDX files, or a folder of class folders"),
    "epochs": (int, "passes over the training images"),
    "batch_size": (int, "images per step (per process under torchrun)"),
    "optimizer": (str, f"one of {', '.join(OPTIMIZERS)}"),
    "lr": (float, "peak learning rate"),
    "momentum": (float, "SGD momentum"),
    "weight_decay": (float, "weight decay (decoupled for adamw)"),
    "schedule": (str, f"learning-rate schedule: {', '.join(SCHEDULES)}"),
    "warmup": (float, "share of steps spent warming up"),
    "label_smoothing": (float, "label smoothing of the cross-entropy"),
    "patience": (int, "stop after this many epochs without a better validation loss (0 = never)"),
    "min_delta": (float, "smallest validation-loss drop that counts as better"),
    "val_fraction": (float, "share of training images held out for validation"),
    "seed": (int, "seed for weights, split, shuffling, augmentation and dropout"),
    "device": (str, "auto, cpu or cuda"),
    "threads": (int, "CPU threads (0 = PyTorch's default)"),
    "limit_train": (int, "use only the first N training images"),
    "limit_test": (int, "evaluate on only the first N test images"),
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("train", help="train a zoo architecture and save a ConvScope model")
    parser.add_argument("--arch", help="zoo architecture, e.g. tinyvgg or lenet5")
    parser.add_argument(
        "--arch-option", "-o", action="append", default=[], metavar="NAME=VALUE",
        help="architecture option (repeatable), e.g. filters=16",
    )  # fmt: skip
    parser.add_argument(
        "--augment", action="append", default=None, metavar="NAME[=VALUE]",
        help="augmentation (repeatable): flip, crop=PAD, rotate=DEG, affine=DEG, color=STRENGTH",
    )  # fmt: skip
    # The flags default to None so --resume can tell given from omitted; --help shows TrainConfig's defaults.
    defaults = {f.name: f.default for f in fields(TrainConfig)} | {"data": "fashion-mnist"}
    for name, (kind, text) in _FLAGS.items():
        shown = "all" if defaults[name] is None else defaults[name]
        parser.add_argument(f"--{name.replace('_', '-')}", type=kind, default=None, help=f"{text} (default: {shown})")
    parser.add_argument("--out", required=True, help="run folder for checkpoints, metrics and the final model")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out from its last finished epoch")
    parser.add_argument(
        "--live", action="store_true",
        help="append live events (steps, filters, probabilities) to OUT/live.jsonl, as the web app's Train page reads",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(run=run)


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """A TrainConfig from the flags; on ``--resume`` unspecified flags keep the run's values."""
    given: dict[str, Any] = {name: getattr(args, name) for name in _FLAGS if getattr(args, name) is not None}
    if args.arch is not None:
        given["arch"] = args.arch
    if args.arch_option:
        given["arch_options"] = dict(parse_option(o) for o in args.arch_option)
    if args.augment is not None:
        given["augment"] = tuple(args.augment)
    if args.resume and (Path(args.out) / "config.json").exists():
        from convscope.training.run import read_run_config

        return TrainConfig.from_dict({**read_run_config(args.out).to_dict(), **given})
    if "arch" not in given:
        raise ConvScopeError("--arch is required to start a run, e.g. --arch tinyvgg")
    given.setdefault("data", "fashion-mnist")
    return TrainConfig(**given)


def command_for(config: TrainConfig, out: str) -> str:
    """The ``convscope train`` command that repeats ``config`` (defaults left out)."""
    return shlex.join(["convscope", "train", *arguments_for(config), "--out", out])


def arguments_for(config: TrainConfig) -> list[str]:
    """The flags of ``convscope train`` that give ``config`` (defaults left out), without ``--out``."""
    defaults = TrainConfig(arch=config.arch, data=config.data)
    words = ["--arch", config.arch]
    for key, value in config.arch_options.items():
        words += ["--arch-option", f"{key}={value}"]
    for item in config.augment:
        words += ["--augment", item]
    words += ["--data", config.data]
    for f in fields(TrainConfig):
        value = getattr(config, f.name)
        if f.name in _FLAGS and f.name != "data" and value != getattr(defaults, f.name):
            words += [f"--{f.name.replace('_', '-')}", str(value)]
    return words


def _epoch_line(total: int) -> Any:
    def echo(m: Any) -> None:
        val = "" if m.val_loss != m.val_loss else f"  val loss {m.val_loss:.4f}  val acc {m.val_accuracy:.2%}"
        print(
            f"epoch {m.epoch}/{total}  loss {m.train_loss:.4f}  acc {m.train_accuracy:.2%}{val}"
            f"  {m.seconds:.1f} s ({m.images_per_second:,.0f} img/s)",
            flush=True,
        )

    return echo


def _exit_with_parent() -> None:
    """End this process when the server that started it is gone (``EXIT_WITH_PARENT`` set by the server).

    A thread, not a check in the loop: it also ends a process busy loading data
    or evaluating. SIGTERM to itself ends it as the server's Stop would.
    """
    import os
    import signal
    import threading

    from convscope.training.live import EXIT_WITH_PARENT_ENV

    parent = os.environ.get(EXIT_WITH_PARENT_ENV)
    if not parent:
        return

    def watch() -> None:
        import time

        while os.getppid() == int(parent):
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, daemon=True).start()


def run(args: argparse.Namespace) -> int:
    from convscope.training.run import train

    _exit_with_parent()
    config = config_from_args(args)
    command = command_for(config, args.out)
    progress = sys.stdout.isatty() and sys.stderr.isatty() and not args.json
    echo = None if (args.json or progress) else _epoch_line(config.epochs)
    try:
        result = train(
            config, args.out, resume=args.resume, command=command, progress=progress, on_epoch=echo, live=args.live
        )
    except KeyboardInterrupt:
        print(f"convscope: interrupted; continue with: {command} --resume", file=sys.stderr)
        return 130
    if result.rank != 0:  # under torchrun only rank 0 reports
        return 0
    from convscope.formats import load_model

    summary = {
        **model_facts(load_model(result.model_dir), str(result.model_dir)),
        "out": str(result.out),
        "epochs": result.epochs,
        "stopped_early": result.stopped_early,
        "best_epoch": result.best_epoch,
        "test_accuracy": result.test.accuracy,
        "test_images": result.test.count,
        "skipped_files": list(result.skipped),
        "history": [m.to_dict() for m in result.history],
        "command": command,
    }
    if args.json:
        print_json(summary)
    else:
        if result.skipped:
            print(f"skipped {len(result.skipped)} unreadable images, e.g. {result.skipped[0]}")
        stop = " (stopped early)" if result.stopped_early else ""
        print(
            f"trained {result.epochs} epochs{stop}; test accuracy {result.test.accuracy:.2%} on {result.test.count} images"
        )
        print(f"model saved to {result.model_dir}")
    return 0
