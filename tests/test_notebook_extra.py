"""The notebook's packages are optional extras: the base install never needs anywidget or Jupyter."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

PROJECT = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0] for r in requirements}


def test_widget_and_notebook_runner_packages_are_extras_not_base():
    notebook_packages = {"anywidget", "ipywidgets", "nbclient", "nbformat", "ipykernel", "jupyterlab"}
    assert not _names(PROJECT["dependencies"]) & notebook_packages
    assert _names(PROJECT["optional-dependencies"]["notebook"]) == {"anywidget"}
    assert "convscope[notebook]" in PROJECT["optional-dependencies"]["test"]
    assert {"nbclient", "nbformat", "ipykernel", "jupyterlab"} <= _names(PROJECT["optional-dependencies"]["test"])


def test_importing_convscope_does_not_import_the_widget_or_anywidget():
    code = "import sys, convscope; print('anywidget' in sys.modules, 'convscope.server.widget' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]
