"""The check every importer's bad-input test makes: one clear line that names the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from convscope.errors import ModelError
from convscope.formats.importers import import_file


def assert_import_refused(path: Path, *needles: str) -> str:
    """Importing ``path`` raises a one-line ModelError naming it and containing every needle."""
    with pytest.raises(ModelError) as info:
        import_file(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    for needle in needles:
        assert needle in message, message
    return message
