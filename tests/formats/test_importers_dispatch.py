"""Format detection and the ``import_file`` dispatcher."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from convscope.errors import ModelError, NotFoundError
from convscope.formats.importers import detect_format, import_file


@pytest.mark.parametrize(
    ("name", "expected"),
    [("m.onnx", "onnx"), ("m.ONNX", "onnx"), ("m.h5", "keras-h5"), ("m.hdf5", "keras-h5"), ("m.keras", "keras"),
     ("notes.txt", None), ("model.bin", None)],
)  # fmt: skip
def test_suffix_decides_the_format(tmp_path: Path, name: str, expected: str | None) -> None:
    path = tmp_path / name
    path.write_bytes(b"\0" * 16)
    assert detect_format(path) == expected


def test_content_decides_when_the_suffix_is_unknown(tmp_path: Path) -> None:
    (tmp_path / "weights").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 16)
    assert detect_format(tmp_path / "weights") == "keras-h5"
    with zipfile.ZipFile(tmp_path / "bundle", "w") as archive:
        archive.writestr("config.json", "{}")
    assert detect_format(tmp_path / "bundle") == "keras"


def test_json_and_folders_are_tfjs_only_with_a_model_topology(tmp_path: Path) -> None:
    (tmp_path / "model.json").write_text('{"format": "convscope-model"}')
    assert detect_format(tmp_path / "model.json") is None
    assert detect_format(tmp_path) is None
    (tmp_path / "model.json").write_text('{"format": "layers-model", "modelTopology": {}}')
    assert detect_format(tmp_path) == "tfjs-layers"


def test_missing_path_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no such file"):
        import_file(tmp_path / "absent.onnx")


def test_unknown_format_lists_what_is_supported(tmp_path: Path) -> None:
    (tmp_path / "model.pt").write_bytes(b"\x80\x02pickle")
    with pytest.raises(ModelError) as info:
        import_file(tmp_path / "model.pt")
    assert "unknown model format" in str(info.value) and ".onnx" in str(info.value) and ".keras" in str(info.value)
