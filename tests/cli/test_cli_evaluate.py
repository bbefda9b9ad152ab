import json

import pytest
import torch
from PIL import Image

from convscope.cli import main
from convscope.data import load_fashion_mnist
from convscope.formats import load_model
from convscope.training.run import train
from tests.training.helpers import needs_fashion_mnist, tiny_config

pytestmark = needs_fashion_mnist


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("eval") / "run"
    train(tiny_config(epochs=1), out)
    return out / "model"


def independent_confusion(model_dir, count):
    """Count predictions image by image through the public Network API."""
    network = load_model(model_dir)
    data = load_fashion_mnist("test").head(count)
    confusion = torch.zeros(10, 10, dtype=torch.long)
    for i in range(count):
        x = network.input_spec.pixels_to_tensor(data.images[i, 0].numpy())
        confusion[int(data.labels[i]), int(network.predict(x).argmax())] += 1
    return confusion


def test_evaluate_reproduces_the_accuracy_recorded_at_training(model_dir, tmp_path, capsys):
    assert (
        main(
            ["evaluate", str(model_dir), "--data", "fashion-mnist", "--limit", "200", "--out", str(tmp_path), "--json"]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    recorded = json.loads((model_dir / "model.json").read_text())["provenance"]["test_accuracy"]
    assert report["accuracy"] == recorded and report["images"] == 200


def test_confusion_matrix_json_and_png_match_an_independent_count(model_dir, tmp_path, capsys):
    assert main(["evaluate", str(model_dir), "--limit", "120", "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    saved = json.loads((tmp_path / "confusion.json").read_text())
    expected = independent_confusion(model_dir, 120)
    assert saved["confusion"] == expected.tolist()
    per_class = expected.diagonal().double() / expected.sum(dim=1).double()
    for name, value in zip(saved["classes"], per_class.tolist(), strict=True):
        assert saved["per_class_accuracy"][name] == pytest.approx(value)
    assert f"{float(expected.diagonal().sum()) / 120:.2%}" in text and "Ankle boot" in text
    with Image.open(tmp_path / "confusion.png") as png:
        assert png.format == "PNG" and png.size[0] > 300


def test_evaluate_on_a_folder_maps_classes_by_name(model_dir, tmp_path, capsys):
    test = load_fashion_mnist("test").head(40)
    names = ["Trouser", "Bag"]
    root = tmp_path / "set"
    for i in range(40):
        label = load_model(model_dir).class_names[int(test.labels[i])]
        if label in names:
            (root / label).mkdir(parents=True, exist_ok=True)
            Image.fromarray(test.images[i, 0].numpy()).save(root / label / f"{i}.png")
    assert main(["evaluate", str(model_dir), "--data", str(root), "--out", str(tmp_path / "e")]) == 2
    assert "10 classes but the data has 2" in capsys.readouterr().err


def test_evaluate_bad_model_or_data_exits_2(model_dir, tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "nothing"), "--out", str(tmp_path / "e")]) == 2
    assert main(["evaluate", str(model_dir), "--data", str(tmp_path / "none"), "--out", str(tmp_path / "e")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("convscope: error:") for line in err)
    assert not (tmp_path / "e").exists()


def test_a_model_with_mismatched_weights_exits_2(model_dir, tmp_path, capsys):
    broken = tmp_path / "broken"
    broken.mkdir()
    meta = json.loads((model_dir / "model.json").read_text())
    meta["architecture"]["options"]["filters"] = 6
    (broken / "model.json").write_text(json.dumps(meta))
    (broken / "weights.safetensors").write_bytes((model_dir / "weights.safetensors").read_bytes())
    assert main(["evaluate", str(broken), "--limit", "10", "--out", str(tmp_path / "e")]) == 2
    assert "shape" in capsys.readouterr().err
