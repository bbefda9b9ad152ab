"""The package declares ranges (so installing it leaves a user's torch alone) and pins only in constraints.txt."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _requirement(name: str, requirements: list[str]) -> str:
    return next(r for r in requirements if re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0] == name)


def test_torch_is_a_lower_bound_not_a_pin():
    torch_spec = _requirement("torch", PROJECT["dependencies"])
    assert re.fullmatch(r"torch>=\d+\.\d+", torch_spec), torch_spec


def test_the_installed_torch_satisfies_the_declared_range():
    floor = tuple(int(p) for p in _requirement("torch", PROJECT["dependencies"]).split(">=")[1].split("."))
    assert tuple(int(p) for p in torch.__version__.split("+")[0].split(".")[:2]) >= floor


def test_constraints_pin_the_tested_cpu_build_of_torch_and_jupyterlab():
    pins = [line for line in (REPO / "constraints.txt").read_text().splitlines() if line and not line.startswith("#")]
    assert pins == [f"torch=={version('torch').split('+')[0]}", f"jupyterlab=={version('jupyterlab')}"]


def test_the_readme_and_ci_install_with_the_constraints():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert (
        "python3 -m venv .venv && .venv/bin/pip install -c constraints.txt -e . && .venv/bin/convscope serve" in readme
    )
    assert ".venv/bin/pip install -c constraints.txt -e '.[test]' && .venv/bin/python -m pytest" in readme
    assert "-c constraints.txt -e '.[test]'" in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_importers_packages_are_an_extra_that_the_test_extra_pulls_in():
    base = {re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0] for r in PROJECT["dependencies"]}
    extras = PROJECT["optional-dependencies"]
    assert not base & {"h5py", "onnx"}
    assert {re.split(r"[<>=]", r)[0] for r in extras["formats"]} == {"h5py", "onnx"}
    assert "convscope[formats]" in extras["test"]


def test_version_flag_and_package_metadata_agree():
    import convscope

    assert PROJECT["version"] == convscope.__version__ == version("convscope")
