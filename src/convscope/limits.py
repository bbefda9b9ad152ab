"""How big a model, a file member or an option may say it is, checked before anything is allocated.

A model file is a few kilobytes of JSON that can *declare* a convolution with
10⁹ channels, an input of 100000×100000 pixels or a 37 GiB HDF5 dataset; an
option can ask for ``filters=1000000000``. Every loader asks this module about
the declared sizes first, so a hostile or mistaken file costs milliseconds and
one line of error instead of gigabytes. The bounds sit far above every real
model ConvScope shows (VGG-16: 138 M parameters, largest map 64×224×224 = 3.2 M
values) and far below what would take a machine down.

Example:
    >>> check_input_shape((3, 224, 224), "vgg16")        # passes silently
    >>> check_input_shape((3, 100000, 100000), "m.onnx")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ModelError: m.onnx: the input 3×100000×100000 is larger than ConvScope shows (at most 8192 pixels a side)
"""

from __future__ import annotations

import json
import math
import os
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from convscope.errors import ConvScopeError, ModelError

#: Parameters of a whole model (1 GiB of float32); VGG-16 has 138 M.
MAX_PARAMS = 2**28
#: Values in one layer's output for one image (512 MiB of float32); VGG-16's largest is 3.2 M.
MAX_ACTIVATION = 2**27
#: Height or width of a model's input.
MAX_INPUT_SIDE = 8192
#: A count given as an option: filters, channels, classes, groups (the size limits then bound the model).
MAX_COUNT = 100_000
#: Layers in one layer list (GoogLeNet has about 200).
MAX_LAYERS = 10_000
#: Bytes of a weights file, shard set or archive member holding weights.
MAX_WEIGHT_BYTES = 4 * MAX_PARAMS + 2**26
#: Bytes of a JSON document (model.json, a TF.js manifest, a Keras config).
MAX_JSON_BYTES = 2**26
#: Nesting of a JSON document; real model configs stay under 20.
MAX_JSON_DEPTH = 100


class LinkOutsideError(ModelError):
    """A file of a model folder that is (or passes through) a link leading out of the folder."""


def _size(count: int) -> str:
    return f"{count:,}"


def _bytes(count: int) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"


def _shape(shape: Iterable[int]) -> str:
    return "×".join(str(int(s)) for s in shape)


def check_params(count: int, label: str) -> None:
    """Refuse a model (or layer) that declares more than :data:`MAX_PARAMS` parameters."""
    if count > MAX_PARAMS:
        raise ModelError(
            f"{label}: {_size(count)} parameters is more than ConvScope loads (at most {_size(MAX_PARAMS)})"
        )


def check_input_shape(shape: Iterable[Any], label: str) -> None:
    """Refuse an input ``(C, H, W)`` whose sides or size are past the limits.

    Example:
        >>> check_input_shape((1, 28, 28), "lenet5")   # passes silently
    """
    dims = tuple(shape)
    if not all(isinstance(d, int) and not isinstance(d, bool) for d in dims):
        raise ModelError(f"{label}: the input shape {dims} must be whole numbers")
    if len(dims) == 3 and max(dims[1:]) > MAX_INPUT_SIDE:
        raise ModelError(
            f"{label}: the input {_shape(dims)} is larger than ConvScope shows (at most {MAX_INPUT_SIDE} pixels a side)"
        )
    check_activation(dims, label, "the input")


def check_activation(shape: Iterable[int], label: str, what: str) -> None:
    """Refuse a layer output of more than :data:`MAX_ACTIVATION` values per image."""
    dims = tuple(int(d) for d in shape)
    if math.prod(dims) > MAX_ACTIVATION:
        raise ModelError(
            f"{label}: {what} has shape {_shape(dims)} ({_size(math.prod(dims))} values per image); "
            f"ConvScope shows layers of at most {_size(MAX_ACTIVATION)}"
        )


def layer_params(layer: Mapping[str, Any]) -> int:
    """Parameters a normalised layer-list entry declares (see :mod:`convscope.formats.layerlist`).

    Example:
        >>> layer_params({"type": "linear", "in_features": 4, "out_features": 2, "bias": True})
        10
    """
    kind = layer.get("type")
    if kind == "conv2d":
        kh, kw = layer["kernel"]
        weights = layer["out_channels"] * (layer["in_channels"] // max(layer["groups"], 1)) * kh * kw
        return weights + (layer["out_channels"] if layer["bias"] else 0)
    if kind == "linear":
        return layer["out_features"] * layer["in_features"] + (layer["out_features"] if layer["bias"] else 0)
    if kind == "batchnorm2d":
        return 4 * layer["num_features"]
    return 0


def check_layer(layer: Mapping[str, Any]) -> None:
    """Refuse one layer-list entry whose declared weights alone are past :data:`MAX_PARAMS`."""
    check_params(layer_params(layer), f"layer '{layer.get('name')}' ({layer.get('type')})")


def check_layers(layers: Sequence[Mapping[str, Any]], label: str) -> None:
    """Refuse a layer list with too many layers or too many parameters in all."""
    if len(layers) > MAX_LAYERS:
        raise ModelError(
            f"{label}: {_size(len(layers))} layers is more than ConvScope loads (at most {_size(MAX_LAYERS)})"
        )
    check_params(sum(layer_params(layer) for layer in layers), label)


def check_bytes(count: int, label: str, what: str, limit: int = MAX_WEIGHT_BYTES) -> None:
    """Refuse ``what`` when it declares (or holds) more than ``limit`` bytes."""
    if count > limit:
        raise ModelError(f"{label}: {what} is {_bytes(count)}; ConvScope reads at most {_bytes(limit)}")


def check_tensor(shape: Iterable[Any], label: str, what: str) -> int:
    """The element count of a declared weight shape, refused past :data:`MAX_PARAMS`.

    Example:
        >>> check_tensor([3, 3, 1, 8], "m.json", "weight conv/kernel")
        72
    """
    dims = [int(d) for d in shape]
    if any(d < 0 for d in dims):
        raise ModelError(f"{label}: {what} has a negative size in its shape {dims}")
    count = math.prod(dims)
    if count > MAX_PARAMS:
        raise ModelError(
            f"{label}: {what} declares {_size(count)} values (shape {dims}); ConvScope loads at most {_size(MAX_PARAMS)}"
        )
    return count


def check_folded(op_type: str, inputs: list[Any], label: str) -> None:
    """Refuse an ONNX constant node whose result would be past :data:`MAX_PARAMS` values.

    The ONNX importer computes constant sub-graphs; these operators make an
    output from a *shape* given as data, so three numbers can ask for terabytes.
    """
    import numpy as np

    def values(index: int) -> Any:
        return np.asarray(inputs[index]) if len(inputs) > index and inputs[index] is not None else None

    count = None
    try:
        if op_type == "ConstantOfShape" and values(0) is not None:
            count = math.prod(int(v) for v in values(0).reshape(-1))
        elif op_type == "Expand" and values(0) is not None and values(1) is not None:
            shape = np.broadcast_shapes(values(0).shape, tuple(int(v) for v in values(1).reshape(-1)))
            count = math.prod(shape)
        elif op_type == "Tile" and values(0) is not None and values(1) is not None:
            count = values(0).size * math.prod(int(v) for v in values(1).reshape(-1))
        elif op_type == "Range" and all(values(i) is not None for i in range(3)):
            start, limit, delta = (float(values(i).reshape(-1)[0]) for i in range(3))
            count = 0 if delta == 0 else max(math.ceil((limit - start) / delta), 0)
    except (ValueError, TypeError, OverflowError):
        return  # malformed: the operator itself will refuse it
    if count is not None and count > MAX_PARAMS:
        raise ModelError(
            f"{label}: the constant {op_type} node makes {_size(count)} values; ConvScope computes at most {_size(MAX_PARAMS)}"
        )


def read_h5_array(dataset: Any) -> Any:
    """An HDF5 dataset as float32, after checking the size it declares.

    A tiny HDF5 file can declare a huge dataset (storage is allocated lazily and
    reads back as the fill value), so the size is checked before reading.
    """
    import numpy as np

    check_tensor(dataset.shape, str(dataset.file.filename), f"the HDF5 dataset {dataset.name}")
    return np.asarray(dataset, dtype=np.float32)


def check_h5_file(handle: Any, label: str) -> None:
    """Refuse an HDF5 file that reaches outside itself or declares too much data.

    HDF5 can keep a dataset's bytes in another file (external storage, virtual
    datasets) or link to an object in another file: a hostile ``.h5`` could
    then import ``/etc/passwd`` as weights and show it. And a tiny file can
    declare datasets of any size (storage is allocated lazily), so the total
    they declare is bounded by :data:`MAX_WEIGHT_BYTES` before any is read
    (each is checked again by :func:`read_h5_array`).
    """
    import h5py

    declared, groups, seen = 0, [handle], set()
    while groups:
        group = groups.pop()
        for key in group:
            link = group.get(key, getlink=True)
            if isinstance(link, h5py.ExternalLink):
                raise ModelError(
                    f"{label}: {group.name}/{key} links to another file ({link.filename}); ConvScope reads only the file given"
                )
            if isinstance(link, h5py.SoftLink):
                continue  # a name for an object inside the file, reached by its own path too
            item = group[key]
            if isinstance(item, h5py.Group) and item.id not in seen:  # hard links can make cycles
                seen.add(item.id)
                groups.append(item)
            elif isinstance(item, h5py.Dataset):
                if item.external or item.is_virtual:
                    raise ModelError(
                        f"{label}: the dataset {item.name} keeps its data in another file; ConvScope reads only the file given"
                    )
                declared += math.prod(int(d) for d in (item.shape or ())) * item.dtype.itemsize
    check_bytes(declared, label, "the data its HDF5 datasets declare")


def read_zip_member(archive: zipfile.ZipFile, name: str, label: str, limit: int = MAX_WEIGHT_BYTES) -> bytes:
    """One member's bytes, refused before reading when its declared size is past ``limit``."""
    check_bytes(archive.getinfo(name).file_size, label, f"the member {name}", limit)
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as exc:  # damaged or exotic
        raise ModelError(f"{label}: the member {name} cannot be read ({exc}); the zip may be damaged") from None


def read_file(path: Path, label: str, what: str, limit: int = MAX_WEIGHT_BYTES) -> bytes:
    """A file's bytes, refused before reading when it is larger than ``limit``."""
    check_bytes(path.stat().st_size, label, what, limit)
    with path.open("rb") as handle:
        return handle.read(limit + 1)


def _depth(value: Any) -> int:
    """Nesting depth of parsed JSON, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth > MAX_JSON_DEPTH:
                break
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def load_json(data: bytes | str, label: str, what: str = "the JSON") -> Any:
    """Parse JSON from a file a user gave, with every failure as one line.

    Refuses documents past :data:`MAX_JSON_BYTES` or nested deeper than
    :data:`MAX_JSON_DEPTH` (Python's parser would raise ``RecursionError``,
    and code walking the result could too).

    Example:
        >>> load_json(b'{"a": [1, 2]}', "x.json")
        {'a': [1, 2]}
    """
    check_bytes(len(data), label, what, MAX_JSON_BYTES)
    try:
        value = json.loads(data)
    except RecursionError:
        raise ModelError(f"{label}: {what} is nested too deeply (at most {MAX_JSON_DEPTH} levels)") from None
    except json.JSONDecodeError as exc:
        raise ModelError(
            f"{label}: {what} is not valid JSON ({exc.msg} at line {exc.lineno}); the file may be truncated"
        ) from None
    except UnicodeDecodeError:
        raise ModelError(f"{label}: {what} is not UTF-8 text") from None
    if _depth(value) > MAX_JSON_DEPTH:
        raise ModelError(f"{label}: {what} is nested too deeply (at most {MAX_JSON_DEPTH} levels)")
    return value


def inside(folder: Path, name: str, label: str) -> Path:
    """``folder / name``, refused when the name or a symbolic link on the way leaves ``folder``.

    A model folder someone else made may hold a link to ``/etc/passwd`` in place
    of a weights file; reading it would disclose its size or contents.

    Example:
        >>> inside(Path("model"), "group1-shard1of1.bin", "model.json")
        PosixPath('model/group1-shard1of1.bin')
    """
    path = folder / name
    if Path(name).is_absolute() or ".." in Path(name).parts:
        raise ModelError(f"{label}: the file name {name!r} leaves the model folder")
    try:
        real, root = path.resolve(strict=False), folder.resolve(strict=False)
    except (OSError, RuntimeError) as exc:  # a link loop
        raise ModelError(f"{label}: cannot follow {name} ({exc})") from None
    if os.path.commonpath([real, root]) != str(root):
        raise LinkOutsideError(f"{label}: {name} is a link that leaves the model folder; copy the file in instead")
    return path


def bounded_build(build: Callable[[], Any], input_shape: tuple[int, int, int], label: str) -> None:
    """Build a module on PyTorch's ``meta`` device and check its parameters and every layer's output.

    The meta device records shapes without allocating storage, so the real
    build is only attempted once the sizes are known to fit.
    """
    import torch

    check_input_shape(input_shape, label)
    try:
        with torch.device("meta"):
            module = build()
    except ConvScopeError:  # the builder's own refusal (an input too small…)
        raise
    except Exception:  # noqa: BLE001 - a builder that needs real tensors: it is checked by the real build
        return
    check_params(sum(p.numel() for p in module.parameters()), label)
    sizes: list[tuple[str, tuple[int, ...]]] = []

    def record(name: str) -> Callable[..., None]:
        def hook(_module: Any, _inputs: Any, output: Any) -> None:
            if isinstance(output, torch.Tensor):
                sizes.append((name, tuple(output.shape[1:])))

        return hook

    handles = [m.register_forward_hook(record(n)) for n, m in module.named_modules() if n and not list(m.children())]
    try:
        with torch.no_grad():
            module.eval()(torch.empty(1, *input_shape, device="meta"))
    except Exception:  # noqa: BLE001 - shapes that do not fit are the real build's error to report
        return
    finally:
        for handle in handles:
            handle.remove()
    for name, shape in sizes:
        check_activation(shape, label, f"layer '{name}'")


__all__ = [
    "MAX_ACTIVATION",
    "MAX_COUNT",
    "MAX_INPUT_SIDE",
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_LAYERS",
    "MAX_PARAMS",
    "MAX_WEIGHT_BYTES",
    "LinkOutsideError",
    "bounded_build",
    "check_activation",
    "check_bytes",
    "check_folded",
    "check_h5_file",
    "check_input_shape",
    "check_layer",
    "check_layers",
    "check_params",
    "check_tensor",
    "inside",
    "layer_params",
    "load_json",
    "read_file",
    "read_h5_array",
    "read_zip_member",
]
