"""The IDX file format of (Fashion-)MNIST, read with numpy.

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number
of dimensions), one big-endian uint32 per dimension, then the values. Files may
be gzipped; the gzip magic bytes decide, not the file name.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import numpy as np

from convscope.errors import ConvScopeError

#: IDX type codes and the numpy dtypes they stand for (big-endian where it matters).
_DTYPES: dict[int, np.dtype[Any]] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (optionally gzipped) into a numpy array.

    Args:
        path: the file, e.g. ``t10k-labels-idx1-ubyte.gz``.

    Returns:
        An array of the file's shape and type, in native byte order.

    Example:
        >>> read_idx("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz").shape
        (10000,)
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
        if raw[:2] == _GZIP_MAGIC:
            raw = gzip.decompress(raw)
    except (OSError, EOFError) as exc:
        raise ConvScopeError(f"cannot read IDX file {path}: {exc}; re-install or re-download it") from exc
    return parse_idx(raw, name=str(path))


def parse_idx(raw: bytes, *, name: str = "IDX data") -> np.ndarray:
    """Decode the bytes of an uncompressed IDX file.

    Args:
        raw: the whole file.
        name: how error messages call the data.

    Example:
        >>> parse_idx(bytes([0, 0, 8, 1, 0, 0, 0, 2, 7, 9])).tolist()
        [7, 9]
    """
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _DTYPES:
        raise ConvScopeError(f"{name} is not an IDX file (bad magic number); use the original (Fashion-)MNIST files")
    dtype, ndim = _DTYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ConvScopeError(f"{name} is truncated inside its header; re-download it")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    count = int(np.prod(shape, dtype=np.int64))
    if len(raw) - header != count * dtype.itemsize:
        raise ConvScopeError(
            f"{name} holds {len(raw) - header} data bytes but its header promises {count * dtype.itemsize}; re-download it"
        )
    array = np.frombuffer(raw, dtype=dtype, count=count, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=True)
