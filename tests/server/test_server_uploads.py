"""The upload store: content-addressed files every worker reads, bounded, atomic, umask-respecting."""

from __future__ import annotations

import os
import random
import stat
from pathlib import Path

import pytest

from convscope.errors import ConvScopeError
from convscope.server.uploads import UploadStore, image_id_of


def test_two_stores_on_one_folder_answer_each_others_ids(tmp_path: Path) -> None:
    first, second = UploadStore(tmp_path), UploadStore(tmp_path)  # as two workers would open it
    image_id = first.add(b"uploaded to the first worker")
    assert second.get(image_id) == b"uploaded to the first worker" and image_id in second


def test_files_follow_the_umask_and_no_temporary_file_is_left(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        store = UploadStore(tmp_path / "uploads")
        image_id = store.add(b"bytes")
    finally:
        os.umask(old)
    path = store.path_of(image_id)
    assert path is not None and stat.S_IMODE(path.stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "uploads").stat().st_mode) == 0o755
    assert [p.name for p in (tmp_path / "uploads").iterdir()] == [path.name]


@pytest.mark.parametrize("image_id", ["../../etc/passwd", "A" * 64, "0" * 63, "0" * 64 + "/x", "", "sample_1"])
def test_ids_that_are_not_sha256_hex_name_no_file(tmp_path: Path, image_id: str) -> None:
    store = UploadStore(tmp_path)
    assert store.path_of(image_id) is None and store.get(image_id) is None and image_id not in store


def test_an_unusable_folder_is_one_line_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    with pytest.raises(ConvScopeError, match="cannot use .* for uploads"):
        UploadStore(blocker / "uploads")


def test_a_private_folder_is_made_and_removed_with_the_store() -> None:
    store = UploadStore()
    folder = store.folder
    assert folder.is_dir()
    del store
    import gc

    gc.collect()
    assert not folder.exists()


def test_fuzz_the_folder_stays_within_its_bounds_and_keeps_the_newest(tmp_path: Path) -> None:
    rng = random.Random(3)
    store = UploadStore(tmp_path, max_bytes=2000, max_files=12)
    added: list[str] = []
    for step in range(300):
        if added and rng.random() < 0.3:
            store.get(rng.choice(added))
            continue
        data = f"{step}:".encode() + bytes(rng.randrange(256) for _ in range(rng.randint(1, 400)))
        added.append(store.add(data))
        files = list(tmp_path.glob("*.img"))
        assert store.total_bytes() <= 2000 + 400 and len(files) <= 12
        assert store.get(added[-1]) is not None  # the upload just made is always kept
        assert image_id_of(store.get(added[-1]) or b"") == added[-1]
