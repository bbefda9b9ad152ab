"""A downloadable name → a ConvScope model folder in the cache, built once.

:func:`ensure_model` returns the cached folder when it is there (no request);
otherwise it fetches every file, turns them into a model folder (TF.js
importer, or a ``.pth`` read with ``torch.load(weights_only=True)`` and
converted to safetensors) with its class names, licence and sample images,
writes it atomically and drops the fetched files. A failure leaves the cache
as it was: files and folders this run created are removed.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from torch import nn

from convscope.errors import ModelError, NotFoundError
from convscope.formats.download import registry
from convscope.formats.download.cache import cache_root, download_dir, model_dir, offline
from convscope.formats.download.fetch import DownloadError, fetch
from convscope.formats.download.registry import Downloadable
from convscope.formats.modelfile import is_model_path, save_model
from convscope.formats.samples import SampleImage, class_index_of, sample_members


def get_downloadable(name: str) -> Downloadable:
    """The registry entry for ``name``; unknown names list the valid ones."""
    entries = registry.downloads()
    if name not in entries:
        raise NotFoundError(f"unknown downloadable model '{name}'; choose one of: {', '.join(entries)}")
    return entries[name]


def is_cached(name: str) -> bool:
    """True when ``name``'s model folder is in the cache (loading it needs no network)."""
    return is_model_path(model_dir(name))


def _progress_bar(entry: Downloadable, enabled: bool) -> Any:
    """One bar for a whole model's files (stderr), sized by the registry."""
    from tqdm import tqdm

    return tqdm(
        total=entry.size or None, unit="B", unit_scale=True, desc=f"downloading {entry.name}", disable=not enabled
    )


def ensure_model(name: str, *, progress: bool = True) -> Path:
    """The cached model folder of ``name``, downloading and building it first when missing.

    Raises:
        NotFoundError: not a downloadable name.
        DownloadError: offline, network, checksum, disk or cache-folder failures (cache unchanged).
    """
    entry = get_downloadable(name)
    target = model_dir(name)
    if is_model_path(target):
        return target
    if offline():
        _refuse_offline(entry)
    with _undo_on_failure(cache_root()) as created, _progress_bar(entry, progress) as bar:
        files = download_dir(name)
        fetched = {}
        for file in entry.all_files():
            dest = files / file.name
            existed = dest.is_file()
            fetched[file.url] = fetch(file, dest, bar=bar)
            if not existed:
                created.append(dest)
        try:
            _build(entry, fetched, target)
        except OSError as exc:
            raise DownloadError(
                f"cannot write the model folder {target} ({exc.strerror or exc}); free space or set CONVSCOPE_HOME"
            ) from exc
    shutil.rmtree(files, ignore_errors=True)  # the model folder holds everything now
    _remove_empty(files.parent)
    return target


def _refuse_offline(entry: Downloadable) -> None:
    """Offline with files missing: say what to fetch and where it goes, in one line."""
    folder = download_dir(entry.name)
    missing = [f for f in entry.all_files() if not (folder / f.name).is_file()]
    if not missing:
        return  # every file was put there by hand: build from them
    first = missing[0]
    more = (
        f" and {len(missing) - 1} more files into the same folder (convscope models --json lists their URLs)"
        if len(missing) > 1
        else ""
    )
    raise DownloadError(
        f"offline: {entry.name} is not in the cache; fetch {first.url} and put it at {folder / first.name}{more}, "
        "or run without --offline"
    )


def _build(entry: Downloadable, fetched: dict[str, Path], target: Path) -> None:
    provenance: dict[str, Any] = {
        "downloaded": entry.name,
        "description": entry.description,
        "homepage": entry.homepage,
        "licence": entry.licence,
        "files": [{"url": f.url, "sha256": f.sha256, "verified_by": f.verified_by} for f in entry.files],
    }
    samples = [
        SampleImage(s.file.name, fetched[s.file.url], s.label, class_index_of(s.label, entry.classes))
        for s in entry.samples
    ]
    members = sample_members(samples, {"source": entry.homepage, "licence": entry.licence}) if samples else {}
    if entry.licence_file is not None:
        members["LICENSE"] = fetched[entry.licence_file.url].read_bytes()
    if entry.kind == "tfjs":
        module, architecture = _from_tfjs(entry, fetched, provenance)
    elif entry.kind == "torch-state-dict":
        module, architecture = _from_state_dict(entry, fetched[entry.files[0].url])
    else:  # pragma: no cover - the registry is ours
        raise ModelError(f"downloadable '{entry.name}' has unknown kind '{entry.kind}'")
    save_model(
        target, module, architecture=architecture, input_spec=entry.input_spec, classes=entry.classes,
        provenance=provenance, name=entry.name, extra_members=members,
    )  # fmt: skip


def _from_tfjs(
    entry: Downloadable, fetched: dict[str, Path], provenance: dict[str, Any]
) -> tuple[nn.Module, dict[str, Any]]:
    from convscope.formats.importers import import_file

    model_json = next(p for p in fetched.values() if p.name == "model.json")
    imported = import_file(model_json, classes=list(entry.classes))
    if imported.input_spec.shape != entry.input_spec.shape:
        raise ModelError(
            f"{entry.name}: the downloaded model takes {imported.input_spec.shape}, not the registered {entry.input_spec.shape}"
        )
    provenance["imported_from"] = imported.source
    return imported.module, {"layers": imported.layers}


def _from_state_dict(entry: Downloadable, path: Path) -> tuple[nn.Module, dict[str, Any]]:
    import torch

    from convscope.formats.download.torchvision_keys import load_into, to_zoo_keys
    from convscope.zoo import get_entry

    try:
        # weights_only: the unpickler accepts tensors and plain containers only, never code.
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ModelError(
            f"{path.name} is not a PyTorch state dict ConvScope can read safely ({type(exc).__name__})"
        ) from exc
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ModelError(f"{path.name} does not hold a state dict of tensors")
    assert entry.zoo is not None
    module = get_entry(entry.zoo).build(**entry.zoo_options)
    load_into(module, to_zoo_keys(entry.zoo, state), path.name)
    return module, {"zoo": entry.zoo, "options": dict(entry.zoo_options)}


@contextmanager
def _undo_on_failure(root: Path) -> Iterator[list[Path]]:
    """Yield a list to record created files in; on any failure remove them and the folders this run made."""
    created: list[Path] = []
    folders = [root, root / "downloads", root / "models"]
    existed = {f: f.exists() for f in folders}
    try:
        yield created
    except BaseException:
        for path in created:
            path.unlink(missing_ok=True)
        for folder in reversed(folders):
            if not existed[folder]:
                _remove_empty_tree(folder)
        for sub in (root / "downloads").glob("*") if (root / "downloads").is_dir() else ():
            _remove_empty(sub)
        raise


def _remove_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass  # not empty, or gone


def _remove_empty_tree(folder: Path) -> None:
    if not folder.is_dir():
        return
    for sub in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if sub.is_dir():
            _remove_empty(sub)
    _remove_empty(folder)


__all__ = ["ensure_model", "get_downloadable", "is_cached"]
