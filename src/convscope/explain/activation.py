"""Activations: one input value, the function's formula, the output.

Each rule evaluates its formula in float64 and returns the magnitude of its
intermediate quantities (``scale``): float32 kernels that cancel, such as GELU's
``1 + erf(x/√2)`` for very negative x or hardswish's ``x + 3`` near −3, are
accurate relative to those, not to the tiny result.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from convscope.explain.base import Position, input_of, num, single_input, traced, value_at
from convscope.explain.steps import ActivationStep
from convscope.network import Layer
from convscope.trace import Trace
from convscope.types import LayerKind


@dataclass(frozen=True)
class _Result:
    formula: str
    worked: str  # the expression with numbers, without "= output"
    value: float
    scale: float


def _sigmoid(x: float) -> float:
    # Two forms so exp never overflows.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _relu(x: float, p: dict[str, Any]) -> _Result:
    return _Result("max(0, x)", f"max(0, {num(x)})", max(0.0, x), abs(x))


def _relu6(x: float, p: dict[str, Any]) -> _Result:
    return _Result("min(max(0, x), 6)", f"min(max(0, {num(x)}), 6)", min(max(0.0, x), 6.0), abs(x))


def _leaky_relu(x: float, p: dict[str, Any]) -> _Result:
    a = p["negative_slope"]
    formula = "x if x ≥ 0, else a·x"
    if x >= 0:
        return _Result(formula, f"{num(x)} (x ≥ 0)", x, abs(x))
    return _Result(formula, f"{num(a)}·{num(x)}", a * x, abs(a * x))


def _elu(x: float, p: dict[str, Any]) -> _Result:
    a = p["alpha"]
    formula = "x if x > 0, else α·(eˣ − 1)"
    if x > 0:
        return _Result(formula, f"{num(x)} (x > 0)", x, abs(x))
    return _Result(formula, f"{num(a)}·(e^{num(x)} − 1)", a * math.expm1(x), abs(a) * (1.0 + math.exp(x)))


def _gelu(x: float, p: dict[str, Any]) -> _Result:
    if p["approximate"] == "tanh":
        inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)
        value = 0.5 * x * (1.0 + math.tanh(inner))
        formula = "½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))"
        return _Result(formula, f"½·{num(x)}·(1 + tanh({num(inner)}))", value, abs(x))
    value = 0.5 * x * (1.0 + math.erf(x / math.sqrt(2.0)))
    return _Result("x·Φ(x) = ½·x·(1 + erf(x/√2))", f"½·{num(x)}·(1 + erf({num(x / math.sqrt(2.0))}))", value, abs(x))


def _sigmoid_rule(x: float, p: dict[str, Any]) -> _Result:
    value = _sigmoid(x)
    return _Result("σ(x) = 1/(1 + e^−x)", f"1/(1 + e^{num(-x)})", value, abs(value))


def _tanh(x: float, p: dict[str, Any]) -> _Result:
    value = math.tanh(x)
    return _Result("tanh(x) = (eˣ − e^−x)/(eˣ + e^−x)", f"tanh({num(x)})", value, abs(value))


def _silu(x: float, p: dict[str, Any]) -> _Result:
    s = _sigmoid(x)
    return _Result("x·σ(x) = x/(1 + e^−x)", f"{num(x)}·{num(s)}", x * s, abs(x * s))


def _hardswish(x: float, p: dict[str, Any]) -> _Result:
    gate = min(max(0.0, x + 3.0), 6.0)
    return _Result(
        "x·min(max(0, x + 3), 6)/6", f"{num(x)}·{num(gate)}/6", x * gate / 6.0, abs(x) * (abs(x) + 3.0) / 6.0
    )


Rule = Callable[[float, dict[str, Any]], _Result]

#: One rule per activation kind; add a kind here to explain it.
RULES: dict[LayerKind, Rule] = {
    LayerKind.RELU: _relu,
    LayerKind.RELU6: _relu6,
    LayerKind.LEAKY_RELU: _leaky_relu,
    LayerKind.ELU: _elu,
    LayerKind.GELU: _gelu,
    LayerKind.SIGMOID: _sigmoid_rule,
    LayerKind.TANH: _tanh,
    LayerKind.SILU: _silu,
    LayerKind.HARDSWISH: _hardswish,
}


def parameters(layer: Layer) -> dict[str, Any]:
    """The function's settings as recorded in ``layer.hyper`` (module or functional call alike)."""
    kind, hyper = layer.kind, layer.hyper
    if kind is LayerKind.LEAKY_RELU:
        return {"negative_slope": float(hyper.get("negative_slope", 0.01))}
    if kind is LayerKind.ELU:
        return {"alpha": float(hyper.get("alpha", 1.0))}
    if kind is LayerKind.GELU:
        return {"approximate": hyper.get("approximate", "none")}
    return {}


def explain_activation(trace: Trace, layer: Layer, position: Position) -> ActivationStep:
    """Input value, formula and output of an activation at one position.

    Args:
        trace: the trace whose recorded values are explained.
        layer: a layer whose kind is in :data:`RULES`.
        position: where in the layer's output.

    Example:
        >>> explain_activation(trace, net.layer("relu_1_1"), Position(channel=0, y=0, x=0)).formula
        'max(0, x)'
    """
    x = value_at(input_of(trace, layer), position.coords)
    params = parameters(layer)
    result = RULES[layer.kind](x, params)
    return ActivationStep(
        **traced(trace, layer, position),
        computed=result.value,
        scale=result.scale,
        formula=result.formula,
        input_layer=single_input(layer),
        input=x,
        worked=f"{result.worked} = {num(result.value)}",
        parameters=params,
    )
