"""ONNX models (NCHW, like PyTorch) as layer lists.

Weights must be initializers or ``Constant`` nodes; each compute node becomes
one layer named after the node (or its output when the node has no name).
``MatMul`` followed by ``Add`` of a bias becomes one linear layer, ``Reshape``
or ``Squeeze`` to ``(N, F)`` a flatten, and asymmetric conv padding a
``<name>_pad`` zeropad2d layer.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, overload

import numpy as np
import onnx
from google.protobuf.message import DecodeError
from onnx import numpy_helper
from onnx.reference import ReferenceEvaluator

from convscope.errors import ModelError, first_line
from convscope.formats.importers.common import ImportedModel, assemble, keep_ancestors
from convscope.formats.importers.skeleton import LayerListBuilder, Pads
from convscope.formats.layerlist import INPUT, safe_names
from convscope.inputs import InputSpec
from convscope.limits import check_folded, check_input_shape

FORMAT = "onnx"
#: ONNX operators the importer understands (default domain).
SUPPORTED = (
    "Conv", "Gemm", "MatMul", "Add", "Relu", "Sigmoid", "Tanh", "Softmax", "LeakyRelu", "Elu",
    "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Flatten", "Reshape", "Squeeze",
    "BatchNormalization", "Dropout", "Concat", "Pad", "Identity", "Constant",
)  # fmt: skip
_ACTIVATIONS = {"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "LeakyRelu": "leaky_relu", "Elu": "elu"}


def import_onnx(path: str | Path, *, classes: Sequence[str] | None = None) -> ImportedModel:
    """Import an ONNX model with one NCHW image input and one output.

    Args:
        path: the ``.onnx`` file (external weight files next to it are read too).
        classes: one name per output unit, or ``None``.

    Example:
        >>> [layer["type"] for layer in import_onnx("small.onnx").layers]
        ['conv2d', 'relu', 'flatten', 'linear']
    """
    label = str(path)
    model = _load(Path(path), label)
    graph = model.graph
    foldable = _foldable_nodes(graph)
    unsupported = _unsupported_ops(graph, foldable)
    if unsupported:
        raise ModelError(
            f"{label}: unsupported operations: {', '.join(unsupported)}; ConvScope imports "
            f"{', '.join(op for op in SUPPORTED if op != 'Constant')}"
        )
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 13)
    converter = _Converter(graph, foldable, opset, label)
    spec, tensors, input_spec = converter.run()
    producer = f"{model.producer_name} {model.producer_version}".strip()
    source = {"format": FORMAT, "file": label, "producer": producer, "opset": opset}
    return assemble(spec, tensors, input_spec=input_spec, classes=classes, source=source)


def _load(path: Path, label: str) -> onnx.ModelProto:
    try:
        model = onnx.load(str(path))
        onnx.checker.check_model(model)
    except FileNotFoundError as exc:
        raise ModelError(f"{label}: missing file {Path(exc.filename or path).name}") from None
    except (DecodeError, onnx.checker.ValidationError, OSError, ValueError, RuntimeError) as exc:
        raise ModelError(f"{label}: not a valid ONNX model ({first_line(exc)}); the file may be truncated") from None
    return model


def _foldable_nodes(graph: onnx.GraphProto) -> list[bool]:
    """For each node, whether it computes only from constants and static shapes.

    Such nodes (the ``Shape`` → ``Gather`` → ``Concat`` chains exporters write
    for ``x.view(x.size(0), -1)``) are folded into constants, whatever their operator.
    """
    constant = {i.name for i in graph.initializer}
    foldable = []
    for node in graph.node:
        foldable.append(_is_foldable(node, constant))
        if foldable[-1]:
            constant.update(node.output)
    return foldable


def _unsupported_ops(graph: onnx.GraphProto, foldable: list[bool]) -> list[str]:
    """Operators that compute from the input and that the importer cannot map to a layer."""
    unsupported = set()
    for node, folded in zip(graph.node, foldable, strict=True):
        if folded:
            continue
        if node.domain not in ("", "ai.onnx"):
            unsupported.add(f"{node.domain}.{node.op_type}")
        elif node.op_type not in SUPPORTED:
            unsupported.add(node.op_type)
    return sorted(unsupported)


def _is_foldable(node: onnx.NodeProto, constant: set[str]) -> bool:
    if node.domain not in ("", "ai.onnx"):
        return False
    return node.op_type == "Shape" or all(name in constant for name in node.input if name)


def _attrs(node: onnx.NodeProto) -> dict[str, Any]:
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


class _Converter(LayerListBuilder):
    def __init__(self, graph: onnx.GraphProto, foldable: list[bool], opset: int, label: str) -> None:
        self.graph, self.foldable, self.opset = graph, foldable, opset
        self.constants: dict[str, np.ndarray] = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
        #: ONNX tensor name → the spec layer producing it.
        self.layer_of: dict[str, str] = {}
        self.uses = Counter(name for node in graph.node for name in node.input if name)
        self.uses.update(o.name for o in graph.output)
        layers = [i for i, folded in enumerate(foldable) if not folded]
        names = safe_names([graph.node[i].name or graph.node[i].output[0] for i in layers])
        #: Layer name of each node that becomes a layer, by position in the graph.
        self.names = dict(zip(layers, names, strict=True))
        super().__init__(label, {INPUT, *names})
        #: Linear layers from a MatMul that an Add may still give a bias.
        self.matmul_linear: set[str] = set()

    def run(self) -> tuple[list[dict[str, Any]], dict[str, np.ndarray], InputSpec]:
        input_spec = self._input()
        for index, node in enumerate(self.graph.node):
            if self.foldable[index]:
                self._fold(node)
            else:
                self.dispatch(node.op_type, node, self.names[index], _attrs(node))
        if len(self.graph.output) != 1:
            raise ModelError(f"{self.label}: the model has {len(self.graph.output)} outputs; ConvScope needs one")
        output = self.graph.output[0].name
        if output not in self.layer_of:
            raise ModelError(f"{self.label}: the output '{output}' is a constant, not computed from the input")
        return keep_ancestors(self.spec, self.layer_of[output], self.label), self.tensors, input_spec

    def _input(self) -> InputSpec:
        inputs = [i for i in self.graph.input if i.name not in self.constants]
        if len(inputs) != 1:
            raise ModelError(f"{self.label}: the model has {len(inputs)} inputs; ConvScope needs one image input")
        dims = inputs[0].type.tensor_type.shape.dim
        sizes = [d.dim_value if d.HasField("dim_value") else None for d in dims]
        if len(sizes) != 4 or not all(isinstance(v, int) and v > 0 for v in sizes[1:]):
            shown = [v if v is not None else d.dim_param or "?" for v, d in zip(sizes, dims, strict=True)]
            raise ModelError(
                f"{self.label}: the input '{inputs[0].name}' has shape {shown}; ConvScope needs a fixed image size (N, C, H, W)"
            )
        check_input_shape(tuple(sizes[1:]), self.label)
        self.layer_of[inputs[0].name] = INPUT
        self.shapes[INPUT] = tuple(sizes[1:])  # type: ignore[arg-type]
        return InputSpec(*sizes[1:])  # type: ignore[arg-type]

    # -- helpers -----------------------------------------------------------------

    def _fold(self, node: onnx.NodeProto) -> None:
        """Compute a node whose inputs are constants (or a static shape) with ONNX's reference ops."""
        if node.op_type == "Shape":
            # The batch dimension counts as 1, the size the exporter traced with.
            shape = np.array([1, *self.shapes[self._tensor(node)]], dtype=np.int64)
            attrs = _attrs(node)
            self.constants[node.output[0]] = shape[attrs.get("start", 0) : attrs.get("end", len(shape))]
            return
        feeds = {name: self.constants[name] for name in node.input if name}
        check_folded(node.op_type, [self.constants.get(name) for name in node.input], self.label)
        try:
            values = ReferenceEvaluator(node, opsets={"": self.opset}).run(None, feeds)
        except Exception as exc:  # noqa: BLE001 - the reference runtime raises many types
            raise ModelError(
                f"{self.label}: cannot compute constant node '{node.name}' ({node.op_type}: {exc})"
            ) from None
        for name, value in zip(node.output, values, strict=False):
            self.constants[name] = np.asarray(value)

    def _add(self, entry: dict[str, Any], output: str) -> str:
        """Append a layer that computes the ONNX tensor ``output``."""
        return self._names(self.append(entry), output)

    def _names(self, layer: str, output: str) -> str:
        """Record that ``layer`` computes the ONNX tensor ``output``."""
        self.layer_of[output] = layer
        return layer

    def _tensor(self, node: onnx.NodeProto, index: int = 0) -> str:
        """The spec layer feeding input ``index`` of ``node``."""
        name = node.input[index]
        if name not in self.layer_of:
            what = "a constant" if name in self.constants else "not computed by an earlier node"
            raise ModelError(f"{self.label}: {node.op_type} node '{node.name}' reads '{name}', which is {what}")
        return self.layer_of[name]

    @overload
    def _const(self, node: onnx.NodeProto, index: int, *, optional: Literal[False] = False) -> np.ndarray: ...

    @overload
    def _const(self, node: onnx.NodeProto, index: int, *, optional: bool) -> np.ndarray | None: ...

    def _const(self, node: onnx.NodeProto, index: int, *, optional: bool = False) -> np.ndarray | None:
        if index >= len(node.input) or not node.input[index]:
            if optional:
                return None
            raise ModelError(f"{self.label}: {node.op_type} node '{node.name}' lacks input {index}")
        name = node.input[index]
        if name not in self.constants:
            raise ModelError(
                f"{self.label}: {node.op_type} node '{node.name}' takes '{name}' from the graph; "
                "ConvScope needs weights stored as initializers"
            )
        return self.constants[name]

    def _maps(self, node: onnx.NodeProto, source: str) -> tuple[int, int, int]:
        return self.maps(source, f"{node.op_type} node '{node.name}'")

    def _unsupported(self, node: onnx.NodeProto, why: str) -> ModelError:
        return ModelError(f"{self.label}: {node.op_type} node '{node.name or node.output[0]}': {why} is not supported")

    def _window_pads(
        self,
        node: onnx.NodeProto,
        attrs: dict[str, Any],
        source: str,
        kernel: list[int],
        stride: list[int],
        dilation: list[int],
    ) -> Pads:
        """``[(top, bottom), (left, right)]`` from ``pads`` or ``auto_pad``."""
        self._maps(node, source)
        auto = attrs.get("auto_pad", b"NOTSET")
        auto = auto.decode() if isinstance(auto, bytes) else str(auto)
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            pads = self.same_pads(source, f"{node.op_type} node '{node.name}'", kernel, stride, dilation)
            return pads if auto == "SAME_UPPER" else [(after, before) for before, after in pads]
        if auto == "VALID":
            return [(0, 0), (0, 0)]
        flat = list(attrs.get("pads", [0, 0, 0, 0]))  # (top, left, bottom, right)
        return [(flat[0], flat[2]), (flat[1], flat[3])]

    # -- one method per operator ------------------------------------------------------

    def _Identity(self, node: onnx.NodeProto, name: str, attrs: dict[str, Any]) -> None:
        self._add({"name": name, "type": "identity", "inputs": [self._tensor(node)]}, node.output[0])

    def _Conv(self, node: onnx.NodeProto, name: str, attrs: dict[str, Any]) -> None:
        source = self._tensor(node)
        weight = self._const(node, 1)
        if weight.ndim != 4:
            raise self._unsupported(node, f"a {weight.ndim - 2}-D convolution")
        bias = self._const(node, 2, optional=True)
        channels = self._maps(node, source)[0]
        groups = int(attrs.get("group", 1))
        kernel = list(attrs.get("kernel_shape", weight.shape[2:]))
        stride, dilation = list(attrs.get("strides", [1, 1])), list(attrs.get("dilations", [1, 1]))
        if weight.shape[1] * groups != channels:
            raise ModelError(
                f"{self.label}: Conv node '{name}' weights {tuple(weight.shape)} with group {groups} do not fit "
                f"{channels} input channels"
            )
        pads = self._window_pads(node, attrs, source, kernel, stride, dilation)
        layer = self.conv(name, source, weight, bias, kernel=kernel, stride=stride, pads=pads, dilation=dilation,
                          groups=groups)  # fmt: skip
        self._names(layer, node.output[0])

    def _linear(self, node: onnx.NodeProto, name: str, weight: np.ndarray, bias: np.ndarray | None) -> str:
        """A linear layer; ``weight`` is PyTorch's ``(F_out, F_in)``."""
        source = self._tensor(node)
        if len(self.shapes[source]) != 1:
            raise self._unsupported(node, f"a matrix product on a tensor of shape {self.shapes[source]}")
        out_features = int(weight.shape[0])
        self._add(
            {
                "name": name,
                "type": "linear",
                "inputs": [source],
                "in_features": int(weight.shape[1]),
                "out_features": out_features,
                "bias": bias is not None,
            },
            node.output[0],
        )
        self.tensors[f"{name}.weight"] = weight
        if bias is not None:
            self.tensors[f"{name}.bias"] = np.broadcast_to(bias, (out_features,))
        return name

    def _Gemm(self, node: onnx.NodeProto, name: str, attrs: dict[str, Any]) -> None:
        if attrs.get("transA", 0):
            raise self._unsupported(node, "transA=1")
        b = self._const(node, 1)
        weight = (b if attrs.get("transB", 0) else b.T) * np.float32(attrs.get("alpha", 1.0))
        bias = self._const(node, 2, optional=True)
        if bias is not None:
            bias = bias.reshape(-1) * np.float32(attrs.get("beta", 1.0))
            if bias.size not in (1, weight.shape[0]):
                raise ModelError(
                    f"{self.label}: Gemm node '{name}' bias of {bias.size} values does not fit {weight.shape[0]} outputs"
                )
        self._linear(node, name, weight, bias)

    def _MatMul(self, node: onnx.NodeProto, name: str, attrs: dict[str, Any]) -> None:
        b = self._const(node, 1)
        if b.ndim != 2:
            raise self._unsupported(node, f"MatMul with a {b.ndim}-D weight")
        self.matmul_linear.add(self._linear(node, name, b.T, None))

    def _Add(self, node: onnx.NodeProto, name: str, attrs: dict[str, Any]) -> None:
        a, b = node.input[0], node.input[1]
        if a in self.constants or b in self.constants:
            tensor, const = (b, self.constants[a]) if a in self.constants else (a, self.constants[b])
            linear = self.layer_of.get(tensor)
            # MatMul + Add of a bias vector is how many exporters write a dense layer.
            if linear in self.matmul_linear and self.uses[tensor] == 1 and const.size == self.shapes[linear][0]:
                self._set_bias(linear, const.reshape(-1))
                self.matmul_linear.discard(linear)
                self.layer_of[node.output[0]] = linear
                return
            raise self._unsupported(node, "adding a constant to a tensor")
        self._names(self.add(name, [self._tensor(node, 0), self._tensor(node, 1)]), node.output[0])

    def _set_bias(self, linear: str, bias: np.ndarray) -> None:
        layer = next(layer for layer in self.spec if layer["name"] == linear)
        layer["bias"] = True
        self.tensors[f"{linear}.bias"] = bias

    def _activation(self, node: onnx.NodeProto, name: str, attrs: dict[str, Any]) -> None:
        kind = _ACTIVATIONS[node.op_type]
        entry: dict[str, Any] = {"name": name, "type": kind, "inputs": [self._tensor(node)]}
        if kind == "leaky_relu":
            entry["negative_slope"] = float(attrs.get("alpha", 0.01))
        if kind == "elu":
            entry["alpha"] = float(attrs.get("alpha", 1.0))
        self._add(entry, node.output[0])

    _Relu = _Sigmoid = _Tanh = _LeakyRelu = _Elu = _activation

    def _Softmax(self, node: onnx.NodeProto, name: str, attrs: dict[str, Any]) -> None:
        source = self._tensor(node)
        rank = len(self.shapes[source]) + 1
        axis = int(attrs.get("axis", -1 if self.opset >= 13 else 1))
        axis = axis + rank if axis < 0 else axis
        # Before opset 13, Softmax flattened everything from ``axis`` on: the same only for the last axis.
        if self.opset < 13 and axis != rank - 1:
            raise self._unsupported(node, f"an opset-{self.opset} Softmax over axes {axis}..{rank - 1}")
        self._add({"name": name, "type": "softmax", "inputs": [source], "dim": axis}, node.output[0])

    def _pool(self, node: onnx.NodeProto, name: str, attrs: dict[str, Any], kind: str) -> None:
        if len(node.output) > 1 and node.output[1]:
            raise self._unsupported(node, "returning pooling indices")
        source = self._tensor(node)
        kernel = list(attrs["kernel_shape"])
        stride, dilation = list(attrs.get("strides", [1, 1])), list(attrs.get("dilations", [1, 1]))
        pads = self._window_pads(node, attrs, source, kernel, stride, dilation)
        if any(before != after for before, after in pads):
            raise self._unsupported(node, f"asymmetric pooling pads {pads}")
        if kind == "maxpool2d":
            extra: dict[str, Any] = {"dilation": dilation}
        else:
            if dilation != [1, 1]:
                raise self._unsupported(node, "dilated average pooling")
            extra = {"count_include_pad": bool(attrs.get("count_include_pad", 0))}
        layer = self.pool(name, kind, source, kernel=kernel, stride=stride, padding=[pads[0][0], pads[1][0]],
                          ceil_mode=bool(attrs.get("ceil_mode", 0)), **extra)  # fmt: skip
        self._names(layer, node.output[0])

    def _MaxPool(self, node: onnx.NodeProto, name: str, attrs: dict[str, Any]) -> None:
        self._pool(node, name, attrs, "maxpool2d")

    def _AveragePool(self, node: onnx.NodeProto, name: str, attrs: dict[str, Any]) -> None:
        self._pool(node, name, attrs, "avgpool2d")

    def _GlobalAveragePool(self, node: onnx.NodeProto, name: str, attrs: dict[str, Any]) -> None:
        self._names(self.global_pool(name, "global_avgpool", self._tensor(node)), node.output[0])

    def _GlobalMaxPool(self, node: onnx.NodeProto, name: str, attrs: dict[str, Any]) -> None:
        self._names(self.global_pool(name, "global_maxpool", self._tensor(node)), node.output[0])

    def _flatten(self, node: onnx.NodeProto, name: str) -> None:
        self._add({"name": name, "type": "flatten", "inputs": [self._tensor(node)]}, node.output[0])

    def _Flatten(self, node: onnx.NodeProto, name: str, attrs: dict[str, Any]) -> None:
        if int(attrs.get("axis", 1)) != 1:
            raise self._unsupported(node, f"Flatten from axis {attrs['axis']}")
        self._flatten(node, name)

    def _Reshape(self, node: onnx.NodeProto, name: str, attrs: dict[str, Any]) -> None:
        target = [int(v) for v in self._const(node, 1).reshape(-1)]
        features = math.prod(self.shapes[self._tensor(node)])
        # (N, F) with N given as 0 (copy), -1 or the exported batch size.
        if len(target) == 2 and target[1] in (-1, features) and (target[0] != -1 or target[1] == features):
            self._flatten(node, name)
        else:
            raise self._unsupported(node, f"Reshape to {target}")

    def _Squeeze(self, node: onnx.NodeProto, name: str, attrs: dict[str, Any]) -> None:
        axes = attrs.get("axes")
        if axes is None and len(node.input) > 1:
            axes = self._const(node, 1).reshape(-1).tolist()
        shape = self.shapes[self._tensor(node)]
        if len(shape) == 3 and shape[1:] == (1, 1) and sorted(a % 4 for a in (axes or [2, 3])) == [2, 3]:
            self._flatten(node, name)
        else:
            raise self._unsupported(node, f"Squeeze of axes {axes} on shape {shape}")

    def _BatchNormalization(self, node: onnx.NodeProto, name: str, attrs: dict[str, Any]) -> None:
        if attrs.get("training_mode", 0) or sum(1 for o in node.output if o) > 1:
            raise self._unsupported(node, "training-mode batch normalisation")
        source = self._tensor(node)
        channels = self._maps(node, source)[0]
        self._add(
            {
                "name": name,
                "type": "batchnorm2d",
                "inputs": [source],
                "num_features": channels,
                "eps": float(attrs.get("epsilon", 1e-5)),
            },
            node.output[0],
        )
        for index, key in enumerate(("weight", "bias", "running_mean", "running_var"), start=1):
            self.tensors[f"{name}.{key}"] = self._const(node, index)

    def _Dropout(self, node: onnx.NodeProto, name: str, attrs: dict[str, Any]) -> None:
        ratio = self._const(node, 1, optional=True) if self.opset >= 12 else None
        p = float(ratio) if ratio is not None else float(attrs.get("ratio", 0.5))
        self._add({"name": name, "type": "dropout", "inputs": [self._tensor(node)], "p": p}, node.output[0])

    def _Concat(self, node: onnx.NodeProto, name: str, attrs: dict[str, Any]) -> None:
        sources = [self._tensor(node, i) for i in range(len(node.input))]
        rank = len(self.shapes[sources[0]]) + 1
        axis = int(attrs["axis"])
        dim = axis + rank if axis < 0 else axis
        self._add({"name": name, "type": "concat", "inputs": sources, "dim": dim}, node.output[0])

    def _Pad(self, node: onnx.NodeProto, name: str, attrs: dict[str, Any]) -> None:
        mode = attrs.get("mode", b"constant")
        mode = mode.decode() if isinstance(mode, bytes) else str(mode)
        if self.opset >= 11:
            pads = self._const(node, 1).reshape(-1).tolist()
            value = self._const(node, 2, optional=True)
            axes = self._const(node, 3, optional=True)
        else:
            pads, value, axes = list(attrs["pads"]), attrs.get("value", 0.0), None
        if mode != "constant" or (value is not None and float(np.asarray(value).reshape(-1)[0]) != 0.0):
            raise self._unsupported(node, f"{mode} padding with value {value}")
        source = self._tensor(node)
        rank = len(self.shapes[source]) + 1
        full = [0] * (2 * rank)
        dims = [int(a) % rank for a in axes.reshape(-1)] if axes is not None else list(range(rank))
        for i, axis in enumerate(dims):
            full[axis], full[rank + axis] = int(pads[i]), int(pads[len(dims) + i])
        if rank != 4 or any(full[i] for i in (0, 1, 4, 5)) or min(full) < 0:
            raise self._unsupported(node, f"padding {full} (only non-negative padding of H and W)")
        self._add(
            {"name": name, "type": "zeropad2d", "inputs": [source], "padding": [full[2], full[6], full[3], full[7]]},
            node.output[0],
        )


__all__ = ["FORMAT", "SUPPORTED", "import_onnx"]
