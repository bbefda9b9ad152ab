"""Residual blocks and inception modules explained with the model's own numbers.

- :func:`residual_block`: ``y = ReLU(F(x) + x)`` with the traced values of both
  paths and their sum at one position (the add layer's explanation).
- :func:`inception_module`: each branch's layers, output shape and cost, and the
  1×1 bottleneck comparison (:func:`convscope.arithmetic.bottleneck_cost`) for the
  module's real sizes; ``widths`` asks "what if this convolution had F filters?"
  and recounts the module through :mod:`convscope.layer_facts`.

Example:
    >>> from convscope.formats import zoo_network
    >>> m = inception_module(zoo_network("googlenet", input_size=64), "inception3a")
    >>> [b["output_shape"][0] for b in m["branches"]]
    [64, 128, 32, 32]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from convscope import arithmetic, layer_facts
from convscope.errors import ConvScopeError, NotFoundError
from convscope.explain.add import explain_add
from convscope.explain.base import Position
from convscope.network import Layer, Network
from convscope.structure import Structure
from convscope.types import ACTIVATION_KINDS, LayerKind

if TYPE_CHECKING:
    from convscope.trace import Trace

#: Kinds whose output keeps its input's channels: a what-if width flows through them.
_CHANNEL_PRESERVING = ACTIVATION_KINDS | {LayerKind.BATCHNORM2D, LayerKind.MAXPOOL2D, LayerKind.AVGPOOL2D}


def _block(network: Network, block_id: str, kind: str) -> tuple[Structure, list[Layer], Layer]:
    """The block's layers and the merge its own forward performs (its add or its concat)."""
    structure = Structure.of(network)
    block = structure.blocks_by_id.get(block_id)
    if block is None or block.kind != kind:
        of_kind = [b.id for b in structure.blocks if b.kind == kind]
        listed = ", ".join(of_kind[:6]) or "none"
        raise NotFoundError(f"the model has no {kind} block '{block_id}'; its {kind} blocks: {listed}")
    scopes = network.layer_scopes()
    members = [network.layer(name) for name in block.members]
    merge_kind = LayerKind.ADD if kind == "residual" else LayerKind.CONCAT
    merge = next(layer for layer in members if layer.kind is merge_kind and scopes[layer.name] == block_id)
    return structure, members, merge


def _path_to(network: Network, end: str, inside: set[str]) -> list[str]:
    """The chain of block layers ending at ``end``, walking back along first inputs, in execution order."""
    path: list[str] = []
    name = end
    while name in inside:
        path.append(name)
        inputs = network.layer(name).inputs
        name = inputs[0] if inputs else ""
    return path[::-1]


def residual_block(trace: Trace, block_id: str, position: tuple[int, int, int] | None = None) -> dict[str, Any]:
    """Both paths of a residual block and their sum at one position of the traced input.

    Args:
        trace: an input run through the network.
        block_id: the block's module name, e.g. ``layer1.0``.
        position: ``(channel, y, x)`` of the sum; the centre of channel 0 when absent.
    """
    network = trace.network
    _, members, add = _block(network, block_id, "residual")
    inside = {layer.name for layer in members}
    c, h, w = add.output_shape
    channel, y, x = position if position is not None else (0, h // 2, w // 2)
    step = explain_add(trace, add, Position(channel=channel, y=y, x=x))
    paths = [_path_to(network, source, inside) for source in add.inputs]
    # The convolution path is the longer one; the other is the shortcut (empty: the identity).
    conv_index = max(range(len(paths)), key=lambda i: len(paths[i]))
    after = [layer for layer in members if add.name in layer.inputs and layer.kind in ACTIVATION_KINDS]
    after_value = float(trace.outputs[after[0].name][0, channel, y, x]) if after else None
    terms = [t.to_dict() for t in step.terms]
    for i, term in enumerate(terms):
        term["path"] = "F(x)" if i == conv_index else "x"
        term["layers"] = paths[i]
    identity = len(paths) == 2 and not paths[1 - conv_index]
    # A shortcut that changes the shape is a projection W_s·x (He et al.'s option B).
    shortcut = "x" if identity else "W_s·x"
    return {
        "block": block_id,
        "formula": f"y = ReLU(F(x) + {shortcut})" if after else f"y = F(x) + {shortcut}",
        "add_layer": add.name,
        "after_layer": after[0].name if after else None,
        "position": [channel, y, x],
        "terms": terms,
        "sum": step.computed,
        "traced_sum": step.output,
        "after_value": after_value,
        "shortcut_is_identity": identity,
    }


def inception_module(network: Network, block_id: str, widths: dict[str, int] | None = None) -> dict[str, Any]:
    """Each branch of an inception module with its shape and cost, and each 1×1 bottleneck's saving.

    Args:
        network: the network holding the module.
        block_id: the module's name, e.g. ``inception3a``.
        widths: what-if output channels for convolutions of the module, by layer name;
            every count of the module is recomputed with them.
    """
    _, members, concat = _block(network, block_id, "inception")
    inside = {layer.name for layer in members}
    widths = dict(widths or {})
    for name, filters in widths.items():
        if name not in inside or network.layer(name).kind is not LayerKind.CONV2D:
            raise ConvScopeError(f"'{name}' is not a convolution of {block_id}; give one of its conv layers")
        if not isinstance(filters, int) or not 1 <= filters <= 4096:
            raise ConvScopeError(f"filters for '{name}' must be a whole number from 1 to 4,096, got {filters!r}")
    counts = _recount(network, members, widths)
    branches = []
    for end in concat.inputs:
        path = _path_to(network, end, inside)
        branches.append(
            {
                "layers": [
                    {
                        "name": n,
                        "kind": str(network.layer(n).kind),
                        **counts[n],
                        "kernel": _kernel(network.layer(n)),
                        "filters_editable": network.layer(n).kind is LayerKind.CONV2D,
                    }
                    for n in path
                ],
                "output_shape": counts[end]["output_shape"],
                "params": sum(counts[n]["params"] for n in path),
                "mults": sum(counts[n]["mults"] for n in path),
                "bottleneck": _bottleneck(network, path, counts),
            }
        )
    return {
        "block": block_id,
        "widths": widths,
        "input_shape": list(_input_shape(network, members, inside)),
        "output_shape": counts[concat.name]["output_shape"],
        "params": sum(c["params"] for c in counts.values()),
        "mults": sum(c["mults"] for c in counts.values()),
        "branches": branches,
    }


def _input_shape(network: Network, members: list[Layer], inside: set[str]) -> tuple[int, ...]:
    outside = next(source for layer in members for source in layer.inputs if source not in inside)
    return network.layer(outside).output_shape


def _kernel(layer: Layer) -> list[int] | None:
    kernel = layer.hyper.get("kernel")
    return list(kernel) if kernel is not None else None


def _recount(network: Network, members: list[Layer], widths: dict[str, int]) -> dict[str, dict[str, Any]]:
    """Shapes, parameters and multiplications of the module's layers with some conv widths changed.

    Channels flow from each convolution through the layers that keep them
    (batch norm, activations, pools) into the concatenation; H and W never change.
    """
    shapes: dict[str, tuple[int, ...]] = {}
    out: dict[str, dict[str, Any]] = {}
    for layer in members:
        in_shapes = [shapes.get(s, network.layer(s).output_shape) for s in layer.inputs]
        hyper = dict(layer.hyper)
        h, w = layer.output_shape[-2:]
        if layer.kind is LayerKind.CONV2D:
            hyper["in_channels"] = in_shapes[0][0]
            hyper["out_channels"] = widths.get(layer.name, layer.hyper["out_channels"])
            shape: tuple[int, ...] = (hyper["out_channels"], h, w)
            params = arithmetic.conv_params(
                in_channels=hyper["in_channels"],
                out_channels=hyper["out_channels"],
                kernel=hyper["kernel"],
                groups=hyper.get("groups", 1),
                bias=bool(hyper.get("bias", True)),
            ).total
        elif layer.kind is LayerKind.CONCAT:
            shape = (sum(s[0] for s in in_shapes), h, w)
            params = 0
        elif layer.kind in _CHANNEL_PRESERVING:
            shape = (in_shapes[0][0], h, w)
            if layer.kind is LayerKind.BATCHNORM2D:
                hyper["num_features"] = shape[0]
            params = 2 * shape[0] if layer.kind is LayerKind.BATCHNORM2D and hyper.get("affine", True) else 0
        else:
            raise ConvScopeError(f"a what-if cannot recount layer '{layer.name}' of kind {layer.kind}")
        if not widths:
            shape, params = layer.output_shape, layer.params  # the records themselves when nothing changes
        mults = layer_facts.counts(layer.kind, hyper, in_shapes, shape)[0] if widths else layer.mults
        shapes[layer.name] = shape
        out[layer.name] = {"output_shape": list(shape), "params": params, "mults": mults}
    return out


def _bottleneck(network: Network, path: list[str], counts: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The saving of a 1×1 convolution followed by a K×K one (K > 1) against the K×K one alone."""
    convs = [network.layer(n) for n in path if network.layer(n).kind is LayerKind.CONV2D]
    if len(convs) != 2 or tuple(convs[0].hyper["kernel"]) != (1, 1) or tuple(convs[1].hyper["kernel"]) == (1, 1):
        return None
    reduce, spatial = convs
    c_in = network.layer(reduce.inputs[0]).output_shape[0]
    comparison = arithmetic.bottleneck_cost(
        size=tuple(counts[spatial.name]["output_shape"][1:]),
        in_channels=c_in,
        bottleneck=counts[reduce.name]["output_shape"][0],
        out_channels=counts[spatial.name]["output_shape"][0],
        kernel=tuple(spatial.hyper["kernel"]),
        bias=bool(spatial.hyper.get("bias", True)),
    )
    # GoogLeNet's paper puts a 5×5 kernel where torchvision (and this zoo) has a 3×3; the paper's case, same sizes.
    as_5x5 = None
    if tuple(spatial.hyper["kernel"]) != (5, 5):
        paper = arithmetic.bottleneck_cost(
            size=tuple(counts[spatial.name]["output_shape"][1:]),
            in_channels=c_in,
            bottleneck=counts[reduce.name]["output_shape"][0],
            out_channels=counts[spatial.name]["output_shape"][0],
            kernel=5,
            bias=bool(spatial.hyper.get("bias", True)),
        )
        as_5x5 = {
            "direct_mults": paper.direct_mults.value,
            "bottleneck_mults": paper.bottleneck_mults,
            "saving": 1 / paper.mult_ratio,
        }
    return {
        "as_5x5": as_5x5,
        "reduce_layer": reduce.name,
        "spatial_layer": spatial.name,
        "kernel": list(spatial.hyper["kernel"]),
        "in_channels": c_in,
        "bottleneck_channels": counts[reduce.name]["output_shape"][0],
        "out_channels": counts[spatial.name]["output_shape"][0],
        **comparison.to_dict(),
        "saving": 1 / comparison.mult_ratio,
    }
