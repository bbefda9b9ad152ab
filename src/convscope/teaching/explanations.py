"""One explanation panel per view: the prose of :mod:`words` plus worked lines from the payload.

The server calls these with the step it would send anyway (``Step.to_dict()``),
so the panel quotes exactly the numbers the view shows.

Example:
    >>> import torch
    >>> from convscope.explain import explain
    >>> from convscope.formats import zoo_network
    >>> net = zoo_network("tinyvgg")
    >>> step = explain(net.run(torch.rand(1, 3, 64, 64)), "relu_1_1", channel=0, y=0, x=0).to_dict()
    >>> step_panel(net, step).title
    'Activation'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from convscope.teaching import worked
from convscope.teaching.facts import shape_text, values_text
from convscope.teaching.panel import Line, Panel
from convscope.teaching.softmax_shown import LOGIT_DECIMALS
from convscope.teaching.words import ACTIVATION_RULES, line_words, words

if TYPE_CHECKING:
    from convscope.network import Network

#: The views a step can be explained in; ``formula`` is the conv step seen through one input channel.
STEP_VIEWS = (
    "conv",
    "formula",
    "activation",
    "pool",
    "batchnorm",
    "add",
    "concat",
    "flatten",
    "step",
    "linear",
    "softmax",
)


def _panel(view: str, words_view: str, lines: worked.Worked, **slots: object) -> Panel:
    w = words(words_view, **slots)
    return Panel(view, w.title, w.seeing, w.reading, w.formula, worked=lines[0], notes=lines[1])


def panel_slots(network: Network, step: dict[str, Any]) -> dict[str, object]:
    """The slots a view's words take from the layer alone: its name, its input, an activation's rule in words."""
    layer = network.layer(step["layer"])
    source = step.get("input_layer") or (layer.inputs[0] if layer.inputs else "")
    slots: dict[str, object] = {"layer": layer.name, "input": source}
    if step["step"] == "activation":
        slots["rule"] = ACTIVATION_RULES.get(step["kind"], step["formula"])
    if step["step"] in ("add", "concat"):
        slots["inputs"] = line_words("inputs_separator").join(layer.inputs)
    return slots


def step_panel(
    network: Network, step: dict[str, Any], *, order: str = "chw", input_channel: int | None = None
) -> Panel:
    """The panel of the view that shows ``step`` (``input_channel`` set: the conv formula view).

    Args:
        network: the network the step was explained on (for layer names and shapes).
        step: a step as the server sends it (``Step.to_dict()``).
        order: ``chw`` or ``hwc``, how shapes are written.
        input_channel: the formula view's input channel, for a conv step.
    """
    family = step["step"]
    slots = panel_slots(network, step)
    if family == "conv" and input_channel is not None:
        return _panel("formula", "formula", worked.formula(step, input_channel), input_channel=input_channel, **slots)
    if family == "activation":
        return _panel("activation", "activation", worked.activation(step), **slots)
    if family == "pool":
        return _panel("pool", f"pool_{step['pool']}", worked.pool(step), **slots)
    if family == "add":
        return _panel("add", "add", worked.add(step), terms=step["formula"], **slots)
    if family == "concat":
        return _panel("concat", "concat", worked.concat(step), **slots)
    if family == "flatten":
        shape = shape_text(step["input_shape"], order)
        return _panel("flatten", "flatten", worked.flatten(step, order), shape=shape, **slots)
    if family == "passthrough":
        return _panel("step", "step", worked.passthrough(step), **slots)
    if family == "linear":
        unit = step["position"]["index"]
        label = step.get("label")
        name = (
            line_words("linear_unit_class", unit=unit, label=label) if label else line_words("linear_unit", unit=unit)
        )
        return _panel(
            "linear", "linear", worked.linear(step, order), unit=name, inputs=f"{len(step['inputs']):,}", **slots
        )
    if family == "softmax":
        return softmax_panel(step)
    return _panel(family, family, worked.BUILDERS[family](step), **slots)


def softmax_panel(step: dict[str, Any]) -> Panel:
    """The softmax panel: the chosen class's probability worked out from the shown terms."""
    shown = step["shown"]
    j = step["position"]["index"]
    labels = step.get("labels") or [line_words("softmax_label", index=i) for i in range(len(step["logits"]))]
    d, dp = shown["term_decimals"], shown["probability_decimals"]
    exp_of = line_words("softmax_exp_shifted" if shown["shift"] else "softmax_exp")
    line = Line().say(line_words("softmax_line", label=labels[j], exp_of=exp_of))
    line.num(shown["terms"][j], f"shown.terms.{j}", d).say(line_words("divided")).num(shown["sum"], "shown.sum", d)
    line.say(line_words("equals")).num(step["probabilities"][j], f"probabilities.{j}", dp)
    z = Line().say(line_words("softmax_logit")).num(step["logits"][j], f"logits.{j}", LOGIT_DECIMALS)
    if shown["shift"]:
        z.say(line_words("softmax_shift")).num(shown["shift"], "shown.shift", worked.VALUE_DECIMALS)
    z.say(line_words("softmax_exp_of", exp_of=exp_of)).num(shown["terms"][j], f"shown.terms.{j}", d)
    w = words("softmax", classes=len(step["logits"]), layer=step["input_layer"])
    # The shift and rounding notes stand in the softmax view itself, beside the numbers they are about.
    return Panel("softmax", w.title, w.seeing, w.reading, w.formula, worked=[z, line])


def overview_panel(network: Network, *, order: str = "chw") -> Panel:
    """The newcomer's introduction: what the overview shows and what can be clicked."""
    spec = network.input_spec
    shape = (spec.channels, spec.height, spec.width)
    w = words("overview", model=f"the model “{network.name}”" if network.name else "this model")
    line = Line().say(f"This model reads {values_text(shape, order)} and sorts the image into ")
    line.say(f"{len(network.class_names)} classes through {len(network.layers) - 1} layers.")
    return Panel("overview", w.title, w.seeing, w.reading, w.formula, worked=[line])


def explorer_panel(report: dict[str, Any]) -> Panel:
    """The explorer's panel from ``/api/arith``'s report: the output size worked out by the floor rule."""
    size, (k, _), (s, _) = report["input"]["height"], report["kernel"], report["stride"]
    pad, (dil, _) = report["padding"]["top"], report["dilation"]
    out = report["output"]["height"]
    w = words("explorer", size=size, operation="max pooling" if report["operation"] == "maxpool" else "convolution")
    line = Line().say("H_out = floor((").int(size, "input.height")
    if report["padding"]["bottom"] == pad:
        line.say(" + 2·").int(pad, "padding.top").say(" − ")
    else:  # "same" padding of an even kernel pads one more row after the input than before it
        line.say(" + ").int(pad, "padding.top").say(" + ").int(report["padding"]["bottom"], "padding.bottom").say(" − ")
    line.int(dil, "dilation.0").say("·(").int(k, "kernel.0").say(" − 1) − 1) / ").int(s, "stride.0").say(") + 1 = ")
    line.int(out, "output.height")
    notes = [text for text in report.get("steps", []) if "strict" in text.lower() or "same" in text.lower()][:2]
    return Panel("explorer", w.title, w.seeing, w.reading, w.formula, worked=[line], notes=notes)
