"""Convolution: one output value as per-input-channel products, and whole intermediate maps.

Output ``(k, y, x)`` of a ``Conv2d`` reads, for each input channel ``c`` of
output channel ``k``'s group, the K_h×K_w cells at rows ``S_h·y − P_h + D_h·i``
and columns ``S_w·x − P_w + D_w·j``; cells outside the input are padding
(zeros, or the reflected / replicated / wrapped values of the padding mode).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from convscope import arithmetic
from convscope.errors import ConvScopeError
from convscope.explain.base import NoExplanationError, Position, input_of, module_as, readds, single_input, traced
from convscope.explain.steps import ConvStep, ConvTerm, IntermediateMaps
from convscope.layer_facts import conv_padding_sides as padding_sides
from convscope.network import Layer
from convscope.trace import Trace

#: Padding modes of ``nn.Conv2d`` and how an index outside ``0…size−1`` finds its value.
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def conv_module(layer: Layer) -> nn.Conv2d:
    """The layer's ``nn.Conv2d`` (for its weights), refusing padding modes ConvScope cannot show."""
    module = module_as(layer, nn.Conv2d)
    if module is None:
        raise NoExplanationError(
            f"layer '{layer.name}' is not an nn.Conv2d module; only module convolutions are explained"
        )
    mode = layer.hyper["padding_mode"]
    if mode not in PADDING_MODES:
        raise ConvScopeError(
            f"layer '{layer.name}' pads with mode '{mode}', which ConvScope cannot explain; "
            f"use one of {', '.join(PADDING_MODES)}"
        )
    return module


def _source_index(taps: torch.Tensor, size: int, mode: str) -> torch.Tensor:
    """Map tap positions (possibly in the padding) to the input index whose value they show."""
    if mode == "replicate":
        return taps.clamp(0, size - 1)
    if mode == "circular":
        return taps.remainder(size)
    if mode == "reflect":  # mirror about the edge pixel, which is not repeated
        reflected = torch.where(taps < 0, -taps, taps)
        return torch.where(reflected >= size, 2 * (size - 1) - reflected, reflected)
    return taps.clamp(0, size - 1)  # zeros: any valid index; the mask zeroes these cells


def _group_channels(hyper: dict[str, Any], channel: int) -> tuple[int, range]:
    """The group of output ``channel`` and the input channels it reads."""
    channels = {key: hyper[key] for key in ("in_channels", "out_channels", "groups")}
    return arithmetic.group_inputs(channel, **channels)


def explain_conv(trace: Trace, layer: Layer, position: Position) -> ConvStep:
    """Products, per-input-channel sums, bias and total for one conv output value.

    Args:
        trace: the trace whose recorded values are explained.
        layer: a conv2d layer of ``trace.network``.
        position: ``(channel, y, x)`` in the layer's output.

    Example:
        >>> step = explain_conv(trace, net.layer("conv_1_1"), Position(channel=0, y=0, x=0))
        >>> len(step.terms), tuple(step.terms[0].products.shape)
        (3, (3, 3))
    """
    module = conv_module(layer)
    hyper = layer.hyper
    k, y, x = position.coords
    inp = input_of(trace, layer)[0]  # (C_in, H, W)
    _, h, w = inp.shape
    kh, kw = hyper["kernel"]
    sh, sw = hyper["stride"]
    dh, dw = hyper["dilation"]
    top, _, left, _ = hyper["padding_sides"]
    group, channels = _group_channels(hyper, k)

    rows = torch.tensor(arithmetic.window_taps(y, kh, sh, top, dh))  # (K_h,)
    cols = torch.tensor(arithmetic.window_taps(x, kw, sw, left, dw))  # (K_w,)
    padding_mask = ((rows < 0) | (rows >= h))[:, None] | ((cols < 0) | (cols >= w))[None, :]  # (K_h, K_w)
    mode = hyper["padding_mode"]
    cells = inp[channels.start : channels.stop]  # (C_in/groups, H, W)
    cells = cells.index_select(1, _source_index(rows, h, mode)).index_select(2, _source_index(cols, w, mode))
    if mode == "zeros":
        cells = torch.where(padding_mask, torch.zeros((), dtype=cells.dtype), cells)  # (C_in/groups, K_h, K_w)
    kernel = module.weight.detach()[k]  # (C_in/groups, K_h, K_w)
    products = cells * kernel  # in the model's dtype, as the convolution multiplies
    sums = products.double().sum(dim=(1, 2))  # (C_in/groups,)
    bias = None if module.bias is None else float(module.bias.detach()[k])
    terms = [ConvTerm(c, cells[i], kernel[i], products[i], float(sums[i])) for i, c in enumerate(channels)]
    row0, col0 = int(rows[0]), int(cols[0])  # where the window starts, in input coordinates
    return ConvStep(
        **traced(trace, layer, position),
        computed=float(sums.sum()) + (bias or 0.0),
        scale=float(products.double().abs().sum()) + abs(bias or 0.0),
        formula=(
            f"out[{k}, {y}, {x}] = Σ over c, i, j of in[c, {row0} + {dh}·i, {col0} + {dw}·j] · w[{k}, c, i, j]"
            + (" + b" if bias is not None else "")
        ),
        input_layer=single_input(layer),
        group=group,
        kernel_size=(kh, kw),
        stride=(sh, sw),
        padding=(top, left),
        padding_mode=mode,
        dilation=(dh, dw),
        groups=hyper["groups"],
        rows=rows.tolist(),
        cols=cols.tolist(),
        padding_mask=padding_mask,
        terms=terms,
        bias=bias,
    )


def intermediate_maps(trace: Trace, layer: Layer, channel: int) -> IntermediateMaps:
    """Each input channel's kernel slid over that channel alone, for output ``channel``.

    One depthwise ``F.conv2d`` over the group's input channels: no bias, the
    layer's own stride, padding and dilation. The maps plus the bias sum to the
    traced output map.

    Args:
        trace: the trace whose recorded input is used.
        layer: a conv2d layer of ``trace.network``.
        channel: output channel, already checked to exist.

    Example:
        >>> maps = intermediate_maps(trace, net.layer("conv_1_1"), 0)
        >>> tuple(maps.maps.shape)  # one 62×62 map per RGB channel
        (3, 62, 62)
    """
    module = conv_module(layer)
    hyper = layer.hyper
    _, channels = _group_channels(hyper, channel)
    x = input_of(trace, layer)[:, channels.start : channels.stop]  # (1, C_in/groups, H, W)
    weight = module.weight.detach()[channel].unsqueeze(1)  # (C_in/groups, 1, K_h, K_w)
    top, bottom, left, right = hyper["padding_sides"]
    mode = hyper["padding_mode"]
    padding: tuple[int, int] = (top, left)
    if mode != "zeros" or (top, left) != (bottom, right):  # "same" may pad one more after than before
        x = F.pad(x, (left, right, top, bottom), mode="constant" if mode == "zeros" else mode)
        padding = (0, 0)
    with torch.no_grad():
        maps = F.conv2d(x, weight, None, hyper["stride"], padding, hyper["dilation"], groups=len(channels))[0]
    bias = None if module.bias is None else float(module.bias.detach()[channel])
    output = trace.outputs[layer.name][0, channel]  # (H_out, W_out)
    _check_maps(layer.name, maps, bias, output)
    return IntermediateMaps(
        layer=layer.name,
        channel=channel,
        input_layer=single_input(layer),
        input_channels=list(channels),
        maps=maps,
        bias=bias,
        output=output,
    )


def _check_maps(name: str, maps: torch.Tensor, bias: float | None, output: torch.Tensor) -> None:
    """Refuse maps that do not re-add to the trace (an input the hooks fallback misidentified)."""
    total = maps.double().sum(0) + (bias or 0.0)
    scale = float(maps.double().abs().sum(0).max()) + abs(bias or 0.0)
    worst = int((total - output.double()).abs().argmax())
    if not readds(float(total.flatten()[worst]), float(output.flatten()[worst]), scale, rel=1e-3):
        raise NoExplanationError(
            f"the intermediate maps of layer '{name}' do not add up to its recorded output; "
            "its input could not be identified (the model was read with hooks)"
        )


__all__ = ["PADDING_MODES", "conv_module", "explain_conv", "intermediate_maps", "padding_sides"]
