"""The ConvScope model file: a folder (or the same as a zip) with two members.

- ``model.json``: format tag and version, architecture (a zoo name with its
  options, or a layer list from an importer), input spec, class names and
  provenance (dataset, command, seed, epochs, accuracy, source file…);
- ``weights.safetensors``: the state dict. Never pickle: loading a model file
  must not be able to run code;
- optionally ``samples/`` (images + ``samples.json``, see :mod:`convscope.formats.samples`)
  and a ``LICENSE``. Folders without them (older ConvScope) load the same.

Example:
    >>> from convscope.formats import zoo_network
    >>> module = zoo_network("tinyvgg").module
    >>> save_model("runs/tiny/model", module, architecture={"zoo": "tinyvgg", "options": {}},
    ...            input_spec=InputSpec(3, 64, 64), classes=None)
    PosixPath('runs/tiny/model')
    >>> load_model("runs/tiny/model").name
    'model'
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import IO, Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors_bytes
from safetensors.torch import save as save_safetensors_bytes
from torch import nn

from convscope.atomic import write_atomic, write_folder
from convscope.errors import ConvScopeError, ModelError, first_line
from convscope.inputs import InputSpec
from convscope.limits import (
    MAX_JSON_BYTES,
    LinkOutsideError,
    check_input_shape,
    check_layers,
    inside,
    load_json,
    read_file,
    read_zip_member,
)
from convscope.network import Network

FORMAT = "convscope-model"
VERSION = 1
MODEL_JSON = "model.json"
WEIGHTS = "weights.safetensors"


def is_model_path(path: Path) -> bool:
    """True for a ConvScope model folder or zip (checks the format tag)."""
    try:
        meta = _read_members(path, weights=False)[0]
    except LinkOutsideError:
        return True  # a model folder with a bad link: load_model says so, rather than "unknown format"
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
    if zip:
        _write_zip_atomically(target, members)
    else:
        write_folder(target, members)
    return target


def _write_zip_atomically(target: Path, members: dict[str, bytes]) -> None:
    def write(handle: IO[bytes]) -> None:
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            for member, data in members.items():
                archive.writestr(member, data)

    write_atomic(target, write)


def _read_members(path: Path, *, weights: bool = True) -> tuple[dict[str, Any], bytes | None]:
    """``model.json`` parsed, and the raw weights bytes (when asked) from a folder or zip.

    Declared sizes are checked before reading (a zip member can claim gigabytes),
    and a folder's members must not be links that leave it.
    """
    try:
        if path.is_dir():
            meta_bytes = read_file(inside(path, MODEL_JSON, str(path)), str(path), MODEL_JSON, MAX_JSON_BYTES)
            weight_bytes = read_file(inside(path, WEIGHTS, str(path)), str(path), WEIGHTS) if weights else None
        elif zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                names = {Path(n).name: n for n in archive.namelist()}
                if MODEL_JSON not in names:
                    raise ModelError(f"{path}: the zip holds no {MODEL_JSON}; it is not a ConvScope model")
                meta_bytes = read_zip_member(archive, names[MODEL_JSON], str(path), MAX_JSON_BYTES)
                if weights and WEIGHTS not in names:
                    raise ModelError(f"{path}: the zip holds no {WEIGHTS}; the model has no weights")
                weight_bytes = read_zip_member(archive, names[WEIGHTS], str(path)) if weights else None
        else:
            raise ModelError(f"{path}: not a model folder or zip")
    except FileNotFoundError as exc:
        raise ModelError(
            f"{path}: missing {Path(exc.filename or '').name}; a model needs {MODEL_JSON} and {WEIGHTS}"
        ) from exc
    except (OSError, zipfile.BadZipFile, EOFError, NotImplementedError, UnicodeDecodeError) as exc:
        # NotImplementedError: an unknown compression; UnicodeDecodeError: a member name that is not UTF-8
        raise ModelError(f"{path}: cannot read the model ({first_line(exc)})") from exc
    meta = load_json(meta_bytes, str(path), MODEL_JSON)
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
    version = meta.get("version", 0)
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise ModelError(
            f"{path}: {MODEL_JSON} has version {version!r}; it must be a whole number (this ConvScope writes {VERSION})"
        )
    if version > VERSION:
        raise ModelError(
            f"{path}: model file version {version} is newer than this ConvScope reads ({VERSION}); upgrade ConvScope"
        )
    for key in ("architecture", "input_spec"):
        if not isinstance(meta.get(key), dict):
            raise ModelError(f"{path}: {MODEL_JSON} has no '{key}' object")
    # Before InputSpec, which makes one name per channel: a declared 10⁹ channels must not get that far.
    check_input_shape(tuple(meta["input_spec"].get(k) for k in ("channels", "height", "width")), str(path))
    spec = InputSpec.from_dict(meta["input_spec"])
    _check_layer_sizes(meta["architecture"], spec, str(path))
    module = build_architecture(meta["architecture"], str(path))
    try:
        state = load_safetensors_bytes(weight_bytes or b"")
    except (SafetensorError, ValueError, RuntimeError) as exc:
        raise ModelError(f"{path}: {WEIGHTS} is damaged ({first_line(exc)})") from exc
    _load_state(module, state, path)
    classes = meta.get("classes")
    if classes is not None and not (isinstance(classes, list) and all(isinstance(c, str) for c in classes)):
        raise ModelError(f"{path}: {MODEL_JSON} 'classes' must be a list of names")
    network = Network(module, spec, meta.get("classes"), name=str(meta.get("name") or path.stem))
    network.provenance = dict(meta.get("provenance") or {})
    network.architecture = meta["architecture"]
    from convscope.formats.samples import samples_dir_of

    # Only folders carry samples the server can read; a zip's samples stay unread.
    network.samples_dir = samples_dir_of(path) if path.is_dir() else None
    return network


def _check_layer_sizes(architecture: dict[str, Any], spec: InputSpec, label: str) -> None:
    """Check a layer list's parameters and every layer's output size before building it."""
    if "layers" not in architecture:
        return  # zoo builders check their own options
    from convscope.formats.layerlist import infer_shapes, normalize_layers

    try:
        layers = normalize_layers(architecture["layers"])
        check_layers(layers, label)
        infer_shapes(layers, spec.shape)  # checks every layer's output size too
    except ModelError as exc:
        raise ModelError(exc.args[0] if str(exc).startswith(label) else f"{label}: {exc}") from None


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


__all__ = ["FORMAT", "build_architecture", "is_model_path", "load_model", "read_metadata", "save_model"]
