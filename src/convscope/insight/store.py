"""Top-k results kept in the model folder: ``insight/topk.safetensors`` plus ``insight/topk.json``.

The JSON index is keyed by dataset fingerprint (a hash of the images), and
each entry names the model weights' fingerprint, so a retrained model or a
different dataset never reads stale results. Tensors are stored as
safetensors (no pickle), under ``FINGERPRINT/LAYER/values|index|y|x``. Both
files are written atomically.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load, save

from convscope.atomic import write_atomic
from convscope.data.imageset import ImageSet
from convscope.errors import ConvScopeError
from convscope.insight.topk import LayerTop
from convscope.network import Network

FOLDER = "insight"
TENSORS = "topk.safetensors"
INDEX = "topk.json"
_FIELDS = ("values", "index", "y", "x")


def dataset_fingerprint(data: ImageSet) -> str:
    """sha256 of the images' shape and bytes, cut to 16 hex digits.

    Example:
        >>> dataset_fingerprint(ImageSet(torch.zeros(2, 1, 2, 2, dtype=torch.uint8), torch.zeros(2).long(), ("a",)))
        'ced4f968f4462fb3'
    """
    digest = hashlib.sha256(repr(tuple(data.images.shape)).encode())
    digest.update(data.images.contiguous().numpy().tobytes())
    if data.source_index is not None:
        digest.update(data.source_index.numpy().tobytes())
    return digest.hexdigest()[:16]


def model_fingerprint(network: Network) -> str:
    """sha256 of every parameter and buffer, by name, cut to 16 hex digits."""
    digest = hashlib.sha256()
    for name, tensor in sorted(network.module.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()[:16]


def read_index(folder: Path) -> dict[str, Any]:
    path = folder / FOLDER / INDEX
    if not path.is_file():
        return {"datasets": {}}
    try:
        index = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConvScopeError(f"{path} cannot be read ({exc}); delete it and run the top-k pass again") from None
    if not isinstance(index, dict) or not isinstance(index.get("datasets"), dict):
        raise ConvScopeError(f"{path} is not a top-k index; delete it and run the top-k pass again")
    return index


def _read_tensors(folder: Path) -> dict[str, torch.Tensor]:
    path = folder / FOLDER / TENSORS
    if not path.is_file():
        return {}
    try:
        return load(path.read_bytes())
    except Exception as exc:  # noqa: BLE001 - any damage reads as one message
        raise ConvScopeError(
            f"{path} is damaged ({type(exc).__name__}); delete it and run the top-k pass again"
        ) from None


def save_tops(folder: Path, fingerprint: str, entry: dict[str, Any], tops: dict[str, LayerTop]) -> Path:
    """Add (or replace) one dataset's results in ``folder/insight/``; returns the tensors' path."""
    tensors = {k: v for k, v in _read_tensors(folder).items() if not k.startswith(f"{fingerprint}/")}
    for layer, top in tops.items():
        for field in _FIELDS:
            tensors[f"{fingerprint}/{layer}/{field}"] = getattr(top, field).contiguous()
    index = read_index(folder)
    index["datasets"][fingerprint] = {**entry, "layers": list(tops)}
    target = folder / FOLDER / TENSORS
    blob = save(tensors)
    write_atomic(target, lambda handle: handle.write(blob))
    text = json.dumps(index, indent=2).encode()
    write_atomic(folder / FOLDER / INDEX, lambda handle: handle.write(text))
    return target


def load_tops(folder: Path, fingerprint: str, network: Network) -> dict[str, LayerTop] | None:
    """The stored results for this dataset and these weights, or ``None`` when there are none."""
    entry = read_index(folder)["datasets"].get(fingerprint)
    if not entry or entry.get("model") != model_fingerprint(network):
        return None
    tensors = _read_tensors(folder)
    try:
        return {
            layer: LayerTop(**{field: tensors[f"{fingerprint}/{layer}/{field}"] for field in _FIELDS})
            for layer in entry["layers"]
        }
    except KeyError:
        return None


def stored_datasets(folder: Path, network: Network) -> dict[str, dict[str, Any]]:
    """The index entries computed with these weights, by fingerprint."""
    mine = model_fingerprint(network)
    return {fp: e for fp, e in read_index(folder)["datasets"].items() if e.get("model") == mine}
