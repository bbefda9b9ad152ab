"""Layers that combine several inputs: residual addition and concatenation."""

from __future__ import annotations

from convscope.explain.base import NoExplanationError, Position, readds, traced, value_at
from convscope.explain.steps import AddStep, AddTerm, ConcatStep
from convscope.network import Layer, Network
from convscope.trace import Trace


def explain_add(trace: Trace, layer: Layer, position: Position) -> AddStep:
    """Each input's value at ``position`` and their sum (inputs broadcast as PyTorch does).

    Args:
        trace: the trace whose recorded values are explained.
        layer: an add layer, e.g. a residual connection ``out += identity``.
        position: where in the layer's output.

    Raises:
        NoExplanationError: the sum involves terms that are not layers (a constant,
            an ``alpha`` scale, one tensor added to itself), so the terms shown
            would not add up.

    Example:
        >>> step = explain_add(trace, net.layer("add"), Position(channel=0, y=0, x=0))
        >>> [t.layer for t in step.terms]
        ['conv2', 'relu']
    """
    out = trace.outputs[layer.name]
    terms = [AddTerm(name, value_at(trace.outputs[name].expand(out.shape), position.coords)) for name in layer.inputs]
    output = value_at(out, position.coords)
    computed = sum(t.value for t in terms)
    scale = sum(abs(t.value) for t in terms)
    if not readds(computed, output, scale, rel=1e-3):
        raise NoExplanationError(
            f"layer '{layer.name}' adds terms that are not layer outputs (a constant, a scale factor, "
            "or one tensor added to itself); ConvScope explains sums of distinct layers only"
        )
    return AddStep(
        **traced(trace, layer, position),
        computed=computed,
        scale=scale,
        formula=" + ".join(layer.inputs),
        terms=terms,
    )


def concat_spans(network: Network, layer: Layer) -> tuple[int, list[tuple[str, int, int]]]:
    """The concatenated axis of one batch item's output, and the [start, stop) slice of it each input fills.

    Raises NoExplanationError when the inputs cannot be lined up with the output (the batch axis, or
    one tensor used twice).
    """
    ndim = len(layer.output_shape) + 1
    axis = int(layer.hyper.get("dim", 0)) % ndim - 1
    spans: list[tuple[str, int, int]] = []
    start = 0
    for name in layer.inputs:
        size = network.layer(name).output_shape[axis] if axis >= 0 else 0
        spans.append((name, start, start + size))
        start += size
    if axis < 0 or start != layer.output_shape[axis]:
        raise NoExplanationError(
            f"layer '{layer.name}' concatenates tensors ConvScope cannot line up with its inputs "
            "(the batch axis, or one tensor used twice)"
        )
    return axis, spans


def explain_concat(trace: Trace, layer: Layer, position: Position) -> ConcatStep:
    """Which input, and which channel (or cell) of it, one concatenated value comes from.

    Args:
        trace: the trace whose recorded values are explained.
        layer: a concat layer, e.g. an inception block's ``torch.cat(branches, 1)``.
        position: where in the layer's output.

    Example:
        >>> step = explain_concat(trace, net.layer("cat"), Position(channel=9, y=0, x=0))
        >>> step.source_layer, step.source.channel  # third branch of four 4-channel branches
        ('relu_2', 1)
    """
    axis, spans = concat_spans(trace.network, layer)
    coords = position.coords
    name, first, _ = next(span for span in spans if span[1] <= coords[axis] < span[2])
    source = Position.of(coords[:axis] + (coords[axis] - first,) + coords[axis + 1 :])
    value = value_at(trace.outputs[name], source.coords)
    where = "channels" if len(coords) == 3 and axis == 0 else f"axis {axis}"
    return ConcatStep(
        **traced(trace, layer, position),
        computed=value,
        scale=abs(value),
        formula=f"inputs stacked along {where}: " + ", ".join(f"{n} → {a}…{b - 1}" for n, a, b in spans),
        axis=axis,
        spans=spans,
        source_layer=name,
        source=source,
    )
