"""``convscope import`` and ``convscope export`` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from convscope.cli import main
from convscope.formats import resolve_model
from tests import requirements

FIXTURE = requirements.CNN_EXPLAINER
needs_fixture = requirements.needs_cnn_explainer


@pytest.fixture
def classes_file(tmp_path: Path) -> Path:
    names = json.loads((FIXTURE / "expected.json").read_text())["classes"]
    path = tmp_path / "classes.txt"
    path.write_text("\n".join(names) + "\n")
    return path


@needs_fixture
def test_import_writes_a_model_folder_that_serves_with_its_classes(tmp_path: Path, classes_file: Path, capsys) -> None:
    out = tmp_path / "tinyvgg"
    assert main(["import", str(FIXTURE), "--out", str(out), "--classes", str(classes_file), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["params"] == 19_920 and report["layers"] == 13
    assert report["source"]["format"] == "tfjs-layers"
    network = resolve_model(str(out))
    assert network.class_names[:2] == ("lifeboat", "ladybug")
    assert network.input_spec.channel_names == ("Red", "Green", "Blue")
    assert network.provenance["imported_from"]["format"] == "tfjs-layers"
    direct = resolve_model(str(FIXTURE / "model.json"))
    x = torch.rand(1, 3, 64, 64)
    torch.testing.assert_close(network.predict(x), direct.predict(x))


@needs_fixture
def test_import_prints_a_one_line_summary(tmp_path: Path, capsys) -> None:
    assert main(["import", str(FIXTURE / "model.json"), "--out", str(tmp_path / "m.zip")]) == 0
    line = capsys.readouterr().out.strip()
    assert "19,920 parameters" in line and "input 3x64x64" in line and "\n" not in line
    assert (tmp_path / "m.zip").is_file()


@needs_fixture
def test_import_refuses_to_overwrite_without_force(tmp_path: Path, capsys) -> None:
    out = tmp_path / "m"
    out.mkdir()
    assert main(["import", str(FIXTURE), "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["import", str(FIXTURE), "--out", str(out), "--force"]) == 0
    assert (out / "weights.safetensors").is_file()


@needs_fixture
def test_wrong_number_of_classes_fails_and_writes_nothing(tmp_path: Path, capsys) -> None:
    (tmp_path / "classes.txt").write_text("cat\ndog\n")
    out = tmp_path / "m"
    assert main(["import", str(FIXTURE), "--out", str(out), "--classes", str(tmp_path / "classes.txt")]) == 2
    err = capsys.readouterr().err.strip()
    assert "2 class names" in err and err.count("\n") == 0
    assert list(tmp_path.iterdir()) == [tmp_path / "classes.txt"]


def test_damaged_file_fails_with_one_line_and_writes_nothing(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(np.random.default_rng(0).bytes(2000))
    assert main(["import", str(bad), "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("convscope: error:") and "bad.onnx" in err and "\n" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.onnx"]


def test_export_writes_onnx_that_onnxruntime_runs(tmp_path: Path, capsys) -> None:
    ort = pytest.importorskip("onnxruntime")
    path = tmp_path / "tinyvgg.onnx"
    assert main(["export", "tinyvgg", "--onnx", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["onnx"] == str(path) and report["input"]["shape"] == ["N", 3, 64, 64]
    network = resolve_model("tinyvgg")
    x = torch.rand(2, 3, 64, 64)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    with torch.no_grad():
        expected = network.module.eval()(x).numpy()
    np.testing.assert_allclose(session.run(None, {"input": x.numpy()})[0], expected, atol=1e-5)


def test_export_of_unknown_model_exits_2(tmp_path: Path, capsys) -> None:
    assert main(["export", "no-such-model", "--onnx", str(tmp_path / "x.onnx")]) == 2
    assert "unknown model" in capsys.readouterr().err
    assert not (tmp_path / "x.onnx").exists()
