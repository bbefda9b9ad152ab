"""TF.js layers models: a ``model.json`` (Keras topology + weights manifest) and its ``.bin`` shards.

CNN Explainer ships its TinyVGG this way. Each manifest group lists shard
files, read one after the other as a single buffer, and the weights packed in
it (little-endian, in manifest order); TF.js's uint8/uint16/float16
quantisation is undone on the way in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from convscope.errors import ModelError
from convscope.formats.importers.common import ImportedModel, assemble
from convscope.formats.importers.keras_graph import KerasLayer, convert, parse_model_config
from convscope.limits import MAX_JSON_BYTES, check_bytes, check_tensor, inside, load_json, read_file

FORMAT = "tfjs-layers"
_DTYPES = {"float32": "<f4", "int32": "<i4", "bool": "|u1", "uint8": "|u1", "uint16": "<u2", "float16": "<f2"}


def model_json_path(path: str | Path) -> Path:
    """``model.json`` itself, or the one inside a folder."""
    path = Path(path)
    return path / "model.json" if path.is_dir() else path


def import_tfjs(path: str | Path, *, classes: Sequence[str] | None = None) -> ImportedModel:
    """Import a TF.js layers model (``model.json`` or the folder holding it).

    Args:
        path: ``model.json``, or a folder containing it and its shards.
        classes: one name per output unit, or ``None``.

    Example:
        >>> m = import_tfjs("cnn-explainer-tinyvgg/model.json")
        >>> [layer["name"] for layer in m.layers][:2]
        ['conv_1_1', 'relu_1_1']
    """
    file = model_json_path(path)
    if Path(path).is_dir():
        inside(Path(path), "model.json", str(path))  # a folder's model.json must not lead out of it
    label = str(file)
    document = _read_json(file)
    if document.get("format") not in (None, "layers-model"):
        raise ModelError(
            f"{label}: a TF.js {document.get('format')!r} cannot be imported; convert the Keras model "
            "as a layers model (tensorflowjs_converter --output_format tfjs_layers_model)"
        )
    topology = document.get("modelTopology")
    if not isinstance(topology, dict):
        raise ModelError(f"{label}: no 'modelTopology' object; this is not a TF.js layers model")
    model_config = topology.get("model_config", topology)
    model = parse_model_config(model_config, label)
    weights = read_weights(file, document.get("weightsManifest"))
    spec, tensors, input_spec = convert(model, lambda layer: _layer_weights(weights, layer), label)
    producer = "; ".join(str(document[k]) for k in ("generatedBy", "convertedBy") if document.get(k))
    source = {"format": FORMAT, "file": str(file), "producer": producer}
    return assemble(spec, tensors, input_spec=input_spec, classes=classes, source=source)


def _read_json(file: Path) -> dict[str, Any]:
    try:
        data = read_file(file, str(file), "model.json", MAX_JSON_BYTES)
    except FileNotFoundError:
        raise ModelError(f"{file}: no such file; give a TF.js model.json or the folder holding it") from None
    except OSError as exc:
        raise ModelError(f"{file}: cannot read the file ({exc.strerror or exc})") from None
    document = load_json(data, str(file), "model.json")
    if not isinstance(document, dict):
        raise ModelError(f"{file}: the JSON is not an object; this is not a TF.js model.json")
    return document


def read_weights(file: Path, manifest: Any) -> dict[str, np.ndarray]:
    """Every weight of the manifest by its name (``conv_1_1/kernel``), dequantised to float32.

    The sizes the manifest declares and the shard files' sizes are checked
    before any shard is read, so a manifest cannot make ConvScope read (or
    allocate) more than a real model's weights.

    Raises:
        ModelError: a missing shard, a shard that is a link out of the model folder,
            or shards whose size differs from what the manifest describes.
    """
    if not isinstance(manifest, list):
        raise ModelError(f"{file}: no 'weightsManifest' list; the model has no weights")
    weights: dict[str, np.ndarray] = {}
    try:
        shards = _check_manifest(file, manifest)
        for group, paths in zip(manifest, shards, strict=True):
            buffer = b"".join(_read_shard(file, path) for path in paths)
            offset = 0
            for entry in group["weights"]:
                array, offset = _unpack(buffer, offset, entry, file)
                weights[str(entry["name"])] = array
            if offset != len(buffer):
                raise ModelError(
                    f"{file}: the shards {', '.join(group['paths'])} hold {len(buffer)} bytes but the manifest "
                    f"describes {offset}; a shard is truncated or belongs to another model"
                )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelError(f"{file}: the weights manifest is malformed ({type(exc).__name__}: {exc})") from None
    return weights


def _check_manifest(file: Path, manifest: list[Any]) -> list[list[Path]]:
    """Each group's shard files, after checking names, links and the sizes declared and on disk."""
    seen: set[Path] = set()
    declared = on_disk = 0
    groups = []
    for group in manifest:
        paths = []
        for name in group["paths"]:
            shard = inside(file.parent, str(name), str(file))
            if shard in seen:
                raise ModelError(f"{file}: the manifest lists the shard {name} more than once")
            seen.add(shard)
            try:
                on_disk += shard.stat().st_size
            except FileNotFoundError:
                raise ModelError(
                    f"{file}: weight shard {name} is missing; keep the .bin files next to model.json"
                ) from None
            except OSError as exc:
                raise ModelError(f"{file}: cannot read weight shard {name} ({exc.strerror or exc})") from None
            paths.append(shard)
        for entry in group["weights"]:
            declared += check_tensor(entry["shape"], str(file), f"weight {entry.get('name')}") * 4
        check_bytes(declared, str(file), "the weights the manifest declares")
        check_bytes(on_disk, str(file), "the weight shards")
        groups.append(paths)
    return groups


def _read_shard(file: Path, shard: Path) -> bytes:
    try:
        return shard.read_bytes()
    except OSError as exc:
        raise ModelError(f"{file}: cannot read weight shard {shard.name} ({exc.strerror or exc})") from None


def _unpack(buffer: bytes, offset: int, entry: dict[str, Any], file: Path) -> tuple[np.ndarray, int]:
    shape = [int(v) for v in entry["shape"]]
    count = math.prod(shape)
    quantization = entry.get("quantization")
    dtype = str(quantization["dtype"] if quantization else entry["dtype"])
    if dtype not in _DTYPES:
        raise ModelError(f"{file}: weight {entry['name']} has dtype {dtype}, which ConvScope cannot read")
    size = count * np.dtype(_DTYPES[dtype]).itemsize
    if offset + size > len(buffer):
        raise ModelError(
            f"{file}: the weight shards end after {len(buffer)} bytes but weight {entry['name']} needs "
            f"bytes {offset}..{offset + size}; a shard is truncated"
        )
    raw = np.frombuffer(buffer, dtype=_DTYPES[dtype], count=count, offset=offset)
    if quantization and dtype != "float16":
        values = raw.astype(np.float32) * np.float32(quantization["scale"]) + np.float32(quantization["min"])
    else:
        values = raw.astype(np.float32)
    return values.reshape(shape), offset + size


def _layer_weights(weights: dict[str, np.ndarray], layer: KerasLayer) -> dict[str, np.ndarray]:
    """The weights named ``…/<layer>/<param>`` (TF.js keeps Keras's weight names)."""
    found = {}
    for name, array in weights.items():
        parts = name.split("/")
        if len(parts) >= 2 and parts[-2] == layer.name:
            found[parts[-1].split(":")[0]] = array
    return found
