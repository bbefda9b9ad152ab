"""docs/python.md: every example on the page runs and prints what it shows."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "python.md"


def test_every_example_in_the_python_docs_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the plot examples write their figures here
    monkeypatch.setenv("CONVSCOPE_HOME", str(tmp_path / "home"))
    result = doctest.testfile(
        str(DOC), module_relative=False, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, report=True
    )
    assert result.attempted > 40
    assert result.failed == 0, "see the doctest report above"


@pytest.mark.parametrize(
    "name",
    [
        "resolve_model",
        "zoo_network",
        "Network(",
        "InputSpec",
        "summary()",
        ".run(",
        ".predict(",
        ".output(",
        ".item(",
        "top_classes",
        "value_range",
        "channel_ranges",
        "explain(",
        "explain_probabilities",
        "intermediate_maps",
        "plot_maps",
        "plot_overview",
        ".plot()",
        "plot_filters",
        ".layer(",
    ],
)
def test_the_python_docs_show_each_public_entry_point(name):
    assert ">>> " in DOC.read_text() and name in DOC.read_text()
