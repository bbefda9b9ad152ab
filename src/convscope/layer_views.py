"""How the views show each layer: which detail view explains it, whether its values
can be negative, and which input channels feed each of its output channels.

Decided here once, from ``Layer.kind`` and ``Layer.hyper``, so the browser (which
gets these answers with the model), a notebook widget or a static export never
keep tables of kinds of their own.

Example:
    >>> from convscope.formats import zoo_network
    >>> views = layer_views(zoo_network("tinyvgg"))
    >>> views["conv_1_1"].detail, views["relu_1_1"].signed, views["max_pool_1"].connectivity.mode
    (<DetailView.CONV: 'conv'>, False, <Link.ONE_TO_ONE: 'one_to_one'>)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from itertools import accumulate
from typing import Any

from convscope.explain.flatten import flat_to_chw
from convscope.inputs import InputSpec
from convscope.network import Layer, Network
from convscope.types import ACTIVATION_KINDS, LayerKind


class DetailView(StrEnum):
    """The detail view that explains one value of a layer."""

    CONV = "conv"
    ACTIVATION = "activation"
    POOL = "pool"
    BATCHNORM = "batchnorm"
    ADD = "add"
    LINEAR = "linear"
    SOFTMAX = "softmax"
    #: One value handed on or placed elsewhere: concat, flatten, dropout, identity, padding.
    STEP = "step"


class Display(StrEnum):
    """How the overview draws a layer."""

    #: The image itself: a gray ramp per channel, labelled with the channel names.
    INPUT = "input"
    #: Not drawn, its inputs are connected through it: it only reshapes or copies.
    HIDDEN = "hidden"
    VALUES = "values"


class Link(StrEnum):
    """Which input channels feed output channel ``c`` (see :func:`feeding_channels`)."""

    NONE = "none"  # the input layer reads nothing
    ALL = "all"  # every channel of every input
    ONE_TO_ONE = "one_to_one"  # channel c of every input
    GROUPED = "grouped"  # the input channels of c's group
    STACKED = "stacked"  # concat: one channel of one input, the inputs stacked one after another
    UNROLLED = "unrolled"  # flatten: unit c is one value of one input channel, in (C, H, W) order


_POOLS = (LayerKind.MAXPOOL2D, LayerKind.AVGPOOL2D, LayerKind.ADAPTIVE_AVGPOOL2D, LayerKind.ADAPTIVE_MAXPOOL2D)

#: Every kind, so a kind added to LayerKind without a view here fails loudly (and its test).
_DETAIL: dict[LayerKind, DetailView | None] = {
    LayerKind.INPUT: None,
    LayerKind.OTHER: None,
    LayerKind.CONV2D: DetailView.CONV,
    LayerKind.LINEAR: DetailView.LINEAR,
    **{kind: DetailView.ACTIVATION for kind in ACTIVATION_KINDS},
    **{kind: DetailView.POOL for kind in _POOLS},
    LayerKind.BATCHNORM2D: DetailView.BATCHNORM,
    LayerKind.ADD: DetailView.ADD,
    LayerKind.SOFTMAX: DetailView.SOFTMAX,
    LayerKind.LOG_SOFTMAX: DetailView.SOFTMAX,
    LayerKind.CONCAT: DetailView.STEP,
    LayerKind.FLATTEN: DetailView.STEP,
    LayerKind.DROPOUT: DetailView.STEP,
    LayerKind.IDENTITY: DetailView.STEP,
    LayerKind.ZEROPAD2D: DetailView.STEP,
}

#: Can be negative whatever they read: sums of signed weights, normalised values, log-probabilities; unknown ops.
_ALWAYS_SIGNED = frozenset(
    {LayerKind.CONV2D, LayerKind.LINEAR, LayerKind.BATCHNORM2D, LayerKind.LOG_SOFTMAX, LayerKind.OTHER}
)
#: Never negative: ReLU clips, sigmoid and softmax give values in 0…1.
_NEVER_SIGNED = frozenset({LayerKind.RELU, LayerKind.RELU6, LayerKind.SIGMOID, LayerKind.SOFTMAX})
#: Every other kind is negative only when what it reads is: pools, copies and reshapes keep values,
#: add and concat combine them, and tanh, GELU, SiLU, hardswish, ELU and leaky ReLU map x ≥ 0 to ≥ 0.


@dataclass(frozen=True)
class Connectivity:
    """Which input channels feed each output channel (channels: C of a map, units of a vector)."""

    mode: Link
    #: GROUPED: the number of groups and each group's input and output channels.
    groups: int = 1
    in_per_group: int = 0
    out_per_group: int = 0
    #: STACKED: where each input's channels start in the output, in the order of ``Layer.inputs``.
    offsets: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"mode": str(self.mode)}
        if self.mode is Link.GROUPED:
            out.update(groups=self.groups, in_per_group=self.in_per_group, out_per_group=self.out_per_group)
        if self.mode is Link.STACKED:
            out["offsets"] = list(self.offsets)
        return out


@dataclass(frozen=True)
class LayerView:
    """Everything a view needs to know about a layer beyond its facts."""

    #: None: the layer has no step-by-step explanation (the input, unknown ops).
    detail: DetailView | None
    display: Display
    #: True when its values can be negative, so they are drawn on a scale centred on zero.
    signed: bool
    connectivity: Connectivity

    def to_dict(self) -> dict[str, Any]:
        return {
            "view": None if self.detail is None else str(self.detail),
            "display": str(self.display),
            "signed": self.signed,
            "connectivity": self.connectivity.to_dict(),
        }


def layer_views(network: Network) -> dict[str, LayerView]:
    """The view of every layer, in the network's order (signedness follows the inputs)."""
    views: dict[str, LayerView] = {}
    for layer in network.layers:
        inputs = [network.layer(name) for name in layer.inputs]
        signed = _signed(layer, [views[i.name].signed for i in inputs], network.input_spec)
        views[layer.name] = LayerView(_DETAIL[layer.kind], _display(layer.kind), signed, connectivity(layer, inputs))
    return views


def _display(kind: LayerKind) -> Display:
    if kind is LayerKind.INPUT:
        return Display.INPUT
    return Display.HIDDEN if kind in (LayerKind.FLATTEN, LayerKind.IDENTITY) else Display.VALUES


def input_signed(spec: InputSpec) -> bool:
    """True when scaling can make a pixel negative: ``(p/255 − mean)/std`` below 0 for p in 0…255.

    Example:
        >>> from convscope.inputs import InputSpec
        >>> input_signed(InputSpec(1, 28, 28)), input_signed(InputSpec(1, 28, 28, mean=(0.5,), std=(0.5,)))
        (False, True)
    """
    return any(min(-m / s, (1 - m) / s) < 0 for m, s in zip(spec.mean, spec.std, strict=True))


def _signed(layer: Layer, inputs_signed: list[bool], spec: InputSpec) -> bool:
    kind = layer.kind
    if kind is LayerKind.INPUT:
        return input_signed(spec)
    if kind in _ALWAYS_SIGNED:
        return True
    if kind in _NEVER_SIGNED:
        return False
    if kind is LayerKind.ADD and len(inputs_signed) < 2:
        return True  # x + a constant: the constant is not a layer, its sign unknown
    # (torch.add's alpha is not recorded: a − b of unsigned layers would pass as unsigned; the
    # browser also draws any layer whose traced values go negative on the diverging scale.)
    if kind is LayerKind.ELU and layer.hyper.get("alpha", 1.0) <= 0:
        return False
    if kind is LayerKind.LEAKY_RELU and layer.hyper.get("negative_slope", 0.01) <= 0:
        return False  # a slope of 0 is a ReLU; a negative one turns negative inputs positive
    return any(inputs_signed) or not inputs_signed


def connectivity(layer: Layer, inputs: list[Layer]) -> Connectivity:
    """Which input channels feed each output channel of ``layer`` (reading ``inputs``)."""
    kind, hyper, shape = layer.kind, layer.hyper, layer.output_shape
    if kind is LayerKind.INPUT:
        return Connectivity(Link.NONE)
    if kind is LayerKind.CONV2D:
        groups = int(hyper.get("groups", 1))
        if groups == 1 or len(inputs) != 1:
            return Connectivity(Link.ALL)
        return Connectivity(Link.GROUPED, groups, hyper["in_channels"] // groups, hyper["out_channels"] // groups)
    if kind is LayerKind.FLATTEN and len(inputs) == 1 and len(inputs[0].output_shape) == 3:
        return Connectivity(Link.UNROLLED)
    if kind is LayerKind.CONCAT and _on_channels(hyper.get("dim"), len(shape)):
        starts = list(accumulate((i.output_shape[0] for i in inputs), initial=0))
        # torch.cat([x, x]) names x once: offsets would not add up, so claim every channel.
        return (
            Connectivity(Link.STACKED, offsets=tuple(starts[:-1])) if starts[-1] == shape[0] else Connectivity(Link.ALL)
        )
    if kind in (LayerKind.SOFTMAX, LayerKind.LOG_SOFTMAX) and _on_channels(hyper.get("dim"), len(shape)):
        return Connectivity(Link.ALL)
    if kind is LayerKind.LINEAR and len(shape) == 1:
        return Connectivity(Link.ALL)  # a Linear on maps mixes the last axis only: channel c stays c
    if kind is LayerKind.OTHER:
        return Connectivity(Link.ALL)
    # The rest works on each channel alone; a broadcast input (one channel added to many) reads another one.
    same = all(i.output_shape[:1] == shape[:1] for i in inputs)
    return Connectivity(Link.ONE_TO_ONE if same else Link.ALL)


def _on_channels(dim: Any, dims: int) -> bool:
    """True when an op's ``dim`` (counted with the batch axis) is the channel or feature axis; None counts as yes."""
    return dim is None or dim in (1, -dims)


def feeding_channels(network: Network, name: str, channel: int) -> dict[str, list[int]]:
    """The input channels that feed output channel ``channel`` of layer ``name``, per input layer.

    Example:
        >>> from convscope.formats import zoo_network
        >>> net = zoo_network("tinyvgg")
        >>> feeding_channels(net, "relu_1_1", 4), len(feeding_channels(net, "conv_1_2", 4)["relu_1_1"])
        ({'conv_1_1': [4]}, 10)
    """
    layer = network.layer(name)
    inputs = [network.layer(i) for i in layer.inputs]
    link = connectivity(layer, inputs)
    if link.mode is Link.NONE:
        return {}
    if link.mode is Link.ONE_TO_ONE:
        return {i.name: [channel] for i in inputs}
    if link.mode is Link.GROUPED:
        first = channel // link.out_per_group * link.in_per_group
        return {inputs[0].name: list(range(first, first + link.in_per_group))}
    if link.mode is Link.STACKED:
        j = max(k for k, start in enumerate(link.offsets) if start <= channel)
        return {inputs[j].name: [channel - link.offsets[j]]}
    if link.mode is Link.UNROLLED:
        return {inputs[0].name: [flat_to_chw(inputs[0].output_shape, channel)[0]]}
    return {i.name: list(range(i.output_shape[0])) for i in inputs}
