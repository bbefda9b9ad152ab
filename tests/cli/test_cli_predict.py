import json

import numpy as np
import pytest
import torch
from PIL import Image

from convscope.cli import main
from convscope.formats import resolve_model


@pytest.fixture
def images(tmp_path):
    rng = np.random.default_rng(0)
    paths = []
    for i, (mode, size) in enumerate((("L", (28, 28)), ("RGB", (50, 40)))):
        shape = (size[1], size[0]) if mode == "L" else (size[1], size[0], 3)
        path = tmp_path / f"img{i}.png"
        Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode=mode).save(path)
        paths.append(path)
    return paths


def expected_probabilities(model: str, path, **options) -> torch.Tensor:
    network = resolve_model(model, **options)
    x = network.input_spec.preprocess(Image.open(path))  # (1, C, H, W)
    with torch.no_grad():
        return torch.softmax(network.module.eval()(x), dim=1)[0]


def test_predict_json_lists_top_classes_in_order_with_softmax_probabilities(images, capsys):
    args = ["predict", "tinyvgg", *map(str, images), "--top", "4", "--json"]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert [p["image"] for p in report["predictions"]] == [str(p) for p in images]
    for prediction, path in zip(report["predictions"], images, strict=True):
        probabilities = expected_probabilities("tinyvgg", path)
        top = probabilities.topk(4)
        assert [row["index"] for row in prediction["top"]] == top.indices.tolist()
        assert [row["probability"] for row in prediction["top"]] == pytest.approx(top.values.tolist(), abs=1e-6)


def test_predict_prints_class_names_and_percentages(images, capsys):
    assert main(["predict", "tinyvgg", str(images[0]), "--top", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == str(images[0]) and len(lines) == 3 and lines[1].rstrip().endswith("%")


def test_predict_unreadable_image_exits_2_with_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"garbage")
    assert main(["predict", "tinyvgg", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("convscope: error:") and "\n" not in err


def test_predict_missing_file_and_bad_top_exit_2(images, tmp_path, capsys):
    assert main(["predict", "tinyvgg", str(tmp_path / "missing.png")]) == 2
    assert main(["predict", "tinyvgg", str(images[0]), "--top", "0"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 2


def test_predict_image_for_a_model_with_unusual_channels_exits_2(images, capsys):
    assert main(["predict", "tinyvgg", "--arch-option", "in_channels=2", str(images[0])]) == 2
    assert "channels" in capsys.readouterr().err
