"""The JSON + binary API against independent computations with the same networks."""

from __future__ import annotations

import hashlib
import io
import re

import httpx
import numpy as np
import pytest
import torch
from PIL import Image

from convscope.inputs import decode_image
from convscope.server.schemas import TraceInfo
from convscope.server.tensor_codec import decode_tensor
from tests.server import images
from tests.server.conftest import LABELS


def _network(app, model_id: str):
    return app.state.service.models.get(model_id)


def test_models_are_listed_in_order_with_their_input_specs(client: httpx.Client, app) -> None:
    listed = client.get("api/models").json()
    assert [m["id"] for m in listed] == ["gray", "rgb", "residual", "inception"]
    for entry in listed:
        network = _network(app, entry["id"])
        spec = network.input_spec
        assert entry["input_spec"] == {**spec.to_dict(), "channel_tints": list(spec.channel_tints)}
        assert entry["classes"] == list(network.class_names)
        assert entry["total_params"] == sum(p.numel() for p in network.module.parameters())


def test_input_specs_name_each_channels_tint_by_its_place_in_the_decoded_image(client: httpx.Client) -> None:
    tints = {m["id"]: m["input_spec"]["channel_tints"] for m in client.get("api/models").json()}
    assert tints["gray"] == ["gray"]
    assert tints["rgb"] == ["red", "green", "blue"]  # Pillow's RGB order, which preprocess keeps


def test_model_detail_carries_the_layer_graph(client: httpx.Client, app) -> None:
    detail = client.get("api/models/residual").json()
    network = _network(app, "residual")
    assert [layer["name"] for layer in detail["layers"]] == [layer.name for layer in network.layers]
    assert [layer["inputs"] for layer in detail["layers"]] == [list(layer.inputs) for layer in network.layers]
    assert detail["output_layer"] == network.output_layer


def test_samples_are_listed_with_true_labels_and_served(client: httpx.Client, samples_dir) -> None:
    listed = client.get("api/samples").json()
    assert [s["label"] for s in listed] == LABELS
    assert [s["class_index"] for s in listed] == list(range(len(LABELS)))
    body = client.get(listed[1]["url"]).content
    assert body == (samples_dir / "sample_1.png").read_bytes()


def test_sample_trace_matches_a_plain_forward_pass(client: httpx.Client, app, samples_dir) -> None:
    info = client.get("api/models/gray/traces/sample_2").json()
    network = _network(app, "gray")
    x = network.input_spec.preprocess(Image.open(samples_dir / "sample_2.png"))
    probs = network.predict(x)[0]
    np.testing.assert_allclose(info["probabilities"], probs.numpy(), rtol=1e-5, atol=1e-7)
    assert info["prediction"]["index"] == int(probs.argmax())
    assert info["prediction"]["label"] == network.class_names[int(probs.argmax())]
    with torch.no_grad():
        conv = network.module.get_submodule("conv_1_1")(x)  # (1, C, H, W), computed without the trace
    ranges = {layer["name"]: layer for layer in info["layers"]}["conv_1_1"]
    assert ranges["min"] == pytest.approx(float(conv.min()), rel=1e-6)
    assert ranges["max"] == pytest.approx(float(conv.max()), rel=1e-6)
    per_channel = conv[0].flatten(1)  # (C, H*W)
    np.testing.assert_allclose(
        ranges["channel_ranges"], torch.stack((per_channel.min(1)[0], per_channel.max(1)[0]), 1).numpy(), rtol=1e-6
    )


def test_layer_activations_arrive_as_exact_float32_or_rounded_float16(client: httpx.Client, app, samples_dir) -> None:
    info = client.get("api/models/gray/traces/sample_0").json()
    network = _network(app, "gray")
    x = network.input_spec.preprocess(Image.open(samples_dir / "sample_0.png"))
    with torch.no_grad():
        expected = torch.relu(network.module.get_submodule("conv_1_1")(x))[0].numpy()  # (C, H, W)
    header, values = decode_tensor(client.get(info["layers_url"] + "relu_1_1").content)
    assert header["shape"] == list(expected.shape) and header["channels"] == list(range(expected.shape[0]))
    np.testing.assert_allclose(values, expected, rtol=1e-6, atol=1e-7)
    header, values = decode_tensor(
        client.get(info["layers_url"] + "relu_1_1", params={"dtype": "float16", "channels": "2-4,7"}).content
    )
    assert header["channels"] == [2, 3, 4, 7]
    np.testing.assert_array_equal(values, expected[[2, 3, 4, 7]].astype(np.float16))


def test_many_layers_arrive_in_one_framed_response(client: httpx.Client, app) -> None:
    from convscope.server.tensor_codec import decode_frames

    info = client.get("api/models/residual/traces/sample_1").json()
    network = _network(app, "residual")
    trace = network.run(network.input_spec.preprocess(Image.open(app.state.service.samples.get("sample_1").path)))
    names = ["input", "stem", "fc"]
    body = client.get(info["layers_url"].rstrip("/"), params={"names": ",".join(names), "first": 3}).content
    decoded = decode_frames(body)
    assert [h["layer"] for h, _ in decoded] == names
    assert decoded[0][0]["channels"] == [0, 1, 2] and decoded[1][0]["channels"] == [0, 1, 2]
    np.testing.assert_allclose(decoded[1][1], trace.output("stem")[0, :3].numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(decoded[2][1], trace.output("fc")[0].numpy(), rtol=1e-5, atol=1e-6)
    missing = client.get(info["layers_url"].rstrip("/"), params={"names": "stem,nope"})
    assert missing.status_code == 404 and "no layer 'nope'" in missing.json()["detail"]
    assert client.get(info["layers_url"].rstrip("/"), params={"names": " , "}).status_code == 400


def test_flat_layers_arrive_whole(client: httpx.Client, app) -> None:
    info = client.get("api/models/gray/traces/sample_0").json()
    header, values = decode_tensor(client.get(info["layers_url"] + "output").content)
    assert header["shape"] == [10]
    np.testing.assert_allclose(values, info["logits"], rtol=1e-6)


@pytest.mark.parametrize("model_id", ["residual", "inception", "rgb"])
def test_every_layer_of_branching_networks_is_served_with_its_shape(client: httpx.Client, app, model_id: str) -> None:
    info = client.post(f"api/models/{model_id}/traces", files={"file": ("x.png", images.png(20, 20, seed=3))}).json()
    for layer in _network(app, model_id).layers:
        header, values = decode_tensor(client.get(info["layers_url"] + layer.name).content)
        assert tuple(values.shape) == layer.output_shape, layer.name


@pytest.mark.parametrize(("maker", "size"), [(images.png, (100, 60)), (images.jpeg, (45, 130))])
def test_uploads_of_other_sizes_are_converted_resized_and_cropped(client: httpx.Client, app, maker, size) -> None:
    data = maker(*size, seed=4)
    info = client.post("api/models/gray/traces", files={"file": ("photo", data)}).json()
    network = _network(app, "gray")
    assert info["image"] == hashlib.sha256(data).hexdigest()
    assert info["source"] == {"width": size[0], "height": size[1], "mode": "RGB", "notes": info["source"]["notes"]}
    assert any("converted from RGB" in n for n in info["source"]["notes"])
    assert any(f"resized from {size[0]}×{size[1]}" in n for n in info["source"]["notes"])
    seen = np.asarray(Image.open(io.BytesIO(client.get(info["image_url"]).content)))
    np.testing.assert_array_equal(seen, np.asarray(network.input_spec.fit_image(decode_image(data))))
    probs = network.predict(network.input_spec.preprocess(decode_image(data)))[0]
    assert info["prediction"]["index"] == int(probs.argmax())
    again = client.get(f"api/models/gray/traces/{info['image']}").json()  # the upload is kept by its hash
    assert again["probabilities"] == info["probabilities"]
    other = client.get(f"api/models/rgb/traces/{info['image']}").json()  # and another model can trace it
    assert len(other["probabilities"]) == 10 and other["model"] == "rgb"


@pytest.mark.parametrize(
    ("name", "maker", "note"),
    [
        ("animated GIF", images.animated_gif, "converted from P"),
        ("16-bit PNG", images.sixteen_bit_png, "converted from I;16"),
        ("CMYK JPEG", lambda: images.jpeg(50, 40, mode="CMYK"), "converted from CMYK"),
        ("palette PNG", images.palette_png, "converted from P"),
        ("RGBA PNG", lambda: images.png(30, 30, mode="RGBA"), "converted from RGBA"),
    ],
)
def test_unusual_image_modes_are_converted_not_refused(client: httpx.Client, name: str, maker, note: str) -> None:
    response = client.post("api/models/rgb/traces", files={"file": ("img", maker())})
    assert response.status_code == 200, (name, response.text)
    assert note in " ".join(response.json()["source"]["notes"])


@pytest.mark.parametrize(
    ("name", "data", "status", "words"),
    [
        ("empty", b"", 422, "empty"),
        ("truncated", images.png(60, 60)[:200], 422, "truncated"),
        ("not an image", b"hello, I am a text file\n" * 20, 422, "not an image"),
        ("over 10 MB", b"\x89PNG" + bytes(10 * 1024 * 1024), 422, "10 MB limit"),
        ("decompression bomb", images.pixel_bomb_png(), 422, "pixels"),
    ],
)
def test_bad_uploads_are_refused_with_a_one_line_message(
    client: httpx.Client, name: str, data: bytes, status: int, words: str
) -> None:
    response = client.post("api/models/gray/traces", files={"file": ("bad.png", data, "image/png")})
    assert response.status_code == status, name
    detail = response.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail and words in detail, detail
    assert client.get(f"api/models/gray/traces/{hashlib.sha256(data).hexdigest()}").status_code == 404  # never stored


@pytest.mark.parametrize(
    ("path", "params", "status", "words"),
    [
        ("api/models/nope", {}, 404, "unknown model 'nope'"),
        ("api/models/nope/traces/sample_0", {}, 404, "unknown model"),
        ("api/models/gray/traces/0123abcd", {}, 404, "unknown image"),
        ("api/models/gray/traces/sample_0/layers/conv_9", {}, 404, "no layer 'conv_9'"),
        ("api/models/gray/traces/sample_0/layers/conv_1_1", {"channels": "3-99"}, 404, "channel 99 does not exist"),
        ("api/models/gray/traces/sample_0/layers/conv_1_1", {"channels": "a,b"}, 400, "ranges like"),
        ("api/models/gray/traces/sample_0/layers/conv_1_1", {"channels": "5-2"}, 400, "low ≤ high"),
        ("api/models/gray/traces/sample_0/layers/output", {"channels": "1"}, 400, "(C, H, W) layers only"),
        ("api/models/gray/traces/sample_0/layers/conv_1_1", {"dtype": "int8"}, 422, "dtype"),
        ("api/samples/nope/image", {}, 404, "unknown sample"),
    ],
)
def test_unknown_ids_and_bad_parameters_get_4xx_messages(
    client: httpx.Client, path: str, params: dict, status: int, words: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == status
    assert words in response.json()["detail"]


def test_an_upload_without_a_file_is_a_422_with_one_message(client: httpx.Client) -> None:
    response = client.post("api/models/gray/traces")
    assert response.status_code == 422
    assert response.json() == {"detail": "invalid request: file: Field required"}


@pytest.mark.parametrize("model_id", ["gray", "inception"])
def test_the_trace_body_written_once_is_the_schema_s_rendering_of_the_trace_info(
    client: httpx.Client, app, model_id: str
) -> None:
    # The route answers bytes written in the worker thread; they must be what validating the
    # info against TraceInfo and encoding it would give (every field, every number).
    response = client.get(f"api/models/{model_id}/traces/sample_1")
    assert response.headers["content-type"] == "application/json"
    entry = app.state.service.cache.get((model_id, "sample_1"))
    urls = {
        "image_url": f"api/models/{model_id}/traces/sample_1/image",
        "layers_url": f"api/models/{model_id}/traces/sample_1/layers/",
    }
    expected = TraceInfo.model_validate({**entry.info, **urls}).model_dump(mode="json")
    assert response.json() == expected
    assert TraceInfo.model_validate_json(response.content).model_dump(mode="json") == expected


@pytest.mark.parametrize("model_id", ["gray", "rgb", "residual", "inception"])
def test_every_layer_s_ranges_and_channel_order_match_torch_on_the_traced_outputs(app, model_id: str) -> None:
    from convscope.server.payload import layer_ranges

    network = _network(app, model_id)
    x = torch.rand(1, *network.input_spec.shape, generator=torch.Generator().manual_seed(3)) * 2 - 1
    trace = network.run(x)
    got = {entry["name"]: entry for entry in layer_ranges(trace)}
    assert list(got) == [layer.name for layer in network.layers]
    ties = 0
    for layer in network.layers:
        out = trace.outputs[layer.name][0]
        flat = out.reshape(out.shape[0], -1) if out.dim() == 3 else out.reshape(1, -1)
        lows, highs = flat.min(dim=1).values, flat.max(dim=1).values
        size = torch.maximum(lows.abs(), highs.abs())
        entry = got[layer.name]
        assert entry["shape"] == list(layer.output_shape)
        assert (entry["min"], entry["max"]) == (float(out.min()), float(out.max()))
        assert entry["channel_ranges"] == torch.stack((lows, highs), dim=1).tolist()
        assert entry["channel_order"] == torch.argsort(size, descending=True, stable=True).tolist()
        ties += len(size) - len(set(size.tolist()))
    if model_id == "gray":
        assert ties > 0  # all-zero maps after its ReLUs: equal sizes keep their index order


def test_a_trace_is_computed_once_however_often_it_is_read(client: httpx.Client, app) -> None:
    cache = app.state.service.cache
    data = images.png(31, 29, seed=9)
    info = client.post("api/models/inception/traces", files={"file": ("a.png", data)}).json()
    misses = cache.misses
    for layer in ("b1", "b4", "cat", "fc"):
        client.get(info["layers_url"] + layer)
    client.get(info["image_url"])
    client.get(f"api/models/inception/traces/{info['image']}")
    client.post("api/models/inception/traces", files={"file": ("again.png", data)})
    assert cache.misses == misses


def test_the_page_and_its_local_assets_are_served(client: httpx.Client) -> None:
    page = client.get("")
    assert page.status_code == 200 and "static/js/app.js" in page.text
    assert not re.search(r'(src|href)="(https?:)?//', page.text), "every asset must be served locally"
    assert client.get("static/vendor/d3.min.js").text.startswith("// https://d3js.org v7")
    assert (
        "ISC" in client.get("static/vendor/d3-LICENSE").text
        or "Permission to use" in client.get("static/vendor/d3-LICENSE").text
    )
    assert client.get("static/js/app.js").headers["content-type"].startswith("text/javascript")


def test_a_model_producing_nan_answers_422_naming_the_layer() -> None:
    from convscope.formats import zoo_network
    from convscope.server import create_app
    from tests.server.live import live_server

    network = zoo_network("tinyvgg", in_channels=1, input_size=28)
    with torch.no_grad():
        network.module.conv_1_2.weight[0, 0, 0, 0] = float("nan")
    with live_server(create_app({"broken": network}, samples_dir=None)) as url:
        response = httpx.post(
            url + "api/models/broken/traces",
            files={"file": ("a.png", images.png(28, 28, seed=1), "image/png")},
            timeout=30,
        )
    assert response.status_code == 422
    assert "layer 'conv_1_2'" in response.json()["detail"]
