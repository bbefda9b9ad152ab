"""Step-by-step explanations of one output value, computed in one place.

:func:`explain` picks the explainer for the layer's kind from :data:`EXPLAINERS`.
Every explainer reads only the recorded outputs of the layer and its inputs (never
re-running the network) and returns a :class:`~convscope.explain.steps.Step`
whose parts re-add to the traced value. Each step's ``to_dict()`` is what the
server sends; the browser displays it and never recomputes.

To explain a new kind: write ``explain_<kind>(trace, layer, position) -> Step``
in a module here (a new Step subclass in ``steps.py`` if none fits) and add it to
:data:`EXPLAINERS`; the tests parametrised over the table then check that it re-adds.

Example:
    >>> import torch
    >>> from convscope.formats import zoo_network
    >>> net = zoo_network("tinyvgg")
    >>> trace = net.run(torch.rand(1, 3, 64, 64))
    >>> step = explain(trace, "conv_1_1", channel=0, y=5, x=7)
    >>> len(step.terms), step.output == float(trace.output("conv_1_1")[0, 0, 5, 7])
    (3, True)
"""

from __future__ import annotations

from collections.abc import Callable

from convscope.explain import activation, add, batchnorm, conv, flatten, linear, passthrough, pool, softmax
from convscope.explain.base import NoExplanationError, Position, in_range, position_for, readds
from convscope.explain.softmax import explain_probabilities
from convscope.explain.steps import IntermediateMaps, Step
from convscope.network import Layer
from convscope.trace import Trace
from convscope.types import LayerKind

Explainer = Callable[["Trace", "Layer", Position], Step]

#: The explainer for each layer kind; kinds missing here have no explanation.
EXPLAINERS: dict[LayerKind, Explainer] = {
    LayerKind.CONV2D: conv.explain_conv,
    **{kind: activation.explain_activation for kind in activation.RULES},
    **{kind: pool.explain_pool for kind in pool.POOLS},
    LayerKind.BATCHNORM2D: batchnorm.explain_batchnorm,
    LayerKind.LINEAR: linear.explain_linear,
    LayerKind.SOFTMAX: softmax.explain_softmax,
    LayerKind.LOG_SOFTMAX: softmax.explain_softmax,
    LayerKind.ADD: add.explain_add,
    LayerKind.CONCAT: add.explain_concat,
    LayerKind.FLATTEN: flatten.explain_flatten,
    LayerKind.DROPOUT: passthrough.explain_passthrough,
    LayerKind.IDENTITY: passthrough.explain_passthrough,
    LayerKind.ZEROPAD2D: passthrough.explain_passthrough,
}

#: Relative tolerance of the run-time re-addition check. Loose on purpose: it
#: catches parts that cannot add up (a misidentified input), never float32 noise.
RUNTIME_TOLERANCE = 1e-3


def explain(
    trace: Trace,
    layer_name: str,
    *,
    channel: int | None = None,
    y: int | None = None,
    x: int | None = None,
    index: int | None = None,
    item: int = 0,
) -> Step:
    """Explain one output value of layer ``layer_name`` step by step.

    Args:
        trace: a trace of the network (its recorded outputs are read, not recomputed).
        layer_name: the layer, e.g. ``conv_1_1``.
        channel, y, x: the position in a ``(C, H, W)`` output.
        index: the position in an ``(F,)`` output.
        item: which input of a batched trace (``index`` already names a vector unit).

    Raises:
        NotFoundError: no such layer.
        ConvScopeError: the position is missing or outside the output, or ``item`` outside the batch.
        NoExplanationError: the layer's kind has no explanation (``other``, ``input``).

    Example:
        >>> explain(trace, "relu_1_1", channel=0, y=0, x=0).formula
        'max(0, x)'
    """
    trace = trace.item(item)  # every explainer reads batch item 0 of the trace it is given
    layer = trace.network.layer(layer_name)
    explainer = EXPLAINERS.get(layer.kind)
    if explainer is None:
        raise NoExplanationError(
            f"layer '{layer.name}' is of kind '{layer.kind}', which has no step-by-step explanation; "
            "pick a convolution, activation, pooling, batchnorm, linear, softmax, add, concat or flatten layer"
        )
    position = position_for(layer, channel=channel, y=y, x=x, index=index)
    step = explainer(trace, layer, position)
    if not readds(step.computed, step.output, step.scale, rel=RUNTIME_TOLERANCE):
        raise NoExplanationError(
            f"the parts of layer '{layer.name}' at {position.to_dict()} add up to {step.computed:.6g}, "
            f"not the recorded {step.output:.6g}; its inputs could not be identified (the model was read with hooks?)"
        )
    return step


def intermediate_maps(trace: Trace, layer_name: str, *, channel: int, item: int = 0) -> IntermediateMaps:
    """Each input channel's kernel slid over that channel alone, for one output channel.

    The elastic view draws these; their sum plus the bias is the traced output map.

    Args:
        trace: a trace of the network.
        layer_name: a conv2d layer.
        channel: the output channel.
        item: which input of a batched trace.

    Example:
        >>> maps = intermediate_maps(trace, "conv_1_1", channel=0)
        >>> tuple(maps.maps.shape)
        (3, 62, 62)
    """
    trace = trace.item(item)
    layer = trace.network.layer(layer_name)
    if layer.kind is not LayerKind.CONV2D:
        raise NoExplanationError(
            f"layer '{layer.name}' is of kind '{layer.kind}'; intermediate maps exist for conv2d layers only"
        )
    channel = in_range(channel, "channel", layer.output_shape[0], layer, "channels")
    return conv.intermediate_maps(trace, layer, channel)


def supported_kinds() -> list[LayerKind]:
    """The layer kinds :func:`explain` can explain."""
    return list(EXPLAINERS)


__all__ = [
    "EXPLAINERS",
    "NoExplanationError",
    "Position",
    "Step",
    "explain",
    "explain_probabilities",
    "intermediate_maps",
    "supported_kinds",
]
