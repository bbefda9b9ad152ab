"""Format a Trace for the browser: JSON metadata and per-layer binary messages.

Collect (the Trace), aggregate (value ranges, from :mod:`convscope.trace`),
format (here) — routes only pick which of these to send.
"""

from __future__ import annotations

from typing import Any, Literal
from weakref import WeakKeyDictionary

import numpy as np
import torch
from PIL import Image

from convscope.cores import cores_for, using_cores
from convscope.errors import ConvScopeError, NotFoundError
from convscope.layer_blocks import fold_targets, layer_blocks, network_blocks, overview_defaults
from convscope.layer_views import LayerView, layer_views
from convscope.network import Network
from convscope.server.downsample import block_factor, digits_kept, downsample, reduction_for
from convscope.server.tensor_codec import Dtype, encode_frames, encode_tensor
from convscope.teaching.facts import layer_facts
from convscope.trace import Trace

#: Pillow modes an image is used in without conversion.
_PLAIN_MODES = ("L", "RGB")
#: A wire dtype, or ``auto``: float16 for each layer whose shown digits it keeps, else float32.
WireDtype = Literal["float32", "float16", "auto"]
#: Per model, computed once: the layer views and the ``/api/models/{id}`` body (a model never changes).
_VIEWS: WeakKeyDictionary[Network, dict[str, LayerView]] = WeakKeyDictionary()
_DETAILS: WeakKeyDictionary[Network, dict[str, dict[str, Any]]] = WeakKeyDictionary()


def views_of(network: Network) -> dict[str, LayerView]:
    """``layer_views(network)``, computed on first use and remembered for the network's lifetime."""
    if network not in _VIEWS:
        _VIEWS[network] = layer_views(network)
    return _VIEWS[network]


def source_notes(image: Image.Image, spec_size: tuple[int, int], spec_mode: str) -> list[str]:
    """What happened to an image on its way in, in words for the page."""
    notes = []
    if image.mode != spec_mode:
        notes.append(f"converted from {image.mode} to {'gray' if spec_mode == 'L' else spec_mode}")
    if image.size != spec_size:
        w, h = image.size
        notes.append(f"resized from {w}×{h} and centre-cropped to {spec_size[0]}×{spec_size[1]}")
    return notes


def model_summary(model_id: str, network: Network) -> dict[str, Any]:
    """The model as ``/api/models`` lists it, with the notice the page shows for random weights."""
    from convscope.formats import RANDOM_WEIGHTS_NOTICE, has_random_weights

    notice = RANDOM_WEIGHTS_NOTICE if has_random_weights(network) else None
    return {**network.describe(), "id": model_id, "notice": notice}


def model_detail(model_id: str, network: Network) -> dict[str, Any]:
    """The model with its layer graph, each layer with its view (``convscope.layer_views``).

    The view kind, signedness and connectivity travel with the layers so the
    browser decides none of them from the kind names itself; so do each layer's
    block and fold (``convscope.layer_blocks``) and how the overview opens.
    Built once per (model, id): the body is the same for every request.
    """
    built = _DETAILS.setdefault(network, {})
    if model_id not in built:
        views = views_of(network)
        blocks, folds = layer_blocks(network), fold_targets(network)
        summary = model_summary(model_id, network)
        facts = {layer.name: layer_facts(layer, network) for layer in network.layers}
        layers = [
            {
                **layer,
                **views[layer["name"]].to_dict(),
                "block": blocks[layer["name"]],
                "fold_into": folds.get(layer["name"]),
                "facts": facts[layer["name"]],
            }
            for layer in summary["layers"]
        ]
        grouped = [block.to_dict() for block in network_blocks(network)]
        built[model_id] = {**summary, "layers": layers, "blocks": grouped, "overview": overview_defaults(network)}
    return built[model_id]


def trace_info(trace: Trace, *, model_id: str, image_id: str, source: dict[str, Any]) -> dict[str, Any]:
    """Everything the overview needs before any activations arrive."""
    network = trace.network
    probs = trace.probabilities[0]
    top = int(probs.argmax())
    return {
        "model": model_id,
        "image": image_id,
        "source": source,
        "prediction": {"index": top, "label": network.class_names[top], "probability": float(probs[top])},
        "probabilities": probs.tolist(),
        "ranking": [index for index, _, _ in network.ranked_classes(probs, network.num_classes)],
        "logits": trace.logits[0].tolist(),
        "layers": layer_ranges(trace),
    }


def layer_ranges(trace: Trace) -> list[dict[str, Any]]:
    """Each layer's name, shape, (min, max), per-channel ranges and channel order (``activity_order``).

    Every layer's ranges go through numpy together: GoogLeNet has 198 layers and 34,582
    channels, and a few small tensor calls per layer cost more than the numbers themselves.
    """
    network = trace.network
    per_layer = [trace.channel_ranges(layer.name) for layer in network.layers]  # (C, 2) each
    counts = np.array([len(r) for r in per_layer])
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    ranges = torch.cat(per_layer).numpy()  # (sum C, 2) float32
    lows, highs = np.minimum.reduceat(ranges[:, 0], starts), np.maximum.reduceat(ranges[:, 1], starts)
    # activity_order for every layer in one stable sort: by layer, then largest max |value| first;
    # equal sizes keep index order, as the stable argsort there does.
    owner = np.repeat(np.arange(len(counts)), counts)
    order = np.lexsort((-np.abs(ranges).max(axis=1), owner)) - np.repeat(starts, counts)
    pairs, orders = ranges.tolist(), order.tolist()
    return [
        {
            "name": layer.name,
            "shape": list(layer.output_shape),
            "min": float(low),
            "max": float(high),
            "channel_ranges": pairs[start : start + count],
            "channel_order": orders[start : start + count],
        }
        for layer, low, high, start, count in zip(
            network.layers, lows, highs, starts.tolist(), counts.tolist(), strict=True
        )
    ]


def activity_order(channel_ranges: torch.Tensor) -> list[int]:
    """Channel indices, most active first: largest max |value| of the channel, ties by index.

    Max |value| rather than the mean: it is the brightest cell the map shows on screen,
    it needs no pass over the activations beyond ``Trace.channel_ranges``, and a mean
    of a signed (pre-ReLU) map cancels out. The detail views page channels by the
    same rule, so a channel near the top in the overview is near the top there too.

    Args:
        channel_ranges: ``(C, 2)`` per-channel (min, max), as ``Trace.channel_ranges`` gives.

    Example:
        >>> activity_order(torch.tensor([[0.0, 1.0], [-5.0, 2.0], [0.0, 5.0]]))
        [1, 2, 0]
    """
    size = channel_ranges.abs().amax(dim=1)  # (C,)
    return torch.argsort(size, descending=True, stable=True).tolist()


def parse_channels(text: str | None, count: int) -> list[int] | None:
    """``"0-3,7"`` → ``[0, 1, 2, 3, 7]``; ``None`` means every channel.

    Example:
        >>> parse_channels("0-2,5", 10)
        [0, 1, 2, 5]
    """
    if text is None or text.strip() == "":
        return None
    picked: list[int] = []
    for part in text.split(","):
        lo, sep, hi = part.strip().partition("-")
        try:
            first, last = int(lo), int(hi) if sep else int(lo)
        except ValueError:
            raise ConvScopeError(f"channels '{text}' must be indices or ranges like 0-15,20") from None
        if first < 0 or last < first:
            raise ConvScopeError(f"channel range '{part.strip()}' is empty or negative; write low-high with low ≤ high")
        if last >= count:
            raise NotFoundError(f"channel {last} does not exist; this layer has channels 0-{count - 1}")
        picked.extend(range(first, last + 1))
    return picked


def layer_frames(
    trace: Trace,
    names: str,
    *,
    dtype: WireDtype = "float32",
    first: int | None = None,
    channels: str | None = None,
    box: int | None = None,
) -> bytes:
    """Several layers in one response (small models: one request instead of one per layer).

    Args:
        names: comma-separated layer names.
        first: send at most this many channels of each (C, H, W) layer.
        channels: the channels to send of each layer, one list per name separated by
            ``;`` (``"0-15;3,9,1;"``); an empty list falls back to ``first`` (or all).
            The overview sends the page it draws, so a 64-channel layer costs 16 maps.
        box: the cells a map is drawn in; larger maps are reduced to fit (:func:`layer_message`).

    Example:
        >>> from convscope.server.tensor_codec import decode_frames
        >>> frames = layer_frames(trace, "conv_1_1,relu_1_1", channels="4,0;0-1")
        >>> [(header["layer"], header["channels"], array.shape) for header, array in decode_frames(frames)]
        [('conv_1_1', [4, 0], (2, 62, 62)), ('relu_1_1', [0, 1], (2, 62, 62))]
    """
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    if not wanted:
        raise ConvScopeError("names is empty; list layer names separated by commas")
    lists = [None] * len(wanted) if channels is None else [c.strip() or None for c in channels.split(";")]
    if len(lists) != len(wanted):
        raise ConvScopeError(
            f"channels has {len(lists)} lists for {len(wanted)} names; give one list per name, separated by ';'"
        )
    messages = []
    with using_cores(cores_for(trace.network.total_mults)):  # once for every layer (see layer_message)
        for name, picked in zip(wanted, lists, strict=True):
            layer = trace.network.layer(name)
            if picked is None and first is not None and layer.is_spatial:
                picked = f"0-{min(first, layer.output_shape[0]) - 1}"
            messages.append(_layer_message(trace, name, dtype=dtype, channels=picked, box=box))
    return encode_frames(messages)


def layer_message(
    trace: Trace, name: str, *, dtype: WireDtype = "float32", channels: str | None = None, box: int | None = None
) -> bytes:
    """One layer's output as a binary tensor message (see :mod:`tensor_codec`).

    With ``box``, a (C, H, W) map larger than ``box`` cells a side is sent reduced by
    the smallest integer factor ``k`` that fits (:mod:`convscope.server.downsample`);
    the header then says ``block`` (k), ``reduce`` (how) and ``full_shape``.
    """
    with using_cores(cores_for(trace.network.total_mults)):
        return _layer_message(trace, name, dtype=dtype, channels=channels, box=box)


def _layer_message(trace: Trace, name: str, *, dtype: WireDtype, channels: str | None, box: int | None) -> bytes:
    """:func:`layer_message`'s work, on the cores its caller set: a small network's on one, as
    ``Network.run`` does (waking a sleeping helper costs more than the work). It copies and
    reduces traced values, so the core count changes no number."""
    layer = trace.network.layer(name)
    values = trace.output(layer.name)[0].numpy()  # (C, H, W) or (F,)
    header: dict[str, Any] = {"layer": layer.name}
    if layer.is_spatial:
        picked = parse_channels(channels, values.shape[0])
        if picked is not None:
            values = values[np.asarray(picked, dtype=np.int64)]  # (len(picked), H, W)
        header["channels"] = picked if picked is not None else list(range(values.shape[0]))
        factor = block_factor(values.shape[1], values.shape[2], box) if box is not None else 1
        if factor > 1:
            how = reduction_for(views_of(trace.network)[layer.name], trace.value_range(layer.name)[0])
            header.update(block=factor, reduce=how, full_shape=list(layer.output_shape))
            values = downsample(values, factor, how)  # (len(picked), ceil(H/k), ceil(W/k))
    elif channels:
        raise ConvScopeError(
            f"layer '{layer.name}' has shape {list(layer.output_shape)}; channels apply to (C, H, W) layers only"
        )
    return encode_tensor(values, dtype=wire_dtype(values, dtype), header=header)


def wire_dtype(values: np.ndarray, dtype: WireDtype) -> Dtype:
    """``dtype`` itself, or for ``auto`` float16 when it changes no digit the page shows (else float32)."""
    if dtype != "auto":
        return dtype
    with np.errstate(over="ignore"):  # beyond float16's range: inf, which digits_kept refuses
        half = values.astype(np.float16)
    return "float16" if digits_kept(values, half) else "float32"
