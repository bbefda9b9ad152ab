"""Training checkpoints, written atomically (see :mod:`convscope.atomic`).

Checkpoints are read back with ``weights_only=True``: tensors, numbers,
strings, lists and dicts only, never arbitrary pickled objects.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from convscope.atomic import write_atomic, write_json
from convscope.errors import ConvScopeError

CHECKPOINT_NAME = "checkpoint.pt"


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> Path:
    """Save a training state (state dicts, history, counters) atomically."""
    return write_atomic(path, lambda f: torch.save(state, f))


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Load a state saved by :func:`save_checkpoint` onto the CPU, without unpickling code.

    Example:
        >>> save_checkpoint("checkpoint.pt", {"epoch": 3}).name
        'checkpoint.pt'
        >>> load_checkpoint("checkpoint.pt")["epoch"]
        3
    """
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise ConvScopeError(f"no checkpoint at {path}; start the run without --resume") from None
    except Exception as exc:  # any unreadable checkpoint is the same user problem
        raise ConvScopeError(f"checkpoint {path} is unreadable ({type(exc).__name__}); start a new run") from exc


__all__ = ["CHECKPOINT_NAME", "load_checkpoint", "save_checkpoint", "write_atomic", "write_json"]
