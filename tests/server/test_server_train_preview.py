"""``/api/train/augment-preview``: the form's augmentation pictures are the library's, seeded, with field-named errors."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
import torch
from PIL import Image

from convscope.data.augment import Augmentation
from convscope.data.preview import pick_samples, preview_grid, to_bytes
from convscope.data.sources import load_dataset
from convscope.formats import zoo_network
from convscope.server import create_app
from tests.server.live import live_server
from tests.training.helpers import needs_fashion_mnist

pytestmark = needs_fashion_mnist


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    runs: Path = tmp_path_factory.mktemp("runs")
    app = create_app({"gray": zoo_network("tinyvgg", in_channels=1, input_size=28)}, runs_dir=runs)
    with live_server(app) as base, httpx.Client(base_url=base, timeout=120) as client:
        yield client


def decode(url: str) -> torch.Tensor:
    """A PNG data URL as uint8 ``(C, H, W)``."""
    assert url.startswith("data:image/png;base64,")
    pixels = np.array(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))))
    return torch.from_numpy(pixels if pixels.ndim == 3 else pixels[:, :, None]).permute(2, 0, 1)


def test_the_preview_images_are_the_library_grids_pixels(api):
    items = ["flip", "rotate=30", "crop=4"]
    answer = api.get("api/train/augment-preview", params={"augment": items, "count": 5, "seed": 3})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    data = load_dataset("fashion-mnist", split="train")
    titles, columns = preview_grid(data, Augmentation.parse(items), count=5, seed=3)
    assert [c["title"] for c in body["columns"]] == titles == ["original", "flip", "crop", "rotate", "all"]
    for column, expected in zip(body["columns"], columns, strict=True):
        got = torch.stack([decode(url) for url in column["images"]])
        assert torch.equal(got, to_bytes(expected)), column["title"]
    assert body["samples"] == [data.classes[int(data.labels[i])] for i in pick_samples(data, 5, 3)]
    assert body["augment"] == Augmentation.parse(items).names()


def test_the_same_settings_give_the_same_picture_and_another_seed_another(api):
    params = {"augment": ["rotate=45"], "count": 3, "seed": 1}
    first = api.get("api/train/augment-preview", params=params).json()
    again = api.get("api/train/augment-preview", params=params).json()
    other = api.get("api/train/augment-preview", params={**params, "seed": 2}).json()
    assert first == again
    assert first["columns"][1]["images"] != other["columns"][1]["images"]


def test_no_augmentation_shows_only_the_originals(api):
    body = api.get("api/train/augment-preview", params={"count": 2}).json()
    assert [c["title"] for c in body["columns"]] == ["original"] and len(body["columns"][0]["images"]) == 2


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"augment": ["rotate=999"]}, "augment", "from 0 to 180"),
        ({"augment": ["spin"]}, "augment", "unknown augmentation"),
        ({"augment": ["crop=x"]}, "augment", "needs a number"),
        ({"count": 0}, "count", "--count must be from 1"),
        ({"seed": -1}, "seed", "--seed must be from 0"),
        ({"data": "cifar"}, "data", "unknown dataset"),
    ],
)
def test_bad_settings_get_the_forms_field_named_400(api, params, field, words):
    answer = api.get("api/train/augment-preview", params=params)
    assert answer.status_code == 400
    assert answer.json()["field"] == field and words in answer.json()["detail"]


def test_the_metrics_of_a_run_that_is_not_there_are_a_404_and_a_bad_name_a_400(api):
    assert api.get("api/train/runs/nothing-here/metrics").status_code == 404
    answer = api.get("api/train/runs/..bad/metrics")
    assert answer.status_code == 400 and "run name" in answer.json()["detail"]
