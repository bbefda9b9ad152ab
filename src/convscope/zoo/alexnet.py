"""AlexNet in its single-stream form (61,100,840 parameters).

Krizhevsky, Sutskever & Hinton (2012) split the network over two GPUs
(48/128/192/192/128 filters per GPU, some layers seeing only their own GPU's
maps) and used local response normalisation. This is the one-GPU layout of
Krizhevsky's "One weird trick" (2014) as torchvision builds it: 64, 192, 384,
256 and 256 filters, no normalisation, an adaptive 6×6 average pool before the
classifier. C1 uses no padding on the 227×227 input, the arithmetic that gives
the paper's 55×55 maps (torchvision pads by 2 on 224×224 and lands on 55×55 too).
"""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

from convscope.zoo.imagenet import imagenet_spec
from convscope.zoo.registry import check_min_size, register_model

#: The smallest input whose maps survive the three 3×3 stride-2 pools.
MIN_INPUT_SIZE = 67


@register_model(
    "alexnet",
    input_spec=imagenet_spec("alexnet", MIN_INPUT_SIZE),
    published_params=61_100_840,
    description="AlexNet (Krizhevsky et al. 2012), single-stream: 5 convs, 3 max pools, 3 dense layers",
)
def alexnet(
    *, num_classes: int = 1000, input_size: int = 227, dropout: float = 0.5, conv1_padding: int = 0
) -> nn.Sequential:
    """Build AlexNet with random weights.

    Args:
        num_classes: units of the output layer.
        input_size: H = W of the input (at least 67).
        dropout: probability of the dropouts before fc_6 and fc_7 (0 = none).
        conv1_padding: P of conv_1; torchvision's ImageNet checkpoint was trained
            with 2 on 224×224 inputs (also 55×55 maps).

    Example:
        >>> sum(p.numel() for p in alexnet().parameters())
        61100840
    """
    check_min_size("alexnet", input_size, MIN_INPUT_SIZE)
    layers = [
        ("conv_1", nn.Conv2d(3, 64, 11, stride=4, padding=conv1_padding)),  # (N, 64, 55, 55)
        ("relu_1", nn.ReLU(inplace=True)),
        ("max_pool_1", nn.MaxPool2d(3, stride=2)),  # (N, 64, 27, 27)
        ("conv_2", nn.Conv2d(64, 192, 5, padding=2)),
        ("relu_2", nn.ReLU(inplace=True)),
        ("max_pool_2", nn.MaxPool2d(3, stride=2)),  # (N, 192, 13, 13)
        ("conv_3", nn.Conv2d(192, 384, 3, padding=1)),
        ("relu_3", nn.ReLU(inplace=True)),
        ("conv_4", nn.Conv2d(384, 256, 3, padding=1)),
        ("relu_4", nn.ReLU(inplace=True)),
        ("conv_5", nn.Conv2d(256, 256, 3, padding=1)),
        ("relu_5", nn.ReLU(inplace=True)),
        ("max_pool_5", nn.MaxPool2d(3, stride=2)),  # (N, 256, 6, 6)
        ("avgpool", nn.AdaptiveAvgPool2d((6, 6))),
        ("flatten", nn.Flatten()),  # (N, 9216)
        ("dropout_6", nn.Dropout(dropout)),
        ("fc_6", nn.Linear(256 * 6 * 6, 4096)),
        ("relu_6", nn.ReLU(inplace=True)),
        ("dropout_7", nn.Dropout(dropout)),
        ("fc_7", nn.Linear(4096, 4096)),
        ("relu_7", nn.ReLU(inplace=True)),
        ("output", nn.Linear(4096, num_classes)),
    ]
    return nn.Sequential(OrderedDict(layers))
