"""How the overview groups a deep network: blocks of the module hierarchy, and
the columns a compact overview folds away.

A *block* is the shallowest module above a layer that is not a plain container
(``nn.Sequential``, ``nn.ModuleList``, ``nn.ModuleDict``): ResNet's ``layer1.0``
(a ``BasicBlock`` inside the ``layer1`` Sequential), GoogLeNet's ``inception3a``.
Functional ops (``add``, ``cat``) have no module of their own; they belong to the
block that holds all their inputs (a concat of four branches) or else to the block
that holds one input and one consumer (a residual add reading the block's path and
the identity from before the block).

A *fold* hides a BatchNorm, activation or dropout column behind the layer it
follows in compact mode: ``layer1.0.bn1`` and ``layer1.0.relu1`` fold into
``layer1.0.conv1``. Decided here, once, so the browser keeps no kind tables.

Example:
    >>> from convscope.formats import zoo_network
    >>> net = zoo_network("resnet18", input_size=37)
    >>> blocks = {b.name: b for b in network_blocks(net)}
    >>> blocks["layer1.0"].output, blocks["layer1.0"].inputs, layer_blocks(net)["add"]
    ('layer1.0.relu2', ('maxpool',), 'layer1.0')
    >>> fold_targets(net)["layer1.0.relu1"], overview_defaults(net)
    ('layer1.0.conv1', {'compact': True, 'collapsed': True})
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from torch import nn

from convscope.types import ACTIVATION_KINDS, LayerKind

if TYPE_CHECKING:
    from convscope.network import Layer, Network

#: Networks with more layers than this open compact, their blocks collapsed: TinyVGG's 13 layers
#: read well one column each, ResNet-18's 70 do not.
DEEP_LAYERS = 25

_CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict)
#: Kinds that fold into the column they follow: they change values map by map and keep the shape.
_FOLDED = ACTIVATION_KINDS | {LayerKind.BATCHNORM2D, LayerKind.DROPOUT}
#: Kinds a folded column can fold into: the layers that compute new maps from their inputs.
_FOLD_HOSTS = frozenset({LayerKind.CONV2D, LayerKind.LINEAR, LayerKind.ADD})


@dataclass(frozen=True)
class Block:
    """One block: its layers in network order, the layer that hands its result on, what feeds it."""

    name: str
    #: The module's class name (``BasicBlock``, ``Inception``).
    kind: str
    layers: tuple[str, ...]
    #: The last layer whose output is read outside the block (or is the network's output).
    output: str
    #: Layers outside the block that feed layers inside, in network order.
    inputs: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "layers": list(self.layers),
            "output": self.output,
            "inputs": list(self.inputs),
        }


def _consumers(network: Network) -> dict[str, list[str]]:
    readers: dict[str, list[str]] = {layer.name: [] for layer in network.layers}
    for layer in network.layers:
        for src in layer.inputs:
            readers[src].append(layer.name)
    return readers


def _module_block(network: Network, layer: Layer) -> str | None:
    """The shallowest non-container module above a module layer, by its qualified name."""
    parts = layer.target.split(".")
    for depth in range(1, len(parts)):
        prefix = ".".join(parts[:depth])
        try:
            module = network.module.get_submodule(prefix)
        except AttributeError:
            return None  # a name that is not a module path (an imported graph's own names)
        if not isinstance(module, _CONTAINERS):
            return prefix
    return None


def layer_blocks(network: Network) -> dict[str, str | None]:
    """Each layer's block name, or None for layers at the top level (the stem, the head)."""
    readers = _consumers(network)
    modules = {
        layer.name: _module_block(network, layer) if layer.module is not None else None for layer in network.layers
    }
    found: dict[str, str | None] = {}
    for layer in network.layers:
        if layer.module is not None or not layer.inputs:
            found[layer.name] = modules[layer.name]
            continue
        ins = {found[i] for i in layer.inputs}
        if len(ins) == 1 and None not in ins:
            found[layer.name] = ins.pop()  # a concat of one block's branches
            continue
        outs = {modules[r] for r in readers[layer.name]}
        shared = sorted(b for b in ins & outs if b is not None)
        found[layer.name] = shared[0] if len(shared) == 1 else None  # a residual add: path in, result out
    return found


def network_blocks(network: Network) -> list[Block]:
    """The blocks in network order; a block of a single layer is no group and is left out."""
    of = layer_blocks(network)
    readers = _consumers(network)
    members: dict[str, list[str]] = {}
    for layer in network.layers:
        block = of[layer.name]
        if block is not None:
            members.setdefault(block, []).append(layer.name)
    blocks = []
    for name, layers in members.items():
        if len(layers) < 2:
            continue
        inside = set(layers)
        leaving = [n for n in layers if n == network.output_layer or any(r not in inside for r in readers[n])]
        feeding: list[str] = []
        for n in layers:
            feeding.extend(i for i in network.layer(n).inputs if i not in inside and i not in feeding)
        kind = type(network.module.get_submodule(name)).__name__
        blocks.append(Block(name, kind, tuple(layers), leaving[-1] if leaving else layers[-1], tuple(feeding)))
    return blocks


def fold_targets(network: Network) -> dict[str, str]:
    """BatchNorm, activation and dropout layers → the layer whose column they fold into in compact mode.

    A layer folds when it reads one layer of the same block that is a conv, a dense
    layer or an add, or is itself folded into one (a ReLU after a BatchNorm after a
    conv folds into the conv). The class layers never fold: the class column shows them.
    """
    of = layer_blocks(network)
    classes = {network.output_layer, network.logits_layer}
    folds: dict[str, str] = {}
    for layer in network.layers:
        if layer.kind not in _FOLDED or len(layer.inputs) != 1 or layer.name in classes:
            continue
        source = layer.inputs[0]
        host = folds.get(source, source)
        if network.layer(host).kind in _FOLD_HOSTS and of[host] == of[layer.name] and host not in classes:
            folds[layer.name] = host
    return folds


def overview_defaults(network: Network) -> dict[str, bool]:
    """How the overview opens: compact with blocks collapsed for networks over DEEP_LAYERS layers."""
    deep = len(network.layers) > DEEP_LAYERS
    return {"compact": deep, "collapsed": deep}
