"""A training run end to end: data, model, run folder, resume, final model file.

The run folder ``OUT`` holds ``config.json``, ``checkpoint.pt`` (after every
epoch), ``metrics.json``/``metrics.csv``/``curves.png``, and when training
ends ``model/`` (a ConvScope model file), ``test.json`` and ``confusion.png``.
Everything a user can get wrong is checked before anything is written.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
from torch import nn

import convscope
from convscope.data.imageset import ImageSet
from convscope.data.sources import is_idx_source, load_dataset
from convscope.errors import ConvScopeError
from convscope.formats import save_model
from convscope.inputs import InputSpec
from convscope.limits import MAX_JSON_BYTES, load_json, read_file
from convscope.training import distributed
from convscope.training.checkpoint import CHECKPOINT_NAME, load_checkpoint, save_checkpoint, write_json
from convscope.training.config import TrainConfig
from convscope.training.evaluation import Evaluation, evaluate, normalize, write_confusion_png
from convscope.training.live import LIVE_NAME, SCHEDULE_POINTS, LiveLog, LiveReporter
from convscope.training.loop import LoopState, fit, make_optimizer, place_module, steps_per_epoch, unwrap
from convscope.training.metrics import EpochMetrics, write_metrics
from convscope.training.schedule import lr_at

log = logging.getLogger(__name__)

CONFIG_NAME = "config.json"
#: Files a server's Train page writes into a run folder beside the run: its events and the process output.
SESSION_FILES = (LIVE_NAME, "train.log")
MODEL_DIR = "model"


@dataclass(frozen=True)
class Prepared:
    """The data and architecture of a run, checked and ready."""

    options: dict[str, Any]  # arch options, with num_classes filled in from the data
    spec: InputSpec  # with the training images' mean and std
    classes: tuple[str, ...]
    train: ImageSet
    val: ImageSet | None
    test: ImageSet  # the test split, or the validation split for a folder dataset
    test_name: str  # what ``test`` is, for provenance
    skipped: tuple[str, ...] = ()  # unreadable files left out of a folder dataset


@dataclass(frozen=True)
class TrainResult:
    """What a finished run produced; every process of a torchrun launch gets one."""

    out: Path
    model_dir: Path
    history: list[EpochMetrics]
    test: Evaluation
    epochs: int
    stopped_early: bool
    best_epoch: int
    skipped: tuple[str, ...]  # unreadable files left out of a folder dataset
    module: nn.Module  # the trained weights (the best epoch's when there is a validation set)
    rank: int = 0  # the process under torchrun; only rank 0 wrote files


def prepare(config: TrainConfig) -> Prepared:
    """Load and check the data and the architecture options of ``config``.

    Example:
        >>> prepared = prepare(TrainConfig(arch="tinyvgg", data="shapes", val_fraction=0.5,
        ...                                arch_options={"in_channels": 1, "input_size": 28}))
        >>> prepared.spec.shape, prepared.classes
        ((1, 28, 28), ('circle', 'square'))
    """
    from convscope.zoo import get_entry

    entry = get_entry(config.arch)
    options = dict(config.arch_options)
    entry.check_options(options)
    spec = entry.input_spec(**options)
    full = load_dataset(config.data, split="train", spec=spec).head(config.limit_train)
    classes = full.classes
    if "num_classes" in entry.options():
        given = options.setdefault("num_classes", len(classes))
        if given != len(classes):
            raise ConvScopeError(
                f"--arch-option num_classes={given} but {config.data} has {len(classes)} classes; drop the option"
            )
    if full.skipped:
        log.warning("%d unreadable images were skipped", len(full.skipped))
    train, val = full.split(config.val_fraction, seed=config.seed)
    mean, std = train.channel_stats()
    spec = replace(spec, mean=mean, std=std)
    if is_idx_source(config.data):
        test, test_name = load_dataset(config.data, split="test", spec=spec).head(config.limit_test), "test split"
    elif val is not None:
        test, test_name = val, "validation split (a folder dataset has no test split)"
    else:
        test, test_name = train, "training images (no validation split was held out)"
    return Prepared(options, spec, classes, train, val, test, test_name, full.skipped)


def _check_run_folder(out: Path, config: TrainConfig, resume: bool) -> dict[str, Any] | None:
    """Refuse to overwrite a run; on resume return the saved checkpoint (None if no epoch finished)."""
    saved = out / CONFIG_NAME
    if not resume:
        if saved.exists():
            raise ConvScopeError(
                f"{out} already holds a training run; add --resume to continue it or choose another --out"
            )
        # The Train page's server creates the folder and its process log before the run starts.
        if out.exists() and (not out.is_dir() or any(p.name not in SESSION_FILES for p in out.iterdir())):
            raise ConvScopeError(f"{out} exists and is not an empty folder; choose another --out")
        return None
    if not saved.exists():
        raise ConvScopeError(f"{out} holds no training run to resume; start one without --resume")
    before = read_run_config(out)
    changed = [k for k, v in config.to_dict().items() if before.to_dict().get(k) != v]
    if changed:
        raise ConvScopeError(
            f"--resume must repeat the run's settings, but {', '.join(changed)} differ from {saved}; "
            "drop them or start a new run"
        )
    checkpoint = out / CHECKPOINT_NAME
    return load_checkpoint(checkpoint) if checkpoint.exists() else None


def restore(checkpoint: Any, module: nn.Module, optimizer: torch.optim.Optimizer, path: Path) -> LoopState:
    """Load a checkpoint's weights and optimiser state; a checkpoint of another shape is one line.

    ``weights_only`` loading guarantees no code ran, not that the file holds
    what this run saved: a checkpoint from another architecture, or any dict of
    tensors, must be refused here rather than fail inside PyTorch.
    """
    try:
        module.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        return LoopState.from_dict(checkpoint["state"])
    except (KeyError, TypeError, ValueError, RuntimeError, AttributeError, IndexError) as exc:
        first = (str(exc).strip().splitlines() or [""])[0][:160]
        raise ConvScopeError(
            f"checkpoint {path} does not match this run ({type(exc).__name__}: {first}); start a new run in another --out"
        ) from None


def read_run_config(out: str | Path) -> TrainConfig:
    """The TrainConfig a run folder was started with."""
    path = Path(out) / CONFIG_NAME
    try:
        saved = load_json(read_file(path, str(path), CONFIG_NAME, MAX_JSON_BYTES), str(path), CONFIG_NAME)
        return TrainConfig.from_dict(saved["config"])
    except ConvScopeError as exc:
        raise ConvScopeError(f"cannot read the run settings ({exc}); start a new run") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConvScopeError(
            f"cannot read the run settings in {path} ({type(exc).__name__}: {exc}); start a new run"
        ) from None


def build_model(config: TrainConfig, prepared: Prepared) -> nn.Module:
    """The architecture with weights drawn from ``config.seed``."""
    from convscope.zoo import get_entry

    torch.manual_seed(config.seed)
    module = get_entry(config.arch).build(**prepared.options)
    with torch.no_grad():
        width = module.eval()(torch.zeros(1, *prepared.spec.shape)).shape
    if tuple(width) != (1, len(prepared.classes)):
        raise ConvScopeError(
            f"{config.arch} outputs {tuple(width)[1:]} scores but the data has {len(prepared.classes)} classes"
        )
    return module.train()


def train(
    config: TrainConfig,
    out: str | Path,
    *,
    resume: bool = False,
    command: str = "",
    progress: bool = False,
    on_epoch: Any = None,
    live: bool = False,
) -> TrainResult:
    """Train ``config`` into the run folder ``out``.

    Args:
        config: the run's settings.
        out: the run folder (created; must be new or empty unless ``resume``).
        resume: continue the run in ``out`` from its last finished epoch.
        command: the exact command line, for the model's provenance.
        progress: show progress bars.
        on_epoch: optional ``function(EpochMetrics)`` called on the main process after each epoch.
        live: append live events to ``OUT/live.jsonl`` (see :mod:`convscope.training.live`).

    Example:
        >>> result = train(TrainConfig(arch="tinyvgg", data="shapes", epochs=1, val_fraction=0.5,
        ...                            arch_options={"in_channels": 1, "input_size": 28}), "runs/quick", progress=False)
        >>> result.epochs, sorted(p.name for p in Path("runs/quick").iterdir())
        (1, ['checkpoint.pt', 'config.json', 'confusion.png', 'curves.png', 'metrics.csv', 'metrics.json', 'model', 'test.json'])
    """
    out = Path(out)
    started = time.perf_counter()
    ctx = distributed.setup(config.device)
    try:
        if config.threads:
            torch.set_num_threads(config.threads)
        prepared = prepare(config)
        checkpoint = _check_run_folder(out, config, resume)
        module = place_module(build_model(config, prepared), ctx.device)
        optimizer = make_optimizer(module, config)
        state = LoopState() if checkpoint is None else restore(checkpoint, module, optimizer, out / CHECKPOINT_NAME)
        if ctx.is_main and checkpoint is None:  # the first write: a bad --out fails here, before any training
            saved = {"config": config.to_dict(), "command": command, "classes": list(prepared.classes)}
            write_json(out / CONFIG_NAME, {**saved, "input_spec": prepared.spec.to_dict()})
        distributed.barrier(ctx)
        log = LiveLog(out / LIVE_NAME) if live and ctx.is_main else None
        reporter = _live_reporter(log, config, prepared, module, state, ctx) if log is not None else None
        model: nn.Module = module
        if ctx.distributed:
            model = nn.parallel.DistributedDataParallel(
                module, device_ids=[ctx.device.index] if ctx.device.type == "cuda" else None
            )

        def after_epoch(state: LoopState) -> None:
            if not ctx.is_main:
                return
            save_checkpoint(
                out / CHECKPOINT_NAME,
                {"model": module.state_dict(), "optimizer": optimizer.state_dict(), "state": state.to_dict()},
            )
            write_metrics(out, state.history)
            if log is not None:
                log.emit("epoch", **state.history[-1].to_dict())
            if on_epoch is not None:
                on_epoch(state.history[-1])

        try:
            fit(model, prepared.train, prepared.val, prepared.spec, config, ctx=ctx, optimizer=optimizer,
                state=state, on_epoch=after_epoch, progress=progress, reporter=reporter)  # fmt: skip
        except ConvScopeError as exc:
            if log is not None:
                log.emit("error", message=str(exc), step=state.step, epoch=state.epoch)
            raise
        if state.best_weights is not None:
            module.load_state_dict(state.best_weights)
        test = evaluate(module, prepared.test, prepared.spec, ctx=ctx)
        if ctx.is_main:
            _finish(out, config, prepared, module, state, test, command, time.perf_counter() - started, ctx)
        if log is not None:
            log.emit("test", **test.to_dict(), set=prepared.test_name)
            log.emit("done", model_dir=str(out / MODEL_DIR), epochs=state.epoch, stopped_early=state.stopped_early)
        distributed.barrier(ctx)
        return TrainResult(
            out,
            out / MODEL_DIR,
            state.history,
            test,
            state.epoch,
            state.stopped_early,
            state.best_epoch,
            prepared.skipped,
            module,
            ctx.rank,
        )
    finally:
        distributed.teardown(ctx)


def _live_reporter(
    log: LiveLog,
    config: TrainConfig,
    prepared: Prepared,
    module: nn.Module,
    state: LoopState,
    ctx: distributed.Context,
) -> LiveReporter:
    """The reporter of a ``--live`` run, its ``start`` event already written.

    The probe image is the first validation image (the first training image
    without a validation split): the same image through the whole run, so its
    probabilities show the model learning.
    """
    per_epoch = steps_per_epoch(len(prepared.train), batch_size=config.batch_size, world_size=ctx.world_size)
    total = per_epoch * config.epochs
    probe_set = prepared.val if prepared.val is not None else prepared.train
    probe = normalize(probe_set.images[:1].float().div(255.0), prepared.spec).to(ctx.device)
    reporter = LiveReporter(
        log,
        module,
        steps_per_epoch=per_epoch,
        total_steps=total,
        probe=probe,
        probe_label=int(probe_set.labels[0]),
    )
    points = sorted({round(i * total / SCHEDULE_POINTS) for i in range(SCHEDULE_POINTS + 1)})
    schedule = [
        (s, lr_at(s, total_steps=total, lr=config.lr, schedule=config.schedule, warmup=config.warmup)) for s in points
    ]
    reporter.start(step=state.step, epoch=state.epoch, classes=prepared.classes, schedule=schedule)
    return reporter


def _finish(
    out: Path,
    config: TrainConfig,
    prepared: Prepared,
    module: nn.Module,
    state: LoopState,
    test: Evaluation,
    command: str,
    seconds: float,
    ctx: distributed.Context,
) -> None:
    """Write the model file with its provenance, the test results and the confusion matrix."""
    import json

    original = json.loads((out / CONFIG_NAME).read_text(encoding="utf-8")).get("command", command)
    provenance = {
        "dataset": config.data,
        "command": original,
        **({"resumed_with": command} if command and command != original else {}),
        "seed": config.seed,
        "epochs": state.epoch,
        "stopped_early": state.stopped_early,
        "weights_from_epoch": state.best_epoch or state.epoch,
        "train_images": len(prepared.train),
        "val_images": len(prepared.val) if prepared.val is not None else 0,
        "test_images": test.count,
        "test_set": prepared.test_name,
        "skipped_files": len(prepared.skipped),
        "test_accuracy": test.accuracy,
        "test_loss": test.loss,
        "train_seconds": round(sum(m.seconds for m in state.history), 2),
        "wall_seconds": round(seconds, 2),
        "processes": ctx.world_size,
        "device": ctx.device.type,
        "torch": torch.__version__,
        "convscope": convscope.__version__,
        "config": config.to_dict(),
    }
    save_model(
        out / MODEL_DIR,
        unwrap(module),
        architecture={"zoo": config.arch, "options": prepared.options},
        input_spec=prepared.spec,
        classes=prepared.classes,
        provenance=provenance,
        name=out.name,
    )
    write_json(out / "test.json", test.to_dict())
    write_confusion_png(out / "confusion.png", test)
