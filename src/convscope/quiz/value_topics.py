"""ReLU and softmax of given numbers, and the flatten → dense step of the model.

The values come from :mod:`convscope.calc` (the calculators behind
``convscope calc``) and the layer counts from :mod:`convscope.arithmetic`.
"""

from __future__ import annotations

from convscope import arithmetic, calc
from convscope.calc import num
from convscope.calc.softmax import SoftmaxTerm
from convscope.quiz.layers import WINDOW_POOLS, fed_by, first_of, input_shape, of_kind, shape_text
from convscope.quiz.question import Context, Draft, Focus
from convscope.types import ACTIVATION_KINDS, LayerKind


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
        focus=Focus(layer=first_of(ctx.network, LayerKind.RELU) or first_of(ctx.network, *ACTIVATION_KINDS)),
        explanation=f"ReLU(x) = max(0, x) value by value: [{', '.join(num(v) for v in out)}]. " + result.steps[0].text,
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
        unit="probability",
        focus=Focus(layer=ctx.network.logits_layer),
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
        unit="values",
        focus=Focus(layer=fed_by(ctx.network, flat.name)),
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
    after = (
        f" (the flattened {shape_text(input_shape(network, feeder))} maps)" if feeder.kind is LayerKind.FLATTEN else ""
    )
    return Draft(
        text=f"The fully connected layer '{layer.name}' takes {hyper['in_features']:,} inputs{after} and gives "
        f"{hyper['out_features']:,} outputs. How many weights does it have (not counting biases)?",
        answer=counts.weights.value,
        view="linear",
        unit="weights",
        focus=Focus(layer=layer.name),
        explanation=f"Every output is connected to every input: {counts.weights.rule} = {counts.weights.formula}; "
        f"with {counts.biases.formula} biases that is {counts.formula} parameters.",
    )


def _matrix(ctx: Context, rows: int, cols: int, low: int, high: int) -> list[list[float]]:
    return [[float(ctx.rng.randint(low, high)) for _ in range(cols)] for _ in range(rows)]


def matrix_text(grid: list[list[float]] | tuple[tuple[float, ...], ...]) -> str:
    """``[[1, 2], [3, 4]]`` → "[1 2; 3 4]", the way ``convscope calc`` reads a matrix."""
    return "[" + "; ".join(" ".join(num(v) for v in row) for row in grid) + "]"


def _flat(grid: tuple[tuple[float, ...], ...]) -> list[float]:
    return [v for row in grid for v in row]


def convolution_values(ctx: Context) -> Draft:
    """One convolution of small whole numbers, as the conv view works it out window by window."""
    size, kernel, stride, padding = ctx.level((3, 2, 1, 0), (4, 3, 1, 0), (5, 3, 2, 1))
    grid = _matrix(ctx, size, size, 0, 9)
    weights = _matrix(ctx, kernel, kernel, -1, 2)
    result = calc.convolve(grid, weights, stride=stride, padding=padding)
    first = result.steps_of(calc.ConvWindow)[0].text
    rows, cols = result.shape
    settings = f" with stride {stride} and padding {padding}" if (stride, padding) != (1, 0) else ""
    return Draft(
        text=f"The {kernel}×{kernel} kernel {matrix_text(weights)} slides over the input {matrix_text(grid)}{settings} "
        f"(no flipping, no bias; rows are separated by ';'). What is the {rows}×{cols} output? Give its values row "
        "by row.",
        answer=_flat(result.output),
        kind="list",
        view="conv",
        focus=Focus(layer=first_of(ctx.network, LayerKind.CONV2D)),
        explanation=f"Each output value is the sum of a window times the kernel, e.g. {first}; output "
        f"{matrix_text(result.output)}.",
    )


def pooling_values(ctx: Context) -> Draft:
    size = ctx.level(4, 4, 6)
    mode = "max" if ctx.difficulty == "easy" or ctx.rng.random() < 0.6 else "avg"
    grid = _matrix(ctx, size, size, 0, 9)
    result = calc.pool(grid, kernel_size=2, mode=mode)
    rows, cols = result.shape
    word = "maximum" if mode == "max" else "average"
    return Draft(
        text=f"2×2 {'max' if mode == 'max' else 'average'} pooling with stride 2 is applied to {matrix_text(grid)} (rows separated by ';'). What is the "
        f"{rows}×{cols} output? Give its values row by row.",
        answer=_flat(result.output),
        kind="list",
        view="pool",
        focus=Focus(layer=first_of(ctx.network, *WINDOW_POOLS)),
        explanation=f"Each non-overlapping 2×2 window is replaced by its {word}: {matrix_text(result.output)}.",
    )
