"""The receptive field of one unit: the input pixels it can depend on, traced back layer by layer.

Each convolution or pooling window reads the taps :func:`convscope.arithmetic.window_taps`
gives (taps in the padding read no pixel); layers that work value by value
(activations, batch norm, dropout) keep the positions, and additions or
concatenations take the positions of every input. Heights and widths are traced
separately: a window is a product of its rows and its columns.
"""

from __future__ import annotations

from convscope import arithmetic
from convscope.network import Layer, Network
from convscope.quiz.layers import WINDOW_POOLS, of_kind
from convscope.quiz.question import Context, Draft, Focus, NotApplicable
from convscope.types import ACTIVATION_KINDS, LayerKind

#: Layers whose output value at (y, x) reads only their inputs at (y, x).
_SAME_PLACE = ACTIVATION_KINDS | {
    LayerKind.BATCHNORM2D, LayerKind.DROPOUT, LayerKind.IDENTITY, LayerKind.ADD, LayerKind.CONCAT,
}  # fmt: skip


class _Untraceable(Exception):
    """A layer on the way back does something this tracer does not follow (adaptive pooling, padding)."""


def _window(layer: Layer) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int]]:
    """Kernel, stride, padding before (top, left) and dilation of a conv or pooling layer."""
    h = layer.hyper
    if layer.kind is LayerKind.CONV2D:
        top, _, left, _ = h["padding_sides"]
        return h["kernel"], h["stride"], (top, left), h["dilation"]
    return h["kernel"], h["stride"], h["padding"], h["dilation"]


def _back(rows: set[int], axis: int, layer: Layer, size: int) -> set[int]:
    kernel, stride, before, dilation = _window(layer)
    found: set[int] = set()
    for o in rows:
        taps = arithmetic.window_taps(o, kernel[axis], stride[axis], before[axis], dilation[axis])
        found.update(t for t in taps if 0 <= t < size)
    return found


def receptive_field(network: Network, layer: Layer, y: int, x: int) -> tuple[set[int], set[int]]:
    """Input rows and columns that unit ``(y, x)`` of ``layer`` can depend on.

    Raises:
        NotApplicable: a layer on the way back is not a window, a value-by-value layer or a merge.
    """
    reach: dict[str, tuple[set[int], set[int]]] = {layer.name: ({y}, {x})}
    order = [item.name for item in network.layers]
    for name in reversed(order[: order.index(layer.name) + 1]):
        if name not in reach:
            continue
        current = network.layer(name)
        rows, cols = reach.pop(name)
        if current.kind is LayerKind.INPUT:
            return rows, cols
        if current.kind in (LayerKind.CONV2D, *WINDOW_POOLS):
            _, h_in, w_in = network.layer(current.inputs[0]).output_shape
            rows, cols = _back(rows, 0, current, h_in), _back(cols, 1, current, w_in)
        elif current.kind not in _SAME_PLACE:
            raise NotApplicable(f"the receptive field is not traced through layer '{name}' ({current.kind.value})")
        for source in current.inputs:
            have_rows, have_cols = reach.setdefault(source, (set(), set()))
            have_rows.update(rows)
            have_cols.update(cols)
    raise NotApplicable(f"layer '{layer.name}' is not fed by the input")  # pragma: no cover - every layer is


def _span(values: set[int]) -> tuple[int, int, int]:
    return min(values), max(values), max(values) - min(values) + 1


def _sees_everything(network: Network, layer: Layer) -> bool:
    _, h, w = layer.output_shape
    rows, cols = receptive_field(network, layer, h // 2, w // 2)
    return network.input_spec.shape[1:] == (len(rows), len(cols))


def receptive_field_question(ctx: Context) -> Draft:
    network = ctx.network
    windows = of_kind(network, LayerKind.CONV2D, *WINDOW_POOLS)
    traceable = []
    for layer in windows:
        try:
            receptive_field(network, layer, 0, 0)
        except NotApplicable:
            continue
        traceable.append(layer)
    if ctx.difficulty != "easy":  # past some depth every unit sees the whole image: ask about the layers before
        partial = [layer for layer in traceable if not _sees_everything(network, layer)]
        traceable = partial or traceable
    layer = ctx.pick(traceable, "convolution or pooling layer whose receptive field can be traced")
    _, h, w = layer.output_shape
    y, x = (h // 2, w // 2) if ctx.difficulty == "easy" else (ctx.rng.randrange(h), ctx.rng.randrange(w))
    rows, cols = receptive_field(network, layer, y, x)
    (top, bottom, height), (left, right, width) = _span(rows), _span(cols)
    _, h_in, w_in = network.input_spec.shape
    return Draft(
        text=f"Unit (row {y}, column {x}) of layer '{layer.name}' (output {h}×{w}) depends on a rectangle of input "
        f"pixels of the {h_in}×{w_in} image: its receptive field. How many rows and columns does it span, clipped "
        "to the image (give rows then columns)?",
        answer=[height, width],
        kind="list",
        view="conv" if layer.kind is LayerKind.CONV2D else "pool",
        unit="pixels",
        focus=Focus(layer=layer.name, channel=0, y=y, x=x),
        explanation=f"Tracing the windows back layer by layer to the input (each window's taps, padding reading "
        f"nothing): rows {top}…{bottom} and columns {left}…{right}, so {height}×{width} pixels.",
    )
