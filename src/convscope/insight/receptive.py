"""Receptive fields of every layer, composed through the graph from :class:`arithmetic.ReceptiveAxis`.

Windows (convolution, pooling) map each output position to the taps it reads;
value-by-value layers keep the positions; additions and concatenations take the
hull of every input path, so residual and inception blocks are followed
exactly. Layers that mix every position (flatten, linear) see the whole input.

Example:
    >>> from convscope.formats import resolve_model
    >>> fields = ReceptiveFields.of(resolve_model("tinyvgg"))
    >>> fields.size("conv_1_2"), fields.box("conv_1_2", 0, 0)
    ((5, 5), (0, 0, 5, 5))
"""

from __future__ import annotations

from dataclasses import dataclass

from convscope.arithmetic import ReceptiveAxis
from convscope.errors import ConvScopeError
from convscope.network import Layer, Network
from convscope.types import ACTIVATION_KINDS, LayerKind

#: Layers whose output at (y, x) reads their inputs at (y, x) only.
_SAME_PLACE = ACTIVATION_KINDS | {
    LayerKind.BATCHNORM2D, LayerKind.DROPOUT, LayerKind.IDENTITY, LayerKind.ADD, LayerKind.CONCAT, LayerKind.OTHER,
}  # fmt: skip
_WINDOWS = (LayerKind.CONV2D, LayerKind.MAXPOOL2D, LayerKind.AVGPOOL2D)
_ADAPTIVE = (LayerKind.ADAPTIVE_AVGPOOL2D, LayerKind.ADAPTIVE_MAXPOOL2D)

#: ``(top, left, bottom, right)`` in input pixels; bottom and right exclusive, not clipped to the image.
Box = tuple[int, int, int, int]


def _window(layer: Layer, axis: int) -> tuple[int, int, int, int]:
    """Kernel, stride, padding before and dilation of a window layer along ``axis`` (0 = rows)."""
    h = layer.hyper
    before = (h["padding_sides"][0], h["padding_sides"][2]) if layer.kind is LayerKind.CONV2D else h["padding"]
    return h["kernel"][axis], h["stride"][axis], before[axis], h["dilation"][axis]


@dataclass(frozen=True)
class ReceptiveFields:
    """Per spatial layer, the rows and columns of input each position depends on."""

    axes: dict[str, tuple[ReceptiveAxis, ReceptiveAxis]]
    #: Layers after which every unit sees the whole input (flatten, linear and what follows).
    whole: frozenset[str]
    input_hw: tuple[int, int]

    @classmethod
    def of(cls, network: Network) -> ReceptiveFields:
        _, h_in, w_in = network.input_spec.shape
        axes: dict[str, tuple[ReceptiveAxis, ReceptiveAxis]] = {}
        whole: set[str] = set()
        for layer in network.layers:
            if layer.kind is LayerKind.INPUT:
                axes[layer.name] = (ReceptiveAxis.of_input(h_in), ReceptiveAxis.of_input(w_in))
                continue
            sources = [axes[name] for name in layer.inputs if name in axes]
            if not layer.is_spatial or not sources or len(sources) < len(layer.inputs):
                whole.add(layer.name)
                continue
            found = _through(layer, sources)
            if found is None:
                whole.add(layer.name)
            else:
                axes[layer.name] = found
        return cls(axes, frozenset(whole), (h_in, w_in))

    def has(self, layer: str) -> bool:
        return layer in self.axes

    def size(self, layer: str) -> tuple[int, int]:
        """``(rows, columns)`` one unit of ``layer`` spans, padding included; the whole input for dense layers."""
        if layer in self.whole:
            return self.input_hw
        rows, cols = self._axes(layer)
        return (rows.size, cols.size)

    def box(self, layer: str, y: int, x: int) -> Box:
        """``(top, left, bottom, right)`` of unit ``(y, x)``: bottom/right exclusive, not clipped."""
        rows, cols = self._axes(layer)
        (top, bottom), (left, right) = rows.interval(y), cols.interval(x)
        return (top, left, bottom, right)

    def clipped(self, layer: str, y: int, x: int) -> Box:
        """The part of :meth:`box` inside the image."""
        top, left, bottom, right = self.box(layer, y, x)
        h, w = self.input_hw
        return (max(top, 0), max(left, 0), min(bottom, h), min(right, w))

    def _axes(self, layer: str) -> tuple[ReceptiveAxis, ReceptiveAxis]:
        try:
            return self.axes[layer]
        except KeyError:
            raise ConvScopeError(
                f"layer '{layer}' has no spatial map, so its units have no receptive-field box"
            ) from None


def _through(
    layer: Layer, sources: list[tuple[ReceptiveAxis, ReceptiveAxis]]
) -> tuple[ReceptiveAxis, ReceptiveAxis] | None:
    _, h_out, w_out = layer.output_shape
    rows, cols = sources[0]
    for other_rows, other_cols in sources[1:]:
        rows, cols = rows.merged(other_rows), cols.merged(other_cols)
    if layer.kind in _WINDOWS:
        return (rows.through_window(h_out, *_window(layer, 0)), cols.through_window(w_out, *_window(layer, 1)))
    if layer.kind in _ADAPTIVE:
        return (rows.through_adaptive(h_out), cols.through_adaptive(w_out))
    if layer.kind is LayerKind.ZEROPAD2D:
        left, right, top, bottom = layer.hyper["padding"]
        return (rows.shifted(top, bottom), cols.shifted(left, right))
    if layer.kind in _SAME_PLACE and (len(rows), len(cols)) == (h_out, w_out):
        return (rows, cols)
    return None  # a reshape or an op this does not follow: treat its units as seeing everything
