"""Filter pictures: each conv filter's weights per input channel on a diverging scale, with its range.

First-layer filters reading an RGB image are also shown as a colour composite
(weight 0 is mid-grey, the strongest weight of the layer full colour), the
picture Krizhevsky et al. 2012 made famous. Filters can be sorted by their
L2 norm, strongest first.

Example:
    >>> from convscope.formats import resolve_model
    >>> pictures = filter_pictures(resolve_model("default"), "conv_1_1", sort_by_norm=True)
    >>> pictures.weights.shape, bool(pictures.norms[pictures.order[0]] == pictures.norms.max())
    ((16, 1, 3, 3), True)
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch
from PIL import Image, ImageDraw

from convscope.atomic import write_atomic
from convscope.errors import ConvScopeError
from convscope.network import Network
from convscope.types import LayerKind

#: Input channels drawn per filter in a PNG (a 512-channel layer would be 512 cells wide).
MAX_CHANNELS_DRAWN = 64
#: Filters drawn in a PNG.
MAX_FILTERS_DRAWN = 256


@dataclass(frozen=True)
class FilterPictures:
    layer: str
    #: ``(F, C_in/groups, K_h, K_w)``, as the layer holds them.
    weights: np.ndarray
    #: L2 norm of each filter ``(F,)``.
    norms: np.ndarray
    #: The order to show the filters in (by norm, strongest first, when asked; else 0…F−1).
    order: np.ndarray
    #: The largest |weight| of the layer: the diverging scale runs from −range to +range.
    range: float
    #: ``(F, K_h, K_w, 3)`` in 0…1 for a first layer reading RGB, else ``None``.
    composite: np.ndarray | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "shape": list(self.weights.shape),
            "range": self.range,
            "order": self.order.tolist(),
            "filters": [
                {"filter": int(f), "norm": float(self.norms[f]), "weights": self.weights[f].tolist()}
                for f in self.order
            ],
            "composite": None if self.composite is None else [self.composite[f].tolist() for f in self.order],
        }


def filter_pictures(network: Network, layer: str, *, sort_by_norm: bool = False) -> FilterPictures:
    """The filters of conv layer ``layer``."""
    found = network.layer(layer)
    if found.kind is not LayerKind.CONV2D or found.module is None:
        raise ConvScopeError(
            f"layer '{layer}' is a {found.kind} layer, not a convolution; filters belong to conv layers"
        )
    weights = cast(torch.Tensor, found.module.weight).detach().float().cpu().numpy()  # (F, C_in/groups, K_h, K_w)
    norms = np.sqrt((weights.astype(np.float64) ** 2).reshape(len(weights), -1).sum(axis=1))
    order = np.argsort(-norms, kind="stable") if sort_by_norm else np.arange(len(weights))
    scale = float(np.abs(weights).max()) or 1.0
    first = found.inputs == ("input",)
    composite = None
    if first and weights.shape[1] == 3:
        composite = np.clip(weights.transpose(0, 2, 3, 1) / (2 * scale) + 0.5, 0, 1)  # (F, K_h, K_w, 3)
    return FilterPictures(layer, weights, norms, order, float(np.abs(weights).max()), composite)


def diverging(values: np.ndarray, scale: float) -> np.ndarray:
    """Values → RGB uint8: blue for −scale, white for 0, red for +scale.

    Example:
        >>> diverging(np.array([-1.0, 0.0, 1.0]), 1.0).tolist()
        [[0, 0, 255], [255, 255, 255], [255, 0, 0]]
    """
    t = np.clip(values / (scale or 1.0), -1, 1)[..., None]
    white = np.array([255.0, 255.0, 255.0])
    red, blue = np.array([255.0, 0.0, 0.0]), np.array([0.0, 0.0, 255.0])
    rgb = np.where(t >= 0, white + t * (red - white), white - t * (blue - white))
    return np.round(rgb).astype(np.uint8)


def render_png(pictures: FilterPictures) -> bytes:
    """One row per filter: a cell per input channel (and the colour composite), a caption with the range."""
    f_count, c_in, kh, kw = pictures.weights.shape
    filters = pictures.order[:MAX_FILTERS_DRAWN]
    channels = min(c_in, MAX_CHANNELS_DRAWN)
    cell = max(4, 48 // max(kh, kw)) * max(kh, kw) // max(kh, kw)
    gap, top = 2, 30
    columns = channels + (1 if pictures.composite is not None else 0)
    width = max(columns * (kw * cell + gap) + gap, 420)
    height = top + len(filters) * (kh * cell + gap) + gap
    canvas = Image.new("RGB", (width, height), (245, 245, 245))
    for row, f in enumerate(filters):
        y0 = top + gap + row * (kh * cell + gap)
        for c in range(channels):
            tile = diverging(pictures.weights[f, c], pictures.range)
            _paste(canvas, tile, gap + c * (kw * cell + gap), y0, cell)
        if pictures.composite is not None:
            tile = np.round(pictures.composite[f] * 255).astype(np.uint8)
            _paste(canvas, tile, gap + channels * (kw * cell + gap), y0, cell)
    more = []
    if c_in > channels:
        more.append(f"first {channels} of {c_in} channels")
    if f_count > len(filters):
        more.append(f"first {len(filters)} of {f_count} filters")
    caption = (
        f"{pictures.layer}: {f_count} filters x {c_in} channels, {kh}x{kw}; blue -{pictures.range:.3g} .. "
        f"white 0 .. red +{pictures.range:.3g}" + (f" ({', '.join(more)})" if more else "")
    )
    ImageDraw.Draw(canvas).text((gap, 8), caption, fill=(20, 20, 20))
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    return buffer.getvalue()


def _paste(canvas: Image.Image, tile: np.ndarray, x: int, y: int, cell: int) -> None:
    image = Image.fromarray(tile, "RGB")
    canvas.paste(image.resize((tile.shape[1] * cell, tile.shape[0] * cell), Image.Resampling.NEAREST), (x, y))


def write_png(path: str | Path, data: bytes) -> Path:
    """Write PNG bytes atomically (respecting the umask)."""
    return write_atomic(path, lambda handle: handle.write(data))
