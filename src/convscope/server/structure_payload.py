"""Payloads of the structure view and the blocks explained: parse the query, call the library."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from convscope.blocks import inception_module, residual_block
from convscope.errors import ConvScopeError
from convscope.network import Network
from convscope.structure import Structure

if TYPE_CHECKING:
    from convscope.trace import Trace

#: More what-if widths than any inception module has convolutions.
MAX_WIDTHS = 16


def structure_payload(model_id: str, network: Network) -> dict[str, Any]:
    """The structure view's data for one served model."""
    return {"model": model_id, **Structure.of(network).to_dict()}


def parse_widths(text: str | None) -> dict[str, int]:
    """``"a.conv:8,b.conv:16"`` → ``{"a.conv": 8, "b.conv": 16}``; a bad item raises a one-line error.

    Example:
        >>> parse_widths("inception3a.branch3.0.conv:8")
        {'inception3a.branch3.0.conv': 8}
    """
    widths: dict[str, int] = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        name, sep, value = item.strip().rpartition(":")
        if not sep or not name or not value.strip().isdigit():
            raise ConvScopeError(
                f"widths item '{item.strip()}' is not LAYER:FILTERS, e.g. inception3a.branch3.0.conv:8"
            )
        widths[name] = int(value)
    if len(widths) > MAX_WIDTHS:
        raise ConvScopeError(f"give at most {MAX_WIDTHS} what-if widths, not {len(widths)}")
    return widths


def inception_payload(network: Network, block_id: str, widths: dict[str, int]) -> dict[str, Any]:
    return inception_module(network, block_id, widths)


def residual_payload(
    trace: Trace, block_id: str, *, channel: int | None, y: int | None, x: int | None
) -> dict[str, Any]:
    """A residual block at ``(channel, y, x)``: all three given, or none for the centre of channel 0."""
    given = [v is not None for v in (channel, y, x)]
    if any(given) and not all(given):
        raise ConvScopeError("give channel, y and x together, or none of them for the centre of channel 0")
    position = (channel, y, x) if all(given) else None
    return residual_block(trace, block_id, position)  # type: ignore[arg-type]  # all three are ints here
