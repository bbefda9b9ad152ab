"""Questions about what the model computed on one of its sample images, read from a trace.

The learner opens the named sample in the app and reads the value off a view;
the answer is the :class:`~convscope.trace.Trace` of that image, and the
explanation the step :func:`convscope.explain.explain` shows for it. A model
without sample images (a zoo architecture with random weights) skips these.
"""

from __future__ import annotations

from convscope.calc import num
from convscope.explain import explain
from convscope.explain.steps import ConvStep
from convscope.formats.samples import SampleImage, collect_samples
from convscope.inputs import load_image
from convscope.network import Network
from convscope.quiz.layers import convs
from convscope.quiz.question import Context, Draft, Focus, NotApplicable
from convscope.trace import Trace

#: Traced values are read off the page at 4 decimals: accept a rounding slip in the last.
TRACED_TOLERANCE = 0.001


def samples(network: Network) -> list[SampleImage]:
    found = collect_samples(network.samples_dir, network.class_names) if network.samples_dir else []
    if not found:
        raise NotApplicable("the model has no sample images to trace")
    return sorted(found, key=lambda s: s.file)


def _sample(ctx: Context) -> tuple[SampleImage, Trace]:
    found = samples(ctx.network)
    sample = found[0] if ctx.difficulty == "easy" else ctx.rng.choice(found)
    key = ("trace", str(sample.path))  # one trace per image for the whole quiz: topics and rounds share them
    if key not in ctx.shared:
        ctx.shared[key] = ctx.network.run(ctx.network.input_spec.preprocess(load_image(str(sample.path))))
    return sample, ctx.shared[key]


def _image(ctx: Context) -> tuple[str, int | None, str, Trace]:
    """The sentence naming the image, its true class (if known), its id and its trace: the one on screen, else a sample."""
    if ctx.image is not None:
        return f"Look at the image on screen ({ctx.image.name}).", ctx.image.class_index, ctx.image.id, ctx.image.trace
    sample, trace = _sample(ctx)
    return f"Open the sample image '{sample.file}' in the app.", sample.class_index, sample.id, trace


def traced_probability(ctx: Context) -> Draft:
    opening, class_index, image_id, trace = _image(ctx)
    probabilities = trace.probabilities[0]
    index = class_index if class_index is not None else int(probabilities.argmax())
    name = ctx.network.class_names[index]
    p = round(float(probabilities[index]), 6)
    top = ", ".join(f"{c} {q:.3f}" for c, q in trace.top_classes(3))
    return Draft(
        text=f"{opening} What probability does the model give to the class '{name}'? Answer to 3 decimal places.",
        answer=p,
        tolerance=TRACED_TOLERANCE,
        view="softmax",
        unit="probability",
        focus=Focus(layer=ctx.network.logits_layer, channel=index, image=image_id),
        explanation=f"The softmax of the {ctx.network.num_classes} output scores for this image gives '{name}' "
        f"{p:.4f}; the top classes are {top}.",
    )


def traced_conv_value(ctx: Context) -> Draft:
    opening, _, image_id, trace = _image(ctx)
    layer = ctx.pick(convs(ctx.network), "convolution layer")
    channels, h, w = layer.output_shape
    channel, y, x = ctx.rng.randrange(channels), ctx.rng.randrange(h), ctx.rng.randrange(w)
    step = explain(trace, layer.name, channel=channel, y=y, x=x)
    if not isinstance(step, ConvStep):  # pragma: no cover - explain gives a ConvStep for every conv layer
        raise NotApplicable(f"layer '{layer.name}' is not explained as a convolution")
    value = round(step.output, 6)
    parts = " + ".join(num(round(t.sum, 4)) for t in step.terms[:6]) + (" + …" if len(step.terms) > 6 else "")
    bias = f" + bias {num(round(step.bias, 4))}" if step.bias is not None else ""
    return Draft(
        text=f"{opening} What value does layer '{layer.name}' compute at channel {channel}, row {y}, column {x}? "
        "Answer to 3 decimal places.",
        answer=value,
        tolerance=TRACED_TOLERANCE,
        view="conv",
        focus=Focus(layer=layer.name, channel=channel, y=y, x=x, image=image_id),
        explanation=f"The kernel of filter {channel} times the {step.kernel_size[0]}×{step.kernel_size[1]} window of "
        f"each of the {len(step.terms)} input channel(s) it reads, summed: {parts}{bias} = {num(value)}.",
    )
