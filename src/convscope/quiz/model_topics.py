"""Questions read off the model itself: its input, its outputs, one conv layer's counts.

Answers are the layer records :class:`~convscope.network.Network` built (shapes,
hyperparameters) and the counts of :mod:`convscope.arithmetic`.
"""

from __future__ import annotations

from convscope import arithmetic
from convscope.quiz.layers import convs, input_shape, shape_text, values, window_text
from convscope.quiz.question import Context, Draft, Focus, NotApplicable


def input_values(ctx: Context) -> Draft:
    c, h, w = ctx.network.input_spec.shape
    names = ", ".join(ctx.network.input_spec.channel_names)
    if ctx.rng.random() < 0.5:
        return Draft(
            text=f"The model takes images of {h}×{w} pixels. How many channels does one input image have?",
            answer=c,
            view="overview",
            unit="channels",
            explanation=f"The input is C×H×W = {c}×{h}×{w}: {c} channel{'s' if c > 1 else ''} ({names}), "
            "each an H×W grid of numbers.",
        )
    total = values(ctx.network.input_spec.shape)
    return Draft(
        text=f"The model's input is {c}×{h}×{w} (channels × height × width). How many numbers represent one image?",
        answer=total,
        view="overview",
        unit="values",
        explanation=f"Every pixel holds one number per channel: C·H·W = {c}·{h}·{w} = {total:,}.",
    )


def output_units(ctx: Context) -> Draft:
    network = ctx.network
    k = network.num_classes
    some = ", ".join(network.class_names[:3]) + (", …" if k > 3 else "")
    return Draft(
        text="How many units does the model's output layer have (one score per class)?",
        answer=k,
        view="softmax",
        unit="units",
        focus=Focus(layer=network.logits_layer),
        explanation=f"The last layer '{network.logits_layer}' gives {k} scores, one per class ({some}); "
        "softmax turns them into probabilities that add up to 1.",
    )


def _conv(ctx: Context) -> tuple[str, dict, tuple[int, ...], tuple[int, ...]]:
    layer = ctx.pick(convs(ctx.network), "convolution layer")
    return layer.name, layer.hyper, input_shape(ctx.network, layer), layer.output_shape


def _counts(hyper: dict) -> arithmetic.ParamCount:
    return arithmetic.conv_params(
        in_channels=hyper["in_channels"], out_channels=hyper["out_channels"], kernel=hyper["kernel"],
        groups=hyper["groups"], bias=hyper["bias"],
    )  # fmt: skip


def _describe(name: str, hyper: dict, shape_in: tuple[int, ...]) -> str:
    groups = f" in {hyper['groups']} groups" if hyper["groups"] > 1 else ""
    return (
        f"Layer '{name}' is a convolution with {window_text(hyper['kernel'])} kernels reading a "
        f"{shape_text(shape_in)} input and writing {hyper['out_channels']} channels{groups}."
    )


def filters(ctx: Context) -> Draft:
    name, hyper, shape_in, shape_out = _conv(ctx)
    return Draft(
        text=f"How many filters does layer '{name}' have? Its input is {shape_text(shape_in)} and its output "
        f"{shape_text(shape_out)}.",
        answer=hyper["out_channels"],
        view="conv",
        unit="filters",
        focus=Focus(layer=name),
        explanation=f"Each filter writes one output channel, so '{name}' has as many filters as output channels: "
        f"{hyper['out_channels']}.",
    )


def kernels(ctx: Context) -> Draft:
    name, hyper, shape_in, _ = _conv(ctx)
    c_in, c_out, groups = hyper["in_channels"], hyper["out_channels"], hyper["groups"]
    per_filter = arithmetic.channels_per_group(c_in, groups)
    count = per_filter * c_out
    grouped = f" (C_in/groups = {c_in}/{groups})" if groups > 1 else ""
    return Draft(
        text=f"{_describe(name, hyper, shape_in)} How many 2-D {window_text(hyper['kernel'])} kernels does it hold "
        "in total?",
        answer=count,
        view="conv",
        unit="kernels",
        focus=Focus(layer=name),
        explanation=f"Each of the {c_out} filters has one 2-D kernel per input channel it reads, {per_filter}"
        f"{grouped}: {c_out}·{per_filter} = {count:,} kernels.",
    )


def weights(ctx: Context) -> Draft:
    name, hyper, shape_in, _ = _conv(ctx)
    counts = _counts(hyper)
    return Draft(
        text=f"{_describe(name, hyper, shape_in)} How many weights does it have (not counting biases)?",
        answer=counts.weights.value,
        view="layer facts",
        unit="weights",
        focus=Focus(layer=name),
        explanation=f"Weights = {counts.weights.rule} = {counts.weights.formula}.",
    )


def biases(ctx: Context) -> Draft:
    name, hyper, shape_in, _ = _conv(ctx)
    counts = _counts(hyper)
    why = "one per filter" if hyper["bias"] else "the layer was built without biases"
    return Draft(
        text=f"{_describe(name, hyper, shape_in)} How many biases does it have?",
        answer=counts.biases.value,
        view="layer facts",
        unit="biases",
        focus=Focus(layer=name),
        explanation=f"Biases: {why}, {counts.biases.formula}; with the {counts.weights.value:,} weights the layer "
        f"learns {counts.formula} parameters.",
    )


def dense_alternative(ctx: Context) -> Draft:
    name, hyper, shape_in, shape_out = _conv(ctx)
    n_in, n_out = values(shape_in), values(shape_out)
    dense = arithmetic.linear_params(in_features=n_in, out_features=n_out, bias=False).weights
    conv = _counts(hyper).weights
    return Draft(
        text=f"Layer '{name}' turns a {shape_text(shape_in)} input into a {shape_text(shape_out)} output. A fully "
        "connected layer doing the same (every output value connected to every input value) would need how many "
        "weights?",
        answer=dense.value,
        view="conv",
        unit="weights",
        focus=Focus(layer=name),
        explanation=f"Fully connected: in·out = {dense.formula} weights, against {conv.formula} for the convolution, "
        "which connects each output only to one window and reuses its kernels at every position.",
    )


def parameter_sharing(ctx: Context) -> Draft:
    name, hyper, shape_in, _ = _conv(ctx)
    factor = ctx.rng.choice((2, 3, 4))
    c, h, w = shape_in
    counts = _counts(hyper)
    return Draft(
        text=f"{_describe(name, hyper, shape_in)} If the image were {factor} times larger on each side, so that this "
        f"layer read {c}×{h * factor}×{w * factor} maps, how many weights would the layer have?",
        answer=counts.weights.value,
        view="layer facts",
        unit="weights",
        focus=Focus(layer=name),
        explanation=f"The same {counts.weights.value:,} ({counts.weights.rule} = {counts.weights.formula}): the kernels "
        "slide over every position and are shared, so the image size changes how many outputs the layer computes, "
        "not how many weights it has.",
    )


def multiplications(ctx: Context) -> Draft:
    network = ctx.network
    layer = ctx.pick(convs(network), "convolution layer")
    hyper, shape_in = layer.hyper, input_shape(network, layer)
    _, h_out, w_out = layer.output_shape
    count = arithmetic.conv_mults(
        out_height=h_out, out_width=w_out, in_channels=hyper["in_channels"], out_channels=hyper["out_channels"],
        kernel=hyper["kernel"], groups=hyper["groups"],
    )  # fmt: skip
    if count.value != layer.mults:  # the layer record and the arithmetic must agree, or the quiz would teach a slip
        raise NotApplicable(f"layer '{layer.name}' counts {layer.mults:,} multiplications, not {count.value:,}")
    return Draft(
        text=f"{_describe(layer.name, hyper, shape_in)} Its output is {shape_text(layer.output_shape)}. How many "
        "multiplications does it compute for one image?",
        answer=count.value,
        view="layer facts",
        unit="multiplications",
        focus=Focus(layer=layer.name),
        explanation=f"Each output value multiplies one window of inputs by the kernel weights: {count.rule} = "
        f"{count.formula}.",
    )
