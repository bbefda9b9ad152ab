"""Keras ``.h5`` and ``.keras`` files built with the real ``keras`` package (torch backend).

Every imported network must compute what Keras itself computes for the same
input, after moving the input from NHWC to NCHW.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
import torch

from convscope.formats.importers import detect_format, import_file
from tests.formats.refusals import assert_import_refused

os.environ["KERAS_BACKEND"] = "torch"
keras = pytest.importorskip("keras")
layers = keras.layers

pytestmark = [
    # Keras's torch backend calls np.array() on tensors the numpy-2 way NumPy deprecates.
    pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"),
]


def _randomize_batchnorm(model: Any) -> None:
    rng = np.random.default_rng(5)
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            gamma, beta, mean, var = layer.get_weights()
            layer.set_weights([
                rng.uniform(0.5, 1.5, gamma.shape).astype("float32"),
                rng.uniform(-0.5, 0.5, beta.shape).astype("float32"),
                rng.uniform(-0.5, 0.5, mean.shape).astype("float32"),
                rng.uniform(0.5, 2.0, var.shape).astype("float32"),
            ])  # fmt: skip


def _sequential() -> Any:
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((16, 16, 3)),
        layers.Conv2D(6, 3, padding="valid", name="c_valid"),             # 14x14
        layers.Conv2D(8, 3, strides=2, padding="same", name="c_stride"),  # 7x7, pads (0, 1)
        layers.BatchNormalization(name="bn"),
        layers.Activation("relu", name="act"),
        layers.Conv2D(8, 3, padding="same", dilation_rate=2, groups=2, activation="relu", name="c_dil"),
        layers.MaxPooling2D(2, padding="same", name="pool_same"),        # 4x4
        layers.AveragePooling2D(2, name="pool_avg"),                       # 2x2
        layers.Dropout(0.25, name="drop"),
        layers.Flatten(name="flat"),
        layers.Dense(12, activation="tanh", name="hidden"),
        layers.Dense(5, name="logits"),
    ])  # fmt: skip
    _randomize_batchnorm(model)
    return model


def _functional() -> Any:
    keras.utils.set_random_seed(1)
    x = keras.Input((12, 10, 3), name="image")
    a = layers.Conv2D(4, 3, padding="same", name="branch_a")(x)
    b = layers.Conv2D(4, 1, activation="elu", name="branch_b")(x)
    s = layers.Add(name="plus")([a, b])
    s = layers.LeakyReLU(name="leaky")(s)
    c = layers.Concatenate(name="cat")([s, b])  # 8 channels
    z = layers.ZeroPadding2D(((1, 0), (2, 1)), name="pad")(c)  # 13x13
    d = layers.Conv2D(6, 3, strides=2, name="down")(z)  # 6x6
    d = layers.ReLU(name="relu")(d)
    g = layers.GlobalAveragePooling2D(name="gap")(d)  # (6,)
    f = layers.Flatten(name="flat")(layers.MaxPooling2D(2, name="pool")(d))  # (3*3*6,)
    h = layers.Concatenate(name="features")([f, g])
    out = layers.Dense(4, name="logits")(h)
    return keras.Model(x, out)


BUILDERS = {"sequential": _sequential, "functional": _functional}


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], tuple[Path, np.ndarray, np.ndarray]]:
    """(model, extension) → (file, NHWC input batch, Keras's own output)."""
    folder = tmp_path_factory.mktemp("keras")
    files = {}
    rng = np.random.default_rng(0)
    for name, build in BUILDERS.items():
        model = build()
        x = rng.random((3, *model.input_shape[1:]), dtype=np.float32)
        reference = keras.ops.convert_to_numpy(model(x, training=False))
        for ext in ("h5", "keras"):
            path = folder / f"{name}.{ext}"
            model.save(path)
            files[name, ext] = (path, x, reference)
    return files


def _run(imported: Any, x_nhwc: np.ndarray) -> np.ndarray:
    x = torch.from_numpy(x_nhwc).permute(0, 3, 1, 2)  # (N, C, H, W)
    with torch.no_grad():
        return imported.module(x).numpy()


@pytest.mark.parametrize("ext", ["h5", "keras"])
@pytest.mark.parametrize("name", list(BUILDERS))
def test_imported_model_computes_what_keras_computes(saved: dict, name: str, ext: str) -> None:
    path, x, reference = saved[name, ext]
    out = _run(import_file(path), x)
    assert out.shape == reference.shape
    np.testing.assert_allclose(out, reference, atol=1e-5)


@pytest.mark.parametrize("ext", ["h5", "keras"])
def test_sequential_layer_names_are_kept_and_activations_split_off(saved: dict, ext: str) -> None:
    imported = import_file(saved["sequential", ext][0])
    assert json.loads(json.dumps(imported.layers)) == imported.layers  # stored as model.json
    names = [layer["name"] for layer in imported.layers]
    assert names == [
        "c_valid", "c_stride_pad", "c_stride", "bn", "act", "c_dil", "c_dil_relu", "pool_same",
        "pool_avg", "drop", "flat", "hidden", "hidden_tanh", "logits",
    ]  # fmt: skip


def test_stride_two_same_padding_pads_one_more_at_bottom_right(saved: dict) -> None:
    spec = {layer["name"]: layer for layer in import_file(saved["sequential", "h5"][0]).layers}
    assert spec["c_stride_pad"]["type"] == "zeropad2d"
    assert spec["c_stride_pad"]["padding"] == [0, 1, 0, 1]  # top, bottom, left, right
    assert spec["c_stride"]["padding"] == [0, 0]
    assert spec["c_dil"]["padding"] == [2, 2]  # symmetric "same" stays inside the conv
    assert spec["pool_same"]["ceil_mode"] is True


def test_functional_graph_keeps_its_branches(saved: dict) -> None:
    spec = {layer["name"]: layer for layer in import_file(saved["functional", "keras"][0]).layers}
    assert spec["plus"]["type"] == "add" and spec["plus"]["inputs"] == ["branch_a", "branch_b_elu"]
    assert spec["cat"]["type"] == "concat" and spec["cat"]["dim"] == 1
    assert spec["pad"]["padding"] == [1, 0, 2, 1]
    assert spec["gap"]["type"] == "global_avgpool" and spec["gap_flatten"]["inputs"] == ["gap"]
    assert spec["features"]["inputs"] == ["flat", "gap_flatten"]


def test_input_spec_and_source_come_from_the_file(saved: dict) -> None:
    imported = import_file(saved["functional", "h5"][0], classes=["a", "b", "c", "d"])
    assert imported.input_spec.shape == (3, 12, 10)
    assert imported.input_spec.channel_names == ("Red", "Green", "Blue")
    assert imported.classes == ("a", "b", "c", "d")
    assert imported.source["format"] == "keras-h5"
    assert imported.source["producer"] == f"keras {keras.__version__}"
    assert detect_format(saved["functional", "keras"][0]) == "keras"


def test_rescaling_after_the_input_becomes_the_input_scaling(tmp_path: Path) -> None:
    keras.utils.set_random_seed(2)
    model = keras.Sequential([
        keras.Input((8, 8, 3)), layers.Rescaling(1 / 127.5, offset=-1.0), layers.Conv2D(2, 3),
        layers.Flatten(), layers.Dense(3),
    ])  # fmt: skip
    model.save(tmp_path / "r.keras")
    imported = import_file(tmp_path / "r.keras")
    assert imported.input_spec.mean == pytest.approx((0.5,) * 3)
    assert imported.input_spec.std == pytest.approx((0.5,) * 3)
    pixels = np.random.default_rng(1).integers(0, 256, (1, 8, 8, 3)).astype(np.uint8)
    reference = keras.ops.convert_to_numpy(model(pixels.astype(np.float32), training=False))
    x = imported.input_spec.pixels_to_tensor(pixels[0])  # (1, C, H, W)
    np.testing.assert_allclose(imported.module(x).detach().numpy(), reference, atol=1e-5)


# ----- bad input ---------------------------------------------------------------------


@pytest.mark.parametrize("ext", ["h5", "keras"])
def test_truncated_file_is_refused(saved: dict, tmp_path: Path, ext: str) -> None:
    data = saved["sequential", ext][0].read_bytes()
    path = tmp_path / f"cut.{ext}"
    path.write_bytes(data[: len(data) // 2])
    assert_import_refused(path, "truncated")


def test_random_bytes_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "noise.h5"
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    assert_import_refused(path, "not a Keras model")


def test_weights_only_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.weights.h5"
    _sequential().save_weights(path)
    assert_import_refused(path, "no model topology")


def test_keras_zip_without_weights_is_refused(saved: dict, tmp_path: Path) -> None:
    path = tmp_path / "noweights.keras"
    with zipfile.ZipFile(saved["sequential", "keras"][0]) as source, zipfile.ZipFile(path, "w") as target:
        for member in source.namelist():
            if member != "model.weights.h5":
                target.writestr(member, source.read(member))
    assert_import_refused(path, "model.weights.h5")


def test_unsupported_layers_are_all_listed(tmp_path: Path) -> None:
    model = keras.Sequential([
        keras.Input((8, 8, 3)), layers.Conv2DTranspose(2, 3, name="deconv"), layers.UpSampling2D(name="up"),
        layers.Conv2D(2, 3, activation="silu", name="c"), layers.Flatten(), layers.Dense(2),
    ])  # fmt: skip
    model.save(tmp_path / "odd.h5")
    assert_import_refused(
        tmp_path / "odd.h5", "Conv2DTranspose 'deconv'", "UpSampling2D 'up'", "Conv2D 'c' (activation silu)"
    )


def test_weight_shape_that_disagrees_with_topology_is_refused(saved: dict, tmp_path: Path) -> None:
    path = tmp_path / "bad.h5"
    path.write_bytes(saved["sequential", "h5"][0].read_bytes())
    with h5py.File(path, "r+") as handle:
        group = handle["model_weights/c_valid"]
        key = next(n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"] if "kernel" in str(n))
        del group[key]
        group.create_dataset(key, data=np.zeros((3, 3, 3, 5), np.float32))
    assert_import_refused(path, "c_valid", "(3, 3, 3, 5)", "(3, 3, 3, 6)")


def test_two_input_model_is_refused(tmp_path: Path) -> None:
    a, b = keras.Input((4, 4, 1)), keras.Input((4, 4, 1))
    out = layers.Dense(2)(layers.Flatten()(layers.Add()([layers.Conv2D(1, 1)(a), b])))
    keras.Model([a, b], out).save(tmp_path / "two.keras")
    assert_import_refused(tmp_path / "two.keras", "2 inputs")
