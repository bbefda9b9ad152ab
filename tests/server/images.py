"""Image files for upload tests, built with Pillow from seeded noise (never downloaded)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def noise(width: int, height: int, seed: int = 0, mode: str = "RGB") -> Image.Image:
    """A seeded pattern with structure (a bright bar) so classes differ between images."""
    rng = np.random.default_rng(seed)
    channels = {"RGB": 3, "L": 1, "RGBA": 4, "CMYK": 4}[mode]
    array = rng.integers(0, 256, size=(height, width, channels), dtype=np.uint8)
    array[height // 4 : height // 2, width // 3 : width // 2] = 255
    if mode == "RGBA":
        array[..., 3] = rng.integers(0, 256, size=(height, width), dtype=np.uint8)
    return Image.fromarray(array[..., 0] if channels == 1 else array, mode)


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def png(width: int, height: int, seed: int = 0, mode: str = "RGB") -> bytes:
    return encoded(noise(width, height, seed, mode), "PNG")


def jpeg(width: int, height: int, seed: int = 0, mode: str = "RGB") -> bytes:
    return encoded(noise(width, height, seed, mode), "JPEG", quality=92)


def animated_gif(width: int = 30, height: int = 20) -> bytes:
    frames = [noise(width, height, seed).convert("P") for seed in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


def sixteen_bit_png(width: int = 40, height: int = 36) -> bytes:
    rng = np.random.default_rng(7)
    array = rng.integers(0, 65536, size=(height, width), dtype=np.uint16)
    return encoded(Image.fromarray(array), "PNG")


def palette_png(width: int = 33, height: int = 47) -> bytes:
    return encoded(noise(width, height, 5).convert("P", palette=Image.Palette.ADAPTIVE, colors=16), "PNG")


def pixel_bomb_png(width: int = 8000, height: int = 6000) -> bytes:
    """48 million pixels in a few kilobytes: over the decoder's pixel limit."""
    return encoded(Image.new("1", (width, height)), "PNG")


def write_samples(folder, labels: list[str], size: tuple[int, int] = (28, 28), mode: str = "L") -> None:
    """A samples.json listing plus one PNG per label, as the bundled samples are laid out."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    records = []
    for i, label in enumerate(labels):
        name = f"sample_{i}.png"
        noise(*size, seed=100 + i, mode=mode).save(folder / name)
        records.append({"file": name, "label": label, "class_index": i})
    (folder / "samples.json").write_text(json.dumps(records), encoding="utf-8")
