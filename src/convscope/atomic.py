"""Atomic files and folders that respect the umask: the one way ConvScope writes.

A crash, a full disk or Ctrl-C leaves the previous version, never half a file:
everything is written under a temporary name in the target's folder and moved
over the target with ``os.replace`` (atomic on POSIX and Windows).

``tempfile.mkstemp`` would create the temporary file with mode 0600 (and
``mkdtemp`` folders with 0700), which then survives the rename, so models and
reports came out unreadable to everyone else whatever the umask said. Here
the temporary names are created with ``os.open(..., 0o666)`` and
``os.mkdir(..., 0o777)``, so the kernel applies the umask exactly as for any
ordinary file.

Example:
    >>> write_atomic("out.bin", lambda f: f.write(b"ok"))
    PosixPath('out.bin')
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

from convscope.errors import ConvScopeError


def _temporary_name(folder: Path, name: str, suffix: str = ".tmp") -> Path:
    return folder / f".{name}.{secrets.token_hex(6)}{suffix}"


def _fail(path: Path, exc: OSError) -> ConvScopeError:
    why = exc.strerror or str(exc)
    return ConvScopeError(f"cannot write {path}: {why}; choose another place or free some space")


def make_folder(folder: str | Path) -> Path:
    """``mkdir -p`` with the failure (a file in the way, no permission) as one line."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ConvScopeError(f"cannot create the folder {folder}: a file of that name is in the way") from None
    except OSError as exc:
        raise ConvScopeError(f"cannot create the folder {folder}: {exc.strerror or exc}") from None
    return folder


def write_atomic(path: str | Path, write: Callable[[IO[bytes]], Any]) -> Path:
    """Call ``write(handle)`` on a new temporary file, then move it to ``path``.

    Args:
        path: the final file; its folder is created when missing.
        write: writes the content to a binary file handle.

    Raises:
        ConvScopeError: the folder or file cannot be written (permissions, full disk);
            ``path`` is left as it was.
    """
    path = Path(path)
    make_folder(path.parent)
    tmp = _temporary_name(path.parent, path.name)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise _fail(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _fail(path, exc) from None
        raise
    return path


def write_by_name(path: str | Path, produce: Callable[[Path], Any]) -> Path:
    """Like :func:`write_atomic` for writers that take a file name (``torch.onnx.export``).

    ``produce(tmp)`` writes the temporary file, which already exists (empty, with
    umask-respecting permissions) when it is called.
    """
    path = Path(path)
    make_folder(path.parent)
    tmp = _temporary_name(path.parent, path.name)
    try:
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        produce(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        raise _fail(path, exc) from None
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    return write_atomic(path, lambda f: f.write(data))


def write_json(path: str | Path, data: Any) -> Path:
    """Write ``data`` as indented JSON, atomically."""
    text = json.dumps(data, indent=2) + "\n"
    return write_bytes(path, text.encode("utf-8"))


def write_folder(target: str | Path, members: Mapping[str, bytes]) -> Path:
    """Write a folder of files atomically, replacing ``target`` if it exists.

    The new folder is filled under a temporary name, then swapped in; a crash
    leaves either the old folder or the new one whole.
    """
    target = Path(target)
    make_folder(target.parent)
    tmp = _temporary_name(target.parent, target.name, "")
    try:
        os.mkdir(tmp, 0o777)
    except OSError as exc:
        raise _fail(target, exc) from None
    try:
        for member, data in members.items():
            write_bytes(tmp / member, data)
        if target.exists():
            old = _temporary_name(target.parent, target.name, ".old")
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise _fail(target, exc) from None
        raise
    return target


__all__ = ["make_folder", "write_atomic", "write_by_name", "write_bytes", "write_folder", "write_json"]
