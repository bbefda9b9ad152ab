"""``convscope compare`` and ``convscope summary --graph``: the table, its JSON, the SVG, one-line errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from convscope.cli import main


def test_compare_prints_one_column_per_model_with_totals(capsys):
    assert main(["compare", "lenet5", "tinyvgg"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["lenet5", "tinyvgg"]
    assert re.search(r"^parameters\s+61,706\s+19,920$", out, re.MULTILINE)
    assert re.search(r"^dense parameters\s+59,134\s+16,910$", out, re.MULTILINE)


def test_compare_json_totals_equal_summary_json(capsys):
    assert main(["compare", "lenet5", "alexnet", "--json"]) == 0
    compared = json.loads(capsys.readouterr().out)["models"]
    for facts in compared:
        assert main(["summary", facts["model"], "--json"]) == 0
        summary = json.loads(capsys.readouterr().out)
        assert (facts["params"], facts["mults"]) == (summary["total_params"], summary["total_mults"])
        assert [(layer["name"], layer["params"], layer["mults"]) for layer in facts["layers"]] == [
            (layer["name"], layer["params"], layer["mults"]) for layer in summary["layers"]
        ]
    assert [f["year"] for f in compared] == [1998, 2012]


def test_compare_unknown_model_exits_2_with_one_line(capsys):
    assert main(["compare", "lenet5", "no-such-model"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no-such-model" in err


def test_compare_refuses_more_models_than_fit(capsys):
    assert main(["compare", *(["lenet5"] * 9)]) == 2
    assert "at most 8" in capsys.readouterr().err


def _svg_counts(path: Path) -> tuple[int, int, int]:
    text = path.read_text()
    return text.count('<g class="node"'), len(re.findall(r'<path class="edge', text)), text.count('class="edge skip"')


def test_summary_graph_writes_every_layer_and_edge_of_resnet18(tmp_path, capsys):
    out = tmp_path / "resnet18.svg"
    assert main(["summary", "resnet18", "-o", "input_size=32", "--graph", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    edges = sum(len(layer["inputs"]) for layer in summary["layers"])
    assert _svg_counts(out) == (len(summary["layers"]), edges, 5)
    for layer in summary["layers"]:
        assert f'data-name="{layer["name"]}"' in out.read_text()
    assert (out.stat().st_mode & 0o777) == 0o666 & ~_umask()


def test_summary_graph_writes_shapes_in_hwc_order_when_asked(tmp_path, capsys):
    out = tmp_path / "tiny.svg"
    assert main(["summary", "tinyvgg", "--graph", str(out), "--order", "hwc"]) == 0
    assert "conv2d · 62×62×10" in out.read_text()


def test_summary_graph_under_a_file_exits_2_with_one_line(tmp_path, capsys):
    (tmp_path / "plain").write_text("not a folder")
    assert main(["summary", "tinyvgg", "--graph", str(tmp_path / "plain" / "g.svg")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "plain" in err


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("order", ["chw", "hwc"])
def test_summary_graph_of_an_untraceable_model_says_why(tmp_path, order):
    from convscope.graph_svg import structure_svg
    from convscope.inputs import InputSpec
    from convscope.network import Network
    from convscope.structure import Structure
    from tests.models import DataDependentNet

    svg = structure_svg(Structure.of(Network(DataDependentNet(), InputSpec(1, 8, 8))), order)
    assert "forward hooks see only the order" in svg
