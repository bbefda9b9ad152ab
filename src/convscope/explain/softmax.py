"""Softmax: exp terms, their sum and each probability.

Terms are written in the max-subtracted form exp(z_i − m), m = max_i z_i: the
same probabilities, and no term can overflow.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from convscope.explain.base import NoExplanationError, Position, in_range, single_input, traced
from convscope.explain.steps import SoftmaxStep
from convscope.network import Layer, Network
from convscope.teaching.softmax_shown import softmax_shown
from convscope.trace import Trace
from convscope.types import LayerKind


def _parts(logits: torch.Tensor, j: int, log: bool) -> dict[str, Any]:
    z = logits.double()  # (K,)
    shift = float(z.max())
    terms = (z - shift).exp()  # (K,)
    total = float(terms.sum())
    probabilities = terms / total
    zj = float(z[j])
    if log:
        computed = zj - shift - math.log(total)
        scale = abs(zj) + abs(shift) + abs(math.log(total))
        formula = f"log p_{j} = z_{j} − m − log Σ_i exp(z_i − m)"
    else:
        computed = float(probabilities[j])
        # float32 rounds each z_i − m; p_j is sensitive to those errors in proportion to this.
        spread = float((probabilities * (z - shift).abs()).sum())
        scale = computed * (1.0 + abs(zj - shift) + spread)
        formula = f"p_{j} = exp(z_{j} − m)/Σ_i exp(z_i − m)"
    return {
        "shift": shift,
        "exp_terms": terms,
        "exp_sum": total,
        "probabilities": probabilities,
        "computed": computed,
        "scale": scale,
        "formula": formula,
        "shown": softmax_shown(logits.double().tolist()),
    }


def class_axis(layer: Layer) -> int:
    """The axis of one batch item's output the softmax runs along."""
    dim = layer.hyper.get("dim")
    ndim = len(layer.output_shape) + 1
    if dim is None:  # PyTorch's implicit choice for legacy calls without dim
        dim = 0 if ndim in (0, 1, 3) else 1
    axis = dim % ndim - 1
    if axis < 0:
        raise NoExplanationError(
            f"layer '{layer.name}' takes the softmax across the batch; explanations cover one input"
        )
    return axis


def _labels(network: Network, logits_layer: str, size: int) -> list[str] | None:
    return (
        list(network.class_names) if network.logits_layer == logits_layer and len(network.class_names) == size else None
    )


def explain_softmax(trace: Trace, layer: Layer, position: Position) -> SoftmaxStep:
    """Exp terms, their sum and the probabilities along the softmax axis through ``position``.

    Args:
        trace: the trace whose recorded values are explained.
        layer: a softmax or log-softmax layer.
        position: the output value to explain; the whole vector through it is shown.

    Example:
        >>> step = explain_softmax(trace, net.layer("softmax"), Position(index=2))
        >>> round(float(step.probabilities.sum()), 6)
        1.0
    """
    axis = class_axis(layer)
    coords = position.coords
    rest = coords[:axis] + coords[axis + 1 :]
    logits = trace.outputs[single_input(layer)][0].movedim(axis, -1)[rest]  # (K,)
    j = coords[axis]
    log = layer.kind is LayerKind.LOG_SOFTMAX
    parts = _parts(logits, j, log)
    return SoftmaxStep(
        **traced(trace, layer, position),
        input_layer=single_input(layer),
        log=log,
        labels=_labels(trace.network, single_input(layer), logits.numel()),
        logits=logits,
        **parts,
    )


def explain_probabilities(trace: Trace, *, index: int | None = None, item: int = 0) -> SoftmaxStep:
    """The softmax that turns the model's class scores into ``trace.probabilities``.

    Works whether or not the model ends in its own softmax layer.

    Args:
        trace: a trace of a network with class scores.
        index: the class to single out; the most probable class when None.
        item: which input of a batched trace.

    Example:
        >>> step = explain_probabilities(trace)
        >>> step.output == float(trace.probabilities[0].max())
        True
    """
    trace = trace.item(item)
    network = trace.network
    logits = trace.logits[0]  # (K,)
    if index is None:
        index = int(trace.probabilities[0].argmax())
    out = network.layer(network.output_layer)
    index = in_range(index, "index", logits.numel(), out, "classes")
    logits_layer = network.logits_layer
    return SoftmaxStep(
        layer=out.name,
        kind=str(LayerKind.SOFTMAX),
        position=Position(index=index),
        output=float(trace.probabilities[0, index]),
        input_layer=logits_layer,
        log=False,
        labels=list(network.class_names),
        logits=logits,
        **_parts(logits, index, log=False),
    )
