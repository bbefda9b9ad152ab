"""Importers: models from ONNX, Keras (``.h5``, ``.keras``) and TF.js as ConvScope networks.

Every importer returns an :class:`ImportedModel`: a module whose layers keep
the file's layer names, the layer list it was built from (stored in model
files), the input spec, class names and where it came from.

Example:
    >>> detect_format("cnn-explainer-tinyvgg/model.json")
    'tfjs-layers'
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path

from convscope.errors import ModelError, NotFoundError
from convscope.formats.importers.common import ImportedModel
from convscope.optional import needs_extra

#: Format names :func:`detect_format` returns.
FORMATS = ("onnx", "keras-h5", "keras", "tfjs-layers")
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def detect_format(path: str | Path) -> str | None:
    """The format of a model file (one of :data:`FORMATS`), or ``None`` when it is none of them.

    Looks at the suffix first, then at the first bytes (HDF5 and zip signatures).

    Args:
        path: a file, or a folder holding a TF.js ``model.json``.

    Example:
        >>> detect_format("resnet.onnx")
        'onnx'
    """
    path = Path(path)
    if path.is_dir():
        return "tfjs-layers" if _looks_like_tfjs(path / "model.json") else None
    suffix = path.suffix.lower()
    if suffix == ".onnx":
        return "onnx"
    if suffix in (".h5", ".hdf5"):
        return "keras-h5"
    if suffix == ".keras":
        return "keras"
    if suffix == ".json":
        return "tfjs-layers" if _looks_like_tfjs(path) else None
    head = _head(path)
    if head.startswith(_HDF5_MAGIC):
        return "keras-h5"
    if head.startswith(b"PK") and _zip_has(path, "config.json"):
        return "keras"
    return None


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(8)
    except OSError:
        return b""


def _zip_has(path: Path, member: str) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return member in archive.namelist()
    except (OSError, zipfile.BadZipFile, UnicodeDecodeError, EOFError):
        return False


def _looks_like_tfjs(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            start = handle.read(65536)
    except OSError:
        return False
    return b'"modelTopology"' in start


def import_file(path: str | Path, *, classes: Sequence[str] | None = None) -> ImportedModel:
    """Import any supported model file.

    Args:
        path: ``.onnx``, ``.h5``/``.hdf5``, ``.keras``, a TF.js ``model.json`` or its folder.
        classes: one name per output unit, or ``None``.

    Raises:
        NotFoundError: the path does not exist.
        ModelError: an unknown format, or a file the importer cannot read.

    Example:
        >>> import_file("small.onnx").input_spec.shape
        (3, 32, 32)
    """
    path = Path(path)
    if not path.exists():
        raise NotFoundError(f"{path}: no such file or folder")
    fmt = detect_format(path)
    if fmt is None:
        raise ModelError(
            f"{path}: unknown model format; ConvScope imports .onnx, Keras .h5/.hdf5 and .keras files, "
            "and TF.js model.json"
        )
    if fmt == "onnx":
        with needs_extra("ONNX import"):
            from convscope.formats.importers.onnx_import import import_onnx

        return import_onnx(path, classes=classes)
    if fmt in ("keras-h5", "keras"):
        with needs_extra("Keras import"):
            from convscope.formats.importers.keras import import_keras

        return import_keras(path, classes=classes)
    from convscope.formats.importers.tfjs import import_tfjs

    return import_tfjs(path, classes=classes)


__all__ = ["FORMATS", "ImportedModel", "detect_format", "import_file"]
