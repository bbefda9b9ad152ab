"""ONNX files written by ``torch.onnx`` and by hand, imported and checked against onnxruntime."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper
from torch import nn

from convscope.formats.importers import detect_format, import_file
from convscope.formats.modelfile import load_model, save_model
from convscope.network import Network
from tests.formats.refusals import assert_import_refused
from tests.models import InceptionNet, ResidualNet

ort = pytest.importorskip("onnxruntime")


def _export(module: nn.Module, shape: tuple[int, ...], path: Path, **kwargs) -> Path:
    module.eval()
    with warnings.catch_warnings():
        # torch's TorchScript exporter announces its own deprecation, and leaves
        # F.pad's index arithmetic unfolded (the importer folds it).
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", "Constant folding - Only steps=1", UserWarning)
        torch.onnx.export(module, (torch.zeros(1, *shape),), str(path), dynamo=False, input_names=["x"], **kwargs)
    return path


def _runtime(path: Path, x: torch.Tensor) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: x.numpy()})[0]


class _Mixed(nn.Module):
    """Padding, pooling with ceil mode, view-flatten and the common activations."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3, stride=2, dilation=1)
        self.conv2 = nn.Conv2d(6, 6, 3, padding=1, groups=3)
        self.pool = nn.MaxPool2d(3, 2, padding=1, ceil_mode=True)
        self.avg = nn.AvgPool2d(2, count_include_pad=False)
        self.fc1 = nn.Linear(6 * 2 * 2, 10)
        self.fc2 = nn.Linear(10, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.leaky_relu(self.conv(F.pad(x, (1, 0, 0, 1))), 0.1)  # asymmetric zero padding
        x = torch.sigmoid(self.conv2(x))
        x = self.avg(self.pool(x))
        x = x.view(x.size(0), -1)  # (N, C*H*W): Shape/Gather/Concat/Reshape in ONNX
        return torch.softmax(self.fc2(F.elu(torch.tanh(self.fc1(x)))), dim=1)


MODELS = {
    "residual": (ResidualNet, (3, 16, 16)),
    "inception": (InceptionNet, (3, 16, 16)),
    "mixed": (_Mixed, (3, 15, 15)),
}


@pytest.mark.parametrize("dynamic", [False, True], ids=["static", "dynamic-batch"])
@pytest.mark.parametrize("name", list(MODELS))
def test_torch_exported_model_matches_torch_and_onnxruntime(tmp_path: Path, name: str, dynamic: bool) -> None:
    torch.manual_seed(0)
    build, shape = MODELS[name]
    module = build().eval()
    kwargs = {"dynamic_axes": {"x": {0: "N"}}} if dynamic else {}
    path = _export(module, shape, tmp_path / "m.onnx", **kwargs)
    x = torch.randn(1, *shape)
    imported = import_file(path)
    with torch.no_grad():
        out = imported.module(x)
        np.testing.assert_allclose(out.numpy(), module(x).numpy(), atol=1e-5)
    np.testing.assert_allclose(out.numpy(), _runtime(path, x), atol=1e-5)


def test_residual_add_and_concat_become_graph_layers(tmp_path: Path) -> None:
    path = _export(InceptionNet(), (3, 16, 16), tmp_path / "inception.onnx")
    imported = import_file(path)
    network = Network(imported.module, imported.input_spec)
    concat = [layer for layer in imported.layers if layer["type"] == "concat"]
    assert len(concat) == 1 and len(concat[0]["inputs"]) == 4 and concat[0]["dim"] == 1
    residual = import_file(_export(ResidualNet(), (3, 16, 16), tmp_path / "residual.onnx"))
    adds = [layer for layer in residual.layers if layer["type"] == "add"]
    assert len(adds) == 1 and len(adds[0]["inputs"]) == 2
    modules = [layer.name for layer in network.layers if layer.module is not None]
    assert modules == [layer["name"] for layer in imported.layers if layer["type"] != "concat"]


def test_layer_names_come_from_onnx_node_names(tmp_path: Path) -> None:
    imported = import_file(_export(_Mixed(), (3, 15, 15), tmp_path / "m.onnx"))
    names = [layer["name"] for layer in imported.layers]
    assert names[:3] == ["Pad", "conv_Conv", "LeakyRelu"]  # from "/Pad", "/conv/Conv", "/LeakyRelu"
    assert imported.source["format"] == "onnx" and imported.source["producer"].startswith("pytorch")
    assert imported.input_spec.shape == (3, 15, 15)
    assert detect_format(tmp_path / "m.onnx") == "onnx"


def test_imported_layer_list_is_json_and_rebuilds_through_a_model_file(tmp_path: Path) -> None:
    torch.manual_seed(0)
    imported = import_file(_export(_Mixed(), (3, 15, 15), tmp_path / "m.onnx"))
    layers = json.loads(json.dumps(imported.layers))
    assert layers == imported.layers
    save_model(tmp_path / "saved", imported.module, architecture={"layers": layers},
               input_spec=imported.input_spec, classes=None)  # fmt: skip
    network = load_model(tmp_path / "saved")
    x = torch.randn(2, 3, 15, 15)
    with torch.no_grad():
        torch.testing.assert_close(network.module(x), imported.module(x))


# ----- hand-written graphs: operators torch's exporter does not emit ---------------------


def _model(nodes: list, initializers: dict[str, np.ndarray], shape: tuple[int, ...], out_shape, opset: int = 13):
    graph = helper.make_graph(
        nodes,
        "hand",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, *shape])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)],
        [numpy_helper.from_array(v.astype(np.float32), k) for k, v in initializers.items()],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def test_hand_written_graph_with_matmul_batchnorm_dropout_and_squeeze(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    weights = {
        "w": rng.normal(size=(4, 2, 3, 3)), "b": rng.normal(size=4),
        "scale": rng.uniform(0.5, 1.5, 4), "shift": rng.normal(size=4),
        "mean": rng.normal(size=4), "var": rng.uniform(0.5, 2, 4),
        "pads": np.array([0, 0, 1, 0, 0, 0, 0, 2]), "axes": np.array([2, 3]),
        "m": rng.normal(size=(4, 3)), "bias": rng.normal(size=3), "ratio": np.array(0.3),
    }  # fmt: skip
    nodes = [
        helper.make_node("Pad", ["x", "pads"], ["p"], name="pad"),
        helper.make_node("Conv", ["p", "w", "b"], ["c"], name="conv", auto_pad="SAME_UPPER", strides=[2, 2]),
        helper.make_node("BatchNormalization", ["c", "scale", "shift", "mean", "var"], ["n"], name="bn", epsilon=1e-3),
        helper.make_node("Relu", ["n"], ["r"], name="relu"),
        helper.make_node("Dropout", ["r", "ratio"], ["d"], name="drop"),
        helper.make_node("GlobalMaxPool", ["d"], ["g"], name="gmp"),
        helper.make_node("Squeeze", ["g", "axes"], ["s"], name="squeeze"),
        helper.make_node("MatMul", ["s", "m"], ["mm"], name="dense"),
        helper.make_node("Add", ["mm", "bias"], ["y"], name="dense_bias"),
    ]
    weights = {k: v for k, v in weights.items()}
    model = _model(nodes, weights, (2, 9, 8), [1, 3])
    model.graph.initializer[6].CopyFrom(numpy_helper.from_array(weights["pads"].astype(np.int64), "pads"))
    model.graph.initializer[7].CopyFrom(numpy_helper.from_array(weights["axes"].astype(np.int64), "axes"))
    path = tmp_path / "hand.onnx"
    onnx.save(model, path)
    imported = import_file(path)
    assert [(layer["name"], layer["type"]) for layer in imported.layers] == [
        ("pad", "zeropad2d"), ("conv_pad", "zeropad2d"), ("conv", "conv2d"), ("bn", "batchnorm2d"), ("relu", "relu"),
        ("drop", "dropout"), ("gmp", "global_maxpool"), ("squeeze", "flatten"), ("dense", "linear"),
    ]  # fmt: skip
    assert imported.layers[-1]["bias"] is True  # MatMul + Add is one linear layer
    x = torch.randn(1, 2, 9, 8)
    with torch.no_grad():
        np.testing.assert_allclose(imported.module(x).numpy(), _runtime(path, x), atol=1e-5)


def test_opset_11_softmax_over_the_last_axis_is_read(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
        helper.make_node("Flatten", ["c"], ["f"], name="flat"),
        helper.make_node("Gemm", ["f", "k", "bias"], ["g"], name="fc", transB=1, alpha=0.5, beta=2.0),
        helper.make_node("Softmax", ["g"], ["y"], name="prob", axis=1),
    ]
    weights = {"w": rng.normal(size=(3, 1, 2, 2)), "k": rng.normal(size=(4, 27)), "bias": rng.normal(size=4)}
    path = tmp_path / "s.onnx"
    onnx.save(_model(nodes, weights, (1, 4, 4), [1, 4], opset=11), path)
    imported = import_file(path)
    assert imported.layers[-1]["type"] == "softmax" and imported.layers[0]["bias"] is False
    x = torch.randn(1, 1, 4, 4)
    with torch.no_grad():
        np.testing.assert_allclose(imported.module(x).numpy(), _runtime(path, x), atol=1e-6)


# ----- bad input ---------------------------------------------------------------------


def test_truncated_onnx_is_refused(tmp_path: Path) -> None:
    data = _export(_Mixed(), (3, 15, 15), tmp_path / "m.onnx").read_bytes()
    (tmp_path / "cut.onnx").write_bytes(data[: len(data) // 2])
    assert_import_refused(tmp_path / "cut.onnx", "not a valid ONNX model")


def test_random_bytes_are_refused(tmp_path: Path) -> None:
    (tmp_path / "noise.onnx").write_bytes(np.random.default_rng(0).bytes(3000))
    assert_import_refused(tmp_path / "noise.onnx", "not a valid ONNX model")


def test_missing_external_weights_are_named(tmp_path: Path) -> None:
    model = onnx.load(_export(_Mixed(), (3, 15, 15), tmp_path / "m.onnx"))
    onnx.save_model(model, tmp_path / "ext.onnx", save_as_external_data=True, location="ext.bin", size_threshold=0)
    (tmp_path / "ext.bin").unlink()
    assert_import_refused(tmp_path / "ext.onnx", "ext.bin")


class _Unsupported(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(self.conv(x) * 2.0, scale_factor=2.0)
        return torch.flatten(x, 1)


def test_unsupported_operations_are_all_listed(tmp_path: Path) -> None:
    assert_import_refused(
        _export(_Unsupported(), (1, 8, 8), tmp_path / "u.onnx"), "unsupported operations", "Mul", "Resize"
    )


def test_variable_image_size_is_refused(tmp_path: Path) -> None:
    path = _export(ResidualNet(), (3, 16, 16), tmp_path / "v.onnx", dynamic_axes={"x": {0: "N", 2: "H", 3: "W"}})
    assert_import_refused(path, "fixed image size", "'H'")


def test_two_outputs_are_refused(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    nodes = [helper.make_node("Conv", ["x", "w"], ["y"], name="conv"), helper.make_node("Relu", ["y"], ["z"])]
    model = _model(nodes, {"w": rng.normal(size=(1, 1, 1, 1))}, (1, 2, 2), [1, 1, 2, 2])
    model.graph.output.append(helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 1, 2, 2]))
    onnx.save(model, tmp_path / "two.onnx")
    assert_import_refused(tmp_path / "two.onnx", "2 outputs")
