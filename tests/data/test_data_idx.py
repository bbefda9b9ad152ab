import gzip
import struct

import numpy as np
import pytest

from convscope.data.idx import parse_idx, read_idx
from convscope.errors import ConvScopeError


def idx_bytes(array: np.ndarray, code: int) -> bytes:
    """An IDX file written independently with struct, big-endian as the format says."""
    header = bytes([0, 0, code, array.ndim]) + b"".join(struct.pack(">I", d) for d in array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def test_parse_idx_reads_uint8_images_with_their_shape():
    images = np.random.default_rng(0).integers(0, 256, size=(3, 4, 5), dtype=np.uint8)
    np.testing.assert_array_equal(parse_idx(idx_bytes(images, 0x08)), images)


def test_parse_idx_reads_big_endian_int32_and_float32():
    ints = np.array([[1, -2], [70000, 3]], dtype=np.int32)
    floats = np.array([0.5, -1.25, 3.0], dtype=np.float32)
    np.testing.assert_array_equal(parse_idx(idx_bytes(ints, 0x0C)), ints)
    np.testing.assert_array_equal(parse_idx(idx_bytes(floats, 0x0D)), floats)


def test_read_idx_opens_gzipped_and_plain_files_alike(tmp_path):
    labels = np.arange(10, dtype=np.uint8)
    (tmp_path / "plain").write_bytes(idx_bytes(labels, 0x08))
    (tmp_path / "packed.gz").write_bytes(gzip.compress(idx_bytes(labels, 0x08)))
    np.testing.assert_array_equal(read_idx(tmp_path / "plain"), labels)
    np.testing.assert_array_equal(read_idx(tmp_path / "packed.gz"), labels)


@pytest.mark.parametrize(
    "raw",
    [b"", b"\x01\x00\x08\x01", b"\x00\x00\x08\x02\x00\x00", bytes([0, 0, 8, 1, 0, 0, 0, 5, 1, 2])],
    ids=["empty", "bad-magic", "truncated-header", "short-data"],
)
def test_parse_idx_rejects_damaged_files_with_one_line(raw):
    with pytest.raises(ConvScopeError) as info:
        parse_idx(raw)
    assert "\n" not in str(info.value)


def test_fashion_mnist_test_labels_hold_1000_of_each_class(fashion_mnist):
    labels = read_idx(fashion_mnist / "t10k-labels-idx1-ubyte.gz")
    assert labels.shape == (10000,)
    assert np.bincount(labels).tolist() == [1000] * 10
