"""The architectures comparison the page and ``/api/architectures`` show.

Zoo models are built once per process with their default options (seeded
random weights; only counts are read), and only their facts are kept.
"""

from __future__ import annotations

import threading
from typing import Any

from convscope.compare import Facts
from convscope.errors import ConvScopeError, NotFoundError
from convscope.network import Network

#: More models than the page can set side by side.
MAX_MODELS = 8
_zoo_facts: dict[str, dict[str, Any]] = {}
_lock = threading.Lock()


def zoo_facts(name: str) -> dict[str, Any]:
    """One zoo model's facts, built on first use and kept (the network itself is dropped)."""
    from convscope.formats import zoo_network

    with _lock:
        if name not in _zoo_facts:
            _zoo_facts[name] = Facts.of(zoo_network(name), model=name).to_dict()
        return _zoo_facts[name]


def comparison(models: str | None, served: dict[str, Network]) -> dict[str, Any]:
    """Facts for each named model: a served model id first, else a zoo name; ``zoo`` names every zoo model."""
    from convscope.zoo import list_models

    zoo = list_models()
    names = [n.strip() for n in models.split(",") if n.strip()] if models else []
    if names == ["zoo"]:
        names = zoo
    if not names:
        raise ConvScopeError("name at least one model, e.g. models=lenet5,alexnet")
    if len(names) > MAX_MODELS:
        raise ConvScopeError(f"compare at most {MAX_MODELS} models at once, not {len(names)}")
    out = []
    for name in dict.fromkeys(names):
        if name in served:
            out.append(Facts.of(served[name], model=name).to_dict())
        elif name in zoo:
            out.append(zoo_facts(name))
        else:
            raise NotFoundError(
                f"unknown model '{name}'; give a served model ({', '.join(served)}) or a zoo name ({', '.join(zoo)})"
            )
    return {"models": out}
