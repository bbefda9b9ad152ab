"""Learning-rate schedules as pure functions of the step, so tests can call them."""

from __future__ import annotations

import math

#: One-cycle starts at peak/25 and ends at start/1e4 (Smith & Topin 2019, the
#: values PyTorch's ``OneCycleLR`` uses too).
ONECYCLE_DIV = 25.0
ONECYCLE_FINAL_DIV = 1e4


def lr_at(step: int, *, total_steps: int, lr: float, schedule: str, warmup: float = 0.25) -> float:
    """The learning rate for optimiser step ``step`` (0-based) of ``total_steps``.

    Args:
        step: optimiser steps taken so far.
        total_steps: steps the whole run will take (epochs × batches per epoch).
        lr: the peak rate.
        schedule: ``onecycle`` (cosine up from lr/25 over the warm-up share, then cosine
            down to lr/25e4, as ``torch.optim.lr_scheduler.OneCycleLR``), ``cosine``
            (linear warm-up from 0 when ``warmup`` > 0, then cosine to 0) or ``constant``.
        warmup: share of the steps spent warming up.

    Example:
        >>> lr_at(0, total_steps=100, lr=0.1, schedule="constant")
        0.1
        >>> lr_at(50, total_steps=101, lr=0.1, schedule="cosine", warmup=0.0)
        0.05
    """
    if schedule == "constant":
        return lr
    total_steps = max(total_steps, 1)
    step = min(max(step, 0), total_steps)
    if schedule == "onecycle":
        start = lr / ONECYCLE_DIV
        peak_step = warmup * total_steps - 1
        if step <= peak_step:
            # The warm-up ends at step 0 in a run of four steps (0.25 × 4 − 1): that step is the peak.
            return lr if peak_step <= 0 else _cosine_between(start, lr, step / peak_step)
        last = max(total_steps - 1, peak_step + 1)
        return _cosine_between(lr, start / ONECYCLE_FINAL_DIV, (step - peak_step) / (last - peak_step))
    if schedule == "cosine":
        warm = warmup * total_steps
        if step < warm:
            return lr * step / warm
        return _cosine_between(lr, 0.0, (step - warm) / max(total_steps - 1 - warm, 1))
    raise ValueError(f"unknown schedule {schedule!r}")


def _cosine_between(start: float, end: float, t: float) -> float:
    """``start`` at t=0 moving to ``end`` at t=1 along half a cosine."""
    t = min(max(t, 0.0), 1.0)
    return end + (start - end) * 0.5 * (1 + math.cos(math.pi * t))
