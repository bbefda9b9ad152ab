"""Shared pieces of the insight tests: the bundled model, a sample image, Captum's gate."""

from __future__ import annotations

import importlib.util

import torch

from convscope.formats import resolve_model
from convscope.inputs import load_image
from convscope.network import Network
from tests.requirements import require

SAMPLE = "src/convscope/assets/models/default/samples/00000-ankle-boot.png"


def default_network() -> Network:
    return resolve_model("default")


def boot(network: Network) -> torch.Tensor:
    """The bundled ankle-boot sample, preprocessed: ``(1, 1, 28, 28)``."""
    from convscope.formats import DEFAULT_MODEL

    return network.input_spec.preprocess(load_image(str(DEFAULT_MODEL / "samples" / "00000-ankle-boot.png")))


def captum():
    require(importlib.util.find_spec("captum") is not None, "Captum", "pip install -c constraints.txt -e '.[test]'")
    import captum.attr

    return captum.attr


def assert_close_relative(actual: torch.Tensor, expected: torch.Tensor, rtol: float = 1e-5) -> None:
    """Equal to ``rtol`` of the larger magnitude (elementwise relative error is meaningless near zero)."""
    actual, expected = actual.detach(), expected.detach()
    scale = float(expected.abs().max())
    assert scale > 0, "the reference is all zeros: the comparison would prove nothing"
    torch.testing.assert_close(actual, expected, rtol=rtol, atol=rtol * scale)
