"""The ConvScope model file: a folder (or the same as a zip) with two members.

- ``model.json``: format tag and version, architecture (a zoo name with its
  options, or a layer list from an importer), input spec, class names and
  provenance (dataset, command, seed, epochs, accuracy, source file…);
- ``weights.safetensors``: the state dict. Never pickle: loading a model file
  must not be able to run code;
- optionally ``samples/`` (images + ``samples.json``, see :mod:`convscope.formats.samples`)
  and a ``LICENSE``. Folders without them (older ConvScope) load the same.

Example:
    >>> save_model("runs/tiny/model", module, architecture={"zoo": "tinyvgg", "options": {}},
    ...            input_spec=InputSpec(3, 64, 64), classes=None)   # doctest: +SKIP
    >>> load_model("runs/tiny/model").name                           # doctest: +SKIP
    'model'
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors_bytes
from safetensors.torch import save as save_safetensors_bytes
from torch import nn

from convscope.errors import ConvScopeError, ModelError
from convscope.inputs import InputSpec
from convscope.network import Network

FORMAT = "convscope-model"
VERSION = 1
MODEL_JSON = "model.json"
WEIGHTS = "weights.safetensors"


def is_model_path(path: Path) -> bool:
    """True for a ConvScope model folder or zip (checks the format tag)."""
    try:
        meta = _read_members(path, weights=False)[0]
    except ConvScopeError:
        return False
    return meta.get("format") == FORMAT


def save_model(
    path: str | os.PathLike[str],
    module: nn.Module,
    *,
    architecture: dict[str, Any],
    input_spec: InputSpec,
    classes: tuple[str, ...] | list[str] | None,
    provenance: dict[str, Any] | None = None,
    name: str | None = None,
    zip: bool = False,
    extra_members: dict[str, bytes] | None = None,
) -> Path:
    """Write a model folder (or zip) atomically: nothing half-written on failure.

    Args:
        path: target folder, or zip file when ``zip`` is true.
        module: the network; its ``state_dict`` becomes ``weights.safetensors``.
        architecture: ``{"zoo": name, "options": {...}}`` or ``{"layers": [...]}``.
        input_spec: what the model takes.
        classes: one name per output, or ``None``.
        provenance: where the weights came from (dataset, command, seed, accuracy…).
        name: a display name; defaults to the folder name.
        extra_members: more files by relative path, written in the same atomic step
            (``samples/…`` from :func:`convscope.formats.samples.sample_members`, ``LICENSE``).
    """
    target = Path(path)
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "name": name or target.stem,
        "architecture": architecture,
        "input_spec": input_spec.to_dict(),
        "classes": list(classes) if classes else None,
        "provenance": provenance or {},
    }
    # Clone so tensors sharing storage (tied weights, views) serialise independently.
    state = {k: v.detach().cpu().contiguous().clone() for k, v in module.state_dict().items()}
    members = {MODEL_JSON: json.dumps(meta, indent=2).encode(), WEIGHTS: save_safetensors_bytes(state)}
    for member, data in (extra_members or {}).items():
        if member in members or Path(member).is_absolute() or ".." in Path(member).parts:
            raise ModelError(f"cannot store '{member}' in a model file: the name is taken or leaves the folder")
        members[member] = data
    target.parent.mkdir(parents=True, exist_ok=True)
    if zip:
        _write_zip_atomically(target, members)
    else:
        _write_folder_atomically(target, members)
    return target


def _umask_mode(mode: int) -> int:
    """``mode`` less the process umask: temporary files and folders are created private (0600/0700)."""
    mask = os.umask(0)
    os.umask(mask)
    return mode & ~mask


def _write_zip_atomically(target: Path, members: dict[str, bytes]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        os.chmod(tmp, _umask_mode(0o666))  # a shared cache (a classroom's CONVSCOPE_HOME) must be readable by others
        with os.fdopen(fd, "wb") as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            for member, data in members.items():
                archive.writestr(member, data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_folder_atomically(target: Path, members: dict[str, bytes]) -> None:
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        os.chmod(tmp, _umask_mode(0o777))
        for member, data in members.items():
            (tmp / member).parent.mkdir(parents=True, exist_ok=True)
            (tmp / member).write_bytes(data)
        if target.exists():
            # Swap in the new folder, then drop the old one; a crash leaves one of them whole.
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            old.rmdir()
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _read_members(path: Path, *, weights: bool = True) -> tuple[dict[str, Any], bytes | None]:
    """``model.json`` parsed, and the raw weights bytes (when asked) from a folder or zip."""
    try:
        if path.is_dir():
            meta_bytes = (path / MODEL_JSON).read_bytes()
            weight_bytes = (path / WEIGHTS).read_bytes() if weights else None
        elif zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                names = {Path(n).name: n for n in archive.namelist()}
                if MODEL_JSON not in names:
                    raise ModelError(f"{path}: the zip holds no {MODEL_JSON}; it is not a ConvScope model")
                meta_bytes = archive.read(names[MODEL_JSON])
                if weights and WEIGHTS not in names:
                    raise ModelError(f"{path}: the zip holds no {WEIGHTS}; the model has no weights")
                weight_bytes = archive.read(names[WEIGHTS]) if weights else None
        else:
            raise ModelError(f"{path}: not a model folder or zip")
    except FileNotFoundError as exc:
        raise ModelError(f"{path}: missing {Path(exc.filename or '').name}; a model needs {MODEL_JSON} and {WEIGHTS}") from exc
    except (OSError, zipfile.BadZipFile) as exc:
        raise ModelError(f"{path}: cannot read the model ({exc})") from exc
    try:
        meta = json.loads(meta_bytes)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"{path}: {MODEL_JSON} is not valid JSON ({exc.args[0]})") from exc
    if not isinstance(meta, dict):
        raise ModelError(f"{path}: {MODEL_JSON} must hold an object")
    return meta, weight_bytes


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The parsed ``model.json`` of a model folder or zip."""
    meta, _ = _read_members(Path(path), weights=False)
    return meta


def build_architecture(architecture: dict[str, Any], source: str = "model") -> nn.Module:
    """Build the (untrained) module an architecture record describes."""
    if "zoo" in architecture:
        from convscope.zoo import get_entry

        return get_entry(str(architecture["zoo"])).build(**dict(architecture.get("options") or {}))
    if "layers" in architecture:
        from convscope.formats.layerlist import build_from_layers

        return build_from_layers(architecture["layers"])
    raise ModelError(f"{source}: the architecture needs a 'zoo' name or a 'layers' list")


def load_model(path: str | os.PathLike[str]) -> Network:
    """Read a model folder or zip into a :class:`Network` with its weights."""
    path = Path(path)
    meta, weight_bytes = _read_members(path)
    if meta.get("format") != FORMAT:
        raise ModelError(f"{path}: {MODEL_JSON} is not a ConvScope model (format is {meta.get('format')!r})")
    if int(meta.get("version", 0)) > VERSION:
        raise ModelError(f"{path}: model file version {meta['version']} is newer than this ConvScope reads ({VERSION}); upgrade ConvScope")
    for key in ("architecture", "input_spec"):
        if not isinstance(meta.get(key), dict):
            raise ModelError(f"{path}: {MODEL_JSON} has no '{key}' object")
    module = build_architecture(meta["architecture"], str(path))
    try:
        state = load_safetensors_bytes(weight_bytes or b"")
    except (SafetensorError, ValueError, RuntimeError) as exc:
        raise ModelError(f"{path}: {WEIGHTS} is damaged ({_one_line(exc)})") from exc
    _load_state(module, state, path)
    spec = InputSpec.from_dict(meta["input_spec"])
    network = Network(module, spec, meta.get("classes"), name=str(meta.get("name") or path.stem))
    network.provenance = dict(meta.get("provenance") or {})
    network.architecture = meta["architecture"]
    from convscope.formats.samples import samples_dir_of

    # Only folders carry samples the server can read; a zip's samples stay unread.
    network.samples_dir = samples_dir_of(path) if path.is_dir() else None
    return network


def _load_state(module: nn.Module, state: dict[str, torch.Tensor], path: Path) -> None:
    expected = module.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}")
        if unexpected:
            parts.append(f"unexpected {', '.join(unexpected[:5])}{' …' if len(unexpected) > 5 else ''}")
        raise ModelError(f"{path}: the weights do not match the architecture ({'; '.join(parts)})")
    for key in expected:  # module order, so the first layer that differs is named
        tensor = state[key]
        if tuple(tensor.shape) != tuple(expected[key].shape):
            raise ModelError(
                f"{path}: weight '{key}' has shape {tuple(tensor.shape)} but the architecture needs {tuple(expected[key].shape)}"
            )
    module.load_state_dict(state)


def _one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


__all__ = ["FORMAT", "build_architecture", "is_model_path", "load_model", "read_metadata", "save_model"]
