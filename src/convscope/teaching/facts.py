"""The numbers a course asks about one layer, in words, in either shape order.

Input values C·H·W, the output shape, filters, 2-D kernels (C_in·C_out/groups),
weights and biases separately and their sum, multiplications with the formula.
Counts come from :mod:`convscope.arithmetic` (or the layer record, which got them
there); this module only words them. Every fact is written for both shape orders,
``chw`` (PyTorch) and ``hwc`` (Keras and most courses), so the page switches
without asking again.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from convscope import arithmetic
from convscope.teaching.numbers import count
from convscope.types import LayerKind

if TYPE_CHECKING:
    from convscope.network import Layer, Network

ORDERS = ("chw", "hwc")


def in_order(shape: Sequence[int], order: str) -> list[int]:
    """``(C, H, W)`` as given, or as ``(H, W, C)``; vectors unchanged.

    Example:
        >>> in_order([3, 64, 64], "hwc")
        [64, 64, 3]
    """
    shape = list(shape)
    return [*shape[1:], shape[0]] if order == "hwc" and len(shape) == 3 else shape


def shape_text(shape: Sequence[int], order: str) -> str:
    """``10×62×62`` (chw) or ``62×62×10`` (hwc)."""
    return "×".join(str(n) for n in in_order(shape, order))


def values_text(shape: Sequence[int], order: str) -> str:
    """How many values a tensor holds, as a product in the chosen order.

    Example:
        >>> values_text([3, 64, 64], "chw"), values_text([3, 64, 64], "hwc")
        ('3 channels × 64 × 64 = 12,288 values', '64 × 64 × 3 channels = 12,288 values')
    """
    total = count(math.prod(shape))
    if len(shape) != 3:
        return f"{total} values"
    c, h, w = shape
    channels = f"{c} channel{'s' if c != 1 else ''}"
    factors = [channels, str(h), str(w)] if order == "chw" else [str(h), str(w), channels]
    return f"{' × '.join(factors)} = {total} values"


def _both(make: Any) -> dict[str, str]:
    return {order: make(order) for order in ORDERS}


def _fact(label: str, text: str | dict[str, str]) -> dict[str, Any]:
    texts = text if isinstance(text, dict) else {order: text for order in ORDERS}
    return {"label": label, **texts}


def _window(kernel: Sequence[int]) -> str:
    return "×".join(str(k) for k in kernel)


def _conv_facts(layer: Layer) -> list[dict[str, Any]]:
    h = layer.hyper
    c_in, c_out, groups = h["in_channels"], h["out_channels"], h["groups"]
    per_filter = arithmetic.channels_per_group(c_in, groups)
    params = arithmetic.conv_params(
        in_channels=c_in, out_channels=c_out, kernel=h["kernel"], groups=groups, bias=h["bias"]
    )
    _, h_out, w_out = layer.output_shape
    mults = arithmetic.conv_mults(
        out_height=h_out, out_width=w_out, in_channels=c_in, out_channels=c_out, kernel=h["kernel"], groups=groups
    )
    reads = arithmetic.window_inputs(kernel=h["kernel"], in_channels=c_in, groups=groups)
    filter_shape = [per_filter, *h["kernel"]]
    grouped = f"/{groups}" if groups > 1 else ""
    return [
        _fact(
            "filters",
            _both(lambda o: f"{c_out} filters of {shape_text(filter_shape, o)} (each reads {reads.formula} inputs)"),
        ),
        _fact(
            "2-D kernels",
            f"C_in·C_out{'/groups' if groups > 1 else ''} = {c_in}·{c_out}{grouped} = {count(per_filter * c_out)} "
            f"kernels of {_window(h['kernel'])}",
        ),
        _fact("weights", f"{params.weights.rule} = {params.weights.formula}"),
        _fact("biases", f"{params.biases.rule} = {params.biases.formula}" if h["bias"] else "0 (no bias)"),
        _fact("parameters", f"weights + biases = {params.formula}"),
        _fact("multiplications", f"{mults.rule} = {mults.formula}"),
    ]


def _linear_facts(layer: Layer) -> list[dict[str, Any]]:
    h = layer.hyper
    params = arithmetic.linear_params(in_features=h["in_features"], out_features=h["out_features"], bias=h["bias"])
    mults = arithmetic.linear_mults(in_features=h["in_features"], out_features=h["out_features"])
    return [
        _fact("units", f"{count(h['out_features'])}, each reading all {count(h['in_features'])} inputs"),
        _fact("weights", f"{params.weights.rule} = {params.weights.formula}"),
        _fact("biases", f"{params.biases.rule} = {params.biases.formula}" if h["bias"] else "0 (no bias)"),
        _fact("parameters", f"weights + biases = {params.formula}"),
        _fact("multiplications", f"{mults.rule} = {mults.formula}"),
    ]


def layer_facts(layer: Layer, network: Network) -> list[dict[str, Any]]:
    """The course's numbers for ``layer``: ``[{label, chw, hwc}]``, in reading order.

    Example:
        >>> from convscope.formats import zoo_network
        >>> net = zoo_network("tinyvgg")
        >>> [f["chw"] for f in layer_facts(net.layer("conv_1_1"), net) if f["label"] == "2-D kernels"]
        ['C_in·C_out = 3·10 = 30 kernels of 3×3']
    """
    facts = []
    inputs = [network.layer(name).output_shape for name in layer.inputs]
    if layer.kind is LayerKind.INPUT:
        inputs = [layer.output_shape]
    for n, shape in enumerate(inputs):
        label = "input values" if len(inputs) == 1 else f"input values ({layer.inputs[n]})"
        facts.append(_fact(label, _both(lambda o, s=shape: values_text(s, o))))
    if layer.kind is not LayerKind.INPUT:
        out = layer.output_shape
        facts.append(_fact("output shape", _both(lambda o: f"{shape_text(out, o)} = {count(math.prod(out))} values")))
    if layer.kind is LayerKind.CONV2D:
        facts += _conv_facts(layer)
    elif layer.kind is LayerKind.LINEAR:
        facts += _linear_facts(layer)
    else:
        if layer.params:
            facts.append(_fact("parameters", count(layer.params)))
        if layer.mults:
            facts.append(_fact("multiplications", layer.mult_formula))
    if layer.other_formula:
        facts.append(_fact("other operations", layer.other_formula))
    return facts
