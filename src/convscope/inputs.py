"""What a network expects as input, and how image bytes become that input.

Decoding is defensive: a user may hand us any file. Pillow's own decompression
bomb guard is replaced by an explicit pixel-count limit checked *before* pixels
are decoded, so a huge image costs nothing but its header.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from convscope.errors import ConvScopeError, InvalidImageError

#: Uploads larger than this many bytes are refused before decoding.
MAX_IMAGE_BYTES = 10 * 1024 * 1024
#: Images with more pixels than this are refused (decompression bombs).
MAX_IMAGE_PIXELS = 40_000_000

_DEFAULT_NAMES = {1: ("Gray",), 3: ("Red", "Green", "Blue")}


@dataclass(frozen=True)
class InputSpec:
    """The input a network takes: ``(C, H, W)`` plus how pixels are scaled.

    A pixel ``p`` in 0..255 becomes ``(p / 255 - mean[c]) / std[c]``. With
    ``resize`` set, an image's shorter side is first scaled to ``resize`` pixels
    and the centre ``H x W`` cut out (ImageNet checkpoints expect 256 then 224).

    Example:
        >>> InputSpec(3, 64, 64).shape
        (3, 64, 64)
    """

    channels: int
    height: int
    width: int
    channel_names: tuple[str, ...] = ()
    mean: tuple[float, ...] = ()
    std: tuple[float, ...] = ()
    resize: int | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        c = self.channels
        if c < 1 or self.height < 1 or self.width < 1:
            raise ConvScopeError(
                f"input spec {c}x{self.height}x{self.width} is invalid: channels, height and width must be positive"
            )
        names = self.channel_names or _DEFAULT_NAMES.get(c) or tuple(f"channel {i}" for i in range(c))
        object.__setattr__(self, "channel_names", tuple(names))
        object.__setattr__(self, "mean", tuple(self.mean) or (0.0,) * c)
        object.__setattr__(self, "std", tuple(self.std) or (1.0,) * c)
        for label, values in (("channel_names", self.channel_names), ("mean", self.mean), ("std", self.std)):
            if len(values) != c:
                raise ConvScopeError(f"input spec has {c} channels but {len(values)} {label}; give one per channel")
        if any(s == 0 for s in self.std):
            raise ConvScopeError("input spec std must not contain zero")
        if self.resize is not None and self.resize < max(self.height, self.width):
            raise ConvScopeError(
                f"input spec resize {self.resize} is smaller than the {self.height}x{self.width} crop; resize to at least the crop"
            )

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.channels, self.height, self.width)

    @property
    def mode(self) -> str:
        """The Pillow mode an image is converted to before scaling."""
        return "L" if self.channels == 1 else "RGB"

    def to_dict(self) -> dict[str, Any]:
        return {
            "channels": self.channels,
            "height": self.height,
            "width": self.width,
            "channel_names": list(self.channel_names),
            "mean": list(self.mean),
            "std": list(self.std),
            "resize": self.resize,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InputSpec:
        try:
            return cls(
                channels=int(data["channels"]),
                height=int(data["height"]),
                width=int(data["width"]),
                channel_names=tuple(data.get("channel_names", ())),
                mean=tuple(float(v) for v in data.get("mean", ())),
                std=tuple(float(v) for v in data.get("std", ())),
                resize=int(data["resize"]) if data.get("resize") is not None else None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConvScopeError(f"input spec is malformed ({exc}); it needs channels, height and width") from exc

    def fit_image(self, image: Image.Image) -> Image.Image:
        """Convert mode, resize the shorter side to fit and centre-crop to ``H x W``."""
        if self.channels not in (1, 3):
            raise ConvScopeError(
                f"the model takes {self.channels} input channels; images can feed only 1- or 3-channel models"
            )
        image = _to_mode(image, self.mode)
        if self.resize is not None:
            return _resize_then_crop(image, self.resize, self.width, self.height)
        w, h = image.size
        scale = max(self.width / w, self.height / h)
        new_w, new_h = max(self.width, round(w * scale)), max(self.height, round(h * scale))
        if (new_w, new_h) != (w, h):
            image = image.resize((new_w, new_h), Image.Resampling.BILINEAR)
        left, top = (new_w - self.width) // 2, (new_h - self.height) // 2
        return image.crop((left, top, left + self.width, top + self.height))

    def pixels_to_tensor(self, pixels: np.ndarray) -> torch.Tensor:
        """Scale a uint8 array ``(H, W)`` or ``(H, W, C)`` to a tensor ``(1, C, H, W)``."""
        array = np.asarray(pixels, dtype=np.float32) / 255.0
        if array.ndim == 2:
            array = array[:, :, None]
        x = torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))  # (C, H, W)
        mean = torch.tensor(self.mean, dtype=torch.float32)[:, None, None]
        std = torch.tensor(self.std, dtype=torch.float32)[:, None, None]
        return ((x - mean) / std).unsqueeze(0)  # (1, C, H, W)

    def preprocess(self, image: Image.Image) -> torch.Tensor:
        """An image of any size and mode → the tensor ``(1, C, H, W)`` the network sees."""
        return self.pixels_to_tensor(np.asarray(self.fit_image(image)))

    def tensor_to_pixels(self, x: torch.Tensor) -> np.ndarray:
        """Undo the scaling: ``(1, C, H, W)`` or ``(C, H, W)`` → uint8 ``(H, W, C)``."""
        x = x.detach().reshape(self.shape).float()
        mean = torch.tensor(self.mean)[:, None, None]
        std = torch.tensor(self.std)[:, None, None]
        pixels = ((x * std + mean) * 255.0).round().clamp(0, 255).to(torch.uint8)
        return pixels.permute(1, 2, 0).numpy()


def _resize_then_crop(image: Image.Image, short: int, width: int, height: int) -> Image.Image:
    """Shorter side to ``short`` (the longer one truncated), then the centre ``width x height``.

    The sizes and offsets are torchvision's ``Resize(short)`` + ``CenterCrop``
    rules, which the ImageNet checkpoints were evaluated with.
    """
    w, h = image.size
    new_w, new_h = (short, int(short * h / w)) if w <= h else (int(short * w / h), short)
    if (new_w, new_h) != (w, h):
        image = image.resize((new_w, new_h), Image.Resampling.BILINEAR)
    left, top = int(round((new_w - width) / 2.0)), int(round((new_h - height) / 2.0))
    return image.crop((left, top, left + width, top + height))


def _to_mode(image: Image.Image, mode: str) -> Image.Image:
    """Convert any Pillow mode to ``L`` or ``RGB``, compositing transparency on white."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        # 16-bit and float images: rescale their actual range to 0..255.
        array = np.asarray(image, dtype=np.float64)
        lo, hi = float(array.min()), float(array.max())
        array = np.zeros_like(array) if hi == lo else (array - lo) / (hi - lo) * 255.0
        image = Image.fromarray(array.round().astype(np.uint8), mode="L")
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA"):
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image.convert("RGBA"))
    return image.convert(mode)


def decode_image(data: bytes, *, max_bytes: int = MAX_IMAGE_BYTES, max_pixels: int = MAX_IMAGE_PIXELS) -> Image.Image:
    """Decode image bytes safely into a fully loaded Pillow image.

    Animated images keep their first frame; EXIF orientation is applied.

    Raises:
        InvalidImageError: empty, too large, truncated, not an image, or too many pixels.
    """
    if not data:
        raise InvalidImageError("the file is empty; choose a PNG, JPEG, GIF, BMP or WebP image")
    if len(data) > max_bytes:
        raise InvalidImageError(
            f"the file is {len(data) / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit; use a smaller image"
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
            if width * height > max_pixels:
                raise InvalidImageError(
                    f"the image is {width}x{height} pixels, over the limit of {max_pixels:,} pixels; use a smaller image"
                )
            probe.seek(0)
            image = probe.copy() if getattr(probe, "is_animated", False) else probe
            image.load()
            image = ImageOps.exif_transpose(image)
            return image.copy()
    except InvalidImageError:
        raise
    except UnidentifiedImageError as exc:
        # Pillow's message names an in-memory buffer object, which tells a user nothing.
        raise InvalidImageError(
            "the file is not an image ConvScope can read; choose a PNG, JPEG, GIF, BMP or WebP image"
        ) from exc
    except Image.DecompressionBombError as exc:
        raise InvalidImageError(f"the image has too many pixels ({exc}); use a smaller image") from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise InvalidImageError(f"the image is damaged or truncated ({exc}); try another file") from exc


def load_image(path: str) -> Image.Image:
    """Read and decode an image file from disk with the same checks as uploads."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_IMAGE_BYTES + 1)
    except OSError as exc:
        raise ConvScopeError(f"cannot read image {path}: {exc.strerror or exc}") from exc
    return decode_image(data)
