"""Every docstring example in every public module of ``src/convscope`` runs and prints what it shows.

Modules are found on disk, not by importing the package, so a module that fails to
import fails its test instead of dropping out of the list. Examples of one explained
layer assume a network ``net`` and its ``trace`` (the package docstring of
``convscope.explain`` builds them); they come from :func:`namespace`, built once.
"""

from __future__ import annotations

import doctest
import functools
import importlib
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from convscope.inputs import InputSpec
from convscope.network import Network
from tests.models import InceptionNet, ResidualNet

SRC = Path(__file__).resolve().parents[1] / "src"
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


def public_modules() -> list[str]:
    """Dotted names of every module under ``src/convscope`` without a ``_private`` part (``__init__`` counts as its package)."""
    names = []
    for path in (SRC / "convscope").rglob("*.py"):
        parts = path.relative_to(SRC).with_suffix("").parts
        parts = parts[:-1] if parts[-1] == "__init__" else parts
        if not any(part.startswith("_") for part in parts):
            names.append(".".join(parts))
    return sorted(names)


class ClassifierHead(nn.Module):
    """conv → flatten → dropout → linear → softmax: layers the TinyVGG examples lack."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 2, 3)
        self.flatten = nn.Flatten()
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(2 * 6 * 6, 4)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.softmax(self.fc(self.drop(self.flatten(self.conv(x)))))  # (N, 4)


#: Examples whose ``net`` is not the zoo's TinyVGG: they name layers of these networks.
NETWORK_OF_EXAMPLE = {
    "convscope.explain.add.explain_add": "residual",  # add of conv2 and the stem's relu
    "convscope.explain.add.explain_concat": "inception",  # cat of four 4-channel branches
    "convscope.explain.batchnorm.explain_batchnorm": "residual",
    "convscope.explain.passthrough.explain_passthrough": "head",
    "convscope.explain.softmax.explain_softmax": "head",
}


@functools.cache
def namespace(network: str = "tinyvgg") -> dict[str, Any]:
    """``net``, a seeded ``trace`` of it, and the names the examples use without importing them."""
    from convscope.explain import explain
    from convscope.formats import zoo_network

    torch.manual_seed(0)
    net = {
        "tinyvgg": lambda: zoo_network("tinyvgg"),  # (3, 64, 64), as in convscope.explain's docstring
        "residual": lambda: Network(ResidualNet(), InputSpec(3, 16, 16)),
        "inception": lambda: Network(InceptionNet(), InputSpec(3, 16, 16)),
        "head": lambda: Network(ClassifierHead(), InputSpec(3, 8, 8)),
    }[network]()
    trace = net.run(torch.rand(1, *net.input_spec.shape))
    names: dict[str, Any] = {"net": net, "trace": trace, "explain": explain}
    if network == "tinyvgg":
        names["conv_layer"] = net.layer("conv_1_1")  # (10, 62, 62)
    return names


def run_examples(name: str) -> tuple[doctest.TestResults, str, set[str]]:
    """Run the examples of module ``name``: (results, the failure report, the docstrings seen)."""
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report: list[str] = []
    seen = set()
    for test in doctest.DocTestFinder(exclude_empty=True).find(module, name):
        seen.add(test.name)
        for key, value in namespace(NETWORK_OF_EXAMPLE.get(test.name, "tinyvgg")).items():
            test.globs.setdefault(key, value)  # the module's own names come first
        runner.run(test, out=report.append)
    return doctest.TestResults(runner.failures, runner.tries), "".join(report), seen


def test_public_modules_are_found_on_disk() -> None:
    modules = public_modules()
    assert {"convscope", "convscope.arithmetic", "convscope.explain.conv", "convscope.server.app"} <= set(modules)
    assert not [m for m in modules if "__main__" in m]


@pytest.mark.parametrize("name", public_modules())
def test_docstring_examples_run(name: str) -> None:
    results, report, _ = run_examples(name)
    assert results.failed == 0, report


def test_every_network_named_for_an_example_is_for_an_example_that_exists() -> None:
    modules = {name.rpartition(".")[0] for name in NETWORK_OF_EXAMPLE}
    seen = set().union(*(run_examples(module)[2] for module in modules))
    assert set(NETWORK_OF_EXAMPLE) <= seen, f"stale entries: {sorted(set(NETWORK_OF_EXAMPLE) - seen)}"
