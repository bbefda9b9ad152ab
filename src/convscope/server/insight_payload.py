"""JSON payloads of the insight views, built from :mod:`convscope.insight` (no maths of their own)."""

from __future__ import annotations

from typing import Any

from convscope.insight.attribution import SIGNED, attribute
from convscope.insight.classic import classic_report, resemblance_report
from convscope.insight.filters import filter_pictures
from convscope.insight.trust import trust_report
from convscope.network import Network
from convscope.server.explain_payload import finite
from convscope.trace import Trace


def attribution_payload(trace: Trace, method: str, target: int | None, layer: str | None, steps: int) -> dict[str, Any]:
    """One map with its trust checks, for the trace's image; ``target`` defaults to the predicted class."""
    network = trace.network
    x = trace.input
    klass = int(trace.probabilities[0].argmax()) if target is None else target
    result = attribute(network, x, klass, method, layer=layer, steps=steps)
    values = result.map
    return finite({
        "method": str(result.method), "layer": result.layer, "class": klass, "class_name": network.class_names[klass]
        if 0 <= klass < network.num_classes else None,
        "probability": float(trace.probabilities[0, klass]), "settings": result.settings,
        "signed": result.method in SIGNED, "range": [float(values.min()), float(values.max())],
        "map": values.tolist(), **trust_report(network, x, result),
    })  # fmt: skip


def layers_payload(network: Network) -> dict[str, Any]:
    """Which layers the page may offer: conv layers (filters) and layers with maps (Grad-CAM, feature
    visualisation), in graph order, with each map layer's channel count; and the attribution methods
    the attribution route takes (the explainer's method picker lists these)."""
    from convscope.insight.attribution import Method
    from convscope.types import LayerKind

    spatial = [layer for layer in network.layers if layer.is_spatial and layer.kind is not LayerKind.INPUT]
    return {
        "conv": [layer.name for layer in network.layers if layer.kind is LayerKind.CONV2D],
        "spatial": [layer.name for layer in spatial],
        "channels": {layer.name: layer.output_shape[0] for layer in spatial},
        "methods": [method.value for method in Method],
    }


def filters_payload(network: Network, layer: str, sort: bool) -> dict[str, Any]:
    pictures = filter_pictures(network, layer, sort_by_norm=sort)
    return {**pictures.to_dict(), "resembles": resemblance_report(network, layer)}


def kernels_payload(trace: Trace) -> dict[str, Any]:
    """Each classic kernel applied to the image as the network sees it (channel mean)."""
    return finite({"outputs": classic_report(trace.input[0])})
