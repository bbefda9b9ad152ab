"""The bundled default model, the trained LeNet-5 and the sample images."""

import contextlib
import io
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import convscope
from convscope.cli import main
from convscope.data import load_fashion_mnist
from convscope.formats import load_model, resolve_model
from convscope.types import LayerKind
from tests.training.helpers import needs_fashion_mnist

ASSETS = Path(convscope.__file__).resolve().parent / "assets"
MODELS = {"default": ASSETS / "models" / "default", "lenet5-fashion": ASSETS / "models" / "lenet5-fashion"}
#: The default model carries its Fashion-MNIST samples in its own folder.
SAMPLES = ASSETS / "models" / "default" / "samples"


def provenance(name: str) -> dict:
    return json.loads((MODELS[name] / "model.json").read_text())["provenance"]


def test_the_default_is_a_tinyvgg_of_two_blocks_with_at_most_16_filters():
    network = resolve_model("default")
    kinds = [layer.kind for layer in network.layers[1:]]
    block = [LayerKind.CONV2D, LayerKind.RELU, LayerKind.CONV2D, LayerKind.RELU, LayerKind.MAXPOOL2D]
    assert kinds[:10] == block * 2 and kinds[10] is LayerKind.FLATTEN and kinds[-1] is LayerKind.LINEAR
    assert all(layer.hyper["out_channels"] <= 16 for layer in network.layers if layer.kind is LayerKind.CONV2D)
    assert network.input_spec.shape == (1, 28, 28)
    assert network.class_names[0] == "T-shirt/top" and network.class_names[9] == "Ankle boot"


def test_the_default_records_how_it_was_trained():
    record = provenance("default")
    assert record["command"].startswith("convscope train --arch tinyvgg")
    assert record["dataset"] == "fashion-mnist" and record["test_images"] == 10_000
    assert {"seed", "epochs", "test_accuracy"} <= record.keys()


@pytest.mark.parametrize("name", sorted(MODELS))
def test_bundled_weights_are_small_safetensors(name):
    weights = MODELS[name] / "weights.safetensors"
    assert weights.stat().st_size < 300_000
    assert not list(MODELS[name].glob("*.pt")) and not list(MODELS[name].glob("*.pkl"))


@pytest.fixture(scope="module")
def evaluated(fashion_mnist, tmp_path_factory) -> Callable[[str], dict]:
    """``convscope evaluate MODEL --data fashion-mnist --json``'s report, run once per bundled model."""
    reports: dict[str, dict] = {}

    def report(name: str) -> dict:
        if name not in reports:
            model = "default" if name == "default" else str(MODELS[name])
            out, printed = tmp_path_factory.mktemp(f"evaluate-{name}"), io.StringIO()
            with contextlib.redirect_stdout(printed):
                assert main(["evaluate", model, "--data", "fashion-mnist", "--out", str(out), "--json"]) == 0
            reports[name] = json.loads(printed.getvalue())
        return reports[name]

    return report


@pytest.mark.parametrize("name", sorted(MODELS))
def test_evaluate_reproduces_the_recorded_test_accuracy_exactly(name, evaluated):
    report = evaluated(name)
    assert report["images"] == 10_000
    assert report["accuracy"] == provenance(name)["test_accuracy"]


def test_the_default_meets_the_accuracy_goal_on_the_fashion_mnist_test_set(evaluated):
    # Measured here on the 10,000 test images, not read from the number its own training wrote.
    filters = json.loads((MODELS["default"] / "model.json").read_text())["architecture"]["options"]["filters"]
    assert evaluated("default")["accuracy"] >= (0.915 if filters <= 10 else 0.92)


def test_the_trained_lenet5_is_the_28_by_28_variant():
    network = load_model(MODELS["lenet5-fashion"])
    assert network.architecture["zoo"] == "lenet5" and network.input_spec.shape == (1, 28, 28)
    assert network.total_params == 61_706


def test_samples_json_lists_every_class_with_files_that_exist():
    meta = json.loads((SAMPLES / "samples.json").read_text())
    counts = np.bincount([s["class_index"] for s in meta["samples"]], minlength=10)
    assert len(meta["classes"]) == 10 and counts.min() >= 2
    for sample in meta["samples"]:
        assert meta["classes"][sample["class_index"]] == sample["label"]
        assert (SAMPLES / sample["file"]).is_file()


@needs_fashion_mnist
def test_sample_pngs_are_the_test_images_they_claim_to_be():
    meta = json.loads((SAMPLES / "samples.json").read_text())
    test = load_fashion_mnist("test")
    for sample in meta["samples"]:
        with Image.open(SAMPLES / sample["file"]) as png:
            pixels = np.asarray(png)
        np.testing.assert_array_equal(pixels, test.images[sample["test_index"], 0].numpy())
        assert int(test.labels[sample["test_index"]]) == sample["class_index"]
