"""ONNX export, checked by running the written file with onnxruntime."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from convscope.errors import ConvScopeError, ModelError
from convscope.formats import zoo_network
from convscope.formats.importers import import_file
from convscope.formats.onnx_export import export_onnx
from convscope.inputs import InputSpec
from convscope.network import Network
from tests.models import InceptionNet, ResidualNet

ort = pytest.importorskip("onnxruntime")


def _runtime(path: Path, x: torch.Tensor) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["input"]
    return session.run(["output"], {"input": x.numpy()})[0]


def _torch(module: nn.Module, x: torch.Tensor) -> np.ndarray:
    with torch.no_grad():
        return module.eval()(x).numpy()


@pytest.mark.parametrize("name", ["tinyvgg", "lenet5"])
def test_zoo_model_runs_in_onnxruntime_like_in_pytorch(tmp_path: Path, name: str) -> None:
    network = zoo_network(name)
    path = export_onnx(network, None, tmp_path / f"{name}.onnx")
    x = torch.randn(3, *network.input_spec.shape)  # batch 3: the batch axis is free
    np.testing.assert_allclose(_runtime(path, x), _torch(network.module, x), atol=1e-5)


@pytest.mark.parametrize("build", [ResidualNet, InceptionNet])
def test_residual_and_inception_modules_export_with_their_merges(tmp_path: Path, build: type) -> None:
    torch.manual_seed(0)
    module = build()
    path = export_onnx(module, InputSpec(3, 16, 16), tmp_path / "m.onnx")
    x = torch.randn(2, 3, 16, 16)
    np.testing.assert_allclose(_runtime(path, x), _torch(module, x), atol=1e-5)


def test_export_then_import_gives_back_the_same_network(tmp_path: Path) -> None:
    torch.manual_seed(0)
    module = ResidualNet()
    path = export_onnx(Network(module, InputSpec(3, 16, 16)), None, tmp_path / "r.onnx")
    imported = import_file(path)
    x = torch.randn(2, 3, 16, 16)
    np.testing.assert_allclose(_torch(imported.module, x), _torch(module, x), atol=1e-5)


def test_export_restores_training_mode(tmp_path: Path) -> None:
    module = ResidualNet().train()
    export_onnx(module, InputSpec(3, 16, 16), tmp_path / "m.onnx")
    assert module.training


def test_plain_module_needs_an_input_spec(tmp_path: Path) -> None:
    with pytest.raises(ConvScopeError, match="needs an input spec"):
        export_onnx(ResidualNet(), None, tmp_path / "m.onnx")


class _Zeta(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.special.zeta(x + 2, x + 2).flatten(1)


def test_unexportable_operation_is_a_one_line_error_and_writes_nothing(tmp_path: Path, capfd) -> None:
    with pytest.raises(ModelError) as info:
        export_onnx(_Zeta(), InputSpec(1, 4, 4), tmp_path / "z.onnx")
    assert "special_zeta" in str(info.value) and "\n" not in str(info.value)
    assert list(tmp_path.iterdir()) == []
    assert capfd.readouterr().out == ""  # torch's IR dump goes to stderr, not stdout
