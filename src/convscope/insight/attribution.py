"""Attribution maps: which input pixels made the network score a class.

Every method returns an :class:`Attribution`: ``values`` at input resolution
``(C, H, W)`` as the method defines them (before any colour mapping) and
``map`` ``(H, W)``, the one picture a view draws. Gradients are taken of the
class score before softmax (the logit), as Captum and the papers do.

Example:
    >>> from convscope.formats import resolve_model
    >>> net = resolve_model("default")
    >>> a = attribute(net, torch.zeros(1, 1, 28, 28), target=9, method="gradient")
    >>> tuple(a.map.shape)
    (28, 28)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from convscope import arithmetic
from convscope.errors import ConvScopeError
from convscope.insight.forward import check_class, check_image, eval_mode, layer_outputs, scores
from convscope.network import Network
from convscope.types import LayerKind


class Method(StrEnum):
    GRADIENT = "gradient"
    GRADIENT_X_INPUT = "gradient-x-input"
    SMOOTHGRAD = "smoothgrad"
    INTEGRATED_GRADIENTS = "integrated-gradients"
    GRADCAM = "gradcam"
    OCCLUSION = "occlusion"


#: Methods whose map is signed (the rest are zero or above).
SIGNED = frozenset({Method.GRADIENT_X_INPUT, Method.INTEGRATED_GRADIENTS, Method.OCCLUSION})


@dataclass
class Attribution:
    """One attribution map for one image and class."""

    method: Method
    target: int
    #: ``(C, H, W)``: per input channel, as the method defines it.
    values: torch.Tensor
    #: ``(H, W)``: what is drawn (see :func:`to_map`).
    map: torch.Tensor
    layer: str | None = None
    #: Method settings (steps, baseline, window…) as JSON-able values.
    settings: dict[str, Any] = field(default_factory=dict)
    #: Σ attributions − (f(x) − f(baseline)) for integrated gradients, with both sides.
    completeness: dict[str, float] | None = None


def to_map(method: Method, values: torch.Tensor) -> torch.Tensor:
    """``(C, H, W)`` → ``(H, W)``: the largest magnitude over channels for gradients (Simonyan et al. 2014),
    the signed sum over channels for gradient × input, integrated gradients and occlusion (they add up to
    score differences), the map itself for Grad-CAM."""
    if method in (Method.GRADIENT, Method.SMOOTHGRAD):
        return values.abs().amax(dim=0)
    if method is Method.GRADCAM:
        return values[0]
    return values.sum(dim=0)


# ---------------------------------------------------------------- gradients


def gradient(network: Network, x: torch.Tensor, target: int) -> torch.Tensor:
    """∂ score[target] / ∂ x for a batch ``(N, C, H, W)`` (each row its own image): ``(N, C, H, W)``."""
    x = x.detach().clone().requires_grad_(True)
    with eval_mode(network.module), torch.enable_grad():
        out = scores(network, x)
        (grad,) = torch.autograd.grad(out[:, target].sum(), x)
    return grad


def _batched_gradient(network: Network, x: torch.Tensor, target: int, batch: int) -> torch.Tensor:
    return torch.cat([gradient(network, x[i : i + batch], target) for i in range(0, x.shape[0], batch)])


def smoothgrad(
    network: Network, x: torch.Tensor, target: int, *, samples: int = 16, noise: float = 0.15, seed: int = 0
) -> torch.Tensor:
    """The mean gradient over ``samples`` noisy copies of ``x`` (Smilkov et al. 2017), batched.

    ``noise`` is the standard deviation as a share of the input's value range
    (the paper's 10–20 %); the noise is drawn from a generator seeded with ``seed``.
    """
    if samples < 1:
        raise ConvScopeError(f"SmoothGrad needs at least 1 sample, got {samples}")
    sigma = noise * float(x.max() - x.min()) or noise
    generator = torch.Generator().manual_seed(seed)
    noisy = x + sigma * torch.randn((samples, *x.shape[1:]), generator=generator)  # (samples, C, H, W)
    return _batched_gradient(network, noisy, target, 64).mean(dim=0, keepdim=True)


def baseline_of(x: torch.Tensor, baseline: str | torch.Tensor, *, seed: int = 0) -> torch.Tensor:
    """The reference input integrated gradients start from: ``zeros`` (the scaled input's 0, usually the mean
    pixel), ``black`` (the smallest value present), ``blur`` (a heavy box blur of ``x``), ``uniform`` noise over
    the input's range, or a tensor of the input's shape."""
    if isinstance(baseline, torch.Tensor):
        if baseline.shape != x.shape:
            raise ConvScopeError(f"the baseline has shape {tuple(baseline.shape)}, the input {tuple(x.shape)}")
        return baseline.float()
    if baseline == "zeros":
        return torch.zeros_like(x)
    if baseline == "black":
        return torch.full_like(x, float(x.min()))
    if baseline == "blur":
        k = max(3, (min(x.shape[-2:]) // 4) | 1)
        return F.avg_pool2d(x, k, stride=1, padding=k // 2, count_include_pad=False)
    if baseline == "uniform":
        generator = torch.Generator().manual_seed(seed)
        return x.min() + (x.max() - x.min()) * torch.rand(x.shape, generator=generator)
    raise ConvScopeError(f"unknown baseline {baseline!r}; use zeros, black, blur or uniform")


def integration_points(steps: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Gauss–Legendre points ``α`` in (0, 1) and their weights (what Captum uses by default)."""
    if not 1 <= steps <= 4096:
        raise ConvScopeError(f"integrated gradients takes 1 to 4096 steps, got {steps}")
    points, weights = np.polynomial.legendre.leggauss(steps)
    return torch.tensor((points + 1) / 2, dtype=torch.float32), torch.tensor(weights / 2, dtype=torch.float32)


def integrated_gradients(
    network: Network,
    x: torch.Tensor,
    target: int,
    *,
    baseline: str | torch.Tensor = "zeros",
    steps: int = 32,
    batch: int = 64,
) -> tuple[torch.Tensor, torch.Tensor, dict[str, float]]:
    """Integrated gradients (Sundararajan et al. 2017): ``(x − b)·∫₀¹ ∂f(b + α(x − b))/∂x dα``.

    The integral is a ``steps``-point Gauss–Legendre sum over one batch of
    interpolated inputs (``batch`` at a time). Returns the attributions
    ``(1, C, H, W)``, the baseline, and the completeness check: the sum of the
    attributions against ``f(x) − f(baseline)``.
    """
    base = baseline_of(x, baseline)
    alphas, weights = integration_points(steps)
    path = base + alphas[:, None, None, None] * (x - base)  # (steps, C, H, W)
    grads = _batched_gradient(network, path, target, batch)  # (steps, C, H, W)
    attributions = (x - base) * (weights[:, None, None, None] * grads).sum(dim=0, keepdim=True)
    with eval_mode(network.module), torch.no_grad():
        ends = scores(network, torch.cat([x, base]))[:, target]
    total, difference = float(attributions.sum()), float(ends[0] - ends[1])
    check = {"sum": total, "difference": difference, "error": total - difference}
    return attributions, base, check


# ------------------------------------------------------------------ Grad-CAM


def spatial_layer(network: Network, name: str | None) -> str:
    """The layer Grad-CAM reads: ``name``, or the last layer with a spatial map; refuses layers without one."""
    if name is None:
        spatial = [layer.name for layer in network.layers if layer.is_spatial and layer.kind is not LayerKind.INPUT]
        if not spatial:
            raise ConvScopeError("the model has no layer with a spatial map for Grad-CAM")
        return spatial[-1]
    layer = network.layer(name)
    if not layer.is_spatial or layer.kind is LayerKind.INPUT:
        shape = "×".join(str(s) for s in layer.output_shape)
        raise ConvScopeError(
            f"layer '{name}' has no spatial map (output {shape}); Grad-CAM needs a conv, activation or pooling layer"
        )
    return name


def grad_cam_at_layer(network: Network, x: torch.Tensor, target: int, layer: str) -> torch.Tensor:
    """Grad-CAM (Selvaraju et al. 2017) at the layer's resolution ``(1, 1, h, w)``.

    ``ReLU(Σ_k α_k A_k)`` with ``α_k`` the mean over positions of ∂ score / ∂ A_k.
    """
    with eval_mode(network.module), torch.enable_grad():
        outs = layer_outputs(network, x.detach().requires_grad_(True), [layer])
        activation = outs[layer]  # (1, K, h, w)
        (grad,) = torch.autograd.grad(outs[network.logits_layer][:, target].sum(), activation)
    weights = grad.mean(dim=(2, 3), keepdim=True)  # (1, K, 1, 1)
    return F.relu((weights * activation.detach()).sum(dim=1, keepdim=True))


def grad_cam(network: Network, x: torch.Tensor, target: int, layer: str) -> torch.Tensor:
    """Grad-CAM upsampled bilinearly to the input's ``(1, 1, H, W)``."""
    cam = grad_cam_at_layer(network, x, target, layer)
    return F.interpolate(cam, size=tuple(x.shape[-2:]), mode="bilinear", align_corners=False)


# ----------------------------------------------------------------- occlusion


def occlusion(
    network: Network, x: torch.Tensor, target: int, *, window: int = 4, stride: int = 2, value: float = 0.0
) -> torch.Tensor:
    """Occlusion (Zeiler & Fergus 2014): how much the score drops when a window of every channel is set to
    ``value``, averaged over the windows covering each pixel. Every occluded copy runs in batches.

    The window positions follow the convolution rule (no padding), so each pixel
    covered by at least one window gets the mean drop of the windows covering it.
    """
    _, c, h, w = x.shape
    if window < 1 or stride < 1 or window > min(h, w):
        raise ConvScopeError(f"the occlusion window {window} (stride {stride}) must fit the {h}×{w} input")
    rows = [arithmetic.window_taps(o, window, stride) for o in range(arithmetic.conv_output_size(h, window, stride))]
    cols = [arithmetic.window_taps(o, window, stride) for o in range(arithmetic.conv_output_size(w, window, stride))]
    masks = torch.zeros((len(rows) * len(cols), 1, h, w))
    for i, r in enumerate(rows):
        for j, col in enumerate(cols):
            masks[i * len(cols) + j, 0, r[0] : r[-1] + 1, col[0] : col[-1] + 1] = 1
    with eval_mode(network.module), torch.no_grad():
        full = float(scores(network, x)[0, target])
        drops = torch.cat(
            [
                full - scores(network, x * (1 - m) + value * m)[:, target]
                for m in masks.split(128)  # (B, 1, H, W) each
            ]
        )
    covered = masks.sum(dim=0)  # (1, H, W)
    total = (drops[:, None, None, None] * masks).sum(dim=0)
    return (total / covered.clamp_min(1)).expand(c, h, w)[None].clone()


# ------------------------------------------------------------------ dispatch


def attribute(
    network: Network,
    x: torch.Tensor,
    target: int,
    method: str | Method = Method.GRADIENT,
    *,
    layer: str | None = None,
    steps: int = 32,
    baseline: str = "zeros",
    samples: int = 16,
    noise: float = 0.15,
    window: int | None = None,
    stride: int | None = None,
    seed: int = 0,
) -> Attribution:
    """One attribution map for one preprocessed image ``x`` ``(1, C, H, W)`` and class ``target``.

    Args:
        method: one of :class:`Method`.
        layer: the layer Grad-CAM reads (default: the last spatial layer).
        steps, baseline: integrated gradients' integration points and start.
        samples, noise, seed: SmoothGrad's noisy copies.
        window, stride: occlusion's square patch and its step (default: an
            eighth and a sixteenth of the smaller side).
    """
    try:
        method = Method(method)
    except ValueError:
        raise ConvScopeError(f"unknown method {method!r}; use one of {', '.join(Method)}") from None
    x = check_image(network, x)
    target = check_class(network, target)
    settings: dict[str, Any] = {}
    completeness = None
    if method is Method.GRADIENT:
        values = gradient(network, x, target)
    elif method is Method.GRADIENT_X_INPUT:
        values = gradient(network, x, target) * x
    elif method is Method.SMOOTHGRAD:
        values = smoothgrad(network, x, target, samples=samples, noise=noise, seed=seed)
        settings = {"samples": samples, "noise": noise, "seed": seed}
    elif method is Method.INTEGRATED_GRADIENTS:
        values, _, completeness = integrated_gradients(network, x, target, baseline=baseline, steps=steps)
        settings = {"steps": steps, "baseline": baseline}
    elif method is Method.GRADCAM:
        layer = spatial_layer(network, layer)
        values = grad_cam(network, x, target, layer)
    else:
        side = min(x.shape[-2:])
        window = window or max(2, side // 8)
        stride = stride or max(1, window // 2)
        values = occlusion(network, x, target, window=window, stride=stride)
        settings = {"window": window, "stride": stride}
    values = values[0].detach()
    return Attribution(
        method=method,
        target=target,
        values=values,
        map=to_map(method, values),
        layer=layer if method is Method.GRADCAM else None,
        settings=settings,
        completeness=completeness,
    )
