"""TinyVGG: CNN Explainer's network, configurable.

Defaults reproduce CNN Explainer exactly: 64×64×3 input, two blocks of
conv-relu-conv-relu-maxpool with 10 filters of 3×3 and valid padding, flatten,
one dense layer to 10 classes (19,920 parameters). Layer names match CNN
Explainer's so imported weights and our own line up name for name. The layers
come from the shared VGG assembler and the ``CFGS["tinyvgg"]`` row, with every
width set to ``filters``.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from torch import nn

from convscope.arithmetic import conv_output_size, pool_output_size
from convscope.errors import ConvScopeError
from convscope.inputs import InputSpec
from convscope.zoo.registry import register_model
from convscope.zoo.vgg import CFGS, vgg_features

#: CNN Explainer's class order (Tiny ImageNet subset).
CNN_EXPLAINER_CLASSES = (
    "lifeboat",
    "ladybug",
    "pizza",
    "bell pepper",
    "school bus",
    "koala",
    "espresso",
    "red panda",
    "orange",
    "sport car",
)


def _spec(cfg: dict[str, Any]) -> InputSpec:
    return InputSpec(cfg["in_channels"], cfg["input_size"], cfg["input_size"])


def _classes(cfg: dict[str, Any]) -> tuple[str, ...] | None:
    return CNN_EXPLAINER_CLASSES if cfg["num_classes"] == len(CNN_EXPLAINER_CLASSES) else None


@register_model(
    "tinyvgg",
    input_spec=_spec,
    classes=_classes,
    published_params=19_920,
    description="CNN Explainer's TinyVGG: 2×(conv-relu-conv-relu-maxpool), dense",
)
def tinyvgg(
    *,
    in_channels: int = 3,
    input_size: int = 64,
    filters: int = 10,
    num_classes: int = 10,
    kernel_size: int = 3,
    padding: int = 0,
    dropout: float = 0.0,
) -> nn.Sequential:
    """Build a TinyVGG.

    Args:
        in_channels: C of the input image (1 for Fashion-MNIST, 3 for RGB).
        input_size: H = W of the input.
        filters: output channels of every conv layer.
        num_classes: units of the final dense layer.
        kernel_size: K of every conv layer.
        padding: P of every conv layer (0 is CNN Explainer's "valid").
        dropout: probability of the dropout before the dense layer (0 = none).

    Example:
        >>> sum(p.numel() for p in tinyvgg().parameters())
        19920
    """
    cfg = [item if item == "M" else filters for item in CFGS["tinyvgg"]]
    layers, channels = vgg_features(cfg, in_channels=in_channels, kernel_size=kernel_size, padding=padding)
    size = input_size
    try:
        for item in cfg:  # each conv and each 2×2 max pool shrinks H by arithmetic's rules
            size = pool_output_size(size, 2) if item == "M" else conv_output_size(size, kernel_size, padding=padding)
    except ConvScopeError:
        raise ConvScopeError(
            f"option input_size={input_size} of model 'tinyvgg' is too small for kernel {kernel_size} and "
            f"padding {padding}: the maps shrink to nothing; give a larger input_size or padding"
        ) from None
    layers.append(("flatten", nn.Flatten()))  # (N, C*H*W)
    if dropout > 0:
        layers.append(("dropout", nn.Dropout(dropout)))
    layers.append(("output", nn.Linear(channels * size * size, num_classes)))
    return nn.Sequential(OrderedDict(layers))
