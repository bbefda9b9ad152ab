"""The binary layer message: layout, alignment and round trips."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from convscope.server.tensor_codec import ALIGN, decode_tensor, encode_tensor


@pytest.mark.parametrize("name_length", range(0, 12))
def test_header_is_length_prefixed_and_payload_is_aligned(name_length: int) -> None:
    values = np.arange(12, dtype=np.float32).reshape(3, 4)
    blob = encode_tensor(values, header={"layer": "x" * name_length})
    (length,) = struct.unpack("<I", blob[:4])
    assert (4 + length) % ALIGN == 0
    header = json.loads(blob[4 : 4 + length])
    assert header == {"layer": "x" * name_length, "dtype": "float32", "shape": [3, 4]}
    payload = blob[4 + length :]
    assert payload == values.astype("<f4").tobytes()
    assert struct.unpack("<f", payload[4:8])[0] == 1.0  # little-endian, C order


def test_float32_round_trip_is_exact() -> None:
    rng = np.random.default_rng(0)
    values = rng.standard_normal((5, 6, 7)).astype(np.float32)
    header, decoded = decode_tensor(encode_tensor(values, header={"channels": [0, 1, 2, 3, 4]}))
    assert header["channels"] == [0, 1, 2, 3, 4]
    np.testing.assert_array_equal(decoded, values)


def test_float16_halves_the_payload_and_rounds_like_numpy() -> None:
    rng = np.random.default_rng(1)
    values = (rng.standard_normal((10, 26, 26)) * 4).astype(np.float32)
    small = encode_tensor(values, dtype="float16")
    big = encode_tensor(values)
    assert len(big) - len(small) == values.size * 2 + (len(big) - values.size * 4) - (len(small) - values.size * 2)
    _, decoded = decode_tensor(small)
    np.testing.assert_array_equal(decoded, values.astype(np.float16))


def test_unknown_dtype_and_short_messages_are_refused() -> None:
    with pytest.raises(ValueError, match="dtype"):
        encode_tensor(np.zeros(3), dtype="int8")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="shorter"):
        decode_tensor(b"\x01")
    blob = encode_tensor(np.zeros(4, dtype=np.float32))
    with pytest.raises(ValueError, match="expected 16"):
        decode_tensor(blob[:-2])


def test_frames_keep_every_message_aligned_and_in_order() -> None:
    from convscope.server.tensor_codec import decode_frames, encode_frames

    arrays = [np.full((n, 3), n, dtype=np.float32) for n in (1, 2, 5)]
    blob = encode_frames([encode_tensor(a, header={"layer": "l" * n}) for n, a in zip((1, 3, 7), arrays, strict=True)])
    offset = 0
    for _ in arrays:  # walk the documented layout by hand
        (length, zero) = struct.unpack_from("<II", blob, offset)
        assert zero == 0 and (offset + 8) % ALIGN == 0
        offset += 8 + length + (-length % ALIGN)
    assert offset == len(blob)
    decoded = decode_frames(blob)
    assert [h["layer"] for h, _ in decoded] == ["l", "lll", "lllllll"]
    for (_, values), array in zip(decoded, arrays, strict=True):
        np.testing.assert_array_equal(values, array)
