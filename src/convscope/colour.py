"""The web app's colour scales in Python, for plots and notebook displays.

The browser paints maps with ``web/js/core/colour.js`` (stop tables turned into
256-entry lookup tables) and picks each map's domain with ``web/js/core/scales.js``
(per map, per block, global; diverging around zero for signed layers, the warm
half otherwise, a gray ramp for the input). This module is the same rules written
once more for matplotlib; ``tests/test_colour.py`` runs both through Node and
checks that the tables, block labels and domains are equal, so the two cannot drift.

Example:
    >>> lut("gray")[255].tolist(), lut_index(0.5, 0.0, 1.0)
    ([255, 255, 255], 128)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

import numpy as np

from convscope.layer_views import Display, LayerView, layer_views
from convscope.network import Network
from convscope.trace import Trace

Scheme = Literal["diverging", "sequential", "gray", "red", "green", "blue"]
ScaleMode = Literal["unit", "block", "global"]
SCALE_MODES: tuple[ScaleMode, ...] = ("unit", "block", "global")

#: Stops ``(t, (r, g, b))`` with ``t`` in [0, 1], as ``SCHEMES`` in ``core/colour.js``.
SCHEMES: dict[str, tuple[tuple[float, tuple[int, int, int]], ...]] = {
    "diverging": (
        (0.0, (33, 80, 160)),
        (0.25, (120, 168, 216)),
        (0.5, (247, 247, 247)),
        (0.75, (240, 140, 80)),
        (1.0, (178, 24, 43)),
    ),
    "sequential": ((0.0, (247, 247, 247)), (0.5, (240, 140, 80)), (1.0, (178, 24, 43))),
    "gray": ((0.0, (0, 0, 0)), (1.0, (255, 255, 255))),
    # An RGB input's channels, each tinted its own colour (InputSpec.channel_tints).
    "red": ((0.0, (0, 0, 0)), (1.0, (255, 0, 0))),
    "green": ((0.0, (0, 0, 0)), (1.0, (0, 255, 0))),
    "blue": ((0.0, (0, 0, 0)), (1.0, (0, 0, 255))),
}


def _js_round(value: float) -> int:
    """JavaScript's ``Math.round``: halves go up (Python's ``round`` goes to even)."""
    return math.floor(value + 0.5)


@cache
def lut(scheme: str) -> np.ndarray:
    """The ``(256, 3)`` uint8 lookup table of a scheme (read-only)."""
    stops = SCHEMES.get(scheme)
    if stops is None:
        raise ValueError(f"unknown colour scheme {scheme!r}; choose one of {', '.join(SCHEMES)}")
    table = np.zeros((256, 3), dtype=np.uint8)
    for i in range(256):
        t = i / 255
        k = 1
        while k < len(stops) - 1 and stops[k][0] < t:
            k += 1
        (t0, c0), (t1, c1) = stops[k - 1], stops[k]
        f = 0.0 if t1 == t0 else (t - t0) / (t1 - t0)
        table[i] = [_js_round(a + (b - a) * f) for a, b in zip(c0, c1, strict=True)]
    table.setflags(write=False)
    return table


def lut_index(value: float, lo: float, hi: float) -> int:
    """Index 0…255 of ``value`` in ``[lo, hi]``, clamped; 128 for an empty domain (``lutIndex``)."""
    if not hi > lo:
        return 128
    return max(0, min(255, _js_round((value - lo) / (hi - lo) * 255)))


@dataclass(frozen=True)
class Domain:
    """What one map is painted with: a scheme and the values at its two ends."""

    scheme: str
    lo: float
    hi: float


def paint(values: np.ndarray, domain: Domain) -> np.ndarray:
    """RGB pixels ``(…, 3)`` uint8 for an array of values, exactly as ``paint`` in ``core/colour.js``."""
    v = np.asarray(values, dtype=np.float64)
    if domain.hi > domain.lo:
        index = np.floor((v - domain.lo) / (domain.hi - domain.lo) * 255 + 0.5)
        index = np.clip(np.nan_to_num(index, nan=0.0), 0, 255).astype(np.intp)
    else:
        index = np.full(v.shape, 128, dtype=np.intp)
    return lut(domain.scheme)[index]


def _defined_block(name: str) -> str | None:
    """``layer1.0.conv1`` → ``layer1.0``; ``inception3a.branch2.0.conv`` → ``inception3a``; ``features.3`` → None."""
    parts = name.split(":")[0].split(".")
    if len(parts) < 2:
        return None
    if re.fullmatch(r"\d+", parts[1]):
        return f"{parts[0]}.{parts[1]}" if len(parts) >= 3 else None
    return parts[0]


def layer_blocks(network: Network, views: dict[str, LayerView] | None = None) -> dict[str, str]:
    """The colour block of every layer, as ``layerBlocks`` in ``core/scales.js``.

    Example (TinyVGG): ``conv_1_1`` … ``max_pool_1`` → ``block 1``, ``conv_2_1`` … → ``block 2``.
    """
    views = views or layer_views(network)
    blocks: dict[str, str] = {}
    current: str | None = None
    counter = 1
    for layer in network.layers:
        view = views[layer.name]
        if view.display is Display.INPUT:
            blocks[layer.name] = "input"
            continue
        defined = _defined_block(layer.name)
        if defined:
            current = defined
        elif current is None:
            current = f"block {counter}"
        blocks[layer.name] = current
        if view.detail is not None and str(view.detail) == "pool" and not defined:
            current = None
            counter += 1
    return blocks


class Scales:
    """Every map's colour domain for one trace (batch item 0), as the overview colours it.

    ``drawn`` are the layers the picture shows: block and global ranges are taken over
    those, as the app takes them over the columns on screen (default: every map layer).
    """

    def __init__(self, trace: Trace, drawn: list[str] | None = None) -> None:
        network = trace.network
        self.trace = trace
        self.views = layer_views(network)
        self.blocks = layer_blocks(network, self.views)
        if drawn is None:
            drawn = [layer.name for layer in network.layers if self.views[layer.name].display is not Display.HIDDEN]
        self.drawn = drawn
        self.block_extent: dict[str, float] = {}
        self.global_extent = 0.0
        for name in drawn:
            if self.is_input(name):
                continue
            lo, hi = trace.value_range(name)
            m = max(abs(lo), abs(hi))
            block = self.blocks[name]
            self.block_extent[block] = max(self.block_extent.get(block, 0.0), m)
            self.global_extent = max(self.global_extent, m)

    def is_input(self, name: str) -> bool:
        return self.views[name].display is Display.INPUT

    def signed(self, name: str) -> bool:
        """Drawn with the diverging scale: the layer can be negative, or this trace's values are."""
        return self.views[name].signed or self.trace.value_range(name)[0] < 0

    def domain(self, mode: ScaleMode, name: str, channel: int) -> Domain:
        """The domain of map ``channel`` of layer ``name`` under a scale mode (``domainFor``)."""
        if mode not in SCALE_MODES:
            raise ValueError(f"scale must be one of {', '.join(SCALE_MODES)}, not {mode!r}")
        ranges = self.trace.channel_ranges(name)
        ch_lo, ch_hi = (float(v) for v in ranges[min(channel, ranges.shape[0] - 1)])
        if self.is_input(name):
            lo, hi = (ch_lo, ch_hi) if mode == "unit" else self.trace.value_range(name)
            return Domain("gray", lo, hi if hi > lo else lo + 1)
        if mode == "unit":
            m = max(abs(ch_lo), abs(ch_hi))
        elif mode == "block":
            m = self.block_extent.get(self.blocks[name], 0.0)
        else:
            m = self.global_extent
        m = m if m > 0 else 1.0
        return Domain("diverging", -m, m) if self.signed(name) else Domain("sequential", 0.0, m)
