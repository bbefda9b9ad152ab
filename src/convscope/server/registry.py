"""The models a server offers, by id.

``create_app`` takes ready Networks or ``MODEL`` specs; specs go through
:func:`convscope.formats.resolve_model`. Ids are short, URL-safe and unique.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from convscope.errors import NotFoundError
from convscope.network import Network

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


class ModelRegistry:
    """Networks by id, in the order they were given (the first is the default)."""

    def __init__(self, models: Mapping[str, Network]) -> None:
        if not models:
            raise ValueError("a server needs at least one model")
        self._models = dict(models)
        for network in self._models.values():
            _serve(network)

    @property
    def ids(self) -> list[str]:
        return list(self._models)

    @property
    def default_id(self) -> str:
        return next(iter(self._models))

    def items(self) -> Iterable[tuple[str, Network]]:
        return self._models.items()

    def add(self, model_id: str, network: Network) -> None:
        """Offer one more model (a run trained from the Train page), listed after the others."""
        self._models[model_id] = _serve(network)

    def get(self, model_id: str) -> Network:
        try:
            return self._models[model_id]
        except KeyError:
            raise NotFoundError(f"unknown model '{model_id}'; this server offers: {', '.join(self._models)}") from None


def _serve(network: Network) -> Network:
    """Put a served network in eval mode for good: a server only infers.

    Left in training mode, each trace would switch dropout and batch norm to eval and back around
    its forward pass, and two traces overlapping (the server runs several at once) could switch
    them back on under one another.
    """
    network.module.eval()
    return network


def model_id_for(spec: str) -> str:
    """A URL-safe id for a ``MODEL`` spec: the spec itself, or a path's stem.

    Example:
        >>> model_id_for("runs/fashion/model.zip")
        'model'
        >>> model_id_for("downloads/tinyvgg/model.json")
        'tinyvgg'
    """
    text = str(spec)
    if "/" in text or "\\" in text or Path(text).suffix:
        path = Path(text)
        # A TF.js model is always called model.json: its folder names it better.
        text = (path.parent.name if path.name == "model.json" and path.parent.name else path.stem) or text
    return _UNSAFE.sub("-", text).strip("-") or "model"


def load_models(specs: Iterable[str], *, classes: list[str] | None = None) -> dict[str, Network]:
    """Resolve ``MODEL`` specs (see :func:`convscope.formats.resolve_model`) under unique ids."""
    from convscope.formats import resolve_model

    models: dict[str, Network] = {}
    for spec in specs:
        network = resolve_model(spec, classes=classes)
        key, n = model_id_for(spec), 2
        while key in models:  # two files with the same stem stay distinguishable
            key, n = f"{model_id_for(spec)}-{n}", n + 1
        models[key] = network
    return models
