"""A run's live events: what a training process reports while it trains.

``convscope train --live`` appends one JSON object per line to ``OUT/live.jsonl``:

- ``start``: the plan (steps per epoch, total steps, classes, the learning-rate
  schedule sampled over the run, the step it starts from when resumed);
- ``step``: every few optimiser steps, the loss and accuracy of the steps since
  the last event and their exponentially smoothed values, the learning rate,
  images per second and the seconds left;
- ``filters``: the first convolution's weights, every few ``step`` events;
- ``probe``: one fixed image's class probabilities through the model as it is now;
- ``maps``: that image's activation maps, the first few channels of every layer with
  spatial output at their real size (float32, base64), every few ``probe`` events;
- ``epoch``: an :class:`~convscope.training.metrics.EpochMetrics` record;
- ``test``: accuracy, loss and confusion matrix of the finished model;
- ``done`` / ``error`` / ``stopped``: how the process ended.

The web app's Train page replays this file and then follows it, so a page
reload or a server restart shows the whole run. An append-only log rather than
an atomically replaced file: every event is written with one ``write`` of a
whole line and flushed, and :func:`read_events` ignores a last line that is not
finished yet, so a reader never sees half an event.

Example:
    >>> log = LiveLog("live.jsonl")
    >>> log.emit("stopped", reason="asked to stop")
    >>> [e["type"] for e in read_events("live.jsonl")[0]]
    ['stopped']
"""

from __future__ import annotations

import base64
import json
import math
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

LIVE_NAME = "live.jsonl"
#: Environment variable naming the server's process id; a training process it started exits when that parent is gone.
EXIT_WITH_PARENT_ENV = "CONVSCOPE_EXIT_WITH_PARENT"
#: About this many ``step`` events per epoch, whatever its length.
STEP_EVENTS_PER_EPOCH = 40
#: A ``filters`` and a ``probe`` event after every this many ``step`` events.
PICTURE_EVERY = 5
#: Smoothing of the step curves: each event's value weighs this much against the running value.
SMOOTHING = 0.3
#: Points of the learning-rate schedule sent in the ``start`` event.
SCHEDULE_POINTS = 200
#: Filters sent per ``filters`` event (a first layer rarely has more; bigger ones are cut).
MAX_FILTERS = 64
#: A ``maps`` event after every this many ``step`` events (4 an epoch): one forward pass of one
#: image and ~70 kB of JSON for TinyVGG, against the thousands of images trained in between.
MAPS_EVERY = 10
#: Channels per layer in a ``maps`` event: an overview, not the whole trace.
MAP_CHANNELS = 4
#: Values per ``maps`` event at most (layers past it are left out; a big model's first layers fill it).
MAX_MAP_VALUES = 65_536


def _clean(value: Any) -> Any:
    """JSON has no NaN or infinity: they travel as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


class LiveLog:
    """Appends events to a run's ``live.jsonl``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def emit(self, kind: str, **fields: Any) -> None:
        """Append one event, stamped with the wall-clock time."""
        line = json.dumps(_clean({"type": kind, "time": round(time.time(), 3), **fields}), separators=(",", ":"))
        # O_APPEND: each whole-line write lands at the end even if another process appended meanwhile.
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)
        try:
            os.write(fd, (line + "\n").encode("utf-8"))
        finally:
            os.close(fd)


def read_events(path: str | Path, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """The complete events after byte ``offset``, and the offset to read from next.

    A last line without its newline is still being written: it is left for the next read.
    A line that is not JSON (a disk that filled mid-write) is skipped, not fatal.
    """
    try:
        with open(path, "rb") as file:
            file.seek(offset)
            data = file.read()
    except FileNotFoundError:
        return [], offset
    end = data.rfind(b"\n") + 1
    events = []
    for raw in data[:end].splitlines():
        try:
            event = json.loads(raw)
        except ValueError:
            continue
        if isinstance(event, dict):
            events.append(event)
    return events, offset + end


def first_conv(module: nn.Module) -> tuple[str, nn.Conv2d] | None:
    """The first 2-D convolution of ``module`` (in registration order), with its name."""
    for name, child in module.named_modules():
        if isinstance(child, nn.Conv2d):
            return name, child
    return None


class LiveReporter:
    """Turns the loop's per-step numbers into ``step``, ``filters`` and ``probe`` events.

    Args:
        log: where the events go.
        module: the model being trained (the bare module, not a DDP wrapper).
        steps_per_epoch: optimiser steps in one epoch.
        total_steps: steps in the whole run.
        batch_size: images per step, for images per second.
        probe: one normalised image ``(1, C, H, W)`` whose probabilities are reported, or None.
        probe_label: its true class.
    """

    def __init__(
        self,
        log: LiveLog,
        module: nn.Module,
        *,
        steps_per_epoch: int,
        total_steps: int,
        probe: torch.Tensor | None = None,
        probe_label: int | None = None,
    ) -> None:
        self.log = log
        self.module = module
        self.steps_per_epoch = max(steps_per_epoch, 1)
        self.total_steps = total_steps
        self.every = max(1, self.steps_per_epoch // STEP_EVENTS_PER_EPOCH)
        self.probe = probe
        self.probe_label = probe_label
        self.conv = first_conv(module)
        self._reset_window()
        self.loss_smooth: float | None = None
        self.accuracy_smooth: float | None = None
        self.events = 0

    def _reset_window(self) -> None:
        self.window_loss = 0.0
        self.window_correct = 0
        self.window_images = 0
        self.window_steps = 0
        self.window_started = time.perf_counter()

    def start(self, *, step: int, epoch: int, classes: Sequence[str], schedule: Sequence[tuple[int, float]]) -> None:
        """The ``start`` event, and the first pictures of the weights as they begin."""
        self.log.emit(
            "start",
            step=step,
            epoch=epoch,
            steps_per_epoch=self.steps_per_epoch,
            total_steps=self.total_steps,
            classes=list(classes),
            schedule=[[s, lr] for s, lr in schedule],
            filters_layer=self.conv[0] if self.conv else None,
        )
        self._pictures(step)
        self._reset_window()

    def step(self, *, step: int, loss: float, correct: int, images: int, lr: float) -> None:
        """Called after every optimiser step with that batch's mean loss and correct count."""
        self.window_loss += loss * images
        self.window_correct += correct
        self.window_images += images
        self.window_steps += 1
        if step % self.every and step != self.total_steps:
            return
        seconds = max(time.perf_counter() - self.window_started, 1e-9)
        loss_now = self.window_loss / self.window_images
        accuracy_now = self.window_correct / self.window_images
        self.loss_smooth = loss_now if self.loss_smooth is None else _ema(self.loss_smooth, loss_now)
        self.accuracy_smooth = (
            accuracy_now if self.accuracy_smooth is None else _ema(self.accuracy_smooth, accuracy_now)
        )
        per_second = self.window_images / seconds
        steps_left = self.total_steps - step
        self.log.emit(
            "step",
            step=step,
            epoch=step / self.steps_per_epoch,
            loss=loss_now,
            loss_smooth=self.loss_smooth,
            accuracy=accuracy_now,
            accuracy_smooth=self.accuracy_smooth,
            lr=lr,
            images_per_second=per_second,
            seconds_left=steps_left * seconds / self.window_steps,  # training steps only, not validation
        )
        self.events += 1
        last = step == self.total_steps
        if self.events % PICTURE_EVERY == 0 or last:
            self._pictures(step, maps=self.events % MAPS_EVERY == 0 or last)
        self._reset_window()

    def _pictures(self, step: int, *, maps: bool = True) -> None:
        if self.conv is not None:
            weight = self.conv[1].weight.detach().float().cpu()[:MAX_FILTERS]
            self.log.emit(
                "filters",
                step=step,
                layer=self.conv[0],
                shape=list(weight.shape),
                min=float(weight.min()),
                max=float(weight.max()),
                values=[round(v, 6) for v in weight.flatten().tolist()],
            )
        if self.probe is not None:
            was_training = self.module.training
            self.module.eval()
            try:
                logits, outputs = probe_forward(self.module, self.probe, capture=maps)
            finally:
                self.module.train(was_training)
            probabilities = torch.softmax(logits.float(), dim=1)[0]
            self.log.emit("probe", step=step, label=self.probe_label, probabilities=probabilities.tolist())
            if maps:
                self.log.emit("maps", step=step, label=self.probe_label, layers=map_records(outputs))


def probe_forward(
    module: nn.Module, image: torch.Tensor, *, capture: bool
) -> tuple[torch.Tensor, list[tuple[str, torch.Tensor]]]:
    """``module``'s logits for ``image`` and, when ``capture``, each leaf module's output in the order
    they ran (a module called twice, like a shared ReLU, keeps its first place and its last output)."""
    outputs: dict[str, torch.Tensor] = {}
    hooks = []
    if capture:
        for name, child in module.named_modules():
            if name and next(child.children(), None) is None:

                def keep(_m: nn.Module, _i: Any, out: Any, name: str = name) -> None:
                    if isinstance(out, torch.Tensor):
                        outputs[name] = out.detach()

                hooks.append(child.register_forward_hook(keep))
    try:
        with torch.no_grad():
            logits = module(image)
    finally:
        for hook in hooks:
            hook.remove()
    return logits, list(outputs.items())


def map_records(outputs: list[tuple[str, torch.Tensor]]) -> list[dict[str, Any]]:
    """The ``maps`` event's layers: for each ``(1, C, H, W)`` output, its first channels as
    little-endian float32 in base64, until :data:`MAX_MAP_VALUES` values are sent."""
    records: list[dict[str, Any]] = []
    left = MAX_MAP_VALUES
    for name, out in outputs:
        if out.ndim != 4:
            continue  # vectors (flatten, dense layers) have no map; the probe event has the answer
        _, c, h, w = out.shape
        channels = min(MAP_CHANNELS, c, left // (h * w))
        if channels == 0:
            break
        maps = out[0, :channels].float().contiguous().cpu()  # (k, H, W)
        left -= maps.numel()
        records.append(
            {
                "name": name,
                "shape": [c, h, w],
                "channels": channels,
                "min": float(maps.min()),
                "max": float(maps.max()),
                "values": base64.b64encode(maps.numpy().astype("<f4").tobytes()).decode(),
            }
        )
    return records


def _ema(running: float, value: float) -> float:
    return (1 - SMOOTHING) * running + SMOOTHING * value
