"""A live server over small real networks with seeded weights, and sample images."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import torch

from convscope.formats import zoo_network
from convscope.inputs import InputSpec
from convscope.network import Network
from convscope.server import create_app
from tests.models import InceptionNet, ResidualNet
from tests.server.images import write_samples
from tests.server.live import live_server

LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress"]


def server_networks() -> dict[str, Network]:
    torch.manual_seed(11)
    residual = Network(ResidualNet(), InputSpec(3, 16, 16), name="residual")
    torch.manual_seed(12)
    inception = Network(InceptionNet(), InputSpec(3, 16, 16), name="inception")
    return {
        "gray": zoo_network("tinyvgg", in_channels=1, input_size=28),
        "rgb": zoo_network("tinyvgg", seed=1),
        "residual": residual,
        "inception": inception,
    }


@pytest.fixture(scope="session")
def samples_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("samples")
    write_samples(folder, LABELS)
    return folder


@pytest.fixture(scope="session")
def app(samples_dir: Path):
    return create_app(server_networks(), samples_dir=samples_dir, cache_size=8)


@pytest.fixture(scope="session")
def base_url(app) -> Iterator[str]:
    with live_server(app) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30) as c:
        yield c
