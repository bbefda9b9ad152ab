"""Finding the layers a question is about, and the shapes around them."""

from __future__ import annotations

import math

from convscope.arithmetic import SamePadding
from convscope.network import Layer, Network
from convscope.types import LayerKind, Shape

#: Pooling layers with a fixed window (adaptive pools choose theirs from the size).
WINDOW_POOLS = (LayerKind.MAXPOOL2D, LayerKind.AVGPOOL2D)


def of_kind(network: Network, *kinds: LayerKind) -> list[Layer]:
    return [layer for layer in network.layers if layer.kind in kinds]


def first_of(network: Network, *kinds: LayerKind) -> str | None:
    """The name of the first layer of one of ``kinds``: where the app shows that step on the model's own numbers."""
    found = of_kind(network, *kinds)
    return found[0].name if found else None


def fed_by(network: Network, name: str) -> str | None:
    """The first layer reading the output of layer ``name``."""
    return next((layer.name for layer in network.layers if name in layer.inputs), None)


def convs(network: Network) -> list[Layer]:
    return of_kind(network, LayerKind.CONV2D)


def input_shape(network: Network, layer: Layer) -> Shape:
    """The shape of the first layer feeding ``layer``."""
    return network.layer(layer.inputs[0]).output_shape


def values(shape: Shape) -> int:
    """How many numbers a tensor of ``shape`` holds (one image, no batch)."""
    return math.prod(shape)


def shape_text(shape: Shape) -> str:
    return "×".join(str(n) for n in shape)


def conv_sides(layer: Layer) -> SamePadding:
    """The conv's padding as PyTorch applies it, in the carrier :mod:`convscope.arithmetic` reads sides from."""
    top, bottom, left, right = layer.hyper["padding_sides"]
    return SamePadding(top=top, bottom=bottom, left=left, right=right, output=None, reason=None)


def padding_text(layer: Layer) -> str:
    top, bottom, left, right = layer.hyper["padding_sides"]
    if top == bottom == left == right:
        return f"padding {top}"
    return f"padding {top}/{bottom} (top/bottom) and {left}/{right} (left/right)"


def window_text(pair: tuple[int, int]) -> str:
    return f"{pair[0]}×{pair[1]}"


def a(number: int) -> str:
    """The article before a number as it is read aloud: "an 8×8", "an 11×11", "a 3×3"."""
    spoken = str(number)
    # eleven, eighteen, eleven thousand…: the leading group of digits is read as one word
    eleven = len(spoken) % 3 == 2 and spoken[:2] in ("11", "18")
    return "an" if spoken.startswith("8") or eleven else "a"
