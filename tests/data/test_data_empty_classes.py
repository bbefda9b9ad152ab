"""A class folder with no readable image is refused by name, never trained as an output with no examples."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from convscope.cli import main
from convscope.data import load_image_folder
from convscope.errors import ConvScopeError
from convscope.inputs import InputSpec
from tests.training.helpers import TINY_ARCH

UNREADABLE = [b"", b"not an image", b"\x89PNG\r\n\x1a\n" + b"\0" * 20, b"GIF89a" + b"\x01" * 10, b"\xff\xd8\xff"]


def _good(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("L", (10, 10), 77).save(path)


def _bad(path: Path, data: bytes = UNREADABLE[1]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_train_refuses_a_class_whose_five_files_are_all_unreadable_by_name(tmp_path, capsys):
    for i in range(4):
        _good(tmp_path / "data" / "boot" / f"{i}.png")
        _good(tmp_path / "data" / "shirt" / f"{i}.png")
    for i in range(5):
        _bad(tmp_path / "data" / "sandal" / f"{i}.png")
    options = [x for key, value in TINY_ARCH.items() for x in ("-o", f"{key}={value}")]
    code = main(["train", "--arch", "tinyvgg", *options, "--data", str(tmp_path / "data"), "--epochs", "1",
                 "--out", str(tmp_path / "run")])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err and "class folder sandal" in err and "5 unreadable" in err
    assert not (tmp_path / "run").exists()


def test_evaluate_refuses_an_empty_class_too(tmp_path, capsys):
    _good(tmp_path / "data" / "a" / "1.png")
    _good(tmp_path / "data" / "b" / "1.png")
    _bad(tmp_path / "data" / "c" / "1.png")
    assert (
        main(
            [
                "evaluate",
                "lenet5",
                "-o",
                "input_size=28",
                "--data",
                str(tmp_path / "data"),
                "--out",
                str(tmp_path / "e"),
            ]
        )
        == 2
    )
    assert "class folder c " in capsys.readouterr().err


def test_two_empty_classes_are_both_named(tmp_path):
    _good(tmp_path / "a" / "1.png")
    _good(tmp_path / "b" / "1.png")
    _bad(tmp_path / "c" / "1.png")
    _bad(tmp_path / "d" / "1.png")
    with pytest.raises(ConvScopeError, match="class folders c, d "):
        load_image_folder(tmp_path, InputSpec(1, 8, 8))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    classes=st.lists(
        st.lists(st.one_of(st.none(), st.sampled_from(UNREADABLE)), min_size=0, max_size=4), min_size=1, max_size=5
    )
)
def test_fuzz_folders_load_with_every_class_present_or_name_the_empty_ones(tmp_path, classes):
    """Each class folder holds good images (None) and unreadable files; every outcome is one of two."""
    root = Path(tempfile.mkdtemp(dir=tmp_path))
    for c, files in enumerate(classes):
        for i, data in enumerate(files):
            path = root / f"class{c}" / f"{i}.png"
            _good(path) if data is None else _bad(path, data)
    try:
        data = load_image_folder(root, InputSpec(1, 8, 8))
    except ConvScopeError as exc:
        message = str(exc)
        assert "\n" not in message
        empty = [f"class{c}" for c, files in enumerate(classes) if files and None not in files]
        if "no readable image" in message:
            assert empty and all(name in message for name in empty)
        return
    assert set(data.labels.tolist()) == set(range(len(data.classes)))  # no class without an image
