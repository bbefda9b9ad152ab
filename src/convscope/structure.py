"""A Network's layer graph as a diagram's data: nodes, edges, skip edges and blocks.

Collect (the ``Layer`` records), aggregate (:class:`Structure`): the structure
view, ``convscope summary --graph`` and the tests read this one object, so
every drawn count is a layer record's. Blocks come from the module hierarchy
the layer names carry (``layer1.0.conv1`` sits in the block ``layer1.0``, which
sits in the stage ``layer1``); a block can be drawn collapsed as one node.

Example:
    >>> from convscope.formats import zoo_network
    >>> s = Structure.of(zoo_network("resnet18", input_size=32))
    >>> s.blocks_by_id["layer1.0"].kind, len(s.skip_edges) > 0
    ('residual', True)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from convscope.network import Layer, Network
from convscope.types import LayerKind

#: Why a model found with forward hooks has a chain, not a graph.
NO_GRAPH_REASON = (
    "forward hooks see only the order in which leaf modules ran, not which output each one read, "
    "so the layers are shown as a chain in call order"
)


@dataclass(frozen=True)
class Edge:
    """``source``'s output is read by ``target``; ``skip`` when it bypasses a longer path between them."""

    source: str
    target: str
    skip: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "skip": self.skip}


@dataclass(frozen=True)
class Block:
    """A module holding several layers (a residual block, an inception module, a stage)."""

    id: str
    #: The module's class name (``BasicBlock``, ``Inception``, ``Sequential``).
    module_class: str
    #: ``residual`` (holds an add), ``inception`` (holds a concat of branches), ``module`` otherwise.
    kind: str
    parent: str | None
    #: Every layer inside, nested blocks' layers included, in execution order.
    members: tuple[str, ...]
    params: int
    mults: int
    #: The output shape of the block's last layer.
    output_shape: tuple[int, ...]
    #: How many blocks of the model share this module class (2 or more: a repeated block).
    repeats: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "module_class": self.module_class,
            "kind": self.kind,
            "parent": self.parent,
            "members": list(self.members),
            "params": self.params,
            "mults": self.mults,
            "output_shape": list(self.output_shape),
            "repeats": self.repeats,
            # What the page may do with it, decided here so the browser holds no kind table.
            "collapsible": self.kind in ("residual", "inception"),
            "explain": self.kind if self.kind in ("residual", "inception") else None,
        }


@dataclass(frozen=True)
class Structure:
    """What the structure view draws for one network."""

    name: str
    #: ``fx`` (a graph) or ``hooks`` (a chain in call order; see :attr:`no_graph_reason`).
    traced_with: str
    fallback_reason: str | None
    layers: tuple[Layer, ...]
    #: Each layer's innermost block, ``None`` at the top level.
    block_of: dict[str, str | None]
    edges: tuple[Edge, ...]
    blocks: tuple[Block, ...]
    total_params: int
    total_mults: int

    @classmethod
    def of(cls, network: Network) -> Structure:
        layers = tuple(network.layers)
        scopes = network.layer_scopes() if network.traced_with == "fx" else {}
        edges = _edges(layers)
        blocks = _blocks(network, layers, scopes)
        ids = {b.id for b in blocks}
        block_of = {layer.name: _innermost(scopes.get(layer.name, ""), ids) for layer in layers}
        return cls(
            name=network.name,
            traced_with=network.traced_with,
            fallback_reason=network.fallback_reason,
            layers=layers,
            block_of=block_of,
            edges=edges,
            blocks=blocks,
            total_params=network.total_params,
            total_mults=network.total_mults,
        )

    @property
    def is_graph(self) -> bool:
        return self.traced_with == "fx"

    @property
    def no_graph_reason(self) -> str | None:
        return None if self.is_graph else f"{NO_GRAPH_REASON}; {self.fallback_reason}"

    @property
    def skip_edges(self) -> tuple[Edge, ...]:
        return tuple(e for e in self.edges if e.skip)

    @property
    def blocks_by_id(self) -> dict[str, Block]:
        return {b.id: b for b in self.blocks}

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "traced_with": self.traced_with,
            "is_graph": self.is_graph,
            "no_graph_reason": self.no_graph_reason,
            "nodes": [
                {
                    "name": layer.name,
                    "kind": str(layer.kind),
                    "output_shape": list(layer.output_shape),
                    "params": layer.params,
                    "mults": layer.mults,
                    "block": self.block_of[layer.name],
                }
                for layer in self.layers
            ],
            "edges": [e.to_dict() for e in self.edges],
            "blocks": [b.to_dict() for b in self.blocks],
            "counts": {
                "nodes": len(self.layers),
                "edges": len(self.edges),
                "skip_edges": len(self.skip_edges),
                "blocks": len(self.blocks),
                "params": self.total_params,
                "mults": self.total_mults,
            },
        }


def _edges(layers: tuple[Layer, ...]) -> tuple[Edge, ...]:
    """Every input edge, marked ``skip`` when another, longer path joins the same two layers."""
    order = {layer.name: i for i, layer in enumerate(layers)}
    consumers: dict[str, list[str]] = {layer.name: [] for layer in layers}
    for layer in layers:
        for source in layer.inputs:
            consumers[source].append(layer.name)
    edges = []
    for layer in layers:
        for source in layer.inputs:
            edges.append(Edge(source, layer.name, _has_detour(source, layer.name, consumers, order)))
    return tuple(edges)


def _has_detour(source: str, target: str, consumers: dict[str, list[str]], order: dict[str, int]) -> bool:
    """Whether ``target`` is reachable from ``source`` through at least one layer in between.

    Layers are in execution order, so the search never needs to pass the target's position.
    """
    stop = order[target]
    stack = [c for c in consumers[source] if c != target and order[c] < stop]
    seen = set(stack)
    while stack:
        node = stack.pop()
        for nxt in consumers[node]:
            if nxt == target:
                return True
            if nxt not in seen and order[nxt] < stop:
                seen.add(nxt)
                stack.append(nxt)
    return False


def _ancestors(scope: str) -> list[str]:
    """``layer1.0`` → ``['layer1', 'layer1.0']``; the top level is ``''`` and has none."""
    parts = scope.split(".") if scope else []
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _innermost(scope: str, ids: set[str]) -> str | None:
    inside = [s for s in _ancestors(scope) if s in ids]
    return inside[-1] if inside else None


def _blocks(network: Network, layers: tuple[Layer, ...], scopes: dict[str, str]) -> tuple[Block, ...]:
    """Every module scope holding two or more layers, outermost first."""
    members: dict[str, list[Layer]] = {}
    for layer in layers:
        for scope in _ancestors(scopes.get(layer.name, "")):
            members.setdefault(scope, []).append(layer)
    kept = {scope: held for scope, held in members.items() if len(held) >= 2}
    classes = {scope: _module_class(network, scope) for scope in kept}
    repeats = Counter(classes.values())
    blocks = []
    for scope, held in sorted(kept.items(), key=lambda item: (item[0].count("."), _first(item[1], layers))):
        parents = [s for s in _ancestors(scope)[:-1] if s in kept]
        blocks.append(
            Block(
                id=scope,
                module_class=classes[scope],
                kind=_block_kind(scope, held, scopes),
                parent=parents[-1] if parents else None,
                members=tuple(layer.name for layer in held),
                params=sum(layer.params for layer in held),
                mults=sum(layer.mults for layer in held),
                output_shape=held[-1].output_shape,
                repeats=repeats[classes[scope]],
            )
        )
    return tuple(blocks)


def _first(held: list[Layer], layers: tuple[Layer, ...]) -> int:
    return layers.index(held[0])


def _module_class(network: Network, scope: str) -> str:
    try:
        return type(network.module.get_submodule(scope)).__name__
    except AttributeError:  # an imported graph's scopes need not be submodules
        return "module"


def _block_kind(scope: str, held: list[Layer], scopes: dict[str, str]) -> str:
    """By the merge the module's own forward does: a sum (residual) or a concatenation (inception).

    Only merges called directly in this module count, so a ResNet stage holding
    residual blocks is a plain ``module``.
    """
    own = [layer.kind for layer in held if scopes.get(layer.name, "") == scope]
    if LayerKind.ADD in own:
        return "residual"
    if LayerKind.CONCAT in own:
        return "inception"
    return "module"
