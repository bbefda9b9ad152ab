"""VGG-like networks as data: a table of conv widths and pools, and one assembler.

``CFGS`` lists, block by block, the output channels of each conv layer and an
``"M"`` for each 2×2 max pool. :func:`vgg_features` turns a row into named layers
(``conv_1_1, relu_1_1, …, max_pool_1, conv_2_1, …``) so every VGG-like builder —
VGG-16 here, TinyVGG in :mod:`convscope.zoo.tinyvgg` — reads the same way.
"""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

from convscope.zoo.imagenet import imagenet_spec
from convscope.zoo.registry import check_min_size, register_model

#: Conv widths per block; "M" closes a block with a 2×2 max pool.
CFGS: dict[str, list[int | str]] = {
    "tinyvgg": [10, 10, "M", 10, 10, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
}

Layers = list[tuple[str, nn.Module]]

#: The smallest input VGG-16's five 2×2 pools leave at least one pixel of.
MIN_INPUT_SIZE = 32


def vgg_features(
    cfg: list[int | str], *, in_channels: int, kernel_size: int = 3, padding: int = 1, inplace: bool = False
) -> tuple[Layers, int]:
    """Assemble the conv/relu/pool layers of a ``CFGS`` row.

    Args:
        cfg: conv widths and ``"M"`` pool markers, e.g. ``CFGS["vgg16"]``.
        in_channels: C of the input.
        kernel_size: K of every conv layer.
        padding: P of every conv layer.
        inplace: use in-place ReLUs (saves memory on big maps).

    Returns:
        The named layers in order, and the channels of the last conv.

    Example:
        >>> layers, channels = vgg_features([8, "M"], in_channels=3)
        >>> [name for name, _ in layers], channels
        (['conv_1_1', 'relu_1_1', 'max_pool_1'], 8)
    """
    layers: Layers = []
    block, index, channels = 1, 1, in_channels
    for item in cfg:
        if item == "M":
            layers.append((f"max_pool_{block}", nn.MaxPool2d(2)))
            block, index = block + 1, 1
            continue
        width = int(item)
        layers.append((f"conv_{block}_{index}", nn.Conv2d(channels, width, kernel_size, padding=padding)))
        layers.append((f"relu_{block}_{index}", nn.ReLU(inplace=inplace)))
        channels, index = width, index + 1
    return layers, channels


def _init_vgg(model: nn.Module) -> None:
    # Simonyan & Zisserman (2015) draw weights from N(0, 0.01²); for 13 convs
    # without batch norm that stalls, so convs use He et al. (2015) instead, as
    # torchvision does; the classifier keeps the paper's N(0, 0.01²).
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:  # VGG's convs all have one
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, 0.01)
            nn.init.zeros_(m.bias)


@register_model(
    "vgg16",
    input_spec=imagenet_spec("vgg16", MIN_INPUT_SIZE),
    published_params=138_357_544,
    description="VGG-16 (Simonyan & Zisserman 2015, configuration D): 13 3×3 convs in 5 blocks, 3 dense layers",
)
def vgg16(*, num_classes: int = 1000, input_size: int = 224, dropout: float = 0.5) -> nn.Sequential:
    """Build VGG-16 with random weights.

    An adaptive average pool to 7×7 before the classifier lets inputs of any
    size from 32 up feed the same dense layers (the paper's 224 gives 7×7 already).

    Args:
        num_classes: units of the output layer.
        input_size: H = W of the input (at least 32: five pools halve it).
        dropout: probability of both dropouts in the classifier (0 = none).

    Example:
        >>> sum(p.numel() for p in vgg16().parameters())
        138357544
    """
    check_min_size("vgg16", input_size, MIN_INPUT_SIZE)
    layers, channels = vgg_features(CFGS["vgg16"], in_channels=3, inplace=True)
    layers += [
        ("avgpool", nn.AdaptiveAvgPool2d((7, 7))),
        ("flatten", nn.Flatten()),  # (N, 512*7*7)
        ("fc_6", nn.Linear(channels * 7 * 7, 4096)),
        ("relu_6", nn.ReLU(inplace=True)),
        ("dropout_6", nn.Dropout(dropout)),
        ("fc_7", nn.Linear(4096, 4096)),
        ("relu_7", nn.ReLU(inplace=True)),
        ("dropout_7", nn.Dropout(dropout)),
        ("output", nn.Linear(4096, num_classes)),
    ]
    model = nn.Sequential(OrderedDict(layers))
    _init_vgg(model)
    return model
