"""What every importer returns, and how a layer list plus arrays becomes a module."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from convscope.errors import ModelError
from convscope.formats.layerlist import (
    INPUT,
    build_from_layers,
    infer_shapes,
    layer_output_shape,
    normalize_layer,
    normalize_layers,
)
from convscope.inputs import InputSpec
from convscope.limits import check_layers


@dataclass
class ImportedModel:
    """A model read from another tool's file, ready for :class:`~convscope.network.Network`."""

    #: The network with its weights loaded (a ``torch.fx.GraphModule``).
    module: nn.Module
    #: The layer list :func:`~convscope.formats.layerlist.build_from_layers` rebuilds it from.
    layers: list[dict[str, Any]]
    input_spec: InputSpec
    #: One name per output unit, when the caller gave them.
    classes: tuple[str, ...] | None
    #: ``{"format": …, "file": …, "producer": …}``.
    source: dict[str, Any] = field(default_factory=dict)


def to_tensor(array: np.ndarray) -> torch.Tensor:
    """A float32 tensor that owns its memory (arrays from buffers are read-only)."""
    return torch.from_numpy(np.array(array, dtype=np.float32, copy=True))


def assemble(
    spec: list[dict[str, Any]],
    tensors: Mapping[str, np.ndarray | torch.Tensor],
    *,
    input_spec: InputSpec,
    classes: Sequence[str] | None,
    source: dict[str, Any],
) -> ImportedModel:
    """Build the module a layer list describes and load the importer's weights.

    Args:
        spec: the layer list (already using module-safe names).
        tensors: state-dict key (``conv_1_1.weight``) → array, channels-first.
        input_spec: the input the network takes.
        classes: class names the user gave, or ``None``.
        source: format, file and producer of the imported file.

    Raises:
        ModelError: shapes that do not fit, weights missing or of the wrong shape,
            or a class list whose length differs from the output width.
    """
    label = source.get("file", "model")
    layers = normalize_layers(spec)
    try:
        shapes = infer_shapes(layers, input_spec.shape)
    except ModelError as exc:
        raise ModelError(f"{label}: {exc}") from None
    check_layers(layers, label)  # before build_from_layers allocates
    module = build_from_layers(layers)
    state = module.state_dict()
    for key, value in state.items():
        if key.endswith("num_batches_tracked"):
            continue
        if key not in tensors:
            raise ModelError(f"{label}: no weights for '{key}'; the file's weights do not match its layers")
        raw = tensors[key]
        tensor = raw if isinstance(raw, torch.Tensor) else to_tensor(raw)
        if tuple(tensor.shape) != tuple(value.shape):
            raise ModelError(
                f"{label}: weight '{key}' has shape {tuple(tensor.shape)} but the layer needs {tuple(value.shape)}"
            )
        state[key] = tensor.to(torch.float32)
    module.load_state_dict(state)
    module.eval()
    return ImportedModel(module, layers, input_spec, check_classes(classes, shapes[layers[-1]["name"]], label), source)


def check_classes(classes: Sequence[str] | None, output_shape: tuple[int, ...], label: str) -> tuple[str, ...] | None:
    """The class names as a tuple, checked against the output width ``(K,)``."""
    if classes is None:
        return None
    names = tuple(str(c) for c in classes)
    if len(output_shape) != 1 or output_shape[0] != len(names):
        raise ModelError(
            f"{label}: {len(names)} class names were given but the model's output has shape {output_shape}; "
            "give one name per output"
        )
    return names


def keep_ancestors(spec: list[dict[str, Any]], output: str, label: str) -> list[dict[str, Any]]:
    """The layers the output depends on, in their order, with the output last.

    Files may list side branches that feed nothing, or the output before a
    layer that runs in parallel with it; a layer list ends with its output.
    """
    if output == INPUT:
        raise ModelError(f"{label}: the model's output is its input; there are no layers")
    needed, by_name = {output}, {layer["name"]: layer for layer in spec}
    for layer in reversed(spec):
        if layer["name"] in needed:
            needed.update(layer["inputs"])
    kept = [layer for layer in spec if layer["name"] in needed and layer["name"] != output]
    return [*kept, by_name[output]]


def fresh_name(base: str, used: set[str]) -> str:
    """``base``, or ``base_2``, ``base_3``… whichever is not in ``used`` yet; records it.

    Example:
        >>> fresh_name("conv_pad", {"conv_pad"})
        'conv_pad_2'
    """
    candidate, n = base, 1
    while candidate in used:
        n += 1
        candidate = f"{base}_{n}"
    used.add(candidate)
    return candidate


def append_layer(
    spec: list[dict[str, Any]], shapes: dict[str, tuple[int, ...]], entry: dict[str, Any], label: str
) -> dict[str, Any]:
    """Check ``entry``, record its output shape in ``shapes`` and append it to ``spec``.

    Errors name the file being imported (``label``).
    """
    try:
        layer = normalize_layer(entry, known=shapes)
        shapes[layer["name"]] = layer_output_shape(layer, [shapes[i] for i in layer["inputs"]])
    except ModelError as exc:
        raise ModelError(f"{label}: {exc}") from None
    spec.append(layer)
    return layer
