"""A user's script that calls the public API passes ``mypy --strict``, and the hints are real.

``tests/user_scripts/typing_strict.py`` is what a notebook user writes; a second script with one
deliberate mistake proves mypy sees ConvScope's types (through ``py.typed``) rather than
``Any``, which would let any script pass.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

USER_SCRIPT = Path(__file__).parent / "user_scripts" / "typing_strict.py"
MISTAKE = """\
from convscope.formats import resolve_model

count: int = resolve_model("default").summary()
"""


@pytest.mark.slow
def test_mypy_strict_passes_a_user_script_and_catches_a_wrong_type(tmp_path):
    mistake = tmp_path / "mistake.py"
    mistake.write_text(MISTAKE)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(tmp_path / "cache"),
            str(USER_SCRIPT),
            mistake.name,
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1, result.stdout
    assert errors[0].startswith("mistake.py") and '"Summary"' in errors[0]
