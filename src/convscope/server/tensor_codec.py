"""Binary encoding of one layer's activations for the browser.

Layout (all little-endian)::

    offset 0      uint32  L, the length in bytes of the JSON header
    offset 4      L bytes UTF-8 JSON header, padded with spaces so that the
                          payload starts at a multiple of 8
    offset 4 + L  payload prod(shape) values of ``dtype``, C order

Several messages travel in one response as frames: uint32 ``N`` (the
message length), uint32 0, the message, then zero bytes up to a multiple of 8,
so every message (and so every payload) starts 8-byte aligned.

The header holds at least ``{"dtype": "float32" | "float16", "shape": [...]}``
plus whatever the caller adds (layer name, channel indices). Aligning the
payload lets the browser view it as a ``Float32Array`` without copying;
float16 halves the bytes for large layers (about 3 significant digits).

Example:
    >>> import numpy as np
    >>> blob = encode_tensor(np.arange(6, dtype=np.float32).reshape(2, 3), dtype="float16")
    >>> header, values = decode_tensor(blob)
    >>> header["shape"], values.tolist()
    ([2, 3], [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]])
"""

from __future__ import annotations

import json
import struct
from typing import Any, Literal

import numpy as np

Dtype = Literal["float32", "float16"]
DTYPES: dict[str, np.dtype] = {"float32": np.dtype("<f4"), "float16": np.dtype("<f2")}
#: The payload starts at a multiple of this many bytes.
ALIGN = 8


def encode_tensor(values: np.ndarray, *, dtype: Dtype = "float32", header: dict[str, Any] | None = None) -> bytes:
    """Pack an array and a JSON header into one binary message.

    Args:
        values: any real array; it is converted to ``dtype``.
        dtype: ``float32`` or ``float16``.
        header: extra JSON-able fields for the header (``dtype`` and ``shape`` are set here).
    """
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {sorted(DTYPES)}, not {dtype!r}")
    array = np.ascontiguousarray(values, dtype=DTYPES[dtype])
    meta = {**(header or {}), "dtype": dtype, "shape": list(array.shape)}
    text = json.dumps(meta, separators=(",", ":")).encode("utf-8")
    padded = len(text) + (-(4 + len(text)) % ALIGN)
    return struct.pack("<I", padded) + text.ljust(padded, b" ") + array.tobytes()


def decode_tensor(blob: bytes) -> tuple[dict[str, Any], np.ndarray]:
    """Inverse of :func:`encode_tensor`: ``(header, array)`` (float32 or float16 array)."""
    if len(blob) < 4:
        raise ValueError("tensor message is shorter than its 4-byte header length")
    (length,) = struct.unpack_from("<I", blob, 0)
    header = json.loads(blob[4 : 4 + length].decode("utf-8"))
    dtype = DTYPES[header["dtype"]]
    shape = tuple(header["shape"])
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    payload = blob[4 + length :]
    if len(payload) != count * dtype.itemsize:
        raise ValueError(
            f"tensor payload has {len(payload)} bytes, expected {count * dtype.itemsize} for shape {list(shape)}"
        )
    return header, np.frombuffer(payload, dtype=dtype).reshape(shape)


def encode_frames(messages: list[bytes]) -> bytes:
    """Concatenate messages from :func:`encode_tensor` as aligned frames (see the module docstring)."""
    parts = []
    for message in messages:
        parts.append(struct.pack("<II", len(message), 0))
        parts.append(message)
        parts.append(b"\0" * (-len(message) % ALIGN))
    return b"".join(parts)


def decode_frames(blob: bytes) -> list[tuple[dict[str, Any], np.ndarray]]:
    """Inverse of :func:`encode_frames`: every ``(header, array)`` in order."""
    out, offset = [], 0
    while offset < len(blob):
        (length,) = struct.unpack_from("<I", blob, offset)
        out.append(decode_tensor(blob[offset + 8 : offset + 8 + length]))
        offset += 8 + length + (-length % ALIGN)
    return out
