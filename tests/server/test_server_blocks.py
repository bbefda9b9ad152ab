"""The model payload carries each layer's block and fold and how the overview opens (convscope.layer_blocks)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from convscope.formats import zoo_network
from convscope.layer_blocks import fold_targets, layer_blocks, network_blocks
from convscope.server import create_app
from tests.server.live import live_server

NETWORKS = {"resnet18": {"input_size": 37}, "tinyvgg": {}}


@pytest.fixture(scope="module")
def networks():
    return {name: zoo_network(name, **options) for name, options in NETWORKS.items()}


@pytest.fixture(scope="module")
def client(networks) -> Iterator[httpx.Client]:
    with live_server(create_app(networks)) as url, httpx.Client(base_url=url, timeout=30) as c:
        yield c


@pytest.mark.parametrize("model_id", list(NETWORKS))
def test_model_detail_sends_blocks_folds_and_the_overview_defaults(client, networks, model_id: str) -> None:
    detail = client.get(f"api/models/{model_id}").json()
    net = networks[model_id]
    blocks, folds = layer_blocks(net), fold_targets(net)
    assert {layer["name"]: layer["block"] for layer in detail["layers"]} == blocks
    assert {layer["name"]: layer["fold_into"] for layer in detail["layers"]} == {
        layer.name: folds.get(layer.name) for layer in net.layers
    }
    assert detail["blocks"] == [block.to_dict() for block in network_blocks(net)]
    deep = model_id == "resnet18"
    assert detail["overview"] == {"compact": deep, "collapsed": deep}
