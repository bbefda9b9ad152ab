"""An attribution map drawn over its image as a PNG: grey image, map in red (positive) and blue (negative)."""

from __future__ import annotations

import io

import numpy as np
import torch
from PIL import Image

from convscope.insight.attribution import Attribution
from convscope.network import Network


def overlay_png(network: Network, x: torch.Tensor, attribution: Attribution, *, scale: int = 8) -> bytes:
    """The image (its channel mean, 0…255) half blended with the map on a diverging scale, enlarged ``scale``×."""
    from convscope.insight.filters import diverging

    pixels = network.input_spec.tensor_to_pixels(x).astype(np.float64)
    grey = pixels.mean(axis=2) if pixels.ndim == 3 else pixels
    values = attribution.map.double().numpy()
    colour = diverging(values, float(np.abs(values).max()) or 1.0).astype(np.float64)
    blended = 0.5 * colour + 0.5 * grey[..., None]
    image = Image.fromarray(np.round(blended).astype(np.uint8), "RGB")
    image = image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
