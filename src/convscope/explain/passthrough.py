"""Layers that copy values in eval mode: dropout, identity, and zero padding."""

from __future__ import annotations

from convscope import arithmetic
from convscope.explain.base import NoExplanationError, Position, input_of, single_input, traced, value_at
from convscope.explain.steps import PassThroughStep
from convscope.network import Layer
from convscope.trace import Trace
from convscope.types import LayerKind

# What a copied value's step says, by kind; read by the static export's rules too.
PASS_NOTES = {
    LayerKind.DROPOUT: "dropout is switched off in eval mode: the value passes through unchanged",
    LayerKind.IDENTITY: "identity: the value passes through unchanged",
}
# A zero-padding output cell either copies an input value or is an added zero.
PADDING_NOTES = ("zero padding: a copied input value", "zero padding: an added zero")


def _padded_source(layer: Layer, position: Position, in_hw: tuple[int, int]) -> Position | None:
    """The input cell a ZeroPad2d output shows, or None for an added zero."""
    padding = layer.hyper.get("padding")  # recorded for ZeroPad2d modules only
    if padding is None:
        raise NoExplanationError(f"layer '{layer.name}' pads through F.pad, whose mode and amounts are not recorded")
    left, _, top, _ = padding
    c, y, x = position.coords
    # Zero padding reads a 1×1 window at stride 1: output (y, x) shows input (y − P_top, x − P_left).
    (sy,), (sx,) = arithmetic.window_taps(y, 1, 1, top), arithmetic.window_taps(x, 1, 1, left)
    inside = 0 <= sy < in_hw[0] and 0 <= sx < in_hw[1]
    return Position(channel=c, y=sy, x=sx) if inside else None


def explain_passthrough(trace: Trace, layer: Layer, position: Position) -> PassThroughStep:
    """Where a copied value comes from (or that it is a padding zero).

    Args:
        trace: the trace whose recorded values are explained.
        layer: a dropout, identity or ZeroPad2d layer.
        position: where in the layer's output.

    Example:
        >>> explain_passthrough(trace, net.layer("drop"), Position(index=4)).source
        Position(channel=None, y=None, x=None, index=4)
    """
    inp = input_of(trace, layer)
    if layer.kind is LayerKind.ZEROPAD2D:
        source = _padded_source(layer, position, tuple(inp.shape[-2:]))  # type: ignore[arg-type]
        note = PADDING_NOTES[0] if source is not None else PADDING_NOTES[1]
    else:
        source, note = position, PASS_NOTES[layer.kind]
    value = value_at(inp, source.coords) if source is not None else 0.0
    return PassThroughStep(
        **traced(trace, layer, position),
        computed=value,
        scale=abs(value),
        formula="out = in" if source is not None else "out = 0",
        input_layer=single_input(layer),
        source=source,
        note=note,
    )
