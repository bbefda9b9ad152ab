import json

import pytest
from PIL import Image

from convscope.cli import main
from tests.training.helpers import needs_fashion_mnist


@needs_fashion_mnist
def test_preview_grid_has_a_column_per_augmentation_and_a_row_per_sample(tmp_path, capsys):
    out = tmp_path / "grid.png"
    assert (
        main(
            [
                "augment-preview",
                "--count",
                "3",
                "--augment",
                "flip",
                "--augment",
                "rotate=20",
                "--out",
                str(out),
                "--json",
            ]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["columns"] == ["original", "flip", "rotate", "all"]
    assert len(report["samples"]) == 3 and len(set(report["samples"])) == 3  # one per class first
    with Image.open(out) as png:
        assert png.format == "PNG" and png.size[0] > png.size[1]


def test_preview_of_a_folder_dataset_uses_rgb_colour_shift(tmp_path, capsys):
    for name, color in (("red", (220, 20, 20)), ("blue", (20, 20, 220))):
        (tmp_path / "set" / name).mkdir(parents=True)
        Image.new("RGB", (30, 20), color).save(tmp_path / "set" / name / "a.png")
    out = tmp_path / "grid.png"
    assert (
        main(
            [
                "augment-preview",
                "--data",
                str(tmp_path / "set"),
                "--augment",
                "color",
                "--size",
                "16",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert "original, color" in capsys.readouterr().out and out.exists()


@pytest.mark.parametrize("args", [["--augment", "blur"], ["--count", "0"], ["--data", "/no/such/set"]])
def test_preview_bad_input_exits_2_and_writes_nothing(tmp_path, capsys, args):
    out = tmp_path / "grid.png"
    assert main(["augment-preview", *args, "--out", str(out)]) == 2
    assert capsys.readouterr().err.startswith("convscope: error:") and not out.exists()
