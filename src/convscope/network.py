"""``Network``: a PyTorch module plus what is needed to read it.

The layer graph is built with ``torch.fx`` symbolic tracing at module
granularity (every module without children is one layer, named by its
qualified name, e.g. ``conv_1_1`` or ``layer1.0.conv1``), followed by one
forward pass on a zero input to learn every output shape. Functional ops
(``x + y``, ``torch.cat``, ``F.relu``) become layers too. A module fx cannot
trace (data-dependent control flow) falls back to forward hooks on its leaf
modules; :attr:`Network.traced_with` says which happened.

Example:
    >>> from convscope.zoo import get_entry
    >>> entry = get_entry("tinyvgg")
    >>> net = Network(entry.build(), entry.input_spec())
    >>> [layer.name for layer in net.layers][:3]
    ['input', 'conv_1_1', 'relu_1_1']
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import torch
import torch.fx as fx
from matplotlib.figure import Figure  # a real import: typing.get_type_hints resolves plot_filters' hints
from torch import nn

from convscope import layer_facts
from convscope.cores import cores_for, using_cores
from convscope.errors import ConvScopeError, ModelError, NotFoundError, first_line
from convscope.inputs import InputSpec
from convscope.layer_kinds import function_kind, method_kind, module_kind
from convscope.run_input import RunInput, as_batch
from convscope.types import LayerKind, Shape

INPUT = "input"
#: ``fx.Node.meta`` key marking the tensor-valued nodes that became layers.
_LAYER_MARK = "convscope_layer"


@dataclass(frozen=True)
class Layer:
    """One layer of the graph: raw facts, no formatting."""

    name: str
    kind: LayerKind
    #: Names of the layers whose outputs feed this one (several for add/concat).
    inputs: tuple[str, ...]
    #: Output shape without the batch dimension: ``(C, H, W)`` or ``(F,)``.
    output_shape: Shape
    hyper: dict[str, Any] = field(default_factory=dict)
    params: int = 0
    mults: int = 0
    mult_formula: str = "0"
    #: Non-multiplication work, e.g. ``{"comparisons": 8400}`` for max pooling.
    other_ops: dict[str, int] = field(default_factory=dict)
    other_formula: str = ""
    #: The module for module layers, ``None`` for functional ops and the input.
    module: nn.Module | None = field(default=None, repr=False, compare=False)
    #: Qualified module name (``layer1.0.conv1``) or the fx node name.
    target: str = ""

    @property
    def is_spatial(self) -> bool:
        """True when the output is a stack of 2-D maps ``(C, H, W)``."""
        return len(self.output_shape) == 3

    def __repr__(self) -> str:
        from convscope.display import layer_repr

        return layer_repr(self)

    def _repr_html_(self) -> str:
        from convscope.display import layer_html

        return layer_html(self)


def _graph_of(module: nn.Module) -> fx.Graph:
    """The module's fx graph at module granularity.

    A GraphModule (what the importers build) already is a graph whose node names
    are the source file's layer names (``plus``, ``concatenate_1``); tracing it
    again would rename its functional nodes, so its own graph is copied instead.
    """
    if isinstance(module, fx.GraphModule):
        return copy.deepcopy(module.graph)
    return _LeafModuleTracer().trace(module)


class _LeafModuleTracer(fx.Tracer):
    """Treat every module without children as one layer.

    fx's default traces into any module not defined in ``torch.nn``; for
    ConvScope a user's own childless module (a custom activation, say) is a
    layer of kind ``other``, never a dissolved set of tensor ops.
    """

    def is_leaf_module(self, m: nn.Module, module_qualified_name: str) -> bool:
        if isinstance(m, (nn.Sequential, nn.ModuleList, nn.ModuleDict)):
            return False
        has_children = next(iter(m.children()), None) is not None
        return not has_children or super().is_leaf_module(m, module_qualified_name)


@dataclass
class _Node:
    """What graph building learns about one tensor-valued node."""

    name: str
    kind: LayerKind
    inputs: tuple[str, ...]
    module: nn.Module | None
    target: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


class Network:
    """A module with its input spec, class names and layer graph.

    Args:
        module: any PyTorch CNN taking ``(N, C, H, W)``.
        input_spec: the input it takes.
        class_names: one per output unit; defaults to ``class 0`` … ``class K-1``.
        name: a label for views and files.
    """

    def __init__(
        self,
        module: nn.Module,
        input_spec: InputSpec,
        class_names: tuple[str, ...] | list[str] | None = None,
        name: str = "model",
    ) -> None:
        if not isinstance(module, nn.Module):
            raise ModelError(f"expected a torch.nn.Module, got {type(module).__name__}")
        self.module = module
        #: Every submodule, walked once: switching to eval mode per trace stays cheap.
        self._submodules = tuple(module.modules())
        self.input_spec = input_spec
        self.name = name
        self.traced_with = "fx"
        self.fallback_reason: str | None = None
        self._capture: fx.GraphModule | None = None
        self.output_layer = INPUT
        #: How the model was built (``{"zoo": …}`` or ``{"layers": …}``) when known.
        self.architecture: dict[str, Any] | None = None
        #: Where the weights came from (dataset, command, accuracy…), from its model file.
        self.provenance: dict[str, Any] = {}
        #: The folder of sample images that came with the model (its model folder's ``samples/``), if any.
        self.samples_dir: Path | None = None
        self.layers = self._build_layers()
        self._by_name = {layer.name: layer for layer in self.layers}
        if not any(layer.kind is LayerKind.CONV2D for layer in self.layers):
            raise ModelError(f"{type(module).__name__} has no Conv2d layer; ConvScope explains convolutional networks")
        width = self.layer(self.output_layer).output_shape
        if len(width) != 1:
            raise ModelError(
                f"the model's output has shape {tuple(width)}; ConvScope needs class scores of shape (K,) "
                "— end the model with a Linear layer or a global pooling + flatten"
            )
        k = width[0]
        names = tuple(class_names) if class_names else tuple(f"class {i}" for i in range(k))
        if len(names) != k:
            raise ModelError(f"the model has {k} outputs but {len(names)} class names were given; give one per output")
        self.class_names = names

    # ----- the layer graph -------------------------------------------------

    def _build_layers(self) -> list[Layer]:
        try:
            graph = _graph_of(self.module)
        except Exception as exc:  # noqa: BLE001 - any tracing failure means "use hooks"
            self.traced_with = "hooks"
            self.fallback_reason = f"torch.fx could not trace the model ({type(exc).__name__}: {first_line(exc)})"
            layers = _layers_from_hooks(self.module, self.input_spec)
            self.output_layer = layers[-1].name
            return layers
        graph_module = fx.GraphModule(self.module, graph)
        nodes, values, self.output_layer = _propagate(graph_module, self.input_spec)
        self._capture = _capture_module(self.module, graph_module.graph, [n.name for n in nodes])
        return [_to_layer(n, values) for n in nodes]

    def layer(self, name: str) -> Layer:
        """The layer called ``name``; raises NotFoundError listing a few valid names."""
        try:
            return self._by_name[name]
        except KeyError:
            some = ", ".join(layer.name for layer in self.layers[:8])
            raise NotFoundError(f"the model has no layer '{name}'; layers include: {some}, …") from None

    def layer_scopes(self) -> dict[str, str]:
        """Each layer's enclosing module: ``layer1.0`` for ``layer1.0.conv1`` and for that block's ``add``.

        A functional op's module is the one whose forward called it, which fx
        records as ``nn_module_stack``; ``''`` is the top level (and every layer
        of the hooks fallback, whose chain has no functional ops).
        """
        scopes = {
            layer.name: layer.target.rpartition(".")[0] if layer.module is not None else "" for layer in self.layers
        }
        if self._capture is not None:
            outputs = self._capture.graph.output_node().args[0]
            for layer, node in zip(self.layers, cast(tuple[fx.Node, ...], outputs), strict=True):
                stack = node.meta.get("nn_module_stack") or {}
                if layer.module is None and stack:
                    scopes[layer.name] = str(list(stack.values())[-1][0])
        return scopes

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def __len__(self) -> int:
        return len(self.layers)

    @property
    def total_params(self) -> int:
        return sum(p.numel() for p in self.module.parameters())

    @property
    def trainable_params(self) -> int:
        return sum(p.numel() for p in self.module.parameters() if p.requires_grad)

    @property
    def total_mults(self) -> int:
        return sum(layer.mults for layer in self.layers)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def logits_layer(self) -> str:
        """The layer whose output is the class scores before any softmax.

        The output layer itself, or its input when the model ends in its own
        softmax / log-softmax (the scores are what that layer normalises).
        """
        out = self.layer(self.output_layer)
        if out.kind in (LayerKind.SOFTMAX, LayerKind.LOG_SOFTMAX) and out.inputs:
            return out.inputs[0]
        return out.name

    # ----- running ---------------------------------------------------------

    def check_input(self, x: torch.Tensor) -> None:
        """Raise a clear error when ``x`` is not ``(N, C, H, W)`` for this spec."""
        expected = self.input_spec.shape
        if x.dim() != 4 or tuple(x.shape[1:]) != expected:
            c, h, w = expected
            raise ConvScopeError(
                f"the model takes input of shape (N, {c}, {h}, {w}) but got {tuple(x.shape)}; "
                "preprocess images with the model's input spec"
            )

    def run(self, x: RunInput) -> Trace:
        """Run one input or a batch and record every layer's output.

        Args:
            x: a preprocessed tensor ``(N, C, H, W)`` or ``(C, H, W)``, a PIL image, uint8
                pixels, a file path, encoded image bytes, or a list of any of these (a batch).
                Images are preprocessed by the input spec exactly as the server does.

        Example:
            >>> from PIL import Image
            >>> from convscope.formats import resolve_model
            >>> net = resolve_model("default")
            >>> net.run(Image.new("L", (40, 30))).batch_size
            1
        """
        x = as_batch(self.input_spec, x)
        self.check_input(x)
        # One core for a small network, wherever it runs, so every caller gets the same numbers.
        with using_cores(cores_for(self.total_mults)), _eval_mode(self.module, self._submodules), torch.no_grad():
            if self._capture is not None:
                values = self._capture(x)
                outputs = dict(zip((layer.name for layer in self.layers), values, strict=True))
            else:
                outputs = _run_with_hooks(self.module, x, self.layers)
        return Trace(self, x, outputs)

    def predict(self, x: RunInput) -> torch.Tensor:
        """Class probabilities ``(N, K)`` from a plain forward pass (no recording); ``x`` as for :meth:`run`."""
        x = as_batch(self.input_spec, x)
        self.check_input(x)
        with using_cores(cores_for(self.total_mults)), _eval_mode(self.module, self._submodules), torch.no_grad():
            out = _first_tensor(self.module(x))
        return probabilities_from(self, out)

    def ranked_classes(self, probabilities: torch.Tensor, k: int) -> list[tuple[int, str, float]]:
        """The ``k`` most probable classes of one ``(K,)`` probability vector as (index, name, probability)."""
        values, indices = probabilities.topk(min(k, probabilities.numel()))
        return [(i, self.class_names[i], v) for v, i in zip(values.tolist(), indices.tolist(), strict=True)]

    def summary(self) -> Summary:
        """The totals ``convscope summary`` prints: ``print(net.summary())`` shows the table."""
        return Summary.of(self)

    def plot_filters(self, layer: str, channels: list[int] | range | None = None) -> Figure:
        """A conv layer's kernels as a matplotlib Figure: one row per output channel, one column per input channel.

        Weights use the app's diverging scale centred on zero, one range for the whole layer.
        """
        from convscope.plots import plot_filters

        return plot_filters(self, layer, channels=channels)

    def __repr__(self) -> str:
        from convscope.display import network_repr

        return network_repr(self)

    def _repr_html_(self) -> str:
        from convscope.display import network_html

        return network_html(self)

    def describe(self) -> dict[str, Any]:
        """JSON-able metadata: spec, classes, layers and totals."""
        return {
            "name": self.name,
            # The tints are the library's decision, sent so the browser never guesses which channel is red.
            "input_spec": {**self.input_spec.to_dict(), "channel_tints": list(self.input_spec.channel_tints)},
            "classes": list(self.class_names),
            "output_layer": self.output_layer,
            "logits_layer": self.logits_layer,
            "provenance": self.provenance,
            "traced_with": self.traced_with,
            "fallback_reason": self.fallback_reason,
            "total_params": self.total_params,
            "total_mults": self.total_mults,
            "layers": [layer_to_dict(layer) for layer in self.layers],
        }


def layer_to_dict(layer: Layer) -> dict[str, Any]:
    return {
        "name": layer.name,
        "kind": str(layer.kind),
        "inputs": list(layer.inputs),
        "output_shape": list(layer.output_shape),
        "hyper": {k: list(v) if isinstance(v, tuple) else v for k, v in layer.hyper.items()},
        "params": layer.params,
        "mults": layer.mults,
        "mult_formula": layer.mult_formula,
        "other_ops": dict(layer.other_ops),
        "other_formula": layer.other_formula,
    }


def probabilities_from(network: Network, out: torch.Tensor) -> torch.Tensor:
    """Turn the final layer's output into probabilities, whatever it ends with."""
    kind = network.layer(network.output_layer).kind
    if kind is LayerKind.SOFTMAX:
        return out
    if kind is LayerKind.LOG_SOFTMAX:
        return out.exp()
    return torch.softmax(out, dim=1)


# ----- graph building helpers ---------------------------------------------------


class _eval_mode:  # noqa: N801 - a context manager named like the call it reads as, as contextlib's are
    """Put a module in eval mode and restore each submodule's mode afterwards.

    Switching only when some submodule is training keeps the common case (an
    eval-mode model traced again and again) free of a module-tree walk.
    """

    def __init__(self, module: nn.Module, submodules: tuple[nn.Module, ...] | None = None) -> None:
        self.submodules = submodules if submodules is not None else tuple(module.modules())

    def __enter__(self) -> None:
        self.training = [m for m in self.submodules if m.training]
        for m in self.training:
            m.training = False

    def __exit__(self, *exc: object) -> None:
        for m in self.training:
            m.training = True


def _first_tensor(value: Any) -> torch.Tensor:
    """The model's class scores: the tensor itself, or the first tensor of a tuple/dict."""
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (tuple, list)):
        for item in value:
            if isinstance(item, torch.Tensor):
                return item
    raise ModelError(f"the model returned {type(value).__name__}, not a tensor of class scores")


def _tensor_inputs(node: fx.Node, tensor_nodes: dict[fx.Node, str]) -> tuple[str, ...]:
    """Names of the tensor-valued layers a node reads, looking through non-tensor nodes."""
    found: list[str] = []

    def visit(n: fx.Node, seen: set[fx.Node]) -> None:
        if n in seen:
            return
        seen.add(n)
        if n in tensor_nodes:
            if tensor_nodes[n] not in found:
                found.append(tensor_nodes[n])
            return
        for parent in n.all_input_nodes:
            visit(parent, seen)

    seen: set[fx.Node] = set()
    for parent in node.all_input_nodes:
        visit(parent, seen)
    return tuple(found)


def _node_kind(node: fx.Node, graph_module: fx.GraphModule) -> tuple[LayerKind, nn.Module | None, str]:
    if node.op == "placeholder":
        return LayerKind.INPUT, None, INPUT
    if node.op == "call_module":
        module = graph_module.get_submodule(str(node.target))
        return module_kind(module), module, str(node.target)
    if node.op == "call_function":
        return function_kind(cast(Callable[..., Any], node.target)), None, node.name
    if node.op == "call_method":
        return method_kind(str(node.target)), None, node.name
    return LayerKind.OTHER, None, node.name


def _propagate(graph_module: fx.GraphModule, spec: InputSpec) -> tuple[list[_Node], dict[str, Any], str]:
    """Run a zero input through the graph node by node; keep tensor-valued nodes.

    Returns the layer nodes in execution order, each one's output value and
    the name of the layer whose output is the model's class scores.
    """
    x = torch.zeros((1, *spec.shape))
    env: dict[fx.Node, Any] = {}
    tensor_nodes: dict[fx.Node, str] = {}
    nodes: list[_Node] = []
    values: dict[str, Any] = {}
    used_names: dict[str, int] = {}
    interpreter = fx.Interpreter(graph_module)
    interpreter.env = env
    placeholders = [n for n in graph_module.graph.nodes if n.op == "placeholder"]
    if len(placeholders) != 1:
        raise ModelError(
            f"the model's forward takes {len(placeholders)} inputs; ConvScope needs exactly one image tensor"
        )
    with _eval_mode(graph_module), torch.no_grad():
        for node in graph_module.graph.nodes:
            if node.op == "output":
                output_name = _output_layer_name(node, tensor_nodes)
                break
            if node.op == "placeholder":
                env[node] = x
            else:
                args, kwargs = interpreter.fetch_args_kwargs_from_env(node)
                try:
                    env[node] = getattr(interpreter, node.op)(node.target, args, kwargs)
                except Exception as exc:  # any failure: report which layer failed
                    c, h, w = spec.shape
                    raise ModelError(
                        f"the input spec {c}×{h}×{w} does not fit the model: layer '{node.target if node.op == 'call_module' else node.name}' "
                        f"failed ({first_line(exc)}); check the input channels and size"
                    ) from exc
            if not isinstance(env[node], torch.Tensor):
                continue
            kind, module, target = _node_kind(node, graph_module)
            name = target
            if name in used_names:  # a module called twice gets one layer per call
                used_names[name] += 1
                name = f"{target}:{used_names[target]}"
            else:
                used_names[name] = 1
            tensor_nodes[node] = name
            node.meta[_LAYER_MARK] = True
            args, kwargs = interpreter.fetch_args_kwargs_from_env(node) if node.op != "placeholder" else ((), {})
            nodes.append(_Node(name, kind, _tensor_inputs(node, tensor_nodes), module, target, args, kwargs))
            values[name] = env[node]
    return nodes, values, output_name


def _output_layer_name(output: fx.Node, tensor_nodes: dict[fx.Node, str]) -> str:
    """The layer feeding the output node (the first tensor when it returns several)."""
    first = output.args[0]
    while isinstance(first, (tuple, list)) and first:
        first = first[0]
    if isinstance(first, dict) and first:
        first = next(iter(first.values()))
    if isinstance(first, fx.Node) and first in tensor_nodes:
        return tensor_nodes[first]
    raise ModelError("the model's output is not a tensor of class scores")


def _shape(value: Any) -> Shape:
    return tuple(int(s) for s in value.shape[1:])


def _to_layer(node: _Node, values: dict[str, Any]) -> Layer:
    out_shape = _shape(values[node.name])
    in_shapes = [_shape(values[name]) for name in node.inputs]
    kind = node.kind
    if kind is LayerKind.FLATTEN and len(out_shape) != 1:
        kind = LayerKind.OTHER  # a reshape that is not a flatten
    if node.module is not None:
        hyper = layer_facts.module_hyper(kind, node.module, in_shapes, out_shape)
        first_call = ":" not in node.name
        params = layer_facts.parameter_count(node.module) if first_call else 0
    else:
        hyper = layer_facts.function_hyper(kind, node.args, node.kwargs, out_shape)
        params = 0
    mults, formula, other, other_formula = layer_facts.counts(kind, hyper, in_shapes, out_shape)
    return Layer(
        name=node.name,
        kind=kind,
        inputs=node.inputs,
        output_shape=out_shape,
        hyper=hyper,
        params=params,
        mults=mults,
        mult_formula=formula,
        other_ops=other,
        other_formula=other_formula,
        module=node.module,
        target=node.target,
    )


def _capture_module(module: nn.Module, graph: fx.Graph, layer_names: list[str]) -> fx.GraphModule:
    """A copy of the traced graph that returns every layer's output, with no in-place ops.

    In-place modules (``ReLU(inplace=True)``) and functions (``relu_``, ``+=``)
    would overwrite the previous layer's recorded output, so the capture graph
    calls out-of-place twins. Weights are shared with ``module``, not copied.
    """
    from convscope.layer_kinds import OUT_OF_PLACE_FUNCTIONS

    capture = fx.Graph()
    mapping: dict[fx.Node, fx.Node] = {}
    root: dict[str, Any] = {}
    for node in graph.nodes:
        if node.op == "output":
            continue
        new = capture.node_copy(node, lambda n: mapping[n])
        mapping[node] = new
        if node.op == "call_module":
            sub = module.get_submodule(str(node.target))
            if getattr(sub, "inplace", False):
                sub = _copy_without_inplace(sub)
            root[str(node.target)] = sub
        elif node.op == "get_attr":
            root[str(node.target)] = _get_attr(module, str(node.target))
        elif node.op == "call_function":
            new.target = OUT_OF_PLACE_FUNCTIONS.get(node.target, node.target)
            if new.kwargs.get("inplace"):
                new.kwargs = {**new.kwargs, "inplace": False}
        elif (
            node.op == "call_method" and str(node.target).endswith("_") and hasattr(torch.Tensor, str(node.target)[:-1])
        ):
            new.target = str(node.target)[:-1]
    layer_nodes = [mapping[n] for n in graph.nodes if n.meta.get(_LAYER_MARK)]
    if len(layer_nodes) != len(layer_names):  # pragma: no cover - a bug, not user input
        raise RuntimeError("the capture graph lost layers")
    capture.output(tuple(layer_nodes))
    return fx.GraphModule(root, capture)


def _copy_without_inplace(module: nn.Module) -> nn.Module:
    twin = copy.copy(module)
    twin.inplace = False  # type: ignore[assignment]  # the stubs type Module attributes as Tensor | Module
    return twin


def _get_attr(module: nn.Module, target: str) -> Any:
    value: Any = module
    for part in target.split("."):
        value = getattr(value, part)
    return value


# ----- the hooks fallback -----------------------------------------------------


def _leaf_modules(module: nn.Module) -> list[tuple[str, nn.Module]]:
    return [(name, m) for name, m in module.named_modules() if name and next(iter(m.children()), None) is None]


def _record_with_hooks(
    module: nn.Module, x: torch.Tensor
) -> tuple[list[tuple[str, nn.Module, list[torch.Tensor], torch.Tensor]], Any]:
    """Run ``module`` once, recording each leaf module's inputs and output in call order.

    Outputs are cloned because a later in-place module would overwrite them.
    """
    calls: list[tuple[str, nn.Module, list[torch.Tensor], torch.Tensor]] = []
    handles = []

    def make_hook(name: str) -> Callable[[nn.Module, tuple[Any, ...], Any], None]:
        def hook(mod: nn.Module, inputs: tuple[Any, ...], output: Any) -> None:
            if isinstance(output, torch.Tensor):
                tensors = [t for t in inputs if isinstance(t, torch.Tensor)]
                calls.append((name, mod, tensors, output.detach().clone()))

        return hook

    try:
        for name, leaf in _leaf_modules(module):
            handles.append(leaf.register_forward_hook(make_hook(name)))
        with _eval_mode(module), torch.no_grad():
            result = module(x)
    finally:
        for handle in handles:
            handle.remove()
    return calls, result


def _layers_from_hooks(module: nn.Module, spec: InputSpec) -> list[Layer]:
    x = torch.zeros((1, *spec.shape))
    try:
        calls, result = _record_with_hooks(module, x)
    except Exception as exc:
        c, h, w = spec.shape
        raise ModelError(
            f"the model cannot run on a {c}×{h}×{w} input ({first_line(exc)}); check the input spec"
        ) from exc
    _first_tensor(result)
    layers = [Layer(INPUT, LayerKind.INPUT, (), spec.shape)]
    producers: dict[int, str] = {id(x): INPUT}
    used: dict[str, int] = {}
    for name, mod, inputs, output in calls:
        if name in used:
            used[name] += 1
            name = f"{name}:{used[name]}"
        else:
            used[name] = 1
        sources = tuple(dict.fromkeys(producers.get(id(t), layers[-1].name) for t in inputs)) or (layers[-1].name,)
        kind = module_kind(mod)
        out_shape = _shape(output)
        in_shapes = [_shape(t) for t in inputs]
        if kind is LayerKind.FLATTEN and len(out_shape) != 1:
            kind = LayerKind.OTHER
        hyper = layer_facts.module_hyper(kind, mod, in_shapes, out_shape)
        mults, formula, other, other_formula = layer_facts.counts(kind, hyper, in_shapes, out_shape)
        params = layer_facts.parameter_count(mod) if used[name.split(":")[0]] == 1 else 0
        layers.append(
            Layer(
                name,
                kind,
                sources,
                out_shape,
                hyper,
                params,
                mults,
                formula,
                other,
                other_formula,
                mod,
                name.split(":")[0],
            )
        )
        producers[id(output)] = name
    return layers


def _run_with_hooks(module: nn.Module, x: torch.Tensor, layers: list[Layer]) -> dict[str, torch.Tensor]:
    calls, result = _record_with_hooks(module, x)
    outputs = {INPUT: x}
    names = [layer.name for layer in layers[1:]]
    if len(calls) != len(names):
        raise ModelError(
            "the model ran a different set of layers for this input than when it was loaded "
            "(data-dependent control flow); ConvScope cannot line the layers up"
        )
    for name, (_, _, _, output) in zip(names, calls, strict=True):
        outputs[name] = output
    return outputs


# At the end: trace.py and summary.py import this module at their ends too, so any of them may be
# imported first and every name resolves at run time (typing.get_type_hints) without an import cycle.
from convscope.summary import Summary  # noqa: E402
from convscope.trace import Trace  # noqa: E402
