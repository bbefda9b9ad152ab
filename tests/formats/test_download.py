"""Downloadable models: registry pins, the cache, the mirror, and every way a download can fail.

Nothing here touches the internet: ``CONVSCOPE_MIRROR`` points every registry
URL at a local server on 127.0.0.1 that serves the shared CNN Explainer fixture
(byte-identical to the published files) and counts its requests.
"""

from __future__ import annotations

import errno
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from convscope.errors import ConvScopeError, NotFoundError
from convscope.formats import load_model, resolve_model
from convscope.formats.download import DownloadError, ensure_model, mirrored, model_dir, registry
from convscope.formats.download.fetch import fetch
from convscope.formats.download.registry import Downloadable
from convscope.inputs import load_image
from tests import requirements
from tests.conftest import CNN_EXPLAINER
from tests.download_mirror import Mirror, fixture_bytes_for, pinned, serving

pytestmark = requirements.needs_cnn_explainer


def tree(root: Path) -> list[str]:
    """Every path under ``root`` (empty when it does not exist), to compare a cache before and after."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


@pytest.fixture
def home(download_home: Path) -> Path:
    """The empty cache of ``tests.download_mirror`` (``CONVSCOPE_HOME``), under a short name."""
    return download_home


@pytest.fixture
def mirror(home: Path, cnn_mirror: Mirror) -> Mirror:
    """The CNN Explainer files served on 127.0.0.1, with ``CONVSCOPE_MIRROR`` pointing at them."""
    return cnn_mirror


def test_registry_pins_the_sha256_and_size_of_every_published_cnn_explainer_file() -> None:
    entry = registry.downloads()["cnn-explainer"]
    for file, data in zip(entry.all_files(), fixture_bytes_for(entry).values(), strict=True):
        assert file.sha256 == hashlib.sha256(data).hexdigest() and file.size == len(data), file.name
        assert file.verified_by == "sha256"
    assert {s.file.name for s in entry.samples} == {p.name for p in (CNN_EXPLAINER / "images").iterdir()}


def test_cnn_explainer_downloads_into_a_model_whose_probabilities_equal_expected_json(mirror: Mirror) -> None:
    expected = json.loads((CNN_EXPLAINER / "expected.json").read_text())
    network = resolve_model("cnn-explainer")
    assert list(network.class_names) == expected["classes"]
    for name, record in expected["images"].items():
        x = network.input_spec.preprocess(load_image(str(CNN_EXPLAINER / "images" / name)))
        got = network.predict(x)[0].numpy()
        np.testing.assert_allclose(got, record["probabilities"], atol=1e-5, err_msg=name)


def test_cnn_explainer_brings_its_licence_and_labelled_samples(mirror: Mirror) -> None:
    network = resolve_model("cnn-explainer")
    folder = model_dir("cnn-explainer")
    assert (folder / "LICENSE").read_bytes() == (CNN_EXPLAINER / "LICENSE").read_bytes()
    assert "MIT" in network.provenance["licence"]
    listing = json.loads((network.samples_dir / "samples.json").read_text())["samples"]
    by_file = {r["file"]: r for r in listing}
    assert by_file["espresso_1.jpeg"] == {"file": "espresso_1.jpeg", "label": "espresso", "class_index": 6}
    assert by_file["pepper_1.jpeg"]["label"] == "bell pepper" and by_file["panda_2.jpeg"]["class_index"] == 7
    assert (network.samples_dir / "koala_1.jpeg").read_bytes() == (
        CNN_EXPLAINER / "images" / "koala_1.jpeg"
    ).read_bytes()


def test_a_second_run_reads_the_cache_and_makes_no_request(mirror: Mirror) -> None:
    ensure_model("cnn-explainer", progress=False)
    first = mirror.total_requests
    assert first == len(registry.downloads()["cnn-explainer"].all_files())
    resolve_model("cnn-explainer")
    ensure_model("cnn-explainer", progress=False)
    assert mirror.total_requests == first


def test_the_fetched_files_are_dropped_once_the_model_folder_holds_everything(mirror: Mirror, home: Path) -> None:
    ensure_model("cnn-explainer", progress=False)
    assert tree(home / "downloads") == []
    assert {"model.json", "weights.safetensors", "LICENSE", "samples"} <= set(tree(model_dir("cnn-explainer")))


def test_a_changed_byte_is_refused_and_the_cache_stays_as_it_was(mirror: Mirror, home: Path) -> None:
    shard = next(f for f in registry.downloads()["cnn-explainer"].files if f.name.endswith(".bin"))
    data = bytearray(mirror.files[mirrored_path(shard.url)])
    data[100] ^= 1
    mirror.add(shard.url, bytes(data))
    with pytest.raises(DownloadError, match="sha256") as caught:
        ensure_model("cnn-explainer", progress=False)
    assert "\n" not in str(caught.value)
    assert tree(home) == []


def mirrored_path(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path


def test_a_404_is_a_one_line_error_naming_the_url_and_leaves_no_cache(mirror: Mirror, home: Path) -> None:
    del mirror.files[mirrored_path(registry.downloads()["cnn-explainer"].files[0].url)]
    with pytest.raises(DownloadError, match=r"HTTP 404 .*model\.json") as caught:
        ensure_model("cnn-explainer", progress=False)
    assert "\n" not in str(caught.value) and tree(home) == []


def test_a_truncated_download_is_refused_and_leaves_no_partial_file(mirror: Mirror, home: Path) -> None:
    mirror.truncate.add(mirrored_path(registry.downloads()["cnn-explainer"].files[1].url))
    with pytest.raises(DownloadError, match="run the command again"):
        ensure_model("cnn-explainer", progress=False)
    assert tree(home) == []


def test_an_interrupted_download_leaves_nothing_half_written(
    mirror: Mirror, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from convscope.formats.download import build

    class Interrupting:
        calls = 0

        def __enter__(self):
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def update(self, n: int) -> None:
            Interrupting.calls += 1
            if Interrupting.calls == 2:  # mid-way through the second file
                raise KeyboardInterrupt

    real = build._progress_bar
    monkeypatch.setattr(build, "_progress_bar", lambda entry, enabled: Interrupting())
    with pytest.raises(KeyboardInterrupt):
        ensure_model("cnn-explainer", progress=False)
    assert tree(home) == []
    # The next run starts over and succeeds.
    monkeypatch.setattr(build, "_progress_bar", real)
    assert ensure_model("cnn-explainer", progress=False) == model_dir("cnn-explainer")


def test_a_full_disk_is_a_one_line_error_and_leaves_the_cache_as_it_was(
    mirror: Mirror, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from convscope.formats.download import fetch as fetch_module

    ensure_model("cnn-explainer", progress=False)  # an existing, unrelated cache entry must survive
    (home / "models" / "cnn-explainer").rename(home / "models" / "kept")
    before = tree(home)

    class Full:
        def __init__(self, fd: int, mode: str) -> None:
            import os

            os.close(fd)

        def __enter__(self):
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fetch_module, "_open_part", Full)
    with pytest.raises(DownloadError, match="no space left") as caught:
        ensure_model("cnn-explainer", progress=False)
    assert "\n" not in str(caught.value) and tree(home) == before


def test_an_unwritable_cache_folder_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mirror: Mirror
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("CONVSCOPE_HOME", str(blocker / "cache"))
    with pytest.raises(DownloadError, match="cache folder .* CONVSCOPE_HOME"):
        ensure_model("cnn-explainer", progress=False)
    assert blocker.read_text() == "not a folder" and mirror.total_requests == 0


def test_offline_names_the_file_to_fetch_and_where_to_put_it_without_a_request(
    mirror: Mirror, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVSCOPE_OFFLINE", "1")
    first = registry.downloads()["cnn-explainer"].files[0]
    with pytest.raises(DownloadError) as caught:
        ensure_model("cnn-explainer", progress=False)
    message = str(caught.value)
    assert (
        message.startswith("offline")
        and first.url in message
        and str(home / "downloads" / "cnn-explainer" / "model.json") in message
    )
    assert mirror.total_requests == 0 and tree(home) == []


def test_files_put_by_hand_where_offline_says_are_used_without_a_request(
    mirror: Mirror, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVSCOPE_OFFLINE", "1")
    entry = registry.downloads()["cnn-explainer"]
    for file, data in zip(entry.all_files(), fixture_bytes_for(entry).values(), strict=True):
        (home / "downloads" / "cnn-explainer").mkdir(parents=True, exist_ok=True)
        (home / "downloads" / "cnn-explainer" / file.name).write_bytes(data)
    assert resolve_model("cnn-explainer").num_classes == 10 and mirror.total_requests == 0


def test_unknown_names_list_the_zoo_and_downloadable_names() -> None:
    with pytest.raises(NotFoundError) as caught:
        resolve_model("cnn-explainr")
    message = str(caught.value)
    assert all(name in message for name in registry.list_downloads()) and "tinyvgg" in message


def test_a_downloadable_name_takes_no_architecture_options(mirror: Mirror) -> None:
    with pytest.raises(ConvScopeError, match="no -o options"):
        resolve_model("cnn-explainer", filters=4)


def test_the_default_model_loads_without_network_or_cache(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVSCOPE_MIRROR", "http://127.0.0.1:9")  # nothing listens there
    assert resolve_model("default").num_classes == 10
    assert resolve_model("tinyvgg").num_classes == 10
    assert not home.exists()


def test_the_mirror_replaces_scheme_and_host_and_keeps_the_path() -> None:
    url = "https://raw.githubusercontent.com/poloclub/cnn-explainer/abc/public/assets/data/model.json"
    assert (
        mirrored(url, "http://10.0.0.5:8080")
        == "http://10.0.0.5:8080/poloclub/cnn-explainer/abc/public/assets/data/model.json"
    )
    assert (
        mirrored(url, "http://10.0.0.5/mirror/")
        == "http://10.0.0.5/mirror/poloclub/cnn-explainer/abc/public/assets/data/model.json"
    )
    assert mirrored(url, "") == url
    with pytest.raises(DownloadError, match="not a URL"):
        mirrored(url, "10.0.0.5")


def test_a_published_hash_prefix_is_enforced_when_only_the_prefix_is_known(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = b"a checkpoint whose name carries its hash prefix"
    url = "https://download.pytorch.org/models/thing-00000000.pth"
    file = pinned(url, data, prefix_only=True)
    assert file.verified_by == "sha256 prefix" and len(file.sha256) == 8
    with serving() as m:
        m.add(url, data)
        monkeypatch.setenv("CONVSCOPE_MIRROR", m.url)
        dest = home / "x" / file.name
        assert fetch(file, dest).read_bytes() == data
        m.add(url, data + b"!")
        dest.unlink()
        with pytest.raises(DownloadError, match="sha256"):
            fetch(file, dest)
        assert not dest.exists() and list(dest.parent.iterdir()) == []


def test_downloaded_files_respect_the_umask(mirror: Mirror, home: Path) -> None:
    import os

    mask = os.umask(0o022)
    try:
        entry = registry.downloads()["cnn-explainer"]
        dest = fetch(entry.files[0], home / "one" / "model.json")
    finally:
        os.umask(mask)
    assert dest.stat().st_mode & 0o777 == 0o644


def test_the_cached_model_folder_respects_the_umask_so_a_shared_cache_is_readable(mirror: Mirror, home: Path) -> None:
    import os

    mask = os.umask(0o022)
    try:
        folder = ensure_model("cnn-explainer", progress=False)
    finally:
        os.umask(mask)
    assert folder.stat().st_mode & 0o777 == 0o755
    assert (folder / "samples").stat().st_mode & 0o777 == 0o755
    assert (folder / "weights.safetensors").stat().st_mode & 0o777 == 0o644


def test_a_model_folder_without_samples_from_an_older_convscope_still_loads(tmp_path: Path) -> None:
    from convscope.formats import save_model, zoo_network

    network = zoo_network("tinyvgg")
    folder = save_model(
        tmp_path / "old", network.module, architecture=network.architecture, input_spec=network.input_spec, classes=None
    )
    assert sorted(p.name for p in folder.iterdir()) == ["model.json", "weights.safetensors"]
    loaded = load_model(folder)
    assert loaded.samples_dir is None and loaded.num_classes == 10


def test_every_registry_entry_lists_files_with_url_size_and_digest() -> None:
    for entry in registry.downloads().values():
        assert isinstance(entry, Downloadable) and entry.files
        for file in entry.all_files():
            info = file.to_dict()
            assert info["url"].startswith("https://") and info["name"] and len(info["sha256"]) in (8, 64)
            assert info["verified_by"] == ("sha256" if len(info["sha256"]) == 64 else "sha256 prefix")
