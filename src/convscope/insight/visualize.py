"""Feature visualisation: optimise an input from noise to excite one channel or one class.

Activation maximisation (Erhan et al. 2009) with the regularisers of Olah et
al. 2017 ("Feature Visualization", Distill): the image is parametrised by its
Fourier spectrum scaled by 1/frequency (or directly by pixels, blurred every
few steps), squashed into the pixel range with a sigmoid, and every step sees
it jittered, slightly rotated and rescaled, so only patterns that survive
those changes grow. A fixed seed and step count make a run repeatable; the
objective is recorded at every step.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from convscope.errors import ConvScopeError
from convscope.insight.forward import check_class, eval_mode, layer_outputs
from convscope.network import Network

PARAMETRISATIONS = ("fourier", "pixels")
#: The most optimisation steps one run may take.
MAX_STEPS = 10_000


@dataclass
class Visualisation:
    #: The optimised image ``(C, H, W)`` in 0…1 pixel values.
    pixels: torch.Tensor
    #: The objective (mean activation of the channel, or the class score) at each step.
    curve: list[float]
    #: The objective on the final image, untransformed.
    final: float


def _spectrum_scale(h: int, w: int) -> torch.Tensor:
    fy = torch.fft.fftfreq(h)[:, None]
    fx = torch.fft.rfftfreq(w)[None, :]
    scale = 1.0 / torch.sqrt(fy**2 + fx**2).clamp_min(1.0 / max(h, w))  # (H, W//2 + 1): low frequencies first
    return scale / scale.max()


def _transform(x: torch.Tensor, generator: torch.Generator, jitter: int, degrees: float, scale: float) -> torch.Tensor:
    """Random roll by up to ``jitter`` pixels, rotation by up to ``degrees``, scaling by up to ``scale``."""
    if jitter:
        dy, dx = (int(v) for v in torch.randint(-jitter, jitter + 1, (2,), generator=generator))
        x = torch.roll(x, shifts=(dy, dx), dims=(2, 3))
    angle = math.radians(degrees) * (2 * float(torch.rand((), generator=generator)) - 1)
    zoom = 1 + scale * (2 * float(torch.rand((), generator=generator)) - 1)
    cos, sin = math.cos(angle) / zoom, math.sin(angle) / zoom
    theta = torch.tensor([[[cos, -sin, 0.0], [sin, cos, 0.0]]], dtype=x.dtype)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


def visualize(
    network: Network,
    *,
    layer: str | None = None,
    channel: int | None = None,
    target: int | None = None,
    steps: int = 128,
    lr: float = 0.1,
    seed: int = 0,
    parametrisation: str = "fourier",
    jitter: int = 2,
    degrees: float = 5.0,
    scale: float = 0.05,
    progress: Callable[[int, float], object] | None = None,
    snapshot: Callable[[int, torch.Tensor], object] | None = None,
    snapshot_every: int = 0,
) -> Visualisation:
    """Maximise channel ``channel`` of ``layer`` (its mean over positions), or class ``target``'s score.

    Args:
        steps, lr: Adam steps and learning rate.
        seed: the starting noise and every random transformation.
        parametrisation: ``fourier`` (decorrelated, 1/f-scaled spectrum) or ``pixels``
            (blurred every 4 steps instead).
        jitter, degrees, scale: the random transformations each step sees.
        progress: called with ``(step, objective)`` after each step.
        snapshot, snapshot_every: ``snapshot(step, pixels)`` with the image ``(C, H, W)`` in 0…1
            after every ``snapshot_every``-th step (0: never); it draws no random numbers,
            so a run with snapshots ends where one without ends.
    """
    objective_layer = check_request(
        network, layer=layer, channel=channel, target=target, steps=steps, parametrisation=parametrisation
    )
    c, h, w = network.input_spec.shape
    generator = torch.Generator().manual_seed(seed)
    if parametrisation == "fourier":
        spectrum_scale = _spectrum_scale(h, w)
        param = (0.01 * torch.randn((1, c, h, w // 2 + 1, 2), generator=generator)).requires_grad_(True)
    else:
        param = (0.01 * torch.randn((1, c, h, w), generator=generator)).requires_grad_(True)
    mean = torch.tensor(network.input_spec.mean)[None, :, None, None]
    std = torch.tensor(network.input_spec.std)[None, :, None, None]

    def pixels() -> torch.Tensor:
        if parametrisation == "fourier":
            spectrum = torch.view_as_complex(param) * spectrum_scale
            raw = torch.fft.irfft2(spectrum, s=(h, w), norm="ortho") * math.sqrt(h * w)  # the DC term is the mean
        else:
            raw = param
        return torch.sigmoid(raw)  # (1, C, H, W) in 0…1

    def objective(x01: torch.Tensor) -> torch.Tensor:
        outs = layer_outputs(network, (x01 - mean) / std, [objective_layer] if objective_layer else [])
        if target is not None:
            return outs[network.logits_layer][0, target]
        return outs[str(objective_layer)][0, channel].mean()

    optimiser = torch.optim.Adam([param], lr=lr)
    curve: list[float] = []
    with eval_mode(network.module), torch.enable_grad():
        for step in range(steps):
            optimiser.zero_grad()
            value = objective(_transform(pixels(), generator, jitter, degrees, scale))
            (-value).backward()
            optimiser.step()
            if parametrisation == "pixels" and step % 4 == 3:
                with torch.no_grad():
                    param.copy_(F.avg_pool2d(param, 3, stride=1, padding=1, count_include_pad=False))
            curve.append(float(value.detach()))
            if progress is not None:
                progress(step + 1, curve[-1])
            if snapshot is not None and snapshot_every and (step + 1) % snapshot_every == 0:
                with torch.no_grad():
                    snapshot(step + 1, pixels()[0].detach())
        with torch.no_grad():
            final = pixels()
            last = float(objective(final))
    return Visualisation(final[0].detach(), curve, last)


def check_request(
    network: Network,
    *,
    layer: str | None = None,
    channel: int | None = None,
    target: int | None = None,
    steps: int = 128,
    parametrisation: str = "fourier",
) -> str | None:
    """The layer whose channel is maximised (``None`` for a class), or a one-line error for a bad request.

    :func:`visualize` calls it first; a server calls it before it starts a run in the background.
    """
    if parametrisation not in PARAMETRISATIONS:
        raise ConvScopeError(f"unknown parametrisation '{parametrisation}'; use {' or '.join(PARAMETRISATIONS)}")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
        raise ConvScopeError(f"steps must be 1 to {MAX_STEPS}, got {steps}")
    if target is not None:
        if layer is not None or channel is not None:
            raise ConvScopeError("give either a class or a layer and channel, not both")
        check_class(network, target)
        return None
    if layer is None or channel is None:
        raise ConvScopeError("give a layer and a channel (or a class) to visualise")
    found = network.layer(layer)
    if not found.is_spatial or found.kind == "input":
        raise ConvScopeError(f"layer '{layer}' has no channels of maps; choose a conv, activation or pooling layer")
    channels = found.output_shape[0]
    if not 0 <= channel < channels:
        raise ConvScopeError(f"channel {channel} is out of range: layer '{layer}' has {channels}, 0 to {channels - 1}")
    return layer
