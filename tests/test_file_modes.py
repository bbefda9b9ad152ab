"""Files ConvScope writes respect the umask, like any other program's (0644 / 0755 under umask 022).

Temporary files made with ``mkstemp`` are 0600 and survived the atomic rename,
so models, reports and checkpoints were unreadable to everyone but their owner.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convscope.atomic import write_by_name, write_bytes, write_folder, write_json
from convscope.cli import main
from tests.training.helpers import needs_fashion_mnist, tiny_cli_args

UMASKS = [0o022, 0o077, 0o002]


@contextmanager
def umask(value: int) -> Iterator[None]:
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


def modes_under(root: Path) -> dict[str, int]:
    """``relative path → permission bits`` of root and everything in it."""
    found = {".": stat.S_IMODE(root.stat().st_mode)}
    for path in root.rglob("*"):
        found[str(path.relative_to(root))] = stat.S_IMODE(path.stat().st_mode)
    return found


def assert_modes(root: Path, mask: int) -> None:
    for name, mode in modes_under(root).items():
        wanted = (0o777 if (root / name).is_dir() else 0o666) & ~mask
        assert mode == wanted, f"{name}: {oct(mode)} under umask {oct(mask)}, expected {oct(wanted)}"


@pytest.mark.parametrize("mask", UMASKS)
def test_atomic_files_and_folders_follow_the_umask(tmp_path, mask):
    with umask(mask):
        write_json(tmp_path / "out" / "report.json", {"a": 1})
        write_bytes(tmp_path / "out" / "nested" / "x.bin", b"x")
        write_folder(tmp_path / "out" / "folder", {"a.txt": b"a", "b.txt": b"b"})
        write_by_name(tmp_path / "out" / "named.bin", lambda tmp: tmp.write_bytes(b"n"))
    assert_modes(tmp_path / "out", mask)


@pytest.mark.parametrize("mask", UMASKS)
def test_replacing_a_folder_gives_the_new_one_the_umask_modes(tmp_path, mask):
    write_folder(tmp_path / "f", {"a.txt": b"old"})
    with umask(mask):
        write_folder(tmp_path / "f", {"a.txt": b"new"})
    assert (tmp_path / "f" / "a.txt").read_bytes() == b"new" and sorted(p.name for p in tmp_path.iterdir()) == ["f"]
    assert_modes(tmp_path / "f", mask)


@pytest.mark.parametrize("mask", [0o022, 0o077])
def test_import_and_export_write_files_others_can_read_as_the_umask_allows(tmp_path, mask, capsys):
    out = tmp_path / "out"
    out.mkdir()
    with umask(mask):
        assert main(["export", "lenet5", "--onnx", str(out / "lenet.onnx")]) == 0
        assert main(["import", str(out / "lenet.onnx"), "--out", str(out / "imported")]) == 0
        assert main(["import", str(out / "lenet.onnx"), "--out", str(out / "imported.zip")]) == 0
    capsys.readouterr()
    out.chmod(0o777 & ~mask)  # made by the test itself
    assert_modes(out, mask)


@needs_fashion_mnist
@pytest.mark.parametrize("mask", [0o022, 0o077])
def test_everything_train_and_evaluate_write_follows_the_umask(tmp_path, mask, capsys):
    run = tmp_path / "run"
    with umask(mask):
        assert main(tiny_cli_args(str(run), "--epochs", "1")) == 0
        assert main(["evaluate", str(run / "model"), "--limit", "50", "--out", str(run / "evaluation")]) == 0
        assert main(["augment-preview", "--count", "2", "--out", str(run / "preview.png")]) == 0
    capsys.readouterr()
    names = set(modes_under(run))
    assert {"model/model.json", "checkpoint.pt", "metrics.csv", "evaluation/confusion.json", "preview.png"} <= names
    assert_modes(run, mask)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mask=st.integers(0, 0o777))
def test_fuzz_any_umask_gives_exactly_the_modes_it_allows(tmp_path, mask):
    target = tmp_path / f"m{mask:o}"
    with umask(mask & 0o077):  # keep the owner's own rights, so the test can clean up
        write_folder(target, {"x": b"1"})
        write_json(target / "deeper" / "y.json", [1])
    assert_modes(target, mask & 0o077)
