"""Classic hand-made kernels on real images, and the classic kernel each learned first-layer filter resembles.

The kernels are the calculator's (:data:`convscope.calc.kernels.CLASSIC_KERNELS`),
slid without flipping as PyTorch does, with zero padding 1 so the output keeps
the image's size; the edge magnitude is ``√(Sobel x² + Sobel y²)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import torch
import torch.nn.functional as F

from convscope.calc.kernels import CLASSIC_KERNELS, Kernel
from convscope.errors import ConvScopeError
from convscope.network import Network
from convscope.types import LayerKind

#: What the classic-kernel view offers, in order.
CLASSIC_NAMES = ("sobel-x", "sobel-y", "laplacian", "box-blur", "gaussian-blur", "sharpen", "edge-magnitude")


def kernel_tensor(kernel: Kernel) -> torch.Tensor:
    """The kernel's weights divided by its divisor, ``(K_h, K_w)``."""
    return torch.tensor(kernel.weights, dtype=torch.float64) / kernel.divisor


def apply_classic(image: torch.Tensor, name: str) -> torch.Tensor:
    """Filter a grey image ``(H, W)`` with a classic kernel (or ``edge-magnitude``); same size out.

    Example:
        >>> step = torch.tensor([[0.0, 0, 1, 1]] * 3)
        >>> apply_classic(step, "sobel-x")[1].tolist()
        [0.0, 4.0, 4.0, -4.0]
    """
    if name == "edge-magnitude":
        return torch.sqrt(apply_classic(image, "sobel-x") ** 2 + apply_classic(image, "sobel-y") ** 2)
    if name not in CLASSIC_KERNELS:
        raise ConvScopeError(f"unknown kernel '{name}'; use one of {', '.join(CLASSIC_NAMES)}")
    weights = kernel_tensor(CLASSIC_KERNELS[name])
    kh, kw = weights.shape
    x = image.double()[None, None]  # (1, 1, H, W)
    return F.conv2d(x, weights[None, None], padding=(kh // 2, kw // 2))[0, 0]


def grey(x: torch.Tensor) -> torch.Tensor:
    """A ``(C, H, W)`` image as one grey channel ``(H, W)``: the channel mean."""
    return x.double().mean(dim=0)


def classic_report(x: torch.Tensor) -> list[dict[str, Any]]:
    """Every classic kernel applied to image ``x`` ``(C, H, W)``: kernel, output and its range."""
    image = grey(x)
    out = []
    for name in CLASSIC_NAMES:
        result = apply_classic(image, name)
        kernel = None if name == "edge-magnitude" else CLASSIC_KERNELS[name].to_dict()
        out.append(
            {
                "name": name,
                "kernel": kernel,
                "output": result.tolist(),
                "range": [float(result.min()), float(result.max())],
            }
        )
    return out


@dataclass(frozen=True)
class Resemblance:
    filter: int
    kernel: str
    #: Cosine similarity of the filter (channel mean) and the kernel; negative means the kernel's mirror image in sign.
    cosine: float


def _as_size(weights: torch.Tensor, kh: int, kw: int) -> torch.Tensor | None:
    """A classic kernel zero-padded to a ``kh × kw`` filter (both centred), or None when it is bigger."""
    h, w = weights.shape
    if h > kh or w > kw or (kh - h) % 2 or (kw - w) % 2:
        return None
    return F.pad(weights, ((kw - w) // 2, (kw - w) // 2, (kh - h) // 2, (kh - h) // 2))


def most_similar(network: Network, layer: str | None = None) -> list[Resemblance]:
    """For each filter of the first conv layer (or ``layer``), the classic kernel with the largest |cosine|."""
    conv = [item for item in network.layers if item.kind is LayerKind.CONV2D]
    found = network.layer(layer) if layer else conv[0]
    if found.kind is not LayerKind.CONV2D or found.module is None:
        raise ConvScopeError(f"layer '{found.name}' is not a convolution")
    filters = (
        cast(torch.Tensor, found.module.weight).detach().double().mean(dim=1)
    )  # (F, K_h, K_w): the filter on a grey input
    kh, kw = filters.shape[-2:]
    kernels = {}
    for name in CLASSIC_NAMES[:-1]:
        padded = _as_size(kernel_tensor(CLASSIC_KERNELS[name]), kh, kw)
        if padded is not None:
            kernels[name] = padded
    if not kernels:
        raise ConvScopeError(f"the {kh}×{kw} filters of '{found.name}' are smaller than the 3×3 classic kernels")
    out = []
    for f, w in enumerate(filters):
        scores = {name: float(F.cosine_similarity(w.flatten(), k.flatten(), dim=0)) for name, k in kernels.items()}
        best = max(scores, key=lambda name: abs(scores[name]))
        out.append(Resemblance(f, best, scores[best]))
    return out


def resemblance_report(network: Network, layer: str | None = None) -> list[dict[str, Any]]:
    return [{"filter": r.filter, "kernel": r.kernel, "cosine": r.cosine} for r in most_similar(network, layer)]


def to_uint8(values: np.ndarray) -> np.ndarray:
    """Stretch values to 0…255 for a picture (the range is shown beside it)."""
    low, high = float(values.min()), float(values.max())
    return np.round((values - low) / ((high - low) or 1.0) * 255).astype(np.uint8)
