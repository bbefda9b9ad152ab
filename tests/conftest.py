"""Shared fixtures: small real networks with seeded weights."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from convscope.inputs import InputSpec
from convscope.network import Network
from tests import requirements
from tests.models import InceptionNet, ResidualNet

REPO = Path(__file__).resolve().parents[1]
CNN_EXPLAINER = requirements.CNN_EXPLAINER


@pytest.fixture(scope="session")
def fashion_mnist() -> Path:
    """Debian's Fashion-MNIST folder; skips the test (fails it under CI) when it is missing."""
    return requirements.fashion_mnist()


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


@pytest.fixture
def tinyvgg_network() -> Network:
    from convscope.formats import zoo_network

    return zoo_network("tinyvgg")


@pytest.fixture
def residual_network() -> Network:
    torch.manual_seed(1)
    return Network(ResidualNet(), InputSpec(3, 16, 16))


@pytest.fixture
def inception_network() -> Network:
    torch.manual_seed(2)
    return Network(InceptionNet(), InputSpec(3, 16, 16))


@pytest.fixture
def cnn_explainer_dir() -> Path:
    """The shared CNN Explainer fixture; skips the test (fails it under CI) when it is missing."""
    return requirements.cnn_explainer()


@pytest.fixture(scope="session")
def expected() -> dict:
    """CNN Explainer's own probabilities for its sample images (the fixture's expected.json)."""
    return json.loads((requirements.cnn_explainer() / "expected.json").read_text())


# Imported last: download_mirror reads CNN_EXPLAINER from this module.
from tests.download_mirror import cnn_mirror, download_home  # noqa: E402, F401 - fixtures for every test folder
