"""The training loop, readable top to bottom: epochs of shuffled batches, a
validation pass after each, early stopping on the validation loss.

Randomness is drawn per epoch from seeds derived from ``(seed, epoch, rank)``,
so a run resumed after epoch 3 continues exactly as if it never stopped.
"""

from __future__ import annotations

import logging
import math
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DistributedSampler
from tqdm import tqdm

from convscope.data.augment import Augmentation
from convscope.data.imageset import ImageSet
from convscope.errors import ConvScopeError
from convscope.inputs import InputSpec
from convscope.training import distributed
from convscope.training.config import TrainConfig
from convscope.training.evaluation import evaluate, normalize
from convscope.training.live import LiveReporter
from convscope.training.metrics import EpochMetrics
from convscope.training.schedule import lr_at

log = logging.getLogger(__name__)


@dataclass
class LoopState:
    """Everything a checkpoint must hold to continue a run exactly."""

    epoch: int = 0  # finished epochs
    step: int = 0  # optimiser steps taken
    history: list[EpochMetrics] = field(default_factory=list)
    best_epoch: int = 0
    best_val_loss: float = math.inf
    best_weights: dict[str, torch.Tensor] | None = None
    bad_epochs: int = 0  # epochs since the validation loss last improved
    stopped_early: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "epoch": self.epoch,
            "step": self.step,
            "history": [m.to_dict() for m in self.history],
            "best_epoch": self.best_epoch,
            "best_val_loss": self.best_val_loss,
            "best_weights": self.best_weights,
            "bad_epochs": self.bad_epochs,
            "stopped_early": self.stopped_early,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LoopState:
        return cls(
            epoch=int(data["epoch"]),
            step=int(data["step"]),
            history=[EpochMetrics.from_dict(m) for m in data["history"]],
            best_epoch=int(data["best_epoch"]),
            best_val_loss=float(data["best_val_loss"]),
            best_weights=data["best_weights"],
            bad_epochs=int(data["bad_epochs"]),
            stopped_early=bool(data["stopped_early"]),
        )


def place_module(module: nn.Module, device: torch.device) -> nn.Module:
    """Move ``module`` to ``device`` in the channels-last layout the loop feeds it.

    Channels-last convolutions run about twice as fast on CPU (oneDNN's native
    layout; measured by benchmarks/bench_train.py). Model files are unaffected:
    weights are saved contiguous.
    """
    return module.to(device, memory_format=torch.channels_last)  # type: ignore[call-overload]  # torch's stubs omit memory_format


def make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    """SGD with momentum, Adam or AdamW as the config says."""
    params = model.parameters()
    if config.optimizer == "sgd":
        return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    return torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)


def epoch_seed(seed: int, epoch: int, rank: int = 0) -> int:
    """A distinct, reproducible seed for each epoch of each process."""
    return (seed * 1_000_003 + epoch) * 1009 + rank


def epoch_batches(
    count: int, *, batch_size: int, seed: int, epoch: int, ctx: distributed.Context
) -> list[torch.Tensor]:
    """This process's shuffled image indices for one epoch, cut into batches.

    ``DistributedSampler`` gives each of ``world_size`` processes an equal,
    disjoint share (padding with repeats when ``count`` does not divide), so
    every process takes the same number of steps.
    """
    indices: Any = range(count)  # a range serves as the dataset: the sampler only needs its length
    sampler: DistributedSampler[int] = DistributedSampler(
        indices, num_replicas=ctx.world_size, rank=ctx.rank, shuffle=True, seed=seed
    )
    sampler.set_epoch(epoch)
    return list(torch.tensor(list(sampler), dtype=torch.long).split(batch_size))


def steps_per_epoch(count: int, *, batch_size: int, world_size: int) -> int:
    return math.ceil(math.ceil(count / world_size) / batch_size)


def train_epoch(
    model: nn.Module,
    data: ImageSet,
    spec: InputSpec,
    optimizer: torch.optim.Optimizer,
    *,
    config: TrainConfig,
    batches: list[torch.Tensor],
    state: LoopState,
    total_steps: int,
    augmentation: Augmentation | None,
    generator: torch.Generator,
    device: torch.device,
    bar: tqdm | None = None,
    reporter: LiveReporter | None = None,
) -> tuple[float, int, int]:
    """One pass over ``batches``; returns (summed loss, correct, images) of this process.

    A loss that is not finite stops the run with the step it happened at: every
    later step would only carry the NaN into the weights.
    """
    model.train()
    loss_sum = torch.zeros((), dtype=torch.float64, device=device)
    correct = torch.zeros((), dtype=torch.int64, device=device)
    seen = 0
    for i, index in enumerate(batches):
        lr = lr_at(state.step, total_steps=total_steps, lr=config.lr, schedule=config.schedule, warmup=config.warmup)
        for group in optimizer.param_groups:
            group["lr"] = lr
        images = data.images[index].to(device, non_blocking=True).float().div_(255.0)  # (N, C, H, W) in 0..1
        images = images.contiguous(memory_format=torch.channels_last)  # as place_module lays out the model
        if augmentation is not None:
            images = augmentation(images, generator)
        labels = data.labels[index].to(device, non_blocking=True)
        logits = model(normalize(images, spec))  # (N, K)
        loss = F.cross_entropy(logits, labels, label_smoothing=config.label_smoothing)
        if not torch.isfinite(loss):
            raise ConvScopeError(
                f"the training loss became {float(loss.detach())} at step {state.step + 1} (epoch {state.epoch + 1}); "
                f"the learning rate {lr:.3g} is probably too high: lower --lr and start a new run"
            )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        state.step += 1
        loss_sum += loss.detach().double() * len(index)
        correct += (logits.detach().argmax(dim=1) == labels).sum()
        seen += len(index)
        if reporter is not None:
            hits = int((logits.detach().argmax(dim=1) == labels).sum())
            reporter.step(step=state.step, loss=float(loss.detach()), correct=hits, images=len(index), lr=lr)
        if bar is not None:
            bar.update(1)
            if i % 20 == 0 or i == len(batches) - 1:
                bar.set_postfix(loss=f"{float(loss_sum) / seen:.4f}", acc=f"{int(correct) / seen:.2%}", refresh=False)
    return float(loss_sum), int(correct), seen


def fit(
    model: nn.Module,
    train: ImageSet,
    val: ImageSet | None,
    spec: InputSpec,
    config: TrainConfig,
    *,
    ctx: distributed.Context,
    optimizer: torch.optim.Optimizer,
    state: LoopState,
    on_epoch: Callable[[LoopState], None] = lambda state: None,
    progress: bool = False,
    reporter: LiveReporter | None = None,
) -> LoopState:
    """Train ``model`` from ``state.epoch`` to ``config.epochs`` or until early stopping.

    Args:
        model: the module to train (wrapped in DDP under ``torchrun``).
        train: training images fitted to ``spec``.
        val: validation images, or None (no early stopping then).
        spec: input spec whose mean and std scale the pixels.
        config: the run's settings.
        ctx: device and process rank.
        optimizer: from :func:`make_optimizer`, with state restored when resuming.
        state: where the run stands; updated in place.
        on_epoch: called after every finished epoch (checkpoints, metrics files).
        progress: show tqdm bars (main process only).
        reporter: live events (``convscope train --live``), main process only.

    Example:
        >>> from convscope.data.folders import load_image_folder
        >>> spec = InputSpec(1, 28, 28)
        >>> images, held_out = load_image_folder("shapes", spec).split(0.5, seed=0)
        >>> config = TrainConfig(arch="tinyvgg", data="shapes", epochs=2)
        >>> model = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 2))
        >>> ctx = distributed.Context(device=torch.device("cpu"))
        >>> fit(model, images, held_out, spec, config, ctx=ctx, optimizer=make_optimizer(model, config), state=LoopState()).epoch
        2
    """
    augmentation = Augmentation.parse(config.augment) if config.augment else None
    per_epoch = steps_per_epoch(len(train), batch_size=config.batch_size, world_size=ctx.world_size)
    total_steps = per_epoch * config.epochs
    show = progress and ctx.is_main
    ncols, nrows = bar_size()
    epochs_bar = tqdm(
        total=config.epochs,
        initial=state.epoch,
        desc="epochs",
        unit="epoch",
        disable=not show,
        ncols=ncols,
        nrows=nrows,
    )
    try:
        while state.epoch < config.epochs and not state.stopped_early:
            epoch = state.epoch
            seed = epoch_seed(config.seed, epoch, ctx.rank)
            torch.manual_seed(seed)  # dropout draws from the global generator
            generator = torch.Generator().manual_seed(seed)
            batches = epoch_batches(len(train), batch_size=config.batch_size, seed=config.seed, epoch=epoch, ctx=ctx)
            bar = (
                tqdm(
                    total=len(batches),
                    desc=f"epoch {epoch + 1}/{config.epochs}",
                    unit="batch",
                    leave=False,
                    ncols=ncols,
                    nrows=nrows,
                )
                if show
                else None
            )
            started = time.perf_counter()
            try:
                loss_sum, correct, seen = train_epoch(
                    model, train, spec, optimizer, config=config, batches=batches, state=state,
                    total_steps=total_steps, augmentation=augmentation, generator=generator,
                    device=ctx.device, bar=bar, reporter=reporter if ctx.is_main else None,
                )  # fmt: skip
            finally:
                if bar is not None:
                    bar.close()
            seconds = time.perf_counter() - started
            totals = distributed.all_sum(torch.tensor([loss_sum, correct, seen], dtype=torch.float64), ctx)
            # The bare module: DDP's forward would sync buffers, and ranks may run different batch counts here.
            result = None
            if val is not None:
                result = evaluate(unwrap(model), val, spec, ctx=ctx, label_smoothing=config.label_smoothing)
            metrics = EpochMetrics(
                epoch=epoch + 1,
                train_loss=float(totals[0] / totals[2]),
                train_accuracy=float(totals[1] / totals[2]),
                val_loss=result.loss if result else math.nan,
                val_accuracy=result.accuracy if result else math.nan,
                lr=optimizer.param_groups[0]["lr"],
                seconds=seconds,
                images_per_second=float(totals[2]) / seconds,
            )
            state.epoch, state.history = epoch + 1, [*state.history, metrics]
            _track_best(model, state, metrics, config)
            log.info("epoch %d: %s", metrics.epoch, metrics.to_dict())
            on_epoch(state)
            epochs_bar.update(1)
            epochs_bar.set_postfix(loss=f"{metrics.train_loss:.4f}", val_acc=f"{metrics.val_accuracy:.2%}")
    finally:
        epochs_bar.close()
    return state


def _track_best(model: nn.Module, state: LoopState, metrics: EpochMetrics, config: TrainConfig) -> None:
    """Keep the weights of the lowest validation loss; stop after ``patience`` epochs without one."""
    if math.isnan(metrics.val_loss):
        return
    if metrics.val_loss < state.best_val_loss - config.min_delta:
        state.best_val_loss, state.best_epoch, state.bad_epochs = metrics.val_loss, metrics.epoch, 0
        state.best_weights = {k: v.detach().cpu().clone() for k, v in unwrap(model).state_dict().items()}
        return
    state.bad_epochs += 1
    if config.patience and state.bad_epochs >= config.patience:
        state.stopped_early = True
        log.info("stopping early: no better validation loss for %d epochs", state.bad_epochs)


def bar_size() -> tuple[int, int]:
    """The progress bars' ``ncols`` and ``nrows``: the terminal's, or 80×24 when it reports 0×0.

    A terminal that says it has no size (some containers and CI ptys) made tqdm
    take it as -1 rows and hide every bar, so a run showed no progress at all.
    """
    size = shutil.get_terminal_size()
    return size.columns, size.lines


def unwrap(model: nn.Module) -> nn.Module:
    """The user's module inside a DistributedDataParallel wrapper (or the module itself)."""
    return model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model
