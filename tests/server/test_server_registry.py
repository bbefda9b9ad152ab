"""The model registry: what serving a network does to it."""

from __future__ import annotations

from convscope.network import Network
from convscope.server.registry import ModelRegistry
from convscope.zoo import get_entry


def _training_tinyvgg() -> Network:
    entry = get_entry("tinyvgg")
    network = Network(entry.build(dropout=0.5), entry.input_spec())
    network.module.train()
    return network


def test_served_networks_are_put_in_eval_mode_for_good() -> None:
    registry = ModelRegistry({"a": _training_tinyvgg()})
    assert not any(m.training for m in registry.get("a").module.modules())


def test_a_model_added_later_is_put_in_eval_mode_too() -> None:
    registry = ModelRegistry({"a": _training_tinyvgg()})
    registry.add("b", _training_tinyvgg())
    assert not any(m.training for m in registry.get("b").module.modules())
