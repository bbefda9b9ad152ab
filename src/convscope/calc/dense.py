"""The parameter count of a dense (fully connected) layer: ``in·out`` weights plus ``out`` biases."""

from __future__ import annotations

from convscope import arithmetic
from convscope.calc.result import Calculation, Note
from convscope.errors import ConvScopeError


def dense_count(in_features: int, out_features: int, *, bias: bool = True) -> Calculation:
    """Weights, biases, their total and the multiplications of ``nn.Linear(in, out)``.

    Example:
        >>> dense_count(1690, 10).output
        {'weights': 16900, 'biases': 10, 'params': 16910, 'mults': 16900}
    """
    for name, count in (("inputs", in_features), ("outputs", out_features)):
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ConvScopeError(
                f"a dense layer has at least one of its {name}, got {count!r}; give a whole number of 1 or more"
            )
    params = arithmetic.linear_params(in_features=in_features, out_features=out_features, bias=bias)
    mults = arithmetic.linear_mults(in_features=in_features, out_features=out_features)
    biases = (
        f"Biases: one per output, {params.biases.formula}."
        if bias
        else "Biases: none (the layer was asked for without them)."
    )
    steps = (
        Note(
            topic="weights",
            text=f"Weights: each of the {out_features:,} outputs has one weight per input: {params.weights.formula}.",
        ),
        Note(topic="biases", text=biases),
        Note(topic="params", text=f"Parameters: weights + biases = {params.formula}."),
        Note(
            topic="mults",
            text=f"Multiplications: each output multiplies every input by its weight: {mults.formula}.",
        ),
    )
    return Calculation(
        operation="dense",
        input={"in_features": in_features, "out_features": out_features, "bias": bias},
        settings={},
        output={
            "weights": params.weights.value,
            "biases": params.biases.value,
            "params": params.total,
            "mults": mults.value,
        },
        shape=(),
        steps=steps,
        extras={
            "formulas": {"weights": params.weights.formula, "biases": params.biases.formula, "params": params.formula}
        },
    )
