"""A Keras model config (Keras 2, Keras 3 or TF.js layers model) as a layer list.

The three file formats differ only in how they store the config and the
weights; this module reads the config and turns each Keras layer into one or
more channels-first layer-list entries plus their weights:

- conv kernels HWIO → OIHW; "same" padding → symmetric padding, or a
  ``<name>_pad`` zeropad2d layer when TensorFlow pads one more row at the bottom;
- ``activation=`` inside Conv2D / Dense → a separate ``<name>_<activation>`` layer;
- a Dense layer reading a Flatten gets its rows permuted from Keras's
  (row, column, channel) order to PyTorch's (channel, row, column) order; the
  permutation is tracked through dropout, activations and concatenation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from convscope.errors import ModelError
from convscope.formats.importers.channels_last import dense_weight, flatten_permutation, hwio_to_oihw, pool_same_padding
from convscope.formats.importers.common import fresh_name, keep_ancestors
from convscope.formats.importers.skeleton import LayerListBuilder
from convscope.formats.layerlist import INPUT, safe_names
from convscope.inputs import InputSpec
from convscope.limits import check_input_shape

#: Keras layer classes the importer understands.
SUPPORTED = (
    "InputLayer",
    "Conv2D",
    "Dense",
    "Activation",
    "ReLU",
    "LeakyReLU",
    "ELU",
    "Softmax",
    "MaxPooling2D",
    "AveragePooling2D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling2D",
    "Flatten",
    "BatchNormalization",
    "Dropout",
    "Add",
    "Concatenate",
    "ZeroPadding2D",
    "Rescaling",
)
#: Keras activation names → layer-list types (``None``: no layer needed).
ACTIVATIONS: dict[str, str | None] = {
    "linear": None,
    "relu": "relu",
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "softmax": "softmax",
    "elu": "elu",
    "leaky_relu": "leaky_relu",
}
#: Aliases some Keras versions write for the class names above.
_ALIASES = {
    "Convolution2D": "Conv2D",
    "MaxPool2D": "MaxPooling2D",
    "AvgPool2D": "AveragePooling2D",
    "AveragePool2D": "AveragePooling2D",
    "GlobalAvgPool2D": "GlobalAveragePooling2D",
    "GlobalMaxPool2D": "GlobalMaxPooling2D",
    "Concat": "Concatenate",
}

#: Weight lookup: Keras layer → {"kernel": array, "bias": array, …}.
WeightLookup = Callable[["KerasLayer"], dict[str, np.ndarray]]


@dataclass(frozen=True)
class KerasLayer:
    """One layer of a Keras config with the names of the layers it reads."""

    class_name: str
    name: str
    config: dict[str, Any]
    inbound: tuple[str, ...]


@dataclass(frozen=True)
class KerasModel:
    layers: tuple[KerasLayer, ...]
    input_name: str
    output_name: str
    #: ``[None, H, W, C]`` from the topology.
    batch_shape: tuple[Any, ...]


def param_names(layer: KerasLayer) -> list[str]:
    """The names of a layer's weights in the order Keras creates them."""
    c = layer.config
    if layer.class_name in ("Conv2D", "Dense"):
        return ["kernel", "bias"] if c.get("use_bias", True) else ["kernel"]
    if layer.class_name == "BatchNormalization":
        return (
            ["gamma"] * bool(c.get("scale", True))
            + ["beta"] * bool(c.get("center", True))
            + [
                "moving_mean",
                "moving_variance",
            ]
        )
    return []


# ----- reading the config -------------------------------------------------------


def parse_model_config(model_config: Any, label: str) -> KerasModel:
    """Read a ``{"class_name": "Sequential" | "Functional" | "Model", "config": …}`` dict."""
    if not isinstance(model_config, dict) or "config" not in model_config:
        raise ModelError(f"{label}: the model topology has no 'config'; the file is not a Keras model")
    kind = model_config.get("class_name")
    config = model_config["config"]
    try:
        if kind == "Sequential":
            return _sequential(config, label)
        if kind in ("Functional", "Model"):
            return _functional(config, label)
    except (KeyError, TypeError, IndexError, ValueError) as exc:
        raise ModelError(f"{label}: the model topology is malformed ({type(exc).__name__}: {exc})") from None
    raise ModelError(f"{label}: the model is a Keras {kind!r}; ConvScope reads Sequential and functional models")


def _class_name(entry: dict[str, Any]) -> str:
    name = str(entry["class_name"])
    return _ALIASES.get(name, name)


def _sequential(config: Any, label: str) -> KerasModel:
    entries = config["layers"] if isinstance(config, dict) else config  # Keras 2.0 stored a bare list
    layers: list[KerasLayer] = []
    previous, batch_shape, input_name = INPUT, None, INPUT
    for entry in entries:
        cfg = entry["config"]
        if _class_name(entry) == "InputLayer":
            batch_shape, input_name = _batch_shape(cfg), str(cfg.get("name", INPUT))
            previous = input_name
            continue
        if batch_shape is None:
            batch_shape = _batch_shape(cfg)
        layers.append(KerasLayer(_class_name(entry), str(cfg["name"]), cfg, (previous,)))
        previous = str(cfg["name"])
    if batch_shape is None and isinstance(config, dict):
        batch_shape = config.get("build_input_shape")
    if not layers:
        raise ModelError(f"{label}: the Sequential model has no layers")
    if batch_shape is None:
        raise ModelError(f"{label}: the model does not record its input shape; build it with an Input before saving")
    return KerasModel(tuple(layers), input_name, previous, tuple(batch_shape))


def _batch_shape(cfg: dict[str, Any]) -> Any:
    for key in ("batch_input_shape", "batch_shape"):
        if cfg.get(key) is not None:
            return cfg[key]
    return None


def _refs(value: Any) -> list[Any]:
    """``[["name", 0, 0], …]`` or the single-ref shorthand ``["name", 0, 0]`` as a list of refs."""
    return [value] if value and isinstance(value[0], str) else list(value)


def _functional(config: dict[str, Any], label: str) -> KerasModel:
    inputs, outputs = _refs(config["input_layers"]), _refs(config["output_layers"])
    if len(inputs) != 1 or len(outputs) != 1:
        raise ModelError(
            f"{label}: the model has {len(inputs)} inputs and {len(outputs)} outputs; ConvScope needs one of each"
        )
    layers, batch_shape = [], None
    input_name = str(inputs[0][0])
    for entry in config["layers"]:
        name = str(entry.get("name") or entry["config"]["name"])
        if name == input_name:
            batch_shape = _batch_shape(entry["config"])
            continue
        layers.append(KerasLayer(_class_name(entry), name, entry["config"], _inbound(entry, label)))
    if batch_shape is None:
        raise ModelError(f"{label}: the input layer '{input_name}' does not record its shape")
    return KerasModel(tuple(layers), input_name, str(outputs[0][0]), tuple(batch_shape))


def _inbound(entry: dict[str, Any], label: str) -> tuple[str, ...]:
    nodes = entry.get("inbound_nodes") or []
    name = entry.get("name")
    if len(nodes) > 1:
        raise ModelError(
            f"{label}: layer '{name}' is shared (called {len(nodes)} times); ConvScope needs each layer once"
        )
    if not nodes:
        return ()
    node = nodes[0]
    # Keras 3 writes {"args": [...], "kwargs": {...}}; Keras 2 a list of [name, node, tensor, kwargs].
    refs = list(_keras_tensors(node.get("args", []))) if isinstance(node, dict) else [tuple(r[:3]) for r in node]
    for producer, _node_index, tensor_index in refs:
        if tensor_index != 0:
            raise ModelError(
                f"{label}: layer '{name}' reads output {tensor_index} of '{producer}'; multi-output layers are not supported"
            )
    return tuple(str(r[0]) for r in refs)


def _keras_tensors(value: Any) -> Iterator[tuple[str, int, int]]:
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            history = value["config"]["keras_history"]
            yield str(history[0]), int(history[1]), int(history[2])
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _keras_tensors(item)


# ----- checking what is supported -----------------------------------------------


def _activation_name(value: Any) -> str:
    if isinstance(value, dict):  # Keras 3 may serialise a function as an object
        value = value.get("config") if isinstance(value.get("config"), str) else value.get("class_name")
    return str(value or "linear")


def _unsupported(layer: KerasLayer, *, first_after_input: bool) -> str | None:
    c, kind = layer.config, layer.class_name
    if kind not in SUPPORTED:
        return f"{kind} '{layer.name}'"
    if c.get("data_format", "channels_last") != "channels_last":
        return f"{kind} '{layer.name}' (data_format {c['data_format']})"
    if kind in ("Conv2D", "Dense", "Activation") and ACTIVATIONS.get(_activation_name(c.get("activation")), "") == "":
        return f"{kind} '{layer.name}' (activation {_activation_name(c.get('activation'))})"
    if kind in ("Conv2D", "MaxPooling2D", "AveragePooling2D") and c.get("padding", "valid") not in ("valid", "same"):
        return f"{kind} '{layer.name}' (padding {c['padding']})"
    if kind == "ReLU" and (c.get("max_value") is not None or float(c.get("threshold") or 0) != 0):
        return f"ReLU '{layer.name}' (max_value / threshold)"
    if kind == "Rescaling" and not first_after_input:
        return f"Rescaling '{layer.name}' (only directly after the input)"
    return None


def check_supported(model: KerasModel, label: str) -> None:
    """Raise one ModelError listing every layer the importer cannot read."""
    problems = []
    for index, layer in enumerate(model.layers):
        problem = _unsupported(layer, first_after_input=index == 0 and layer.inbound == (model.input_name,))
        if problem:
            problems.append(problem)
    if problems:
        raise ModelError(
            f"{label}: unsupported layers: {'; '.join(problems)}; ConvScope imports {', '.join(SUPPORTED)} "
            "(channels_last, activations linear/relu/sigmoid/tanh/softmax/elu/leaky_relu)"
        )


# ----- conversion ---------------------------------------------------------------


def convert(
    model: KerasModel, weights: WeightLookup, label: str
) -> tuple[list[dict[str, Any]], dict[str, np.ndarray], InputSpec]:
    """The layer list, channels-first weights (state-dict keys) and input spec of a Keras model.

    Args:
        model: from :func:`parse_model_config`.
        weights: returns a layer's weights by Keras name (``kernel``, ``bias``…).
        label: the file, for error messages.
    """
    check_supported(model, label)
    return _Converter(model, weights, label).run()


def _pair(value: Any) -> list[int]:
    return [int(value), int(value)] if isinstance(value, int) else [int(v) for v in value]


class _Converter(LayerListBuilder):
    def __init__(self, model: KerasModel, weights: WeightLookup, label: str) -> None:
        self.model, self.weights = model, weights
        names = [layer.name for layer in model.layers]
        self.safe = dict(zip(names, safe_names(names), strict=True))
        super().__init__(label, {INPUT, *self.safe.values()})
        #: Spec layer → permutation of its flattened features (None: channels-first order already).
        self.perms: dict[str, np.ndarray | None] = {INPUT: None}
        #: Keras layer name → the spec layer holding its output.
        self.out_of: dict[str, str] = {model.input_name: INPUT}
        self.mean: tuple[float, ...] = ()
        self.std: tuple[float, ...] = ()
        self._found: dict[str, dict[str, np.ndarray]] = {}

    def run(self) -> tuple[list[dict[str, Any]], dict[str, np.ndarray], InputSpec]:
        shape = self.model.batch_shape
        if len(shape) != 4 or not all(isinstance(v, int) and v > 0 for v in shape[1:]):
            raise ModelError(
                f"{self.label}: the model input has shape {list(shape)}; ConvScope needs a fixed image size [N, H, W, C]"
            )
        _, height, width, channels = shape
        check_input_shape((channels, height, width), self.label)
        self.shapes[INPUT] = (channels, height, width)
        for layer in self.model.layers:
            sources = [self._source(layer, name) for name in layer.inbound]
            if not sources:
                raise ModelError(f"{self.label}: layer '{layer.name}' has no inputs")
            self.dispatch(layer.class_name, layer, sources)
        output = self._source(None, self.model.output_name)
        spec = keep_ancestors(self.spec, output, self.label)
        spec_in = InputSpec(channels, height, width, mean=self.mean, std=self.std)
        return spec, self.tensors, spec_in

    def _source(self, layer: KerasLayer | None, keras_name: str) -> str:
        if keras_name not in self.out_of:
            who = f"layer '{layer.name}'" if layer else "the model output"
            raise ModelError(f"{self.label}: {who} reads '{keras_name}', which is not an earlier layer")
        return self.out_of[keras_name]

    # -- helpers -----------------------------------------------------------------

    def append(self, entry: dict[str, Any], perm: np.ndarray | None = None) -> str:
        """Append a layer, track its shape and the order of its flattened features."""
        name = super().append(entry)
        self.perms[name] = perm
        return name

    def _param(self, layer: KerasLayer, name: str, shape: tuple[int, ...]) -> np.ndarray:
        if layer.name not in self._found:
            self._found[layer.name] = self.weights(layer)
        found = self._found[layer.name]
        if name not in found:
            have = ", ".join(sorted(found)) or "none"
            raise ModelError(f"{self.label}: layer '{layer.name}' has no '{name}' weights (found: {have})")
        array = np.asarray(found[name])
        if tuple(array.shape) != tuple(shape):
            raise ModelError(
                f"{self.label}: layer '{layer.name}' {name} has shape {tuple(array.shape)} "
                f"but the topology needs {tuple(shape)}"
            )
        return array.astype(np.float32)

    def _maps(self, layer: KerasLayer, source: str) -> tuple[int, int, int]:
        return self.maps(source, f"{layer.class_name} '{layer.name}'")

    def _activation(self, layer: KerasLayer, source: str, *, keep_name: bool = False) -> None:
        """Add ``layer``'s activation after ``source`` and record the Keras output."""
        name = _activation_name(layer.config.get("activation"))
        kind = ACTIVATIONS[name]
        if kind is None:
            self.out_of[layer.name] = source
            return
        entry: dict[str, Any] = {"type": kind, "inputs": [source]}
        entry["name"] = self.safe[layer.name] if keep_name else fresh_name(f"{source}_{name}", self.used)
        if kind == "leaky_relu":
            entry["negative_slope"] = 0.2  # keras.activations.leaky_relu's default
        self.out_of[layer.name] = self.append(entry, self.perms[source])

    def _simple(self, layer: KerasLayer, source: str, kind: str, **fields: Any) -> None:
        entry = {"name": self.safe[layer.name], "type": kind, "inputs": [source], **fields}
        self.out_of[layer.name] = self.append(entry, self.perms[source])

    def _keras_axis_to_dim(self, layer: KerasLayer, axis: int, source: str) -> int:
        rank = len(self.shapes[source])
        keras_axis = axis + rank + 1 if axis < 0 else axis  # counts the batch dimension
        if not 1 <= keras_axis <= rank:
            raise ModelError(f"{self.label}: layer '{layer.name}' uses axis {axis} of a {rank + 1}-D tensor")
        return {1: 2, 2: 3, 3: 1}[keras_axis] if rank == 3 else keras_axis

    # -- one method per Keras class --------------------------------------------------

    def _Conv2D(self, layer: KerasLayer, sources: list[str]) -> None:
        c = layer.config
        source = sources[0]
        channels, _, _ = self._maps(layer, source)
        kernel, stride = _pair(c["kernel_size"]), _pair(c.get("strides", 1))
        dilation, groups = _pair(c.get("dilation_rate", 1)), int(c.get("groups", 1))
        filters, use_bias = int(c["filters"]), bool(c.get("use_bias", True))
        if channels % groups:
            raise ModelError(
                f"{self.label}: layer '{layer.name}' has {channels} input channels, not divisible by groups {groups}"
            )
        weight = self._param(layer, "kernel", (kernel[0], kernel[1], channels // groups, filters))
        bias = self._param(layer, "bias", (filters,)) if use_bias else None
        pads = [(0, 0), (0, 0)]
        if c.get("padding", "valid") == "same":  # TensorFlow pads any extra row/column at the bottom/right
            pads = self.same_pads(source, f"Conv2D '{layer.name}'", kernel, stride, dilation)
        name = self.conv(self.safe[layer.name], source, hwio_to_oihw(weight), bias, kernel=kernel, stride=stride,
                         pads=pads, dilation=dilation, groups=groups)  # fmt: skip
        self._activation(layer, name)

    def _Dense(self, layer: KerasLayer, sources: list[str]) -> None:
        c = layer.config
        source = sources[0]
        shape = self.shapes[source]
        if len(shape) != 1:
            raise ModelError(
                f"{self.label}: Dense '{layer.name}' reads a tensor of shape {shape}; ConvScope needs a Flatten "
                "or global pooling before a Dense layer"
            )
        units, use_bias = int(c["units"]), bool(c.get("use_bias", True))
        kernel = self._param(layer, "kernel", (shape[0], units))
        name = self.safe[layer.name]
        self.append(
            {
                "name": name,
                "type": "linear",
                "inputs": [source],
                "in_features": shape[0],
                "out_features": units,
                "bias": use_bias,
            }
        )
        self.tensors[f"{name}.weight"] = dense_weight(kernel, self.perms[source])
        if use_bias:
            self.tensors[f"{name}.bias"] = self._param(layer, "bias", (units,))
        self._activation(layer, name)

    def _Activation(self, layer: KerasLayer, sources: list[str]) -> None:
        if ACTIVATIONS[_activation_name(layer.config.get("activation"))] is None:
            self._simple(layer, sources[0], "identity")
        else:
            self._activation(layer, sources[0], keep_name=True)

    def _ReLU(self, layer: KerasLayer, sources: list[str]) -> None:
        slope = float(layer.config.get("negative_slope") or 0.0)
        if slope:
            self._simple(layer, sources[0], "leaky_relu", negative_slope=slope)
        else:
            self._simple(layer, sources[0], "relu")

    def _LeakyReLU(self, layer: KerasLayer, sources: list[str]) -> None:
        c = layer.config
        slope = c.get("negative_slope", c.get("alpha", 0.3))  # Keras 3 renamed alpha
        self._simple(layer, sources[0], "leaky_relu", negative_slope=float(slope))

    def _ELU(self, layer: KerasLayer, sources: list[str]) -> None:
        self._simple(layer, sources[0], "elu", alpha=float(layer.config.get("alpha", 1.0)))

    def _Softmax(self, layer: KerasLayer, sources: list[str]) -> None:
        axis = layer.config.get("axis", -1)
        axis = axis[0] if isinstance(axis, list) and len(axis) == 1 else axis
        if not isinstance(axis, int):
            raise ModelError(f"{self.label}: Softmax '{layer.name}' over axes {axis} is not supported")
        self._simple(layer, sources[0], "softmax", dim=self._keras_axis_to_dim(layer, axis, sources[0]))

    def _pool(self, layer: KerasLayer, sources: list[str], kind: str) -> None:
        c = layer.config
        _, height, width = self._maps(layer, sources[0])
        kernel = _pair(c.get("pool_size", 2))
        stride = _pair(c.get("strides") or kernel)
        padding, ceil_mode = [0, 0], False
        if c.get("padding", "valid") == "same":
            sizes = list(zip((height, width), kernel, stride, strict=False))
            for ceil_mode in (False, True):  # PyTorch's ceil_mode covers both axes at once
                fits = [pool_same_padding(size, k, s, ceil_mode=ceil_mode) for size, k, s in sizes]
                if None not in fits:
                    padding = fits  # type: ignore[assignment]
                    break
            else:
                raise ModelError(
                    f"{self.label}: {layer.class_name} '{layer.name}' with 'same' padding, pool {kernel} and "
                    f"stride {stride} on {height}x{width} maps has no PyTorch equivalent"
                )
        extra = {"count_include_pad": False} if kind == "avgpool2d" else {}
        self.out_of[layer.name] = self.pool(self.safe[layer.name], kind, sources[0], kernel=kernel, stride=stride,
                                            padding=padding, ceil_mode=ceil_mode, **extra)  # fmt: skip

    def _MaxPooling2D(self, layer: KerasLayer, sources: list[str]) -> None:
        self._pool(layer, sources, "maxpool2d")

    def _AveragePooling2D(self, layer: KerasLayer, sources: list[str]) -> None:
        self._pool(layer, sources, "avgpool2d")

    def _global_pool(self, layer: KerasLayer, sources: list[str], kind: str) -> None:
        self._maps(layer, sources[0])
        self.out_of[layer.name] = self.global_pool(self.safe[layer.name], kind, sources[0])
        if not layer.config.get("keepdims", False):  # Keras drops the 1x1 by default
            pooled = self.out_of[layer.name]
            flat = fresh_name(f"{pooled}_flatten", self.used)
            self.out_of[layer.name] = self.append({"name": flat, "type": "flatten", "inputs": [pooled]})

    def _GlobalAveragePooling2D(self, layer: KerasLayer, sources: list[str]) -> None:
        self._global_pool(layer, sources, "global_avgpool")

    def _GlobalMaxPooling2D(self, layer: KerasLayer, sources: list[str]) -> None:
        self._global_pool(layer, sources, "global_maxpool")

    def _Flatten(self, layer: KerasLayer, sources: list[str]) -> None:
        shape = self.shapes[sources[0]]
        perm = flatten_permutation(*shape) if len(shape) == 3 else self.perms[sources[0]]
        name = self.safe[layer.name]
        self.out_of[layer.name] = self.append({"name": name, "type": "flatten", "inputs": [sources[0]]}, perm)

    def _BatchNormalization(self, layer: KerasLayer, sources: list[str]) -> None:
        c = layer.config
        axis = c.get("axis", -1)
        axis = axis[0] if isinstance(axis, list) and len(axis) == 1 else axis
        channels, _, _ = self._maps(layer, sources[0])
        if axis not in (-1, 3):
            raise ModelError(
                f"{self.label}: BatchNormalization '{layer.name}' normalises axis {axis}; only the channel axis is supported"
            )
        name = self.safe[layer.name]
        self._simple(layer, sources[0], "batchnorm2d", num_features=channels, eps=float(c.get("epsilon", 1e-3)))
        ones, zeros = np.ones(channels, np.float32), np.zeros(channels, np.float32)
        found = param_names(layer)
        self.tensors[f"{name}.weight"] = self._param(layer, "gamma", (channels,)) if "gamma" in found else ones
        self.tensors[f"{name}.bias"] = self._param(layer, "beta", (channels,)) if "beta" in found else zeros
        self.tensors[f"{name}.running_mean"] = self._param(layer, "moving_mean", (channels,))
        self.tensors[f"{name}.running_var"] = self._param(layer, "moving_variance", (channels,))

    def _Dropout(self, layer: KerasLayer, sources: list[str]) -> None:
        self._simple(layer, sources[0], "dropout", p=float(layer.config.get("rate", 0.5)))

    def _ZeroPadding2D(self, layer: KerasLayer, sources: list[str]) -> None:
        value = layer.config.get("padding", 1)
        if isinstance(value, int):
            padding = [value] * 4
        elif all(isinstance(v, int) for v in value):
            padding = [value[0], value[0], value[1], value[1]]
        else:
            padding = [*value[0], *value[1]]
        self._maps(layer, sources[0])
        self._simple(layer, sources[0], "zeropad2d", padding=[int(v) for v in padding])

    def _Add(self, layer: KerasLayer, sources: list[str]) -> None:
        perms = [self.perms[s] for s in sources]
        if any(not _same_perm(perms[0], p) for p in perms[1:]):
            raise ModelError(f"{self.label}: Add '{layer.name}' mixes flattened maps with other vectors; not supported")
        self.out_of[layer.name] = self.add(self.safe[layer.name], sources)
        self.perms[self.out_of[layer.name]] = perms[0]  # a sum of vectors keeps their feature order

    def _Concatenate(self, layer: KerasLayer, sources: list[str]) -> None:
        dim = self._keras_axis_to_dim(layer, int(layer.config.get("axis", -1)), sources[0])
        perm = None
        if len(self.shapes[sources[0]]) == 1 and any(self.perms[s] is not None for s in sources):
            parts, offset = [], 0
            for s in sources:
                size = self.shapes[s][0]
                part = self.perms[s]
                parts.append((np.arange(size) if part is None else part) + offset)
                offset += size
            perm = np.concatenate(parts)
        entry = {"name": self.safe[layer.name], "type": "concat", "inputs": sources, "dim": dim}
        self.out_of[layer.name] = self.append(entry, perm)

    def _Rescaling(self, layer: KerasLayer, sources: list[str]) -> None:
        # x = p * scale + offset with p in 0..255 is InputSpec's (p/255 - mean) / std.
        channels = self.shapes[INPUT][0]
        scale = np.broadcast_to(np.asarray(layer.config.get("scale", 1.0), np.float64), (channels,))
        offset = np.broadcast_to(np.asarray(layer.config.get("offset", 0.0), np.float64), (channels,))
        std = 1.0 / (255.0 * scale)
        self.std = tuple(float(v) for v in std)
        self.mean = tuple(float(v) for v in -offset * std)
        self.out_of[layer.name] = sources[0]


def _same_perm(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return bool(np.array_equal(a, b))
