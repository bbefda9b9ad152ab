"""Flatten: unit ``i`` of the vector ↔ cell ``(c, y, x)`` of the maps it came from.

PyTorch flattens ``(C, H, W)`` in row-major order: ``i = c·H·W + y·W + x``.
"""

from __future__ import annotations

from convscope.explain.base import NoExplanationError, Position, single_input, traced, value_at
from convscope.explain.steps import FlattenStep
from convscope.network import Layer, Network
from convscope.trace import Trace
from convscope.types import LayerKind, Shape

#: Layers that hand a vector on unchanged in eval mode.
_TRANSPARENT = (LayerKind.DROPOUT, LayerKind.IDENTITY)


def flat_to_chw(shape: Shape, index: int) -> tuple[int, int, int]:
    """The ``(c, y, x)`` a flattened unit came from.

    Example:
        >>> flat_to_chw((10, 13, 13), 200)  # 200 = 1·169 + 2·13 + 5
        (1, 2, 5)
    """
    _, h, w = shape
    c, rest = divmod(index, h * w)
    y, x = divmod(rest, w)
    return (c, y, x)


def chw_to_flat(shape: Shape, c: int, y: int, x: int) -> int:
    """The flattened index of ``(c, y, x)``.

    Example:
        >>> chw_to_flat((10, 13, 13), 1, 2, 5)
        200
    """
    _, h, w = shape
    return (c * h + y) * w + x


def chw_to_hwc_flat(shape: Shape, c: int, y: int, x: int) -> int:
    """The index of ``(c, y, x)`` when the maps are flattened channels-last (H×W×C, as Keras does).

    Example:
        >>> chw_to_hwc_flat((10, 13, 13), 1, 2, 5)  # (2·13 + 5)·10 + 1
        311
    """
    channels, _, w = shape
    return (y * w + x) * channels + c


def flattened_source(network: Network, name: str) -> Layer | None:
    """The spatial layer whose flattening feeds layer ``name``'s vector, if there is one.

    Looks back through dropout and identity layers, which pass vectors on unchanged.
    """
    layer = network.layer(name)
    while layer.kind in _TRANSPARENT and len(layer.inputs) == 1:
        layer = network.layer(layer.inputs[0])
    if layer.kind is not LayerKind.FLATTEN or len(layer.inputs) != 1:
        return None
    source = network.layer(layer.inputs[0])
    return source if len(source.output_shape) == 3 else None


def explain_flatten(trace: Trace, layer: Layer, position: Position) -> FlattenStep:
    """Where flattened unit ``index`` came from in the input maps.

    Args:
        trace: the trace whose recorded values are explained.
        layer: a flatten layer with a ``(C, H, W)`` input.
        position: ``index`` in the flattened vector.

    Example:
        >>> explain_flatten(trace, net.layer("flatten"), Position(index=200)).source.to_dict()
        {'channel': 1, 'y': 2, 'x': 5}
    """
    source_name = single_input(layer)
    shape = trace.network.layer(source_name).output_shape
    if len(shape) != 3:
        raise NoExplanationError(
            f"layer '{layer.name}' flattens shape {tuple(shape)}; explanations cover flattening (C, H, W) maps"
        )
    source = Position.of(flat_to_chw(shape, position.index))  # type: ignore[arg-type]
    value = value_at(trace.outputs[source_name], source.coords)
    return FlattenStep(
        **traced(trace, layer, position),
        computed=value,
        scale=abs(value),
        formula="i = c·H·W + y·W + x",
        input_layer=source_name,
        input_shape=tuple(shape),
        source=source,
        hwc_index=chw_to_hwc_flat(shape, *source.coords),
    )
