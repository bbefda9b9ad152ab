"""``convscope summary``: the table, its JSON twin, and one-line errors."""

from __future__ import annotations

import json

from convscope.cli import main


def test_summary_prints_every_tinyvgg_layer_with_totals(capsys):
    assert main(["summary", "tinyvgg"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[1].split() == [
        "layer", "kind", "output", "shape", "parameters", "multiplications", "receptive", "field",
    ]  # fmt: skip
    conv = next(line for line in lines if line.startswith("conv_1_1"))
    assert conv.split() == ["conv_1_1", "conv2d", "10×62×62", "280", "1,037,880", "3×3"]
    assert lines[-1].split() == ["total", "19,920", "5,608,780"]


def test_summary_json_matches_the_table(capsys):
    assert main(["summary", "tinyvgg", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total_params"] == 19_920
    assert [layer["name"] for layer in data["layers"]][-1] == "output"
    assert sum(layer["mults"] for layer in data["layers"]) == data["total_mults"] == 5_608_780
    assert [layer["receptive_field"] for layer in data["layers"][:4]] == [[1, 1], [3, 3], [3, 3], [5, 5]]


def test_summary_accepts_architecture_options(capsys):
    assert main(["summary", "tinyvgg", "-o", "filters=4", "-o", "in_channels=1", "-o", "input_size=28"]) == 0
    assert "4×26×26" in capsys.readouterr().out


def test_unknown_model_exits_2_with_one_line(capsys):
    assert main(["summary", "no-such-model"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown model 'no-such-model'" in err


def test_unknown_option_exits_2_and_lists_options(capsys):
    assert main(["summary", "tinyvgg", "-o", "colour=red"]) == 2
    err = capsys.readouterr().err
    assert "takes no option colour" in err and "filters" in err
