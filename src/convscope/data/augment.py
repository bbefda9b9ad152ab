"""Batched data augmentation on ``(N, C, H, W)`` tensors of pixel values in 0..1.

Each transform draws its own random numbers per image from a ``torch.Generator``
so a seeded run augments identically every time, and works on whole batches so
augmenting costs a few tensor operations rather than a Python loop per image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import torch
import torch.nn.functional as F

from convscope.errors import ConvScopeError


def _uniform(n: int, low: float, high: float, generator: torch.Generator) -> torch.Tensor:
    return torch.rand(n, generator=generator) * (high - low) + low


def hflip(x: torch.Tensor, generator: torch.Generator, *, p: float = 0.5) -> torch.Tensor:
    """Mirror each image left-right with probability ``p``."""
    flip = torch.rand(x.shape[0], generator=generator) < p
    return torch.where(flip[:, None, None, None], x.flip(-1), x)


def random_crop(x: torch.Tensor, generator: torch.Generator, *, padding: int) -> torch.Tensor:
    """Pad each image with zeros by ``padding`` and cut a random window of the original size."""
    n, c, h, w = x.shape
    padded = F.pad(x, (padding, padding, padding, padding))  # (N, C, H+2P, W+2P)
    dy = torch.randint(0, 2 * padding + 1, (n,), generator=generator)
    dx = torch.randint(0, 2 * padding + 1, (n,), generator=generator)
    rows = (dy[:, None] + torch.arange(h))[:, None, :, None]  # (N, 1, H, 1)
    cols = (dx[:, None] + torch.arange(w))[:, None, None, :]  # (N, 1, 1, W)
    batch = torch.arange(n)[:, None, None, None]
    chans = torch.arange(c)[None, :, None, None]
    return padded[batch, chans, rows, cols]  # (N, C, H, W)


def affine(
    x: torch.Tensor,
    generator: torch.Generator,
    *,
    degrees: float = 0.0,
    shear: float = 0.0,
    scale: float = 0.0,
    translate: float = 0.0,
) -> torch.Tensor:
    """Rotate by up to ``±degrees``, shear by up to ``±shear`` degrees, scale by ``1±scale``
    and shift by up to ``±translate`` of the size, each drawn per image; empty corners are 0."""
    n = x.shape[0]
    angle = torch.deg2rad(_uniform(n, -degrees, degrees, generator))
    shear_x = torch.deg2rad(_uniform(n, -shear, shear, generator))
    zoom = _uniform(n, 1 - scale, 1 + scale, generator)
    shift = _uniform(2 * n, -translate, translate, generator).view(n, 2)
    return warp(x, affine_theta(angle, shear_x, zoom, shift))


def affine_theta(angle: torch.Tensor, shear: torch.Tensor, zoom: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """Per-image ``(N, 2, 3)`` matrices for ``F.affine_grid``: rotate by ``angle`` and shear
    by ``shear`` (radians), scale by ``zoom``, shift by ``shift`` ``(N, 2)`` as shares of the size."""
    n = angle.shape[0]
    cos, sin, tan = torch.cos(angle), torch.sin(angle), torch.tan(shear)
    # theta maps output grid points to input ones: (rotation @ shear) / zoom.
    a = torch.stack([cos, cos * tan - sin, sin, sin * tan + cos], dim=1).view(n, 2, 2) / zoom[:, None, None]
    return torch.cat([a, 2 * shift[:, :, None]], dim=2)  # grid units span -1..1, so a share s is 2s


def warp(x: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    """Resample ``(N, C, H, W)`` through ``theta`` bilinearly; points outside the image are 0."""
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def _gray(x: torch.Tensor) -> torch.Tensor:
    if x.shape[1] == 1:
        return x
    return (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3]).expand_as(x)  # ITU-R 601 luma


def color_shift(
    x: torch.Tensor,
    generator: torch.Generator,
    *,
    brightness: float = 0.0,
    contrast: float = 0.0,
    saturation: float = 0.0,
    hue: float = 0.0,
) -> torch.Tensor:
    """Jitter brightness and contrast by ``1±value``; for RGB images also saturation
    by ``1±saturation`` and hue by up to ``±hue`` of a full turn."""
    n = x.shape[0]
    if brightness:
        x = x * _uniform(n, 1 - brightness, 1 + brightness, generator)[:, None, None, None]
    if contrast:
        mean = _gray(x).mean(dim=(1, 2, 3), keepdim=True)
        x = mean + (x - mean) * _uniform(n, 1 - contrast, 1 + contrast, generator)[:, None, None, None]
    if x.shape[1] == 3 and saturation:
        gray = _gray(x)
        x = gray + (x - gray) * _uniform(n, 1 - saturation, 1 + saturation, generator)[:, None, None, None]
    if x.shape[1] == 3 and hue:
        x = _rotate_hue(x, _uniform(n, -hue, hue, generator) * 2 * math.pi)
    return x.clamp(0.0, 1.0)


def _rotate_hue(x: torch.Tensor, angle: torch.Tensor) -> torch.Tensor:
    """Rotate the chroma plane of YIQ by ``angle`` radians per image; luma stays."""
    to_yiq = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
    yiq = torch.einsum("ij,njhw->nihw", to_yiq, x)
    cos, sin = torch.cos(angle)[:, None, None], torch.sin(angle)[:, None, None]
    i, q = yiq[:, 1], yiq[:, 2]
    yiq = torch.stack([yiq[:, 0], cos * i - sin * q, sin * i + cos * q], dim=1)
    return torch.einsum("ij,njhw->nihw", torch.linalg.inv(to_yiq), yiq)


@dataclass(frozen=True)
class Augmentation:
    """Which augmentations run and how strongly; all off by default.

    Example:
        >>> Augmentation.parse(["flip", "crop=2"]).crop
        2
    """

    #: Mirror left-right half of the time.
    flip: bool = False
    #: Zero padding in pixels for the random crop (0 = no crop).
    crop: int = 0
    #: Largest rotation in degrees either way.
    rotate: float = 0.0
    #: Largest shear in degrees either way (with a little scaling and shifting).
    affine: float = 0.0
    #: Strength of brightness, contrast, saturation and hue jitter (0 = none).
    color: float = 0.0

    #: Strength used when a name is given without ``=value``.
    DEFAULTS: ClassVar[dict[str, float]] = {"flip": 1, "crop": 2, "rotate": 10.0, "affine": 10.0, "color": 0.2}
    #: The largest value each takes: crop pads by at most 256 pixels a side (the padded batch is
    #: allocated), angles stop at a half turn, a colour shift at doubling or removing a channel.
    LARGEST: ClassVar[dict[str, float]] = {"flip": 1, "crop": 256, "rotate": 180.0, "affine": 90.0, "color": 1.0}

    @classmethod
    def parse(cls, items: list[str] | tuple[str, ...]) -> Augmentation:
        """Build from ``NAME`` or ``NAME=VALUE`` strings, e.g. ``["flip", "rotate=15"]``."""
        values: dict[str, float] = {}
        for item in items:
            name, _, raw = item.partition("=")
            name = name.strip()
            if name not in cls.DEFAULTS:
                raise ConvScopeError(f"unknown augmentation {name!r}; choose from {', '.join(cls.DEFAULTS)}")
            try:
                value = float(raw) if raw else cls.DEFAULTS[name]
            except ValueError:
                raise ConvScopeError(f"augmentation {item!r} needs a number after '='") from None
            if not 0 <= value <= cls.LARGEST[name]:  # also refuses nan and inf
                raise ConvScopeError(f"augmentation {item!r} takes a number from 0 to {cls.LARGEST[name]:g}")
            values[name] = value
        kinds = {f.name: f.type for f in fields(cls)}
        typed: dict[str, Any] = {
            k: (bool(v) if kinds[k] == "bool" else int(v) if kinds[k] == "int" else v) for k, v in values.items()
        }
        return cls(**typed)

    def names(self) -> list[str]:
        """The active augmentations as ``NAME=VALUE`` strings (round-trips through :meth:`parse`)."""
        active = [(f.name, getattr(self, f.name)) for f in fields(self) if getattr(self, f.name)]
        return [name if value is True else f"{name}={value}" for name, value in active]

    def steps(self) -> list[tuple[str, object]]:
        """``(name, function(x, generator))`` for each active augmentation, in the order they apply."""
        steps: list[tuple[str, object]] = []
        if self.flip:
            steps.append(("flip", hflip))
        if self.crop:
            steps.append(("crop", lambda x, g: random_crop(x, g, padding=self.crop)))
        if self.rotate:
            steps.append(("rotate", lambda x, g: affine(x, g, degrees=self.rotate)))
        if self.affine:
            steps.append(
                (
                    "affine",
                    lambda x, g: affine(x, g, shear=self.affine, scale=self.affine / 100, translate=self.affine / 100),
                )
            )
        if self.color:
            s = self.color
            steps.append(("color", lambda x, g: color_shift(x, g, brightness=s, contrast=s, saturation=s, hue=s / 4)))
        return steps

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Apply every active augmentation to a batch ``(N, C, H, W)`` in 0..1."""
        for _, step in self.steps():
            x = step(x, generator)  # type: ignore[operator]
        return x
