"""What a network expects as input, and how image bytes become that input.

Decoding is defensive: a user may hand us any file. Pillow's own decompression
bomb guard is replaced by an explicit pixel-count limit checked *before* pixels
are decoded, so a huge image costs nothing but its header.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from convscope.errors import ConvScopeError, InvalidImageError

#: Uploads larger than this many bytes (10 MB) are refused before decoding.
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

    def __repr__(self) -> str:
        from convscope.display import spec_repr

        return spec_repr(self)

    def _repr_html_(self) -> str:
        from convscope.display import spec_html

        return spec_html(self)

    @property
    def mode(self) -> str:
        """The Pillow mode an image is converted to before scaling."""
        return "L" if self.channels == 1 else "RGB"

    @property
    def channel_tints(self) -> tuple[str, ...]:
        """The colour each input channel is drawn in: its place in the decoded image, not its name.

        :meth:`fit_image` converts every image to Pillow's ``RGB`` for a 3-channel spec,
        so channel 0 holds red, 1 green and 2 blue whatever the names say; any other
        channel count is not a colour image and is drawn gray.

        Example:
            >>> InputSpec(3, 64, 64).channel_tints, InputSpec(1, 28, 28).channel_tints
            (('red', 'green', 'blue'), ('gray',))
        """
        return ("red", "green", "blue") if self.channels == 3 else ("gray",) * self.channels

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
        """Centre-crop to the target aspect ratio, resize to ``W x H`` and convert the mode.

        The crop happens *before* the resize, in source coordinates, so the work
        is bounded by the source and the target, never by their product: a
        1x200000 strip fed to a 64x64 model resamples a 1x1 patch of it instead
        of building a 64x12800000 intermediate.

        Raises:
            InvalidImageError: Pillow cannot convert or resample this image.
        """
        if self.channels not in (1, 3):
            raise ConvScopeError(
                f"the model takes {self.channels} input channels; images can feed only 1- or 3-channel models"
            )
        try:
            if self.resize is not None:
                return _resize_then_crop(image, self.resize, (self.width, self.height), self.mode)
            return _fit(image, (self.width, self.height), self.mode)
        except ConvScopeError:
            raise
        except Exception as exc:  # Pillow raises many types (ValueError, OSError, …) for modes it cannot convert
            raise InvalidImageError(
                f"{NOT_READABLE} ({type(exc).__name__}: {str(exc)[:120]}); try another file"
            ) from exc

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


def _resize_then_crop(image: Image.Image, short: int, target: tuple[int, int], mode: str) -> Image.Image:
    """Shorter side to ``short`` (the longer one truncated), then the centre ``target`` (W, H).

    The sizes and offsets are torchvision's ``Resize(short)`` + ``CenterCrop``
    rules, which the ImageNet checkpoints were evaluated with. That order is kept
    exactly while the resized image stays within :data:`MAX_RESIZED_PIXELS`; a
    more extreme aspect ratio resamples only the centre box, in source pixels,
    so the work stays bounded (the same picture, within rounding).
    """
    (w, h), (tw, th) = image.size, target
    new_w, new_h = (short, max(1, int(short * h / w))) if w <= h else (max(1, int(short * w / h)), short)
    left, top = int(round((new_w - tw) / 2.0)), int(round((new_h - th) / 2.0))
    if new_w * new_h > MAX_RESIZED_PIXELS:
        sx, sy = new_w / w, new_h / h
        return _fit(image, target, mode, box=(left / sx, top / sy, (left + tw) / sx, (top + th) / sy))
    value_range = _value_range(image)
    region = _resamplable(image)
    if (new_w, new_h) != (w, h):
        region = region.resize((new_w, new_h), Image.Resampling.BILINEAR)
    return _to_mode(region.crop((left, top, left + tw, top + th)), mode, value_range)


#: The largest intermediate image the exact resize-then-crop order may build (16 M pixels).
MAX_RESIZED_PIXELS = 4096 * 4096


def centre_box(size: tuple[int, int], target: tuple[int, int]) -> tuple[float, float, float, float]:
    """The centred region of a ``size`` image with the aspect ratio of ``target``, in source pixels.

    Example:
        >>> centre_box((200, 100), (50, 50))
        (50.0, 0.0, 150.0, 100.0)
    """
    (w, h), (tw, th) = size, target
    scale = max(tw / w, th / h)  # the shorter side fills the target
    bw, bh = min(w, tw / scale), min(h, th / scale)
    left, top = (w - bw) / 2, (h - bh) / 2
    return (left, top, left + bw, top + bh)


def _fit(
    image: Image.Image, target: tuple[int, int], mode: str, box: tuple[float, float, float, float] | None = None
) -> Image.Image:
    """Crop (with a margin for the filter), convert what resampling needs, resize, then convert to ``mode``.

    ``box`` is the source region that becomes the target (the centred one of the
    target's aspect ratio when None).
    """
    if box is None and image.size == target:
        return _to_mode(image, mode, _value_range(image))
    box = box or centre_box(image.size, target)
    # A bilinear filter reads about one output pixel's width of source around each sample.
    mx, my = math.ceil((box[2] - box[0]) / target[0]) + 1, math.ceil((box[3] - box[1]) / target[1]) + 1
    left, top = max(0, math.floor(box[0]) - mx), max(0, math.floor(box[1]) - my)
    right, bottom = min(image.size[0], math.ceil(box[2]) + mx), min(image.size[1], math.ceil(box[3]) + my)
    region = image.crop((left, top, right, bottom))
    value_range = _value_range(region)
    region = _resamplable(region)
    inner = (box[0] - left, box[1] - top, box[2] - left, box[3] - top)
    return _to_mode(region.resize(target, Image.Resampling.BILINEAR, box=inner), mode, value_range)


def _resamplable(image: Image.Image) -> Image.Image:
    """A mode a bilinear resize averages correctly: palettes and 1-bit images are expanded first."""
    if image.mode == "P":
        return image.convert("RGBA")
    if image.mode == "PA":
        return image.convert("RGBA")
    if image.mode == "1":
        return image.convert("L")
    if image.mode == "LAB":  # Pillow converts LAB to RGB but to nothing else
        return image.convert("RGB")
    if image.mode in _NUMERIC_MODES:
        return image.convert("F")
    return image


#: Modes whose values are not 0..255 bytes: rescaled from their actual range.
_NUMERIC_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")


def _value_range(image: Image.Image) -> tuple[float, float] | None:
    """``(min, max)`` of a 16-bit, integer or float image (``None`` for byte modes)."""
    if image.mode not in _NUMERIC_MODES:
        return None
    lo, hi = cast("tuple[float, float]", image.getextrema())  # one band: (min, max)
    return float(lo), float(hi)


def _to_mode(image: Image.Image, mode: str, value_range: tuple[float, float] | None = None) -> Image.Image:
    """Convert any Pillow mode to ``L`` or ``RGB``, compositing transparency on white.

    ``value_range`` is the ``(min, max)`` of a numeric (16-bit, int or float) source,
    rescaled to 0..255; it is measured before resampling so the resize cannot change it.
    """
    if value_range is not None or image.mode in _NUMERIC_MODES:
        lo, hi = value_range or _value_range(image) or (0.0, 0.0)
        array = np.asarray(image.convert("F"), dtype=np.float32)
        array = np.zeros_like(array) if hi == lo else (array - lo) / (hi - lo) * 255.0
        image = Image.fromarray(array.clip(0, 255).round().astype(np.uint8), mode="L")
    if image.mode in ("P", "PA"):
        image = image.convert("RGBA")
    if image.mode == "LAB":
        image = image.convert("RGB")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        if image.mode in ("RGBa", "La"):  # premultiplied: undo it first
            image = image.convert("RGBA" if image.mode == "RGBa" else "LA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image.convert("RGBA"))
    return image.convert(mode)


#: The image formats ConvScope decodes, as Pillow names them, and in words for messages.
ACCEPTED_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF")
ACCEPTED_WORDS = "PNG, JPEG, GIF, BMP, WebP or TIFF"
NOT_READABLE = "the file is not a readable image"


def decode_image(data: bytes, *, max_bytes: int = MAX_IMAGE_BYTES, max_pixels: int = MAX_IMAGE_PIXELS) -> Image.Image:
    """Decode image bytes safely into a fully loaded Pillow image.

    Only the formats in :data:`ACCEPTED_FORMATS` are tried, decided from the bytes
    (never from a file name), so an EPS renamed ``.png`` never reaches Ghostscript.
    Animated images keep their first frame; EXIF orientation is applied. Whatever
    Pillow raises while reading (``IndexError``, ``TypeError``, ``struct.error``, …)
    becomes one :class:`InvalidImageError`.

    Raises:
        InvalidImageError: empty, too large, truncated, not an accepted format, or too many pixels.
    """
    if not data:
        raise InvalidImageError(f"the file is empty; choose a {ACCEPTED_WORDS} image")
    check_image_size(len(data), max_bytes)
    try:
        with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as probe:
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
            f"the file is not an image ConvScope can read; it accepts {ACCEPTED_WORDS} images"
        ) from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidImageError(f"the image has too many pixels ({exc}); use a smaller image") from exc
    except MemoryError as exc:
        raise InvalidImageError(
            "the image needs more memory to decode than this process has; use a smaller image"
        ) from exc
    except Exception as exc:
        raise InvalidImageError(
            f"{NOT_READABLE}: it is damaged or truncated ({type(exc).__name__}: {str(exc)[:120]}); try another file"
        ) from exc


def check_image_size(size: int, max_bytes: int = MAX_IMAGE_BYTES) -> None:
    """Refuse an image file of ``size`` bytes over ``max_bytes``, saying both sizes."""
    if size > max_bytes:
        raise InvalidImageError(
            f"the file is {megabytes(size)}, over the {megabytes(max_bytes)} limit; use a smaller image"
        )


def megabytes(size: int) -> str:
    """A byte count in MB (2**20 bytes), exact enough that a file just over a limit does not read as equal to it.

    Example:
        >>> megabytes(10 * 2**20), megabytes(314_572_800), megabytes(10 * 2**20 + 1)
        ('10 MB', '300 MB', '10,485,761 bytes')
    """
    whole, rest = divmod(size, 2**20)
    if rest == 0:
        return f"{whole} MB"
    shown = f"{size / 2**20:.1f}"
    return f"{size:,} bytes" if float(shown) * 2**20 in (whole * 2**20, (whole + 1) * 2**20) else f"{shown} MB"


def load_image(path: str) -> Image.Image:
    """Read and decode an image file from disk with the same checks as uploads."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_IMAGE_BYTES + 1)
    except OSError as exc:
        raise ConvScopeError(f"cannot read image {path}: {exc.strerror or exc}") from exc
    return decode_image(data)
