"""``convscope insight …``: the JSON shapes of the issue, files written, and one-line errors with exit 2."""

from __future__ import annotations

import json

import pytest
import torch

from convscope.cli import main
from convscope.formats import DEFAULT_MODEL, resolve_model
from convscope.inputs import load_image
from convscope.insight.attribution import attribute
from tests.requirements import needs_fashion_mnist

BOOT = str(DEFAULT_MODEL / "samples" / "00000-ankle-boot.png")


def _one_line_error(capsys, *words):
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for word in words:
        assert word in err
    return err


def test_attribute_json_holds_the_map_at_input_resolution_with_its_checks(capsys, tmp_path):
    out = tmp_path / "a.png"
    argv = ["insight", "attribute", "default", BOOT, "--method", "gradcam", "--class", "9", "--out", str(out), "--json"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["method"], data["layer"], data["class"]) == ("gradcam", "max_pool_2", 9)
    net = resolve_model("default")
    expected = attribute(net, net.input_spec.preprocess(load_image(BOOT)), 9, "gradcam").map
    torch.testing.assert_close(torch.tensor(data["map"]), expected)
    assert set(data["sanity"]) >= {"correlation", "flagged", "randomised_layers"}
    assert data["faithfulness"]["deletion_area"] >= 0 and out.read_bytes().startswith(b"\x89PNG")


def test_integrated_gradients_report_their_completeness(capsys):
    assert main(["insight", "attribute", "default", BOOT, "--method", "integrated-gradients", "--steps", "8",
                 "--class", "9", "--json"]) == 0  # fmt: skip
    c = json.loads(capsys.readouterr().out)["completeness"]
    assert c["error"] == pytest.approx(c["sum"] - c["difference"])


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["insight", "attribute", "default", BOOT, "--method", "gradcam", "--layer", "output"], ["no spatial map"]),
        (["insight", "attribute", "default", BOOT, "--class", "10"], ["out of range", "0 to 9"]),
        (["insight", "filters", "default", "--layer", "relu_1_1"], ["not a convolution"]),
        (["insight", "visualize", "default", "--layer", "conv_1_1", "--channel", "99", "--steps", "1"], ["0 to 15"]),
        (["insight", "topk", "default", "--layer", "flatten"], ["no channels of maps"]),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, words, capsys):
    assert main(argv) == 2
    _one_line_error(capsys, *words)


def test_an_empty_folder_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["insight", "topk", "default", "--layer", "conv_1_1", "--data", str(tmp_path)]) == 2
    _one_line_error(capsys, "holds no images")


@needs_fashion_mnist
def test_grey_fashion_mnist_does_not_fit_an_rgb_model(capsys):
    assert main(["insight", "topk", "tinyvgg", "--layer", "conv_1_1", "--limit", "5"]) == 2
    _one_line_error(capsys, "grey images", "3 channels")


@needs_fashion_mnist
def test_topk_json_has_the_issues_shape_and_is_kept_in_the_store(tmp_path, capsys):
    argv = ["insight", "topk", "default", "--layer", "conv_2_1", "--k", "3", "--limit", "60", "--store", str(tmp_path)]
    assert main([*argv, "--channel", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["layer"] == "conv_2_1" and [c["channel"] for c in data["channels"]] == [2]
    top = data["channels"][0]["top"]
    assert len(top) == 3 and set(top[0]) == {"index", "value", "y", "x", "box"}
    assert [t["value"] for t in top] == sorted((t["value"] for t in top), reverse=True)
    assert (tmp_path / "insight" / "topk.safetensors").is_file() and (tmp_path / "insight" / "topk.json").is_file()
    assert main([*argv, "--channel", "2", "--json"]) == 0  # read back from the store
    assert json.loads(capsys.readouterr().out)["channels"] == data["channels"]


def test_filters_visualize_and_kernels_write_and_report(tmp_path, capsys):
    assert (
        main(["insight", "filters", "default", "--layer", "conv_1_1", "--sort", "--out", str(tmp_path / "f.png")]) == 0
    )
    assert (tmp_path / "f.png").read_bytes().startswith(b"\x89PNG")
    capsys.readouterr()
    argv = [
        "insight",
        "visualize",
        "default",
        "--class",
        "9",
        "--steps",
        "5",
        "--out",
        str(tmp_path / "v.png"),
        "--json",
    ]
    assert main(argv) == 0
    assert len(json.loads(capsys.readouterr().out)["curve"]) == 5
    assert main(["insight", "kernels", "default", BOOT, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["filters"]) == 16 and data["outputs"][0]["name"] == "sobel-x"
