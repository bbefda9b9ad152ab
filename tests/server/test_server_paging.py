"""Big layers: the trace info's most-active-first channel order and the batched route's per-layer channel lists."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
import torch
from PIL import Image

from convscope.formats import zoo_network
from convscope.server import create_app
from convscope.server.tensor_codec import decode_frames
from tests.server.images import write_samples
from tests.server.live import live_server

LABELS = ["T-shirt/top", "Trouser", "Pullover"]


@pytest.fixture(scope="module")
def wide(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, object, Path]]:
    """A live server over a 20-filter TinyVGG (every conv layer has more than 16 channels)."""
    samples = tmp_path_factory.mktemp("paging-samples")
    write_samples(samples, LABELS)
    network = zoo_network("tinyvgg", filters=20, in_channels=1, input_size=28, seed=5)
    with (
        live_server(create_app({"wide": network}, samples_dir=samples)) as url,
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        yield client, network, samples


def _module_outputs(network, samples: Path, image: str) -> dict[str, torch.Tensor]:
    """Every named submodule's output from a plain forward pass with hooks (no Trace involved)."""
    outputs: dict[str, torch.Tensor] = {}
    handles = [
        module.register_forward_hook(lambda _m, _i, out, name=name: outputs.__setitem__(name, out.detach().clone()))
        for name, module in network.module.named_modules()
        if name
    ]
    try:
        with torch.no_grad():
            network.module.eval()(network.input_spec.preprocess(Image.open(samples / f"{image}.png")))
    finally:
        for handle in handles:
            handle.remove()
    return outputs


@pytest.mark.parametrize("image", ["sample_0", "sample_2"])
def test_channel_order_ranks_channels_by_largest_absolute_value_like_pytorch(wide, image: str) -> None:
    client, network, samples = wide
    info = client.get(f"api/models/wide/traces/{image}").json()
    outputs = _module_outputs(network, samples, image)
    checked = 0
    for layer in info["layers"]:
        if layer["name"] not in outputs or len(layer["shape"]) != 3:
            continue
        size = outputs[layer["name"]][0].abs().flatten(1).amax(dim=1).tolist()  # (C,)
        expected = sorted(range(len(size)), key=lambda c: (-size[c], c))
        assert layer["channel_order"] == expected, layer["name"]
        checked += 1
    assert checked == 10  # five convs, their ReLUs' outputs and both pools: every (20, H, W) layer
    assert {layer["name"]: layer["channel_order"] for layer in info["layers"]}["output"] == [0]


def test_batched_layers_send_exactly_the_listed_channels_in_order(wide) -> None:
    client, network, samples = wide
    info = client.get("api/models/wide/traces/sample_1").json()
    order = {layer["name"]: layer["channel_order"] for layer in info["layers"]}
    page = order["conv_1_1"][16:]  # the second page of the most active channels
    params = {"names": "input,conv_1_1,relu_2_2,output", "first": 16, "channels": f";{','.join(map(str, page))};;"}
    decoded = decode_frames(client.get(info["layers_url"].rstrip("/"), params=params).content)
    outputs = _module_outputs(network, samples, "sample_1")
    assert [h["channels"] for h, _ in decoded[:3]] == [[0], page, list(range(16))]
    np.testing.assert_allclose(decoded[1][1], outputs["conv_1_1"][0, page].numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(decoded[2][1], outputs["relu_2_2"][0, :16].numpy(), rtol=1e-5, atol=1e-6)
    assert decoded[3][1].shape == (10,)


@pytest.mark.parametrize(
    ("channels", "status", "words"),
    [
        ("0-3;1", 400, "2 lists for 3 names"),
        ("0;20;", 404, "channel 20 does not exist"),
        ("0;x;", 400, "ranges like"),
        ("0;;4", 400, "(C, H, W) layers only"),
    ],
)
def test_batched_channel_lists_are_validated_with_one_line_messages(
    wide, channels: str, status: int, words: str
) -> None:
    client, _, _ = wide
    info = client.get("api/models/wide/traces/sample_0").json()
    answer = client.get(info["layers_url"].rstrip("/"), params={"names": "input,conv_1_1,output", "channels": channels})
    assert answer.status_code == status
    detail = answer.json()["detail"]
    assert words in detail and "\n" not in detail
