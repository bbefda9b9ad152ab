import gzip
import struct

import numpy as np
import pytest
import torch

from convscope.data import FASHION_MNIST_CLASSES, load_dataset, load_fashion_mnist
from convscope.errors import ConvScopeError
from convscope.inputs import InputSpec
from tests.requirements import needs_fashion_mnist


def write_idx(path, array: np.ndarray, *, packed: bool) -> None:
    data = bytes([0, 0, 8, array.ndim]) + b"".join(struct.pack(">I", d) for d in array.shape) + array.tobytes()
    path.write_bytes(gzip.compress(data) if packed else data)


@pytest.fixture
def tiny_idx_folder(tmp_path):
    rng = np.random.default_rng(1)
    for prefix, n in (("train", 12), ("t10k", 4)):
        write_idx(
            tmp_path / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), packed=False
        )
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", (np.arange(n) % 10).astype(np.uint8), packed=True)
    return tmp_path


def test_fashion_mnist_class_names_are_the_datasets_in_label_order():
    assert FASHION_MNIST_CLASSES[0] == "T-shirt/top" and FASHION_MNIST_CLASSES[9] == "Ankle boot"
    assert len(FASHION_MNIST_CLASSES) == 10


def test_a_folder_of_idx_files_loads_with_mixed_compression(tiny_idx_folder):
    data = load_fashion_mnist("train", root=tiny_idx_folder)
    assert data.images.shape == (12, 1, 28, 28) and data.images.dtype == torch.uint8
    assert data.labels.tolist() == [i % 10 for i in range(12)]
    assert len(load_dataset(str(tiny_idx_folder), split="test")) == 4


def test_missing_files_name_the_debian_package_and_the_folder(tmp_path):
    with pytest.raises(ConvScopeError, match="dataset-fashion-mnist") as info:
        load_fashion_mnist("train", root=tmp_path)
    assert str(tmp_path) in str(info.value) and "\n" not in str(info.value)


def test_an_unknown_dataset_name_is_a_user_error():
    with pytest.raises(ConvScopeError, match="not found"):
        load_dataset("no-such-dataset", split="train")


@needs_fashion_mnist
def test_debian_test_split_has_10000_images_of_28_by_28():
    data = load_fashion_mnist("test")
    assert data.images.shape == (10000, 1, 28, 28)
    assert data.classes == FASHION_MNIST_CLASSES


def test_images_are_fitted_to_a_larger_rgb_spec_through_the_input_spec(tiny_idx_folder):
    spec = InputSpec(3, 32, 32)
    data = load_dataset(str(tiny_idx_folder), split="test", spec=spec)
    native = load_fashion_mnist("test", root=tiny_idx_folder)
    from PIL import Image

    expected = np.asarray(spec.fit_image(Image.fromarray(native.images[2, 0].numpy())))  # (H, W, C)
    assert data.images.shape == (4, 3, 32, 32)
    np.testing.assert_array_equal(data.images[2].permute(1, 2, 0).numpy(), expected)
