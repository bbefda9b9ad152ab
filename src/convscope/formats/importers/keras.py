"""Keras models without TensorFlow: HDF5 (``.h5``, Keras 2 and 3) and Keras 3 ``.keras`` zips.

- ``.h5``: the topology is the JSON attribute ``model_config``; weights live in
  ``model_weights/<layer>/…/<param>``, listed in each group's ``weight_names``.
- ``.keras``: a zip of ``config.json`` and ``model.weights.h5``, where each
  layer's weights are ``layers/<path>/vars/0, 1, …`` in creation order, the
  group carrying the layer's name as an attribute.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from convscope.errors import ModelError, first_line
from convscope.formats.importers.common import ImportedModel, assemble
from convscope.formats.importers.keras_graph import KerasModel, convert, param_names, parse_model_config
from convscope.limits import MAX_JSON_BYTES, check_h5_file, load_json, read_h5_array, read_zip_member

_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def import_keras(path: str | Path, *, classes: Sequence[str] | None = None) -> ImportedModel:
    """Import a Keras ``.h5``/``.hdf5`` or ``.keras`` file.

    Args:
        path: the model file, saved with ``model.save(...)`` (topology and weights).
        classes: one name per output unit, or ``None``.

    Example:
        >>> [layer["type"] for layer in import_keras("small.keras").layers]
        ['conv2d', 'relu', 'flatten', 'linear']
    """
    path = Path(path)
    label = str(path)
    head = _head(path)
    if head.startswith(_HDF5_MAGIC):
        model, weights, version = _read_h5(path, label)
        fmt = "keras-h5"
    elif zipfile.is_zipfile(path):
        model, weights, version = _read_keras_zip(path, label)
        fmt = "keras"
    else:
        raise ModelError(
            f"{label}: neither an HDF5 file nor a .keras zip; the file may be truncated or not a Keras model"
        )
    spec, tensors, input_spec = convert(model, lambda layer: weights.get(layer.name, {}), label)
    source = {"format": fmt, "file": label, "producer": f"keras {version}".strip()}
    return assemble(spec, tensors, input_spec=input_spec, classes=classes, source=source)


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(8)
    except FileNotFoundError:
        raise ModelError(f"{path}: no such file") from None
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the file ({exc.strerror or exc})") from None


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _parse_config(text: str, label: str) -> KerasModel:
    return parse_model_config(load_json(text.encode("utf-8", "replace"), label, "the model config"), label)


# ----- HDF5 ---------------------------------------------------------------------


def _read_h5(path: Path, label: str) -> tuple[KerasModel, dict[str, dict[str, np.ndarray]], str]:
    try:
        with h5py.File(path, "r") as handle:
            check_h5_file(handle, label)
            if "model_config" not in handle.attrs:
                raise ModelError(
                    f"{label}: the file holds weights but no model topology (saved with save_weights?); "
                    "save the whole model with model.save('model.h5')"
                )
            model = _parse_config(_text(handle.attrs["model_config"]), label)
            version = _text(handle.attrs.get("keras_version", ""))
            group = handle["model_weights"] if "model_weights" in handle else handle
            weights = {layer.name: _h5_layer_weights(group, layer.name) for layer in model.layers}
    except ModelError:
        raise
    except (OSError, KeyError, ValueError) as exc:
        raise ModelError(f"{label}: cannot read the HDF5 file ({first_line(exc)}); it may be truncated") from None
    return model, weights, version


def _h5_layer_weights(group: h5py.Group, name: str) -> dict[str, np.ndarray]:
    """``{"kernel": …, "bias": …}`` from ``model_weights/<name>``, keyed by the last name part."""
    if name not in group:
        return {}
    layer = group[name]
    found = {}
    for weight_name in layer.attrs.get("weight_names", []):
        key = _text(weight_name)
        found[key.split("/")[-1].split(":")[0]] = read_h5_array(layer[key])
    return found


# ----- .keras zip ---------------------------------------------------------------


def _read_keras_zip(path: Path, label: str) -> tuple[KerasModel, dict[str, dict[str, np.ndarray]], str]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            for member in ("config.json", "model.weights.h5"):
                if member not in names:
                    raise ModelError(f"{label}: the .keras zip holds no {member}; save the model with model.save()")
            config_text = read_zip_member(archive, "config.json", label, MAX_JSON_BYTES).decode("utf-8")
            metadata = (
                load_json(read_zip_member(archive, "metadata.json", label, MAX_JSON_BYTES), label, "metadata.json")
                if "metadata.json" in names
                else {}
            )
            weight_bytes = read_zip_member(archive, "model.weights.h5", label)
    except ModelError:
        raise
    except (OSError, zipfile.BadZipFile, UnicodeDecodeError, json.JSONDecodeError, EOFError) as exc:
        raise ModelError(f"{label}: cannot read the .keras zip ({first_line(exc)}); it may be truncated") from None
    model = _parse_config(config_text, label)
    try:
        with h5py.File(io.BytesIO(weight_bytes), "r") as handle:
            check_h5_file(handle, label)
            by_name, by_path = _vars_groups(handle)
            weights = _match_vars(model, by_name, by_path, label)
    except (OSError, KeyError, ValueError) as exc:
        raise ModelError(f"{label}: model.weights.h5 cannot be read ({first_line(exc)})") from None
    return model, weights, str(metadata.get("keras_version", "3"))


def _vars_groups(handle: h5py.File) -> tuple[dict[str, list[np.ndarray]], dict[str, list[np.ndarray]]]:
    """Every ``…/<path>/vars`` group's arrays (in index order), by layer name attribute and by path."""
    by_name: dict[str, list[np.ndarray]] = {}
    by_path: dict[str, list[np.ndarray]] = {}

    def visit(key: str, item: Any) -> None:
        if isinstance(item, h5py.Group) and key.split("/")[-1] == "vars":
            arrays = [read_h5_array(item[k]) for k in sorted(item, key=int)]
            by_path[key.split("/")[-2] if "/" in key else ""] = arrays
            if "name" in item.attrs:
                by_name[_text(item.attrs["name"])] = arrays

    handle.visititems(visit)
    return by_name, by_path


def _match_vars(
    model: KerasModel, by_name: dict[str, list[np.ndarray]], by_path: dict[str, list[np.ndarray]], label: str
) -> dict[str, dict[str, np.ndarray]]:
    """Name each layer's arrays (``vars/0`` → ``kernel`` …) in Keras's creation order."""
    counts: dict[str, int] = {}
    weights = {}
    for layer in model.layers:
        base = _snake(layer.class_name)
        path = base if base not in counts else f"{base}_{counts[base]}"
        counts[base] = counts.get(base, 0) + 1
        # Older Keras 3 files lack the name attribute; their paths follow the class names.
        arrays = by_name.get(layer.name, by_path.get(path, [])) if by_name else by_path.get(path, [])
        names = param_names(layer)
        if arrays and len(arrays) != len(names):
            raise ModelError(
                f"{label}: layer '{layer.name}' has {len(arrays)} weight arrays but a {layer.class_name} with this config "
                f"has {len(names)} ({', '.join(names) or 'none'})"
            )
        weights[layer.name] = dict(zip(names, arrays, strict=False))
    return weights


def _snake(class_name: str) -> str:
    """Keras's attribute naming: ``BatchNormalization`` → ``batch_normalization``."""
    text = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", class_name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", text).lower()


__all__ = ["import_keras"]
