"""Layer lists: a JSON-able description of a layer graph, and its builder.

Importers describe the network they read as a *layer list*; the model file
stores it (``{"architecture": {"layers": [...]}}``) and :func:`build_from_layers`
turns it back into a module. A layer list holds dicts in topological order; the
last one is the network's output, and ``"input"`` names the network's input::

    {"name": "conv_1_1", "type": "conv2d", "inputs": ["input"],
     "in_channels": 3, "out_channels": 10, "kernel": [3, 3], "stride": [1, 1],
     "padding": [0, 0], "dilation": [1, 1], "groups": 1, "bias": true}

Conventions (PyTorch's, so every field maps to one module argument):

- shapes are channels-first: ``(C, H, W)`` for maps, ``(F,)`` for vectors;
- ``padding`` of conv2d / maxpool2d / avgpool2d is ``[PH, PW]``, the same on
  both sides; zeropad2d's is ``[top, bottom, left, right]``. Asymmetric padding
  (TensorFlow's "same" with stride 2) is a zeropad2d layer before the conv;
- ``dim`` of softmax and concat counts the batch dimension (1 = channels);
- global_avgpool / global_maxpool keep the ``(C, 1, 1)`` shape; a flatten
  layer after them gives ``(C,)``.

Modules are ``torch.nn`` leaf modules registered under the layer's name, so a
traced :class:`~convscope.network.Network` shows the same names; add and
concat are ``operator.add`` / ``torch.cat`` calls.

Example:
    >>> net = build_from_layers([
    ...     {"name": "conv", "type": "conv2d", "inputs": ["input"], "in_channels": 1,
    ...      "out_channels": 2, "kernel": [3, 3]},
    ...     {"name": "flat", "type": "flatten", "inputs": ["conv"]}])
    >>> net(torch.zeros(1, 1, 5, 5)).shape
    torch.Size([1, 18])
"""

from __future__ import annotations

import functools
import keyword
import math
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.fx as fx
from torch import nn

from convscope import arithmetic
from convscope.errors import ConvScopeError, ModelError
from convscope.limits import check_activation, check_layer, check_layers
from convscope.types import Shape

#: The name layer lists use for the network's input.
INPUT = "input"

Layer = dict[str, Any]


# ----- field parsing ------------------------------------------------------------


def _pair(value: Any) -> list[int]:
    if isinstance(value, bool):
        raise ValueError("expected integers")
    if isinstance(value, int):
        return [value, value]
    items = [_int(v) for v in value]
    if len(items) != 2:
        raise ValueError("expected two integers")
    return items


def _quad(value: Any) -> list[int]:
    items = [_int(v) for v in value]
    if len(items) != 4:
        raise ValueError("expected four integers [top, bottom, left, right]")
    return items


def _int(value: Any) -> int:
    if isinstance(value, bool) or int(value) != value:
        raise ValueError("expected an integer")
    return int(value)


def _float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("expected a number")
    return float(value)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


@dataclass(frozen=True)
class _Field:
    parse: Callable[[Any], Any]
    #: ``None`` means required (unless ``same_as`` is set).
    default: Any = None
    #: When missing, copy this earlier field (pool stride defaults to the kernel, as in PyTorch).
    same_as: str | None = None


_POOL = {
    "kernel": _Field(_pair),
    "stride": _Field(_pair, same_as="kernel"),
    "padding": _Field(_pair, [0, 0]),
    "ceil_mode": _Field(_bool, False),
}

#: Every type's fields beyond name/type/inputs. A missing optional field takes its default.
FIELDS: dict[str, dict[str, _Field]] = {
    "conv2d": {
        "in_channels": _Field(_int),
        "out_channels": _Field(_int),
        "kernel": _Field(_pair),
        "stride": _Field(_pair, [1, 1]),
        "padding": _Field(_pair, [0, 0]),
        "dilation": _Field(_pair, [1, 1]),
        "groups": _Field(_int, 1),
        "bias": _Field(_bool, True),
    },
    "linear": {"in_features": _Field(_int), "out_features": _Field(_int), "bias": _Field(_bool, True)},
    "relu": {},
    "sigmoid": {},
    "tanh": {},
    "softmax": {"dim": _Field(_int, 1)},
    "leaky_relu": {"negative_slope": _Field(_float, 0.01)},
    "elu": {"alpha": _Field(_float, 1.0)},
    "maxpool2d": {**_POOL, "dilation": _Field(_pair, [1, 1])},
    "avgpool2d": {**_POOL, "count_include_pad": _Field(_bool, True)},
    "global_avgpool": {},
    "global_maxpool": {},
    "flatten": {},
    "batchnorm2d": {"num_features": _Field(_int), "eps": _Field(_float, 1e-5)},
    "dropout": {"p": _Field(_float, 0.5)},
    "add": {},
    "concat": {"dim": _Field(_int, 1)},
    "zeropad2d": {"padding": _Field(_quad)},
    "identity": {},
}
#: Types that combine several inputs.
MERGE_TYPES = frozenset({"add", "concat"})


def normalize_layers(spec: Any) -> list[Layer]:
    """Check a layer list and fill every default; names are made module-safe.

    Args:
        spec: a list of layer dicts (see the module docstring).

    Returns:
        A new list of complete layer dicts, names passed through :func:`safe_names`.

    Raises:
        ModelError: unknown types (all listed at once), missing or malformed
            fields, duplicate names, inputs that are not earlier layers.

    Example:
        >>> normalize_layers([{"name": "r", "type": "relu", "inputs": ["input"]}])
        [{'name': 'r', 'type': 'relu', 'inputs': ['input']}]
    """
    if not isinstance(spec, list) or not spec:
        raise ModelError("the layer list must be a non-empty JSON list of layer objects")
    if not all(isinstance(layer, dict) for layer in spec):
        raise ModelError("every entry of the layer list must be an object with name, type and inputs")
    unknown = sorted({str(layer.get("type")) for layer in spec} - set(FIELDS))
    if unknown:
        raise ModelError(
            f"the layer list uses unsupported layer types: {', '.join(unknown)}; supported: {', '.join(FIELDS)}"
        )
    raw_names = [layer.get("name") for layer in spec]
    if not all(isinstance(n, str) and n for n in raw_names):
        raise ModelError("every layer in the layer list needs a non-empty string 'name'")
    duplicates = sorted({n for n in raw_names if raw_names.count(n) > 1})
    if duplicates:
        raise ModelError(f"the layer list has duplicate layer names: {', '.join(duplicates)}; names must be unique")
    renamed = dict(zip(raw_names, safe_names(raw_names), strict=True))
    seen = {INPUT}
    result = []
    for layer in spec:
        result.append(_normalize_layer(layer, renamed, seen))
        seen.add(result[-1]["name"])
    return result


def normalize_layer(layer: Layer, *, known: Iterable[str]) -> Layer:
    """Check one layer whose inputs must be among ``known`` (or the input); fill defaults.

    Unlike :func:`normalize_layers` the name is kept as given, so it must already be safe.

    Example:
        >>> normalize_layer({"name": "d", "type": "dropout", "inputs": ["conv"]}, known=["conv"])["p"]
        0.5
    """
    known = set(known)
    name, kind = layer.get("name"), layer.get("type")
    if kind not in FIELDS:
        raise ModelError(f"layer '{name}' has unsupported type {kind!r}; supported: {', '.join(FIELDS)}")
    if not isinstance(name, str) or safe_name(name) != name:
        raise ModelError(f"layer name {name!r} is not a safe module name; use {safe_name(str(name))!r}")
    return _normalize_layer(layer, {name: name, **{k: k for k in known}}, known | {INPUT})


def _normalize_layer(layer: Layer, renamed: dict[str, str], seen: set[str]) -> Layer:
    name, kind = layer["name"], layer["type"]
    inputs = layer.get("inputs")
    if not isinstance(inputs, list) or not all(isinstance(i, str) for i in inputs):
        raise ModelError(f"layer '{name}' ({kind}) needs 'inputs', a list of layer names")
    inputs = [i if i == INPUT else renamed.get(i, i) for i in inputs]
    missing = [i for i in inputs if i not in seen]
    if missing:
        raise ModelError(
            f"layer '{name}' reads {', '.join(missing)}, which is not the input or an earlier layer; "
            "list layers in the order they run"
        )
    count_ok = len(inputs) >= 2 if kind in MERGE_TYPES else len(inputs) == 1
    if not count_ok:
        wanted = "two or more inputs" if kind in MERGE_TYPES else "exactly one input"
        raise ModelError(f"layer '{name}' ({kind}) has {len(inputs)} inputs but needs {wanted}")
    out: Layer = {"name": renamed[name], "type": kind, "inputs": inputs}
    fields = FIELDS[kind]
    extra = sorted(set(layer) - set(fields) - {"name", "type", "inputs"})
    if extra:
        raise ModelError(f"layer '{name}' ({kind}) has unknown fields: {', '.join(extra)}")
    for key, spec_field in fields.items():
        if key not in layer:
            if spec_field.same_as is not None:
                out[key] = list(out[spec_field.same_as])
            elif spec_field.default is None:
                raise ModelError(f"layer '{name}' ({kind}) is missing the field '{key}'")
            else:
                out[key] = list(spec_field.default) if isinstance(spec_field.default, list) else spec_field.default
            continue
        try:
            out[key] = spec_field.parse(layer[key])
        except (TypeError, ValueError, OverflowError) as exc:  # OverflowError: int(inf) from JSON's 1e400
            raise ModelError(f"layer '{name}' ({kind}) has a malformed '{key}': {layer[key]!r} ({exc})") from None
    _check_values(out)
    return out


def _check_values(layer: Layer) -> None:
    name, kind = layer["name"], layer["type"]
    positive: list[str] = [
        k
        for k in ("in_channels", "out_channels", "in_features", "out_features", "num_features", "groups")
        if k in layer and layer[k] < 1
    ]
    positive += [k for k in ("kernel", "stride", "dilation") if k in layer and min(layer[k]) < 1]
    if positive:
        raise ModelError(f"layer '{name}' ({kind}) needs positive values for {', '.join(positive)}")
    if "padding" in layer and min(layer["padding"]) < 0:
        raise ModelError(f"layer '{name}' ({kind}) has negative padding {layer['padding']}")
    if kind == "conv2d" and (layer["in_channels"] % layer["groups"] or layer["out_channels"] % layer["groups"]):
        raise ModelError(
            f"layer '{name}' (conv2d): in_channels {layer['in_channels']} and out_channels "
            f"{layer['out_channels']} must both divide by groups {layer['groups']}"
        )
    if kind in ("maxpool2d", "avgpool2d") and any(
        2 * p > k for p, k in zip(layer["padding"], layer["kernel"], strict=False)
    ):
        raise ModelError(
            f"layer '{name}' ({kind}): padding {layer['padding']} is more than half the kernel {layer['kernel']}; "
            "use a zeropad2d layer before it"
        )
    if kind == "dropout" and not 0 <= layer["p"] < 1:
        raise ModelError(f"layer '{name}' (dropout): p must be in [0, 1), got {layer['p']}")
    check_layer(layer)  # declared weights past the limits, before a module allocates them


# ----- names --------------------------------------------------------------------

#: Attributes a submodule name must not shadow on the built GraphModule.
_RESERVED = frozenset(dir(fx.GraphModule)) | frozenset(vars(fx.GraphModule(nn.Module(), fx.Graph())))


def safe_name(name: str) -> str:
    """A name usable as a module attribute: ``"/conv1/Conv"`` → ``"conv1_Conv"``.

    Example:
        >>> safe_name("block1/conv 2"), safe_name("1x1"), safe_name("input")
        ('block1_conv_2', 'layer_1x1', 'input_')
    """
    text = re.sub(r"\W+", "_", name, flags=re.ASCII).strip("_") or "layer"
    if text[0].isdigit():
        text = f"layer_{text}"
    if keyword.iskeyword(text) or text == INPUT or text in _RESERVED:
        text += "_"
    return text


def safe_names(names: Iterable[str]) -> list[str]:
    """:func:`safe_name` for each name, with ``_2``, ``_3`` … added to keep them unique.

    Already-safe, unique names come back unchanged, so applying it twice is harmless.

    Example:
        >>> safe_names(["a.b", "a_b", "c"])
        ['a_b', 'a_b_2', 'c']
    """
    used: set[str] = {INPUT}
    result = []
    for name in names:
        base = safe_name(name)
        candidate, n = base, 1
        while candidate in used:
            n += 1
            candidate = f"{base}_{n}"
        used.add(candidate)
        result.append(candidate)
    return result


# ----- shapes -------------------------------------------------------------------


def layer_output_shape(layer: Layer, in_shapes: Sequence[Shape]) -> Shape:
    """The output shape of one normalised layer given its input shapes (no batch dim).

    Raises:
        ModelError: the inputs do not fit the layer (wrong channels, too small…).

    Example:
        >>> layer_output_shape({"name": "p", "type": "maxpool2d", "kernel": [2, 2], "stride": [2, 2],
        ...     "padding": [0, 0], "dilation": [1, 1], "ceil_mode": False}, [(3, 9, 9)])
        (3, 4, 4)
    """
    name, kind = layer["name"], layer["type"]
    shape = tuple(in_shapes[0])

    def fail(why: str) -> ModelError:
        return ModelError(f"layer '{name}' ({kind}) does not fit its input of shape {shape}: {why}")

    if kind in ("conv2d", "maxpool2d", "avgpool2d", "global_avgpool", "global_maxpool", "batchnorm2d", "zeropad2d"):
        if len(shape) != 3:
            raise fail("it needs maps (C, H, W)")
    if kind == "conv2d":
        if shape[0] != layer["in_channels"]:
            raise fail(f"in_channels is {layer['in_channels']}")
        return (layer["out_channels"], *_spatial(layer, shape, fail, ceil_mode=False))
    if kind in ("maxpool2d", "avgpool2d"):
        return (shape[0], *_spatial(layer, shape, fail, ceil_mode=layer["ceil_mode"]))
    if kind in ("global_avgpool", "global_maxpool"):
        return (shape[0], 1, 1)
    if kind == "batchnorm2d" and shape[0] != layer["num_features"]:
        raise fail(f"num_features is {layer['num_features']}")
    if kind == "zeropad2d":
        return (shape[0], *arithmetic.padded_hw((shape[1], shape[2]), tuple(layer["padding"])))
    if kind == "linear":
        if shape != (layer["in_features"],):
            raise fail(f"in_features is {layer['in_features']}; it needs a vector (F,)")
        return (layer["out_features"],)
    if kind == "flatten":
        return (math.prod(shape),)
    if kind in ("softmax", "concat") and not 1 <= layer["dim"] <= len(shape):
        raise fail(f"dim {layer['dim']} is not one of 1..{len(shape)} (dim 0 is the batch)")
    if kind == "add" and any(tuple(s) != shape for s in in_shapes):
        raise fail(f"add needs equal shapes, got {', '.join(str(tuple(s)) for s in in_shapes)}")
    if kind == "concat":
        return _concat_shape(layer["dim"] - 1, [tuple(s) for s in in_shapes], fail)
    return shape


def _spatial(layer: Layer, shape: Shape, fail: Callable[[str], ModelError], *, ceil_mode: bool) -> tuple[int, int]:
    kernel, stride, padding = layer["kernel"], layer["stride"], layer["padding"]
    dilation = layer.get("dilation", [1, 1])
    try:
        size = (shape[1], shape[2])  # (H, W) of a (C, H, W) input
        if layer["type"] == "conv2d":
            return arithmetic.conv_output_hw(size, kernel, stride, padding, dilation)
        return arithmetic.pool_output_hw(size, kernel, stride, padding, dilation, ceil_mode=ceil_mode)
    except ConvScopeError:  # normalisation checked every setting: only a too-small input is left
        raise fail(f"kernel {kernel} with padding {padding} is larger than the input") from None


def _concat_shape(axis: int, shapes: list[Shape], fail: Callable[[str], ModelError]) -> Shape:
    first = shapes[0]
    for other in shapes[1:]:
        if len(other) != len(first) or any(
            a != b for i, (a, b) in enumerate(zip(first, other, strict=True)) if i != axis
        ):
            raise fail(f"concat along dim {axis + 1} needs equal other sizes, got {first} and {other}")
    return tuple(sum(s[i] for s in shapes) if i == axis else first[i] for i in range(len(first)))


def infer_shapes(spec: Sequence[Layer], input_shape: Shape) -> dict[str, Shape]:
    """Every layer's output shape for an input of shape ``(C, H, W)``.

    Args:
        spec: a normalised layer list (see :func:`normalize_layers`).
        input_shape: the network input without the batch dimension.

    Example:
        >>> layers = normalize_layers([{"name": "f", "type": "flatten", "inputs": ["input"]}])
        >>> infer_shapes(layers, (2, 3, 4))["f"]
        (24,)
    """
    shapes: dict[str, Shape] = {INPUT: tuple(input_shape)}
    for layer in spec:
        shapes[layer["name"]] = layer_output_shape(layer, [shapes[i] for i in layer["inputs"]])
        check_activation(shapes[layer["name"]], f"layer '{layer['name']}' ({layer['type']})", "its output")
    return shapes


# ----- building -----------------------------------------------------------------


def make_module(layer: Layer) -> nn.Module:
    """The ``torch.nn`` module for one normalised layer (not for add/concat)."""
    kind = layer["type"]
    if kind == "conv2d":
        return nn.Conv2d(
            layer["in_channels"],
            layer["out_channels"],
            tuple(layer["kernel"]),
            stride=tuple(layer["stride"]),
            padding=tuple(layer["padding"]),
            dilation=tuple(layer["dilation"]),
            groups=layer["groups"],
            bias=layer["bias"],
        )
    if kind == "linear":
        return nn.Linear(layer["in_features"], layer["out_features"], bias=layer["bias"])
    if kind == "maxpool2d":
        return nn.MaxPool2d(
            tuple(layer["kernel"]),
            stride=tuple(layer["stride"]),
            padding=tuple(layer["padding"]),
            dilation=tuple(layer["dilation"]),
            ceil_mode=layer["ceil_mode"],
        )
    if kind == "avgpool2d":
        return nn.AvgPool2d(
            tuple(layer["kernel"]),
            stride=tuple(layer["stride"]),
            padding=tuple(layer["padding"]),
            ceil_mode=layer["ceil_mode"],
            count_include_pad=layer["count_include_pad"],
        )
    if kind == "zeropad2d":
        top, bottom, left, right = layer["padding"]
        return nn.ZeroPad2d((left, right, top, bottom))  # PyTorch's order: last dim first
    simple: dict[str, Callable[[], nn.Module]] = {
        "relu": nn.ReLU,
        "sigmoid": nn.Sigmoid,
        "tanh": nn.Tanh,
        "softmax": lambda: nn.Softmax(dim=layer["dim"]),
        "leaky_relu": lambda: nn.LeakyReLU(layer["negative_slope"]),
        "elu": lambda: nn.ELU(layer["alpha"]),
        "global_avgpool": lambda: nn.AdaptiveAvgPool2d(1),
        "global_maxpool": lambda: nn.AdaptiveMaxPool2d(1),
        "flatten": nn.Flatten,
        "batchnorm2d": lambda: nn.BatchNorm2d(layer["num_features"], eps=layer["eps"]),
        "dropout": lambda: nn.Dropout(layer["p"]),
        "identity": nn.Identity,
    }
    return simple[kind]()


def build_from_layers(spec: Any, *, input_shape: Shape | None = None) -> fx.GraphModule:
    """Build a module from a layer list; weights are PyTorch's fresh initialisation.

    The result is a ``torch.fx.GraphModule``: each layer is a submodule named
    after it (state-dict keys ``conv_1_1.weight`` …), add / concat are
    ``operator.add`` / ``torch.cat`` calls.

    Args:
        spec: the layer list (see the module docstring); names that are not
            Python identifiers are made safe with :func:`safe_names`.
        input_shape: ``(C, H, W)``; when given, every layer's shape is checked
            against its input and a mismatch raises a one-line ModelError.

    Example:
        >>> m = build_from_layers([{"name": "fc", "type": "linear", "inputs": ["input"],
        ...                         "in_features": 4, "out_features": 2}])
        >>> sorted(m.state_dict())
        ['fc.bias', 'fc.weight']
    """
    layers = normalize_layers(spec)
    check_layers(layers, "the layer list")
    if input_shape is not None:
        infer_shapes(layers, input_shape)
    root = nn.Module()
    graph = fx.Graph()
    values: dict[str, fx.Node] = {INPUT: graph.placeholder("x")}
    for layer in layers:
        args = [values[i] for i in layer["inputs"]]
        name = layer["name"]
        if layer["type"] == "add":
            add = functools.partial(graph.create_node, "call_function", operator.add)
            values[name] = functools.reduce(lambda a, b: add((a, b)), args[1:-1], args[0])
            values[name] = add((values[name], args[-1]), name=name)
        elif layer["type"] == "concat":
            values[name] = graph.create_node("call_function", torch.cat, (args,), {"dim": layer["dim"]}, name=name)
        else:
            root.add_module(name, make_module(layer))
            values[name] = graph.call_module(name, (args[0],))
    graph.output(values[layers[-1]["name"]])
    return fx.GraphModule(root, graph, class_name="LayerListNet")


__all__ = [
    "FIELDS",
    "INPUT",
    "build_from_layers",
    "infer_shapes",
    "layer_output_shape",
    "make_module",
    "normalize_layer",
    "normalize_layers",
    "safe_name",
    "safe_names",
]
