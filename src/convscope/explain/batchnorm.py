"""Batch normalisation in eval mode: (x − μ)/√(σ² + ε)·γ + β for one value."""

from __future__ import annotations

import math

import torch
from torch import nn

from convscope.explain.base import (
    NoExplanationError,
    Position,
    input_of,
    module_as,
    num,
    single_input,
    traced,
    value_at,
)
from convscope.explain.steps import BatchNormStep
from convscope.network import Layer
from convscope.trace import Trace


def _statistics(layer: Layer, module: nn.BatchNorm2d, plane: torch.Tensor, c: int) -> tuple[float, float, str]:
    """Mean and variance used in eval mode: the running ones, or the map's own without them."""
    tracked = layer.hyper.get("track_running_stats", True)
    if tracked and module.running_mean is not None and module.running_var is not None:
        return float(module.running_mean[c]), float(module.running_var[c]), "running"
    # Without running statistics, eval mode normalises with the batch's: batch 1, so this map's.
    values = plane.double()
    return float(values.mean()), float(values.var(unbiased=False)), "batch"


def explain_batchnorm(trace: Trace, layer: Layer, position: Position) -> BatchNormStep:
    """x, μ, σ², ε, γ, β and the arithmetic for one batch-normalised value.

    Args:
        trace: the trace whose recorded values are explained (run in eval mode).
        layer: a batchnorm2d layer.
        position: ``(channel, y, x)`` in the layer's output.

    Example:
        >>> step = explain_batchnorm(trace, net.layer("bn"), Position(channel=0, y=0, x=0))
        >>> step.formula
        '(x − μ)/√(σ² + ε)·γ + β'
    """
    module = module_as(layer, nn.BatchNorm2d)
    if module is None:
        raise NoExplanationError(
            f"layer '{layer.name}' is not an nn.BatchNorm2d module; only module batchnorm is explained"
        )
    c, y, x = position.coords
    inp = input_of(trace, layer)
    value = value_at(inp, position.coords)
    mean, var, statistics = _statistics(layer, module, inp[0, c], c)
    eps = float(layer.hyper["eps"])
    gamma = float(module.weight.detach()[c]) if module.weight is not None else 1.0
    beta = float(module.bias.detach()[c]) if module.bias is not None else 0.0
    std = math.sqrt(var + eps)
    normalised = (value - mean) / std
    result = normalised * gamma + beta
    return BatchNormStep(
        **traced(trace, layer, position),
        computed=result,
        # PyTorch folds this into x·scale + shift: both terms round separately.
        scale=abs(value * gamma / std) + abs(mean * gamma / std) + abs(beta),
        formula="(x − μ)/√(σ² + ε)·γ + β",
        input_layer=single_input(layer),
        input=value,
        mean=mean,
        var=var,
        eps=eps,
        gamma=gamma,
        beta=beta,
        std=std,
        normalised=normalised,
        statistics=statistics,
        worked=(
            f"({num(value)} − {num(mean)})/√({num(var)} + {num(eps)})·{num(gamma)} + {num(beta)}"
            f" = {num(normalised)}·{num(gamma)} + {num(beta)} = {num(result)}"
        ),
    )
