"""Format explanations for the detail views: intermediate maps as binary, explorer windows as JSON.

The numbers come from :mod:`convscope.explain` and :mod:`convscope.arithmetic`;
this module only picks, slices and lays them out, so the browser never recomputes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch.nn.functional as F

from convscope import arithmetic
from convscope.arithmetic_words import arithmetic_report
from convscope.errors import ConvScopeError
from convscope.explain import NoExplanationError, explain, intermediate_maps
from convscope.network import Layer
from convscope.server.cache import LRUCache
from convscope.server.payload import parse_channels
from convscope.server.tensor_codec import Dtype, encode_tensor
from convscope.trace import Trace
from convscope.types import LayerKind

#: Largest padding the explorer accepts (it draws every padded pixel).
MAX_PADDING = 64
#: The explorer's padding refusals; the exported site words them from here too.
PADDING_WORDS = {
    "padding_unknown": "padding '{padding}' is not understood; give a number such as 1, or 'same' or 'valid'",
    "padding_range": "padding must be from 0 to {max}, got {value}; the explorer draws every padded pixel",
}


def window_taps(out: int, kernel: int, stride: int, before: int, dilation: int) -> list[list[int]]:
    """Input index of each tap of each of ``out`` windows along one axis (see :func:`arithmetic.window_taps`).

    Example:
        >>> window_taps(3, 3, 2, 1, 1)
        [[-1, 0, 1], [1, 2, 3], [3, 4, 5]]
    """
    return [arithmetic.window_taps(o, kernel, stride, before, dilation) for o in range(out)]


def layer_windows(layer: Layer) -> dict[str, list[list[int]]]:
    """Rows and columns each output position of a conv layer reads."""
    hyper = layer.hyper
    _, h_out, w_out = layer.output_shape
    top, _, left, _ = hyper["padding_sides"]
    (kh, kw), (sh, sw), (dh, dw) = hyper["kernel"], hyper["stride"], hyper["dilation"]
    return {"rows": window_taps(h_out, kh, sh, top, dh), "cols": window_taps(w_out, kw, sw, left, dw)}


def intermediate_message(
    trace: Trace, layer_name: str, *, channel: int, input_channels: str | None = None, dtype: Dtype = "float32"
) -> bytes:
    """Per-input-channel intermediate maps of one conv output channel as a binary tensor message.

    The header carries the input layer, the input channels sent, the bias, and the
    rows and columns every output position reads (for the elastic view's sweep).

    Args:
        trace: the cached trace.
        layer_name: a conv2d layer.
        channel: the output channel.
        input_channels: input-layer channel indices and ranges to send (``"0-15,20"``);
            all of the channel's group when None.
        dtype: ``float32`` or ``float16``.
    """
    maps = intermediate_maps(trace, layer_name, channel=channel)
    values = maps.maps.numpy()  # (C_in/groups, H_out, W_out)
    sent = list(maps.input_channels)
    picked = parse_channels(input_channels, max(sent) + 1)
    if picked is not None:
        missing = [c for c in picked if c not in sent]
        if missing:
            raise ConvScopeError(
                f"input channel {missing[0]} does not feed channel {channel} of '{layer_name}'; "
                f"choose from {sent[0]}-{sent[-1]}"
            )
        values = values[np.asarray([sent.index(c) for c in picked], dtype=np.int64)]
        sent = picked
    layer = trace.network.layer(layer_name)
    header: dict[str, Any] = {
        "layer": maps.layer,
        "channel": maps.channel,
        "input_layer": maps.input_layer,
        "input_channels": sent,
        "group_channels": list(maps.input_channels),
        "bias": maps.bias,
        "windows": layer_windows(layer),
    }
    return encode_tensor(values, dtype=dtype, header=header)


def padded_input_message(
    trace: Trace, layer_name: str, *, channels: str | None = None, dtype: Dtype = "float32"
) -> bytes:
    """A conv layer's input as its kernel reads it, padded on each side, as a binary tensor message.

    The padding is the layer's own (``padding_sides``, in ``Layer.hyper``) in its own mode,
    applied by ``F.pad``, so reflected or replicated borders show the values the
    windows really read. The header names the input layer, the channels sent,
    the sides ``[top, bottom, left, right]``, the mode and the unpadded ``size``.

    Args:
        layer_name: a conv2d layer.
        channels: input-layer channel indices and ranges (``"0-15,20"``); all when None.
    """
    layer = trace.network.layer(layer_name)
    if layer.kind is not LayerKind.CONV2D or len(layer.inputs) != 1:
        raise NoExplanationError(
            f"layer '{layer.name}' is a {layer.kind}; padded inputs are shown for conv2d layers only"
        )
    source = trace.output(layer.inputs[0])[0]  # (C_in, H, W)
    picked = parse_channels(channels, source.shape[0])
    sent = picked if picked is not None else list(range(source.shape[0]))
    top, bottom, left, right = layer.hyper["padding_sides"]
    mode = layer.hyper["padding_mode"]
    padded = F.pad(source[sent][None], (left, right, top, bottom), mode="constant" if mode == "zeros" else mode)[0]
    header: dict[str, Any] = {
        "layer": layer.name,
        "input_layer": layer.inputs[0],
        "channels": sent,
        "padding_sides": [top, bottom, left, right],
        "padding_mode": mode,
        "size": list(source.shape[1:]),
    }
    return encode_tensor(padded.numpy(), dtype=dtype, header=header)


def _padding_arg(padding: str) -> int | str:
    text = padding.strip().lower()
    if text in ("same", "valid"):
        return text
    try:
        value = int(text)
    except ValueError:
        raise ConvScopeError(PADDING_WORDS["padding_unknown"].format(padding=padding[:40])) from None
    if not 0 <= value <= MAX_PADDING:
        raise ConvScopeError(PADDING_WORDS["padding_range"].format(max=MAX_PADDING, value=value))
    return value


def arith_payload(
    *, size: int, kernel: int, stride: int | None, padding: str, dilation: int, pool: bool, ceil_mode: bool = False
) -> dict[str, Any]:
    """The explorer's answer: the arithmetic report, the padded size and every window's taps.

    Args:
        size: input H = W.
        kernel, stride, dilation: K, S (None: 1 for a conv, K for a pool), D.
        padding: a number, ``same`` or ``valid``.
        pool: describe max pooling instead of a convolution.
        ceil_mode: the pool rounds up (PyTorch's ``ceil_mode``); the windows then include the last, partial one.

    Example:
        >>> arith_payload(size=5, kernel=3, stride=2, padding="1", dilation=1, pool=False)["report"]["output"]["height"]
        3
    """
    report = arithmetic_report(size, kernel, stride, _padding_arg(padding), dilation, pool=pool, ceil_mode=ceil_mode)
    top, _, left, _ = report.padding
    (h_out, w_out), (kh, kw), (sh, sw), (dh, dw) = report.output, report.kernel, report.stride, report.dilation
    return {
        "report": report.to_dict(),
        "padded": list(arithmetic.padded_hw(report.size, report.padding)),
        "windows": {"rows": window_taps(h_out, kh, sh, top, dh), "cols": window_taps(w_out, kw, sw, left, dw)},
    }


def step_payload(
    trace: Trace, steps: LRUCache[dict[str, Any]], layer: str, position: dict[str, int | None]
) -> dict[str, Any]:
    """The JSON explain payload of one position, computed once per trace and position.

    The explain route and the panel route ask for the same position one after the other;
    ``steps`` (the trace's own cache) lets the second reuse the first's step. Callers
    must not mutate the returned dict.
    """
    key = (layer, tuple(sorted(position.items())))
    channel, y, x, index = (position.get(name) for name in ("channel", "y", "x", "index"))
    return steps.get_or_compute(
        key, lambda: finite(explain(trace, layer, channel=channel, y=y, x=x, index=index).to_dict())
    )


def finite(value: Any) -> Any:
    """Replace NaN and ±infinity (which JSON cannot hold) with None, through lists and dicts."""
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    if isinstance(value, list):
        return [finite(v) for v in value]
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    return value
