"""``/api/models/{id}/insight/topk``: the patches equal the library's top-k and a brute-force loop; bad input is a 4xx."""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
import torch
from PIL import Image

from convscope.data.imageset import ImageSet
from convscope.formats import resolve_model, zoo_network
from convscope.insight.receptive import ReceptiveFields
from convscope.insight.topk import LayerTop, top_k
from convscope.server import create_app
from convscope.server.topk_jobs import TopkResult
from convscope.server.topk_payload import topk_payload
from tests.download_mirror import Mirror
from tests.server.images import noise, write_samples
from tests.server.live import live_server

LABELS = ["lifeboat", "ladybug", "pizza", "bell pepper"] * 3  # twelve samples


@pytest.fixture(scope="module")
def topk_home(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    samples = tmp_path_factory.mktemp("topk-samples")
    write_samples(samples, LABELS)
    folder = tmp_path_factory.mktemp("topk-folder")
    for label, seeds in (("bars", (1, 2, 3)), ("dots", (4, 5))):
        (folder / label).mkdir()
        for seed in seeds:
            noise(30, 30, seed=seed, mode="L").save(folder / label / f"{seed}.png")
    empty = tmp_path_factory.mktemp("topk-empty")
    return {"samples": samples, "folder": folder, "empty": empty, "cache": tmp_path_factory.mktemp("topk-cache")}


def topk_app(home: dict[str, Path]):
    torch.manual_seed(5)
    models = {
        "gray": zoo_network("tinyvgg", in_channels=1, input_size=28, seed=4),
        "rgb": zoo_network("tinyvgg", seed=1),
    }
    return create_app(
        models, samples_dir=home["samples"], train_data=[home["folder"], home["empty"]], insight_dir=home["cache"]
    )


@pytest.fixture(scope="module")
def app(topk_home):
    return topk_app(topk_home)


@pytest.fixture(scope="module")
def client(app) -> Iterator[httpx.Client]:
    with live_server(app) as url, httpx.Client(base_url=url, timeout=60) as c:
        yield c


def ready(client: httpx.Client, url: str, params: dict, timeout: float = 180.0) -> httpx.Response:
    """Poll as the page does until the pass is done; every 202 on the way is a progress report."""
    deadline = time.monotonic() + timeout
    while True:
        answer = client.get(url, params=params)
        if answer.status_code != 202:
            return answer
        progress = answer.json()
        assert progress["status"] in ("queued", "loading", "running")
        assert (
            progress["total"] is None or 0 <= progress["done"] <= progress["total"]
        )  # a folder's size is known once read
        assert time.monotonic() < deadline, f"the top-k pass did not finish: {progress}"
        time.sleep(0.2)


def fitted_samples(network, folder: Path, count: int) -> ImageSet:
    """The samples as the network sees them, read here with Pillow (not through the server's reader)."""
    pixels = [np.asarray(network.input_spec.fit_image(Image.open(folder / f"sample_{i}.png"))) for i in range(count)]
    stacked = np.stack([p.reshape(*p.shape[:2], -1) for p in pixels]).transpose(0, 3, 1, 2)
    return ImageSet(torch.from_numpy(stacked.copy()), torch.zeros(count, dtype=torch.long), ("",))


def decode_patch(url: str) -> np.ndarray:
    assert url.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))))


def test_the_offer_lists_the_layers_with_maps_and_the_datasets(client: httpx.Client, topk_home) -> None:
    gray = client.get("api/models/gray/insight/topk").json()
    assert gray["layers"][0] == "conv_1_1" and "flatten" not in gray["layers"]
    ids = [d["id"] for d in gray["datasets"]]
    assert {"samples", topk_home["folder"].name, topk_home["empty"].name} <= set(ids)
    assert gray["default"] == ids[0] and gray["k"] == {"default": 9, "max": 16}
    rgb = client.get("api/models/rgb/insight/topk").json()
    assert "fashion-mnist" not in [d["id"] for d in rgb["datasets"]]  # grey images do not fit three channels
    assert next(d for d in rgb["datasets"] if d["id"] == "samples")["size"] == len(LABELS)


def test_patches_equal_the_librarys_top_k_over_the_same_images(client: httpx.Client, app, topk_home) -> None:
    body = ready(client, "api/models/gray/insight/topk/conv_2_1", {"channel": 3, "k": 5, "data": "samples"}).json()
    network = app.state.service.models.get("gray")
    expected = top_k(network, fitted_samples(network, topk_home["samples"], len(LABELS)), k=5)["conv_2_1"]
    assert not any(m.training for m in network.module.modules())  # no trace can toggle modes under a pass
    fields = ReceptiveFields.of(network)
    assert [e["index"] for e in body["top"]] == expected.index[3].tolist()
    assert [e["value"] for e in body["top"]] == pytest.approx(expected.values[3].tolist(), rel=1e-6)
    assert [(e["y"], e["x"]) for e in body["top"]] == list(
        zip(expected.y[3].tolist(), expected.x[3].tolist(), strict=True)
    )
    assert [e["box"] for e in body["top"]] == [list(fields.box("conv_2_1", e["y"], e["x"])) for e in body["top"]]
    assert body["dataset"]["id"] == "samples" and body["dataset"]["size"] == len(LABELS) and body["k"] == 5
    assert body["receptive_field"]["size"] == list(fields.size("conv_2_1"))
    rows, cols = fields.size("conv_2_1")
    assert body["receptive_field"]["words"] == f"each unit of conv_2_1 sees a {rows}×{cols} patch of the input"
    assert [e["label"] for e in body["top"]] == [LABELS[e["index"]] for e in body["top"]]
    assert [e["id"] for e in body["top"]] == [f"sample_{e['index']}" for e in body["top"]]


def test_patches_equal_a_brute_force_loop_traced_one_image_at_a_time(client: httpx.Client, app, topk_home) -> None:
    body = ready(client, "api/models/gray/insight/topk/relu_1_2", {"channel": 1, "k": 4, "data": "samples"}).json()
    network = app.state.service.models.get("gray")
    found = []
    for i in range(len(LABELS)):
        image = Image.open(topk_home["samples"] / f"sample_{i}.png")
        unit = network.run(network.input_spec.preprocess(image)).output("relu_1_2")[0, 1]  # (H, W)
        flat = int(unit.flatten().argmax())  # the first maximum in row-major order
        found.append((-float(unit.max()), i, flat // unit.shape[1], flat % unit.shape[1]))
    found.sort()  # highest value first, the lower index on a tie
    assert [(e["index"], e["y"], e["x"]) for e in body["top"]] == [(i, y, x) for _, i, y, x in found[:4]]
    assert [e["value"] for e in body["top"]] == pytest.approx([-v for v, *_ in found[:4]], rel=1e-5)
    fitted = fitted_samples(network, topk_home["samples"], len(LABELS)).images
    for entry in body["top"]:
        top, left, bottom, right = entry["clipped"]
        crop = fitted[entry["index"], 0, top:bottom, left:right].numpy()
        np.testing.assert_array_equal(decode_patch(entry["patch"]), crop)


def test_padding_is_the_part_of_the_box_outside_the_image() -> None:
    network = resolve_model("default")  # its convolutions pad by 1, so a corner unit's box leaves the image
    fields = ReceptiveFields.of(network)
    image = np.arange(28 * 28, dtype=np.uint8).reshape(28, 28, 1)
    zero = torch.zeros((16, 1), dtype=torch.long)
    top = LayerTop(torch.ones((16, 1)), zero.clone(), zero.clone(), zero.clone())
    result = TopkResult({"conv_1_2": top}, fields, {0: image}, {0: "Bag"}, {0: None}, {"id": "x"}, stored=False)
    entry = topk_payload(network, result, "conv_1_2", 0, 1)["top"][0]
    assert entry["box"] == [-2, -2, 3, 3] and entry["clipped"] == [0, 0, 3, 3] and entry["padding"] == [2, 2, 0, 0]
    np.testing.assert_array_equal(decode_patch(entry["patch"]), image[:3, :3, 0])


def test_a_second_request_joins_the_running_pass_and_a_new_server_opens_the_stored_results(
    app, topk_home, client: httpx.Client
) -> None:
    folder = topk_home["folder"].name
    url, params = "api/models/gray/insight/topk/max_pool_2", {"channel": 0, "data": folder}
    jobs = app.state.topk
    network = app.state.service.models.get("gray")
    dataset = next(d for d in _offered(app, "gray") if d.id == folder)
    assert jobs.request(("gray", folder), network, dataset, 9) is jobs.request(("gray", folder), network, dataset, 9)
    first = ready(client, url, params).json()
    assert first["stored"] is False and first["dataset"]["size"] == 5 and first["k"] == 5
    assert list((topk_home["cache"]).glob("*/insight/topk.json")), "the results were not saved in the cache folder"
    with live_server(topk_app(topk_home)) as other, httpx.Client(base_url=other, timeout=60) as again:
        second = ready(again, url, params, timeout=30).json()
    assert second["stored"] is True and second["top"] == first["top"]


def _offered(app, model_id: str):
    from convscope.server.topk_datasets import offered_datasets

    svc = app.state.service
    return offered_datasets(svc.models.get(model_id), svc.samples.of(model_id), app.state.topk.folders)


@pytest.mark.parametrize(
    ("path", "params", "status", "words"),
    [
        ("nope", {}, 404, "no layer"),
        ("flatten", {}, 400, "no channels of maps"),
        ("output", {}, 400, "no channels of maps"),
        ("conv_1_1", {"channel": 10}, 400, "out of range"),
        ("conv_1_1", {"channel": -1}, 422, "channel"),
        ("conv_1_1", {"k": 0}, 422, "k"),
        ("conv_1_1", {"k": 17}, 422, "k"),
        ("conv_1_1", {"data": "imagenet"}, 400, "unknown dataset"),
    ],
)
def test_bad_requests_are_4xx_with_a_message(client: httpx.Client, path, params, status, words) -> None:
    answer = client.get(f"api/models/gray/insight/topk/{path}", params=params)
    assert answer.status_code == status
    assert words in answer.json()["detail"]


def test_grey_images_for_a_colour_model_and_an_empty_folder_are_refused(client: httpx.Client, topk_home) -> None:
    grey = client.get("api/models/rgb/insight/topk/conv_1_1", params={"data": "fashion-mnist"})
    assert grey.status_code == 400 and "3 channels" in grey.json()["detail"]
    answer = ready(client, "api/models/gray/insight/topk/conv_1_1", {"data": topk_home["empty"].name})
    assert answer.status_code == 400 and "holds no images" in answer.json()["detail"]
    assert client.get("api/models/nope/insight/topk").status_code == 404


def test_a_downloaded_models_own_samples_are_its_dataset(cnn_mirror: Mirror, tmp_path: Path) -> None:
    from convscope.server.registry import load_models

    app = create_app(load_models(["cnn-explainer"]), insight_dir=tmp_path / "cache")
    with live_server(app) as url, httpx.Client(base_url=url, timeout=60) as c:
        offer = c.get("api/models/cnn-explainer/insight/topk").json()
        assert offer["default"] == "samples"
        body = ready(c, "api/models/cnn-explainer/insight/topk/conv_1_1", {"channel": 2}).json()
        samples = c.get("api/models/cnn-explainer/samples").json()
    network = app.state.service.models.get("cnn-explainer")
    assert body["dataset"]["size"] == len(samples) and body["k"] == 9
    image = [s["id"] for s in samples].index(body["top"][0]["id"])
    assert body["top"][0]["index"] == image
    x = network.input_spec.preprocess(Image.open(network.samples_dir / f"{samples[image]['id']}.jpeg"))
    unit = network.run(x).output("conv_1_1")[0, 2]
    assert body["top"][0]["value"] == pytest.approx(float(unit.max()), rel=1e-5)
    assert decode_patch(body["top"][0]["patch"]).shape[2] == 3


def test_results_kept_in_the_models_own_folder_open_without_a_pass(tmp_path: Path) -> None:
    from convscope.insight.store import dataset_fingerprint, model_fingerprint, save_tops

    network = zoo_network("tinyvgg", in_channels=1, input_size=28, seed=6)
    write_samples(tmp_path / "model" / "samples", LABELS[:6])
    network.samples_dir = tmp_path / "model" / "samples"  # as a model folder loaded from disk has it
    data = fitted_samples(network, network.samples_dir, 6)
    tops = top_k(network, data, k=6)
    marked = tops["conv_1_1"].values.clone()
    marked[0, 0] = 1234.5  # so only the kept file can be the answer's source
    tops["conv_1_1"] = LayerTop(marked, tops["conv_1_1"].index, tops["conv_1_1"].y, tops["conv_1_1"].x)
    entry = {"source": "samples", "count": 6, "k": 6, "model": model_fingerprint(network)}
    save_tops(tmp_path / "model", dataset_fingerprint(data), entry, tops)  # what `convscope insight topk` writes
    app = create_app({"own": network}, insight_dir=tmp_path / "cache")
    with live_server(app) as url, httpx.Client(base_url=url, timeout=60) as c:
        body = ready(c, "api/models/own/insight/topk/conv_1_1", {"channel": 0, "k": 3}, timeout=30).json()
    assert body["stored"] is True and body["top"][0]["value"] == 1234.5 and body["k"] == 3
    assert not (tmp_path / "cache").exists()  # nothing computed, nothing written
