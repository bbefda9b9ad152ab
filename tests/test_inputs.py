"""Decoding and preprocessing images: any size and mode in, the model's tensor out."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image

from convscope.errors import ConvScopeError, InvalidImageError
from convscope.inputs import InputSpec, decode_image


def _png(image: Image.Image, fmt: str = "PNG", **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def test_preprocess_scales_pixels_and_orders_channels_first():
    pixels = np.random.default_rng(0).integers(0, 256, size=(4, 4, 3), dtype=np.uint8)
    spec = InputSpec(3, 4, 4, mean=(0.5, 0.5, 0.5), std=(0.25, 0.5, 1.0))
    x = spec.preprocess(Image.fromarray(pixels))
    expected = (torch.from_numpy(pixels).permute(2, 0, 1).float() / 255 - 0.5) / torch.tensor([0.25, 0.5, 1.0])[
        :, None, None
    ]
    torch.testing.assert_close(x[0], expected)
    assert np.array_equal(spec.tensor_to_pixels(x), pixels)


def test_wide_image_is_resized_on_its_shorter_side_then_centre_cropped():
    image = Image.new("RGB", (200, 100), (0, 0, 0))
    image.paste((255, 0, 0), (0, 0, 50, 100))  # a red band on the far left is cropped away
    out = InputSpec(3, 50, 50).fit_image(image)
    assert out.size == (50, 50)
    assert np.asarray(out)[:, :, 0].max() < 40


def test_rgba_and_palette_images_composite_on_white_and_gray_models_get_one_channel():
    rgba = Image.new("RGBA", (8, 8), (0, 0, 0, 0))  # fully transparent → white
    assert np.asarray(InputSpec(3, 8, 8).fit_image(rgba)).min() == 255
    palette = Image.new("P", (8, 8))
    assert InputSpec(1, 8, 8).preprocess(palette).shape == (1, 1, 8, 8)


def test_sixteen_bit_image_is_rescaled_to_its_range():
    array = np.linspace(1000, 3000, 64, dtype=np.uint16).reshape(8, 8)
    image = decode_image(_png(Image.fromarray(array)))
    x = InputSpec(1, 8, 8).preprocess(image)
    assert float(x.min()) == 0.0 and float(x.max()) == 1.0


def test_cmyk_jpeg_decodes_to_rgb():
    image = decode_image(_png(Image.new("CMYK", (10, 10), (0, 255, 255, 0)), "JPEG"))
    rgb = np.asarray(InputSpec(3, 10, 10).fit_image(image))
    assert rgb[..., 0].mean() > 200 and rgb[..., 1].mean() < 60


def test_animated_gif_keeps_its_first_frame():
    frames = [Image.new("L", (6, 6), 0), Image.new("L", (6, 6), 255)]
    data = io.BytesIO()
    frames[0].save(data, format="GIF", save_all=True, append_images=frames[1:])
    image = decode_image(data.getvalue())
    assert np.asarray(image.convert("L")).max() == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"this is not an image", "not an image ConvScope can read"),
        (_png(Image.new("RGB", (64, 64)))[:60], "damaged or truncated"),
    ],
)
def test_bad_bytes_are_refused_with_a_reason(data, message):
    with pytest.raises(InvalidImageError, match=message):
        decode_image(data)


def test_oversized_file_and_decompression_bomb_are_refused_before_decoding():
    with pytest.raises(InvalidImageError, match="over the 1 MB limit"):
        decode_image(b"x" * (2**20 + 1), max_bytes=2**20)
    bomb = _png(Image.new("L", (4000, 4000)))
    with pytest.raises(InvalidImageError, match="over the limit of 1,000,000 pixels"):
        decode_image(bomb, max_pixels=1_000_000)


def test_input_spec_validation():
    with pytest.raises(ConvScopeError, match="2 mean"):
        InputSpec(3, 8, 8, mean=(0.1, 0.2))
    with pytest.raises(ConvScopeError, match="must be positive"):
        InputSpec(0, 8, 8)
    with pytest.raises(ConvScopeError, match="1- or 3-channel"):
        InputSpec(4, 8, 8).preprocess(Image.new("RGB", (8, 8)))
    assert InputSpec(3, 8, 8).channel_names == ("Red", "Green", "Blue")
    assert InputSpec.from_dict(InputSpec(1, 28, 28).to_dict()) == InputSpec(1, 28, 28)
