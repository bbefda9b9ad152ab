"""TF.js layers models, with CNN Explainer's TinyVGG as the reference.

``expected.json`` holds what CNN Explainer's own TF.js runtime computed in the
browser; the imported network must reproduce it image by image, layer by layer.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from convscope.errors import ModelError
from convscope.formats.importers import detect_format, import_file
from convscope.formats.importers.tfjs import import_tfjs
from convscope.network import Network
from convscope.types import LayerKind
from tests import requirements

FIXTURE = requirements.CNN_EXPLAINER
TINYVGG_NAMES = [
    "conv_1_1", "relu_1_1", "conv_1_2", "relu_1_2", "max_pool_1",
    "conv_2_1", "relu_2_1", "conv_2_2", "relu_2_2", "max_pool_2", "flatten", "output",
]  # fmt: skip

pytestmark = requirements.needs_cnn_explainer


@pytest.fixture(scope="module")
def network(expected: dict) -> Network:
    imported = import_file(FIXTURE / "model.json", classes=expected["classes"])
    return Network(imported.module, imported.input_spec, imported.classes)


def _pixels(name: str) -> torch.Tensor:
    """Decode as the browser did: RGB, no resize, p / 255, channels first."""
    with Image.open(FIXTURE / "images" / name) as image:
        array = np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0  # (H, W, C)
    return torch.from_numpy(array).permute(2, 0, 1).unsqueeze(0)  # (1, C, H, W)


def _nhwc(shape: tuple[int, ...]) -> list[int]:
    return [1, *shape[1:], shape[0]] if len(shape) == 3 else [1, *shape]


def test_tinyvgg_keeps_cnn_explainer_layer_names_and_adds_the_dense_softmax(network: Network) -> None:
    names = [layer.name for layer in network.layers]
    assert names == ["input", *TINYVGG_NAMES, "output_softmax"]
    assert network.layer("output").kind is LayerKind.LINEAR
    assert network.layer("output_softmax").kind is LayerKind.SOFTMAX
    assert network.total_params == 19_920


def test_tinyvgg_input_spec_is_64x64_rgb_scaled_by_255(network: Network) -> None:
    spec = network.input_spec
    assert spec.shape == (3, 64, 64)
    assert spec.channel_names == ("Red", "Green", "Blue")
    assert spec.mean == (0.0, 0.0, 0.0) and spec.std == (1.0, 1.0, 1.0)


def test_tinyvgg_reproduces_every_probability_of_cnn_explainer(network: Network, expected: dict) -> None:
    assert len(expected["images"]) == 21
    worst = 0.0
    for name, record in expected["images"].items():
        probabilities = network.run(_pixels(name)).probabilities[0].numpy()
        worst = max(worst, float(np.abs(probabilities - np.array(record["probabilities"])).max()))
    assert worst < 1e-5


def test_tinyvgg_reproduces_every_layer_shape_sum_and_max(network: Network, expected: dict) -> None:
    for name, record in expected["images"].items():
        trace = network.run(_pixels(name))
        for layer_name, stats in record["layers"].items():
            # CNN Explainer's "output" is the dense layer with its softmax applied.
            out = trace.output("output_softmax" if layer_name == "output" else layer_name)[0]
            assert _nhwc(tuple(out.shape)) == stats["shape"], (name, layer_name)
            # float32 sums over ~38k values: the summation order differs between runtimes.
            assert float(out.double().sum()) == pytest.approx(stats["sum"], rel=1e-4, abs=1e-4), (name, layer_name)
            assert float(out.max()) == pytest.approx(stats["max"], abs=1e-5), (name, layer_name)


def test_tinyvgg_predicts_the_same_class_as_cnn_explainer(network: Network, expected: dict) -> None:
    for name, record in expected["images"].items():
        top = network.run(_pixels(name)).top_classes(1)[0][0]
        assert top == expected["classes"][int(np.argmax(record["probabilities"]))]


def test_dense_rows_are_permuted_from_keras_flatten_order(network: Network) -> None:
    # Feeding Keras's (row, column, channel) flatten into the raw kernel must equal
    # feeding PyTorch's (channel, row, column) flatten into the imported weight.
    manifest = json.loads((FIXTURE / "model.json").read_text())["weightsManifest"][0]
    buffer = np.fromfile(FIXTURE / manifest["paths"][0], dtype="<f4")
    offset = sum(int(np.prod(w["shape"])) for w in manifest["weights"][:8])
    kernel = buffer[offset : offset + 1690 * 10].reshape(1690, 10)
    maps = torch.randn(1, 10, 13, 13, generator=torch.Generator().manual_seed(3))  # (N, C, H, W)
    keras_flat = maps.permute(0, 2, 3, 1).reshape(1, -1).numpy()  # (N, H*W*C)
    linear = network.layer("output").module
    torch_out = linear(maps.reshape(1, -1)) - linear.bias
    np.testing.assert_allclose(torch_out.detach().numpy(), keras_flat @ kernel, atol=1e-5)


def test_folder_and_model_json_are_detected_as_tfjs() -> None:
    assert detect_format(FIXTURE) == "tfjs-layers"
    assert detect_format(FIXTURE / "model.json") == "tfjs-layers"


def test_source_records_the_producing_tools() -> None:
    imported = import_tfjs(FIXTURE)
    assert imported.source["format"] == "tfjs-layers"
    assert imported.source["file"].endswith("model.json")
    assert "keras v2.2.4-tf" in imported.source["producer"]
    assert "TensorFlow.js Converter" in imported.source["producer"]
    assert imported.classes is None


# ----- bad input ---------------------------------------------------------------------


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A writable copy of the model (model.json + shard) to damage."""
    for name in ("model.json", "group1-shard1of1.bin"):
        shutil.copy(FIXTURE / name, tmp_path / name)
    return tmp_path


def _edit(folder: Path, change) -> Path:
    document = json.loads((folder / "model.json").read_text())
    change(document)
    (folder / "model.json").write_text(json.dumps(document))
    return folder / "model.json"


def _one_line_error(path: Path, *needles: str) -> str:
    with pytest.raises(ModelError) as info:
        import_file(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path.name) in message or str(path) in message
    for needle in needles:
        assert needle in message
    return message


def test_missing_shard_is_named(copy: Path) -> None:
    (copy / "group1-shard1of1.bin").unlink()
    _one_line_error(copy / "model.json", "group1-shard1of1.bin", "missing")


def test_truncated_shard_is_refused(copy: Path) -> None:
    data = (copy / "group1-shard1of1.bin").read_bytes()
    (copy / "group1-shard1of1.bin").write_bytes(data[: len(data) // 2])
    _one_line_error(copy / "model.json", "truncated")


def test_truncated_model_json_is_refused(copy: Path) -> None:
    text = (copy / "model.json").read_text()
    (copy / "model.json").write_text(text[: len(text) // 2])
    _one_line_error(copy / "model.json", "not valid JSON")


def test_unknown_layer_types_are_all_listed(copy: Path) -> None:
    def change(document: dict) -> None:
        layers = document["modelTopology"]["model_config"]["config"]["layers"]
        layers[1]["class_name"] = "PReLU"
        layers[4]["class_name"] = "UpSampling2D"

    message = _one_line_error(_edit(copy, change), "PReLU 'relu_1_1'", "UpSampling2D 'max_pool_1'")
    assert "Conv2D" in message  # says what is supported


def test_unsupported_activation_is_listed(copy: Path) -> None:
    def change(document: dict) -> None:
        document["modelTopology"]["model_config"]["config"]["layers"][1]["config"]["activation"] = "swish"

    _one_line_error(_edit(copy, change), "activation swish")


def test_kernel_shape_that_disagrees_with_topology_is_refused(copy: Path) -> None:
    def change(document: dict) -> None:
        document["modelTopology"]["model_config"]["config"]["layers"][0]["config"]["filters"] = 8

    _one_line_error(_edit(copy, change), "conv_1_1", "(3, 3, 3, 10)", "(3, 3, 3, 8)")


def test_manifest_that_disagrees_with_shard_size_is_refused(copy: Path) -> None:
    def change(document: dict) -> None:
        document["weightsManifest"][0]["weights"][0]["shape"] = [3, 3, 3, 9]

    _one_line_error(_edit(copy, change), "bytes")


def test_graph_model_is_refused_with_a_hint(copy: Path) -> None:
    def change(document: dict) -> None:
        document["format"] = "graph-model"

    _one_line_error(_edit(copy, change), "graph-model", "layers model")
