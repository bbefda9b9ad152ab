"""Atomic files: a crash or Ctrl-C leaves the previous version, never half a file.

Everything is written to a temporary file in the same folder and moved over
the target with ``os.replace``, which is atomic on POSIX and Windows.
Checkpoints are read back with ``weights_only=True``: tensors, numbers,
strings, lists and dicts only, never arbitrary pickled objects.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import torch

from convscope.errors import ConvScopeError

CHECKPOINT_NAME = "checkpoint.pt"


def write_atomic(path: str | Path, write: Callable[[IO[bytes]], object]) -> Path:
    """Call ``write(handle)`` on a temporary file, then move it to ``path``.

    Args:
        path: the final file.
        write: writes the content to a binary file handle.

    Example:
        >>> write_atomic("out.bin", lambda f: f.write(b"ok"))  # doctest: +SKIP
        PosixPath('out.bin')
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_json(path: str | Path, data: Any) -> Path:
    """Write ``data`` as indented JSON, atomically."""
    text = json.dumps(data, indent=2) + "\n"
    return write_atomic(path, lambda f: f.write(text.encode("utf-8")))


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> Path:
    """Save a training state (state dicts, history, counters) atomically."""
    return write_atomic(path, lambda f: torch.save(state, f))


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Load a state saved by :func:`save_checkpoint` onto the CPU, without unpickling code.

    Example:
        >>> load_checkpoint("runs/fmnist/checkpoint.pt")["epoch"]  # doctest: +SKIP
        3
    """
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise ConvScopeError(f"no checkpoint at {path}; start the run without --resume") from None
    except Exception as exc:  # any unreadable checkpoint is the same user problem
        raise ConvScopeError(f"checkpoint {path} is unreadable ({type(exc).__name__}); start a new run") from exc
