"""Linear (fully connected) layers: output unit j as Σ_i w_ji·x_i + b_j."""

from __future__ import annotations

from torch import nn

from convscope.explain.base import NoExplanationError, Position, input_of, module_as, single_input, traced
from convscope.explain.flatten import chw_to_hwc_flat, flat_to_chw, flattened_source
from convscope.explain.steps import Contribution, LinearStep
from convscope.network import Layer, Network
from convscope.trace import Trace

#: How many of the largest contributions a step lists.
TOP_CONTRIBUTIONS = 10


def class_label(network: Network, layer: Layer, index: int) -> str | None:
    """The class name when ``layer``'s units are the class scores, else None."""
    return network.class_names[index] if network.logits_layer == layer.name else None


def explain_linear(trace: Trace, layer: Layer, position: Position, *, top: int = TOP_CONTRIBUTIONS) -> LinearStep:
    """Every product w_ji·x_i for output unit j, the largest ones, the bias and the total.

    Args:
        trace: the trace whose recorded values are explained.
        layer: an ``nn.Linear`` layer with a vector input ``(F_in,)``.
        position: ``index`` j of the output unit.
        top: how many of the largest products (by magnitude) to list.

    Example:
        >>> step = explain_linear(trace, net.layer("output"), Position(index=3))
        >>> len(step.products), step.source_layer, len(step.top[0].source)  # (c, y, x) in max_pool_2
        (1690, 'max_pool_2', 3)
    """
    module = module_as(layer, nn.Linear)
    if module is None:
        raise NoExplanationError(
            f"layer '{layer.name}' is not an nn.Linear module; only module linear layers are explained"
        )
    j = position.index
    if j is None:
        raise NoExplanationError(
            f"layer '{layer.name}' applies to {len(layer.output_shape)}-D maps; explanations cover vector inputs"
        )
    inputs = input_of(trace, layer)[0]  # (F_in,)
    weights = module.weight.detach()[j]  # (F_in,)
    products = inputs * weights  # in the model's dtype, as the layer multiplies
    bias = None if module.bias is None else float(module.bias.detach()[j])
    source = flattened_source(trace.network, single_input(layer))
    _, order = products.abs().topk(min(top, products.numel()))
    cells = {i: flat_to_chw(source.output_shape, i) if source is not None else None for i in order.tolist()}
    listed = [
        Contribution(
            input_index=i,
            input=float(inputs[i]),
            weight=float(weights[i]),
            product=float(products[i]),
            source=cell,
            hwc_index=chw_to_hwc_flat(source.output_shape, *cell) if source is not None and cell else None,
        )
        for i, cell in cells.items()
    ]
    return LinearStep(
        **traced(trace, layer, position),
        computed=float(products.double().sum()) + (bias or 0.0),
        scale=float(products.double().abs().sum()) + abs(bias or 0.0),
        formula=f"out[{j}] = Σ_i w[{j}, i]·x[i]" + (f" + b[{j}]" if bias is not None else ""),
        input_layer=single_input(layer),
        label=class_label(trace.network, layer, j),
        inputs=inputs,
        weights=weights,
        products=products,
        bias=bias,
        top=listed,
        source_layer=source.name if source is not None else None,
        source_shape=tuple(source.output_shape) if source is not None else None,  # type: ignore[arg-type]
    )
