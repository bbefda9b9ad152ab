"""Free-text "explain why" questions, with a model answer written with this model's numbers.

No program can grade these: each is marked ``kind="essay"`` and its answer is
the model answer a person grades against. The numbers in it come from the same
arithmetic as the numeric questions.
"""

from __future__ import annotations

from convscope import arithmetic
from convscope.quiz.layers import convs, input_shape, shape_text, values
from convscope.quiz.question import Context, Draft, Focus


def _essay(text: str, answer: str, view: str, focus: Focus | None = None) -> Draft:
    return Draft(
        text=text + " (free text, graded by a person)",
        answer=answer,
        tolerance=None,
        kind="essay",
        view=view,
        focus=focus or Focus(),
        explanation="Model answer for the grader: " + answer,
    )


def why_convolution(ctx: Context) -> Draft:
    """Why a conv layer needs so few weights compared with a fully connected one."""
    layer = ctx.pick(convs(ctx.network), "convolution layer")
    hyper, shape_in = layer.hyper, input_shape(ctx.network, layer)
    conv = arithmetic.conv_params(
        in_channels=hyper["in_channels"], out_channels=hyper["out_channels"], kernel=hyper["kernel"],
        groups=hyper["groups"], bias=False,
    ).weights  # fmt: skip
    dense = arithmetic.linear_params(
        in_features=values(shape_in), out_features=values(layer.output_shape), bias=False
    ).weights
    ratio = dense.value / conv.value
    answer = (
        f"'{layer.name}' has {conv.formula} weights; a fully connected layer from its {shape_text(shape_in)} input "
        f"to its {shape_text(layer.output_shape)} output would need {dense.formula}, about {ratio:,.0f} times more. "
        "A convolution connects each output value only to a small window of the input (local connectivity) and "
        "uses the same kernel at every position (parameter sharing), so its weight count depends on the kernel "
        "size and the channels, not on the image size, and a pattern learned in one place is found everywhere."
    )
    return _essay(
        f"Explain why layer '{layer.name}' needs far fewer weights than a fully connected layer with the same input "
        "and output sizes, and why that suits images.",
        answer,
        "conv",
        Focus(layer=layer.name),
    )


def why_strict(ctx: Context) -> Draft:
    """What happens to the pixels a window combination leaves over."""
    for _ in range(200):
        size = ctx.rng.choice(ctx.level((7, 8, 9), (15, 28, 32), (57, 100, 224)))
        kernel, stride = ctx.rng.choice((3, 5)), ctx.rng.choice((2, 3))
        strict = arithmetic.strict_output_size(size, kernel, stride)
        if not strict.valid:
            break
    answer = (
        f"{strict.reason}. PyTorch's floor rule still gives an output of {strict.floor}, because it rounds down and "
        f"never reads the last {strict.leftover} row(s)/column(s): those pixels have no influence on the output. "
        "A designer would change the padding, the kernel or the stride (or crop the input) so that the division "
        "is exact and no input pixel is ignored."
    )
    return _essay(
        f"A {kernel}×{kernel} convolution with stride {stride} and no padding reads a {size}×{size} input. Explain "
        "what the strict rule says about this combination, what PyTorch does with it, and what you would change.",
        answer,
        "explorer",
        Focus(explorer={"size": size, "kernel": kernel, "stride": stride, "padding": 0, "mode": "conv"}),
    )


def why_softmax(ctx: Context) -> Draft:
    k = ctx.network.num_classes
    answer = (
        f"The last layer gives {k} raw scores (logits) that can be any real numbers. Softmax takes exp of each, "
        "which makes every value positive and keeps their order, and divides by the sum of all of them, so the "
        f"{k} results lie between 0 and 1 and add up to exactly 1: they can be read as the model's probabilities "
        "for its classes. Subtracting the largest logit first gives the same probabilities and avoids overflow."
    )
    return _essay(
        f"Explain what the softmax at the end of this model does to its {k} output scores and why the results can "
        "be read as probabilities.",
        answer,
        "softmax",
        Focus(layer=ctx.network.logits_layer),
    )
