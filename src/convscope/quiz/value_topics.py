"""ReLU and softmax of given numbers, and the flatten → dense step of the model.

The values come from :mod:`convscope.calc` (the calculators behind
``convscope calc``) and the layer counts from :mod:`convscope.arithmetic`.
"""

from __future__ import annotations

from convscope import arithmetic, calc
from convscope.calc import num
from convscope.calc.softmax import SoftmaxTerm
from convscope.quiz.layers import input_shape, of_kind, shape_text
from convscope.quiz.question import Context, Draft
from convscope.types import LayerKind


def _numbers(ctx: Context, count: int) -> list[float]:
    """Small numbers a learner can work with by hand: whole on easy, one decimal otherwise."""
    if ctx.difficulty == "easy":
        return [float(ctx.rng.randint(-9, 9)) for _ in range(count)]
    return [ctx.rng.randint(-50, 50) / 10 for _ in range(count)]


def relu_vector(ctx: Context) -> Draft:
    vector = _numbers(ctx, ctx.level(4, 6, 8))
    if all(v >= 0 for v in vector) or all(v < 0 for v in vector):
        vector[0] = -vector[0] or -1.0  # a mix of signs is what the question is about
    result = calc.relu([vector])
    out = list(result.output[0])
    shown = ", ".join(num(v) for v in vector)
    return Draft(
        text=f"ReLU is applied to the vector [{shown}]. What is the result (give every value, in order)?",
        answer=out,
        kind="list",
        view="activation",
        explanation=f"ReLU(x) = max(0, x) value by value: [{', '.join(num(v) for v in out)}]. "
        + result.steps[0].text,
    )


def softmax_logits(ctx: Context) -> Draft:
    size = ctx.level(3, 4, 5)
    logits = _numbers(ctx, size)
    result = calc.softmax(logits)
    index = ctx.rng.randrange(size)
    p = round(float(result.output[index]), 6)
    shown = ", ".join(num(v) for v in logits)
    return Draft(
        text=f"A network's output layer gives the logits [{shown}]. What probability does softmax give to entry "
        f"{index} (counting from 0)? Answer to 3 decimal places.",
        answer=p,
        tolerance=0.001,
        view="softmax",
        explanation=f"softmax(z)_i = exp(z_i)/Σ_j exp(z_j): {result.steps_of(SoftmaxTerm)[index].text}.",
    )


def flatten_size(ctx: Context) -> Draft:
    flat = ctx.pick(of_kind(ctx.network, LayerKind.FLATTEN), "flatten layer")
    shape_in, size = input_shape(ctx.network, flat), flat.output_shape[0]
    return Draft(
        text=f"Layer '{flat.name}' flattens the {shape_text(shape_in)} maps before the fully connected layer. How many "
        "values does the flattened vector hold?",
        answer=size,
        view="linear",
        explanation=f"Flattening keeps every value and only lines them up: {' · '.join(map(str, shape_in))} = "
        f"{size:,}.",
    )


def dense_weights(ctx: Context) -> Draft:
    network = ctx.network
    layer = ctx.pick(of_kind(network, LayerKind.LINEAR), "fully connected (Linear) layer")
    hyper = layer.hyper
    counts = arithmetic.linear_params(
        in_features=hyper["in_features"], out_features=hyper["out_features"], bias=hyper["bias"]
    )
    feeder = network.layer(layer.inputs[0])
    after = f" (the flattened {shape_text(input_shape(network, feeder))} maps)" if feeder.kind is LayerKind.FLATTEN else ""
    return Draft(
        text=f"The fully connected layer '{layer.name}' takes {hyper['in_features']:,} inputs{after} and gives "
        f"{hyper['out_features']:,} outputs. How many weights does it have (not counting biases)?",
        answer=counts.weights.value,
        view="linear",
        explanation=f"Every output is connected to every input: {counts.weights.rule} = {counts.weights.formula}; "
        f"with {counts.biases.formula} biases that is {counts.formula} parameters.",
    )
