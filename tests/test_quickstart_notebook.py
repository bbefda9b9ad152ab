"""examples/quickstart.ipynb runs headless from top to bottom and shows what it promises."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.requirements import require

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "quickstart.ipynb"


def test_the_quickstart_notebook_is_committed_without_outputs():
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    assert code and all(cell["outputs"] == [] and cell["execution_count"] is None for cell in code)


@pytest.mark.slow
def test_the_quickstart_notebook_executes_and_shows_each_step(tmp_path):
    try:
        import nbformat
        from nbclient import NotebookClient
    except ImportError:
        nbformat = None
    require(nbformat is not None, "nbclient and nbformat", "pip install -e '.[test]'")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = {cell.source.splitlines()[-1]: cell.outputs for cell in notebook.cells if cell.cell_type == "code"}

    def data(last_line: str) -> dict:
        found = [o for o in outputs[last_line] if o.get("output_type") in ("execute_result", "display_data")]
        assert found, f"the cell ending {last_line!r} showed nothing"
        return found[0]["data"]

    assert "14,970 parameters" in data("net")["text/plain"]
    printed = "".join(o.get("text", "") for o in outputs["print(net.summary())"])
    assert "conv_1_1" in printed and "total" in printed
    assert "Ankle boot" in data("trace")["text/html"] and "data:image/png" in data("trace")["text/html"]
    assert "image/png" in data('trace.plot_overview(scale="block")')
    assert "products" in data("step")["text/html"]
    assert "image/png" in data("step.plot()")
    assert "application/vnd.jupyter.widget-view+json" in data("w")
    assert "conv_1_2" in data('w.layer, w.channel, w.y, w.x, w.step["output"]')["text/plain"]
    errors = [o for cell_outputs in outputs.values() for o in cell_outputs if o.get("output_type") == "error"]
    assert errors == []
