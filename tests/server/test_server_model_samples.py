"""Samples belong to a model: each gallery lists its own model's images, never another's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from convscope.cli import main
from convscope.errors import ConvScopeError
from convscope.formats import resolve_model, zoo_network
from convscope.server import create_app
from convscope.server.registry import load_models
from tests import requirements
from tests.conftest import CNN_EXPLAINER
from tests.download_mirror import Mirror
from tests.server.live import live_server


@pytest.fixture
def two_models(cnn_mirror: Mirror) -> Iterator[httpx.Client]:
    app = create_app(load_models(["cnn-explainer", "default"]))
    with live_server(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def test_each_model_lists_only_its_own_samples(two_models: httpx.Client) -> None:
    cnn = two_models.get("api/models/cnn-explainer/samples").json()
    default = two_models.get("api/models/default/samples").json()
    assert sorted(s["id"] + ".jpeg" for s in cnn) == sorted(p.name for p in (CNN_EXPLAINER / "images").iterdir())
    assert len(default) == 30 and all(s["id"][0].isdigit() for s in default)
    assert not {s["id"] for s in cnn} & {s["id"] for s in default}
    espresso = next(s for s in cnn if s["id"] == "espresso_1")
    assert (espresso["label"], espresso["class_index"]) == ("espresso", 6)
    assert two_models.get(espresso["url"]).content == (CNN_EXPLAINER / "images" / "espresso_1.jpeg").read_bytes()
    # /api/samples is the first model's gallery.
    assert [s["id"] for s in two_models.get("api/samples").json()] == [s["id"] for s in cnn]


def test_a_models_sample_traces_to_its_published_probabilities_and_not_through_another_model(
    two_models: httpx.Client,
) -> None:
    expected = json.loads((CNN_EXPLAINER / "expected.json").read_text())["images"]["espresso_1.jpeg"]["probabilities"]
    trace = two_models.get("api/models/cnn-explainer/traces/espresso_1").json()
    np.testing.assert_allclose(trace["probabilities"], expected, atol=1e-5)
    wrong = two_models.get("api/models/default/traces/espresso_1")
    assert wrong.status_code == 404 and "unknown image" in wrong.json()["detail"]


def test_unknown_model_or_sample_is_a_404_with_a_message(two_models: httpx.Client) -> None:
    assert two_models.get("api/models/nope/samples").status_code == 404
    missing = two_models.get("api/models/default/samples/espresso_1/image")
    assert missing.status_code == 404 and "unknown sample" in missing.json()["detail"]


def test_a_zoo_model_is_listed_with_the_random_weights_notice_and_a_trained_one_without(
    two_models: httpx.Client,
) -> None:
    app = create_app({"tiny": zoo_network("tinyvgg"), "default": resolve_model("default")})
    with live_server(app) as url:
        listed = {m["id"]: m for m in httpx.get(f"{url}api/models", timeout=30).json()}
    assert listed["tiny"]["notice"] == "random weights — predictions are meaningless until trained"
    assert listed["default"]["notice"] is None


def _labelled_folder(root: Path) -> Path:
    for label, colour in (("pizza", (200, 120, 40)), ("koala", (120, 120, 120))):
        (root / label).mkdir(parents=True)
        Image.new("RGB", (64, 64), colour).save(root / label / "1.png")
    Image.new("RGB", (64, 64), (0, 0, 0)).save(root / "loose.png")
    return root


def test_a_samples_folder_is_added_to_every_model_labelled_by_sub_folder(tmp_path: Path, cnn_mirror: Mirror) -> None:
    folder = _labelled_folder(tmp_path / "mine")
    app = create_app(load_models(["cnn-explainer", "tinyvgg"]), samples_dir=folder)
    cnn = app.state.service.samples.of("cnn-explainer")
    added = [s for s in cnn if s.id not in {p.stem for p in (CNN_EXPLAINER / "images").iterdir()}]
    assert [(s.id, s.label, s.class_index) for s in added] == [
        ("loose", "", None),
        ("1", "koala", 5),
        ("pizza-1", "pizza", 2),
    ]
    tiny = app.state.service.samples.of("tinyvgg")
    assert [s.id for s in tiny] == ["loose", "1", "pizza-1"]  # a zoo model has no samples of its own


def test_serve_with_a_missing_samples_folder_exits_2_with_one_line(tmp_path: Path, capsys) -> None:
    assert main(["serve", "--model", "tinyvgg", "--samples", str(tmp_path / "nope"), "--port", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "does not exist" in err


def test_import_with_samples_stores_them_in_the_model_folder_and_the_server_shows_them(tmp_path: Path) -> None:
    requirements.cnn_explainer()
    classes = tmp_path / "classes.txt"
    classes.write_text("\n".join(json.loads((CNN_EXPLAINER / "expected.json").read_text())["classes"]))
    folder = _labelled_folder(tmp_path / "mine")
    out = tmp_path / "imported"
    assert (
        main(["import", str(CNN_EXPLAINER), "--out", str(out), "--classes", str(classes), "--samples", str(folder)])
        == 0
    )
    listing = json.loads((out / "samples" / "samples.json").read_text())["samples"]
    assert [(r["file"], r["label"], r["class_index"]) for r in listing] == [
        ("loose.png", "", None), ("1.png", "koala", 5), ("pizza-1.png", "pizza", 2)
    ]  # fmt: skip
    assert (out / "samples" / "pizza-1.png").read_bytes() == (folder / "pizza" / "1.png").read_bytes()
    app = create_app(load_models([str(out)]))
    assert [s.id for s in app.state.service.samples.of("imported")] == ["loose", "1", "pizza-1"]


def test_a_broken_samples_folder_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConvScopeError, match="holds no images"):
        create_app({"tiny": zoo_network("tinyvgg")}, samples_dir=tmp_path / "empty")
