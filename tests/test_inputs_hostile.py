"""Hostile images: bounded work, one clear error for every decoder failure, a format allow-list.

Each defect class of issue 11 that lives in ``convscope.inputs`` has its regression
examples here and a bounded fuzz loop of its own (seeded, a few seconds each).
"""

from __future__ import annotations

import io
import random
import struct
import zlib

import numpy as np
import pytest
from PIL import EpsImagePlugin, Image

from convscope.errors import ConvScopeError, InvalidImageError
from convscope.inputs import ACCEPTED_FORMATS, InputSpec, centre_box, decode_image, megabytes


def encoded(image: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def noise(width: int, height: int, seed: int, mode: str = "RGB") -> Image.Image:
    rng = np.random.default_rng(seed)
    bands = len(Image.new(mode, (1, 1)).getbands())
    array = rng.integers(0, 256, size=(height, width, bands), dtype=np.uint8)
    return Image.fromarray(array[..., 0] if bands == 1 else array).convert(mode)


def five_frame_gif() -> bytes:
    frames = [noise(12, 10, seed).convert("P") for seed in range(5)]
    return encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=50)


def tiff_with_strip_offsets_as_rational() -> bytes:
    """An uncompressed TIFF whose StripOffsets tag (273) claims type RATIONAL (5): Pillow raises TypeError."""
    data = bytearray(encoded(Image.new("L", (16, 16), 7), "TIFF"))
    (ifd,) = struct.unpack_from("<I", data, 4)
    (count,) = struct.unpack_from("<H", data, ifd)
    for i in range(count):
        entry = ifd + 2 + 12 * i
        if struct.unpack_from("<H", data, entry)[0] == 273:
            struct.pack_into("<H", data, entry + 2, 5)
    return bytes(data)


def eps_file() -> bytes:
    """A small Encapsulated PostScript file (Pillow would hand it to Ghostscript to render)."""
    return (
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 8 8\n%%EndComments\n"
        b"0 0 moveto 8 8 lineto stroke\nshowpage\n%%EOF\n"
    )


def fits(spec: InputSpec, data: bytes) -> Image.Image:
    """The path every caller takes (server, ``predict``, ``train --data FOLDER``)."""
    return spec.fit_image(decode_image(data))


# --- 1. work bounded by the source and the target ---------------------------------------------


@pytest.mark.parametrize("size", [(1, 200_000), (1, 1_000_000), (200_000, 1), (3, 90_000)])
def test_extreme_strip_is_cropped_before_it_is_resized(size: tuple[int, int]) -> None:
    # The 469-byte 1x200000 PNG took the server from 514 MB to 4.2 GB: the short side
    # was upscaled to 64 first (a 64x12,800,000 intermediate). Cropping first samples one patch.
    data = encoded(Image.new("L", size, 90))
    out = fits(InputSpec(3, 64, 64), data)
    assert out.size == (64, 64) and out.mode == "RGB"
    assert np.asarray(out).min() == np.asarray(out).max() == 90


def test_centre_box_keeps_the_target_aspect_inside_the_source() -> None:
    assert centre_box((200, 100), (50, 50)) == (50.0, 0.0, 150.0, 100.0)
    assert centre_box((1, 200_000), (64, 64)) == (0.0, 99_999.5, 1.0, 100_000.5)
    assert centre_box((64, 64), (64, 64)) == (0.0, 0.0, 64.0, 64.0)


def test_fit_matches_resizing_the_whole_image_then_cropping() -> None:
    """The crop-first path draws what the old resize-then-crop path drew (within rounding)."""
    rng = random.Random(5)
    for _ in range(12):
        w, h = rng.randint(20, 400), rng.randint(20, 400)
        gradient = np.add.outer(np.linspace(0, 120, h), np.linspace(0, 120, w)).astype(np.uint8)
        image = Image.fromarray(gradient)
        out = np.asarray(InputSpec(1, 32, 32).fit_image(image), dtype=float)
        scale = max(32 / w, 32 / h)
        big = image.resize((max(32, round(w * scale)), max(32, round(h * scale))), Image.Resampling.BILINEAR)
        left, top = (big.size[0] - 32) // 2, (big.size[1] - 32) // 2
        reference = np.asarray(big.crop((left, top, left + 32, top + 32)), dtype=float)
        assert np.abs(out - reference).max() <= 6, (w, h)


def test_fuzz_any_size_and_aspect_gives_the_target_and_keeps_a_uniform_colour() -> None:
    rng = random.Random(11)
    for _ in range(150):
        w = rng.choice([1, 2, 3, rng.randint(1, 300), rng.randint(1, 30_000)])
        h = rng.choice([1, 2, 3, rng.randint(1, 300), rng.randint(1, 30_000)])
        if w * h > 2_000_000:
            continue
        mode = rng.choice(["L", "RGB", "RGBA", "P", "1", "I;16", "LA", "CMYK"])
        spec = InputSpec(rng.choice([1, 3]), rng.randint(1, 70), rng.randint(1, 70))
        out = spec.fit_image(Image.new(mode, (w, h)))
        assert out.size == (spec.width, spec.height) and out.mode == spec.mode
        assert np.ptp(np.asarray(out)) == 0, (w, h, mode)


# --- 2. every decoder failure is "not a readable image" ---------------------------------------


def test_lab_tiff_feeds_a_one_channel_model() -> None:
    # The mode conversion used to raise ValueError (LAB → L) outside the decoder's try.
    out = fits(InputSpec(1, 28, 28), encoded(Image.new("LAB", (20, 20), (50, 10, 10)), "TIFF"))
    assert out.mode == "L" and out.size == (28, 28)


def test_a_mode_pillow_cannot_convert_is_an_invalid_image(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self, mode=None, *args, **kwargs):
        raise ValueError(f"conversion from {self.mode} to {mode} not supported")

    monkeypatch.setattr(Image.Image, "convert", refuse)
    with pytest.raises(InvalidImageError, match="not a readable image"):
        InputSpec(1, 8, 8).fit_image(Image.new("RGB", (10, 10)))


def test_tiff_with_a_rational_strip_offset_is_refused_in_one_line() -> None:
    with pytest.raises(InvalidImageError, match="not a readable image.*TypeError") as caught:
        decode_image(tiff_with_strip_offsets_as_rational())
    assert "\n" not in str(caught.value)


def test_every_truncation_of_a_five_frame_gif_decodes_or_is_refused() -> None:
    data = five_frame_gif()
    for length in range(1, len(data)):
        try:
            fits(InputSpec(1, 8, 8), data[:length])
        except InvalidImageError:
            pass


def _seeds() -> list[bytes]:
    base = noise(9, 7, 3)
    return [
        encoded(base, "PNG"),
        encoded(base.convert("P"), "PNG", transparency=0),
        encoded(noise(6, 6, 4, "I;16"), "PNG"),
        encoded(base, "JPEG", quality=80),
        encoded(noise(8, 8, 5, "CMYK"), "JPEG"),
        five_frame_gif(),
        encoded(base, "BMP"),
        encoded(base, "WEBP"),
        encoded(base, "TIFF"),
        encoded(base, "TIFF", compression="tiff_lzw"),
        encoded(Image.new("LAB", (5, 5), (40, 3, 3)), "TIFF"),
        tiff_with_strip_offsets_as_rational(),
    ]


def _mutate(data: bytes, rng: random.Random) -> bytes:
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.random()
        if kind < 0.5 and buffer:
            buffer[rng.randrange(len(buffer))] = rng.randrange(256)
        elif kind < 0.7 and buffer:
            del buffer[rng.randrange(len(buffer)) :]
        elif kind < 0.85:
            at = rng.randrange(len(buffer) + 1)
            buffer[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif len(buffer) > 8:
            at = rng.randrange(len(buffer) - 4)
            buffer[at : at + 4] = rng.choice([b"\xff\xff\xff\xff", b"\x00\x00\x00\x00", b"\x7f\xff\xff\xff"])
    return bytes(buffer) or b"\0"


def test_fuzz_mutated_images_decode_or_raise_invalid_image_only() -> None:
    """~6,000 mutated PNG/JPEG/GIF/BMP/WebP/TIFF files: nothing but InvalidImageError escapes."""
    rng = random.Random(2024)
    seeds = _seeds()
    specs = (InputSpec(1, 8, 8), InputSpec(3, 12, 10))
    outcomes = {"ok": 0, "refused": 0}
    for _ in range(6000):
        data = _mutate(rng.choice(seeds), rng)
        try:
            out = fits(rng.choice(specs), data)
        except InvalidImageError as exc:
            assert "\n" not in str(exc)
            outcomes["refused"] += 1
        else:
            assert out.mode in ("L", "RGB")
            outcomes["ok"] += 1
    assert outcomes["ok"] > 100 and outcomes["refused"] > 100  # the loop reaches both sides


def test_decompression_bomb_header_is_refused_without_decoding() -> None:
    data = bytearray(encoded(Image.new("1", (8, 8))))
    struct.pack_into(">II", data, 16, 30_000, 30_000)  # IHDR claims 900 million pixels
    struct.pack_into(">I", data, 29, zlib.crc32(bytes(data[12:29])))  # with a valid checksum
    with pytest.raises(InvalidImageError, match="pixels"):
        decode_image(bytes(data))


# --- 3. a format allow-list decided from the bytes ---------------------------------------------


def test_eps_named_png_is_refused_without_running_ghostscript(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Image.open(io.BytesIO(eps_file())).format == "EPS"  # Pillow alone would take it as EPS
    calls: list[object] = []
    monkeypatch.setattr(EpsImagePlugin, "Ghostscript", lambda *a, **k: calls.append(a))
    monkeypatch.setattr(EpsImagePlugin, "has_ghostscript", lambda: True)
    with pytest.raises(InvalidImageError, match="PNG, JPEG, GIF, BMP, WebP or TIFF"):
        decode_image(eps_file())
    assert calls == []


def _writable_formats() -> list[str]:
    Image.init()
    skip = {"IM", "PDF", "PALM", "MPO", "APNG", "AVIF", "JPEG2000", "HDF5", "GRIB", "BUFR", "WMF", "FITS"}
    return sorted(set(Image.SAVE) - skip)


@pytest.mark.parametrize("fmt", _writable_formats())
def test_only_the_advertised_formats_decode(fmt: str) -> None:
    image = noise(16, 16, 1, "RGB")
    if fmt in ("XBM",):
        image = image.convert("1")
    elif fmt in ("MSP",):
        image = image.convert("1")
    elif fmt in ("BLP", "GIF", "PCX") and fmt != "PCX":
        image = image.convert("P")
    try:
        data = encoded(image, fmt)
    except (OSError, ValueError, KeyError):
        data = encoded(image.convert("L"), fmt)
    if fmt in ACCEPTED_FORMATS:
        assert decode_image(data).size == (16, 16)
    else:
        assert Image.open(io.BytesIO(data)).format is not None  # Pillow itself would read it
        with pytest.raises(InvalidImageError, match="accepts PNG, JPEG, GIF, BMP, WebP or TIFF"):
            decode_image(data)


def test_refusal_and_size_messages_are_exact() -> None:
    with pytest.raises(InvalidImageError, match="is 10,485,761 bytes, over the 10 MB limit"):
        decode_image(b"\x89PNG" + bytes(10 * 2**20 - 3))
    assert megabytes(314_572_800) == "300 MB" and megabytes(11_000_000) == "10.5 MB"


def test_channel_count_errors_stay_convscope_errors() -> None:
    with pytest.raises(ConvScopeError, match="1- or 3-channel"):
        InputSpec(2, 8, 8).fit_image(Image.new("RGB", (3, 3)))


# --- the same refusal on every path: predict and train --data FOLDER ----------------------------


HOSTILE_FILES = {
    "strip_offsets.tif": tiff_with_strip_offsets_as_rational,
    "truncated.gif": lambda: five_frame_gif()[:171],
    "postscript.png": eps_file,
    "empty.png": lambda: b"",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
def test_predict_refuses_a_hostile_file_in_one_line_with_exit_2(tmp_path, capsys, name: str) -> None:
    from convscope.cli import main

    path = tmp_path / name
    path.write_bytes(HOSTILE_FILES[name]())
    assert main(["predict", "tinyvgg", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("convscope: error:") and "\n" not in err and "Traceback" not in err


def test_an_image_folder_skips_every_hostile_file_and_keeps_the_rest(tmp_path) -> None:
    from convscope.data import load_image_folder

    for label in ("cats", "dogs"):
        (tmp_path / label).mkdir()
        for seed in range(2):
            (tmp_path / label / f"ok{seed}.png").write_bytes(encoded(noise(10, 10, seed)))
        for name, make in HOSTILE_FILES.items():
            (tmp_path / label / name).write_bytes(make())
    (tmp_path / "cats" / "lab.tif").write_bytes(encoded(Image.new("LAB", (9, 9), (60, 5, 5)), "TIFF"))
    data = load_image_folder(tmp_path, InputSpec(1, 8, 8))
    assert len(data.images) == 5 and len(data.skipped) == 2 * len(HOSTILE_FILES)
