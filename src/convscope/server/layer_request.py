"""Bound what one activations request can ask for, before any bytes are built.

A query can repeat itself (``names=conv,conv,…`` or ``channels=0-9,0-9,…``) to make
a small URL ask for a huge body. Requests are normalised first: each layer once,
each channel once (in the order first asked), written back as compact ranges;
then the body's size is computed from the layer shapes and refused above
:data:`MAX_RESPONSE_BYTES`.

Example:
    >>> compact([7, 3, 4, 5, 9, 3])
    '7,3-5,9'
"""

from __future__ import annotations

import math

from convscope.errors import ConvScopeError
from convscope.inputs import megabytes
from convscope.network import Network
from convscope.server.downsample import block_factor
from convscope.server.payload import parse_channels
from convscope.server.tensor_codec import DTYPES

#: The largest activations body one request may build (float32 of VGG-16's largest layers fits).
MAX_RESPONSE_BYTES = 64 * 2**20
#: Room for each message's JSON header and frame padding.
_HEADER_ALLOWANCE = 64


class ResponseTooLargeError(ConvScopeError):
    """A request whose answer would exceed :data:`MAX_RESPONSE_BYTES`."""

    status = 413


def compact(indices: list[int]) -> str:
    """Indices as ascending runs ``a-b`` joined by commas, first-seen order kept, repeats dropped."""
    runs: list[list[int]] = []
    for i in dict.fromkeys(indices):
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def unique_channels(text: str | None, count: int) -> tuple[str | None, int]:
    """A channel list without repeats, and how many channels it names (``count`` for all).

    Raises the same errors as :func:`parse_channels` for malformed or unknown channels.
    """
    picked = parse_channels(_distinct_parts(text), count)
    if picked is None:
        return None, count
    unique = list(dict.fromkeys(picked))
    return compact(unique), len(unique)


def dedupe_channels(text: str | None, network: Network) -> str | None:
    """A channel list without repeats, for a caller that checks it against its own layer later.

    Indices are bounded by the network's widest layer here, so a range like
    ``0-2000000000`` is refused before it is expanded.

    Example:
        >>> dedupe_channels("0-3,0-3,2", net)
        '0-3'
    """
    widest = max((layer.output_shape[0] for layer in network.layers if layer.is_spatial), default=1)
    picked = parse_channels(_distinct_parts(text), widest)
    return None if picked is None else compact(picked)


def _distinct_parts(text: str | None) -> str | None:
    """``"0-9,0-9,3"`` → ``"0-9,3"``: identical repeats dropped before any range is expanded."""
    if text is None:
        return None
    return ",".join(dict.fromkeys(part.strip() for part in text.split(",")))


def plan_layers(
    network: Network, names: str, channels: str | None, *, first: int | None, dtype: str, box: int | None = None
) -> tuple[str, str | None, int]:
    """``names`` and ``channels`` for :func:`layer_frames`, each layer once, and the body's size in bytes.

    A layer named twice is sent once with the union of its channel lists (all of
    them when any of its lists is empty). Maps reduced to ``box`` count at their
    reduced size; ``auto`` counts as float32, the larger of its two.

    Raises:
        ResponseTooLargeError: the answer would exceed :data:`MAX_RESPONSE_BYTES`.
    """
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    lists: list[str | None] = (
        [None] * len(wanted) if channels is None else [c.strip() or None for c in channels.split(";")]
    )
    if not wanted or len(lists) != len(wanted):
        return names, channels, 0  # layer_frames words these errors
    merged: dict[str, list[str] | None] = {}
    for name, picked in zip(wanted, lists, strict=True):
        if name in merged and merged[name] is None:
            continue
        merged[name] = None if picked is None else [*(merged.get(name) or []), picked]
    sizes, out_lists = 0, []
    for name, parts in merged.items():
        layer = network.layer(name)
        shape = layer.output_shape
        if layer.is_spatial:
            text, count = unique_channels(",".join(parts) if parts else None, shape[0])
            if text is None and first is not None:
                count = min(first, shape[0])
            k = block_factor(shape[1], shape[2], box) if box is not None else 1
            values = count * -(-shape[1] // k) * -(-shape[2] // k)
        else:
            text, values = (",".join(parts) if parts else None), math.prod(shape)
        sizes += (
            values * DTYPES["float32" if dtype == "auto" else dtype].itemsize
            + _HEADER_ALLOWANCE
            + 8 * (count if layer.is_spatial else 1)
        )
        out_lists.append(text or "")
    check_size(sizes)
    return ",".join(merged), (None if channels is None else ";".join(out_lists)), sizes


def check_size(size: int) -> None:
    """Refuse a body of ``size`` bytes over :data:`MAX_RESPONSE_BYTES`."""
    if size > MAX_RESPONSE_BYTES:
        raise ResponseTooLargeError(
            f"the answer would be {megabytes(size)}, over the {megabytes(MAX_RESPONSE_BYTES)} limit; "
            "ask for fewer layers or channels at once, or dtype=float16"
        )
