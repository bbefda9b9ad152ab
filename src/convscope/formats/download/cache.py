"""Where downloads live: one cache folder per user, overridable for classrooms and tests.

``$CONVSCOPE_HOME`` when set, else ``$XDG_CACHE_HOME/convscope``, else
``~/.cache/convscope``. Inside it:

- ``models/NAME/``: the ConvScope model folder a download became (what loads);
- ``downloads/NAME/FILE``: fetched files while a model is being built; a user
  without network can put the files here by hand (``--offline`` says which).
"""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "CONVSCOPE_HOME"
MIRROR_ENV = "CONVSCOPE_MIRROR"
OFFLINE_ENV = "CONVSCOPE_OFFLINE"


def cache_root() -> Path:
    """The cache folder (not created here).

    Example:
        >>> from unittest import mock
        >>> with mock.patch.dict(os.environ, {"CONVSCOPE_HOME": "/srv/convscope"}):
        ...     str(cache_root())
        '/srv/convscope'
    """
    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "convscope"


def model_dir(name: str) -> Path:
    """Where the model folder of a downloaded ``name`` lives."""
    return cache_root() / "models" / name


def download_dir(name: str) -> Path:
    """Where the files of ``name`` are fetched to (or put by hand) before the model is built."""
    return cache_root() / "downloads" / name


def offline() -> bool:
    """True when ``CONVSCOPE_OFFLINE`` is set to anything but ``""``/``0``."""
    return os.environ.get(OFFLINE_ENV, "") not in ("", "0")
