"""GoogLeNet (Szegedy et al. 2015, "Going deeper with convolutions") without its
auxiliary classifiers: 6,624,904 parameters.

Built as torchvision builds it, with the same submodule names (``conv1``,
``inception3a.branch2.1.conv``, ``fc``) so state dicts line up key for key.
Departures from the paper, all torchvision's:

- every convolution is followed by batch normalisation (eps 0.001, from
  Inception-v2) and has no bias;
- the paper's 5×5 branch uses a 3×3 kernel; the published 6,624,904 counts
  that 3×3 kernel, so it is kept here;
- the auxiliary heads (training-only in the paper) are left out;
- each ``BasicConv2d`` has its own ReLU module, so every ReLU is a layer in the
  graph (ReLUs hold no weights; the keys are unchanged).
"""

from __future__ import annotations

import torch
from torch import nn

from convscope.zoo.imagenet import imagenet_spec
from convscope.zoo.registry import check_min_size, register_model

#: The smallest input whose maps survive the stride-2 stem and pools.
MIN_INPUT_SIZE = 15


class BasicConv2d(nn.Module):
    """Convolution without bias, batch norm, ReLU."""

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, padding: int = 0
    ) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.bn(self.conv(x)))


class Inception(nn.Module):
    """Four parallel branches over the same input, concatenated along C."""

    def __init__(
        self, in_channels: int, ch1x1: int, ch3x3red: int, ch3x3: int, ch5x5red: int, ch5x5: int, pool_proj: int
    ) -> None:
        super().__init__()
        self.branch1 = BasicConv2d(in_channels, ch1x1, 1)
        self.branch2 = nn.Sequential(BasicConv2d(in_channels, ch3x3red, 1), BasicConv2d(ch3x3red, ch3x3, 3, padding=1))
        # The paper's 5×5 branch; torchvision's 3×3 kernel (see the module docstring).
        self.branch3 = nn.Sequential(BasicConv2d(in_channels, ch5x5red, 1), BasicConv2d(ch5x5red, ch5x5, 3, padding=1))
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True), BasicConv2d(in_channels, pool_proj, 1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branches = [self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)]
        return torch.cat(branches, 1)  # (N, ch1x1 + ch3x3 + ch5x5 + pool_proj, H, W)


#: Inception modules in order: name, then in, 1×1, 3×3 reduce, 3×3, "5×5" reduce, "5×5", pool projection.
_INCEPTIONS = (
    ("inception3a", 192, 64, 96, 128, 16, 32, 32),
    ("inception3b", 256, 128, 128, 192, 32, 96, 64),
    ("inception4a", 480, 192, 96, 208, 16, 48, 64),
    ("inception4b", 512, 160, 112, 224, 24, 64, 64),
    ("inception4c", 512, 128, 128, 256, 24, 64, 64),
    ("inception4d", 512, 112, 144, 288, 32, 64, 64),
    ("inception4e", 528, 256, 160, 320, 32, 128, 128),
    ("inception5a", 832, 256, 160, 320, 32, 128, 128),
    ("inception5b", 832, 384, 192, 384, 48, 128, 128),
)


class GoogLeNet(nn.Module):
    """Stem, nine inception modules with max pools between stages, global pool, dense output."""

    # The inception modules are registered from _INCEPTIONS in __init__; declared for type checkers.
    inception3a: Inception
    inception3b: Inception
    inception4a: Inception
    inception4b: Inception
    inception4c: Inception
    inception4d: Inception
    inception4e: Inception
    inception5a: Inception
    inception5b: Inception

    def __init__(self, num_classes: int, dropout: float) -> None:
        super().__init__()
        self.conv1 = BasicConv2d(3, 64, 7, stride=2, padding=3)
        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = BasicConv2d(64, 64, 1)
        self.conv3 = BasicConv2d(64, 192, 3, padding=1)
        self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        for name, *widths in _INCEPTIONS:
            self.add_module(name, Inception(*widths))
        self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.maxpool4 = nn.MaxPool2d(2, stride=2, ceil_mode=True)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.flatten = nn.Flatten()
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(1024, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool1(self.conv1(x))  # (N, 64, H/4, W/4)
        x = self.maxpool2(self.conv3(self.conv2(x)))  # (N, 192, H/8, W/8)
        x = self.inception3b(self.inception3a(x))  # (N, 480, H/8, W/8)
        x = self.maxpool3(x)  # (N, 480, H/16, W/16)
        for block in (self.inception4a, self.inception4b, self.inception4c, self.inception4d, self.inception4e):
            x = block(x)  # (N, 832, H/16, W/16) after 4e
        x = self.maxpool4(x)  # (N, 832, H/32, W/32)
        x = self.inception5b(self.inception5a(x))  # (N, 1024, H/32, W/32)
        x = self.flatten(self.avgpool(x))  # (N, 1024)
        return self.fc(self.dropout(x))


@register_model(
    "googlenet",
    input_spec=imagenet_spec("googlenet", MIN_INPUT_SIZE),
    published_params=6_624_904,
    description="GoogLeNet (Szegedy et al. 2015) without auxiliary heads: stem, 9 inception modules, global pool",
)
def googlenet(*, num_classes: int = 1000, input_size: int = 224, dropout: float = 0.2) -> GoogLeNet:
    """Build GoogLeNet with random weights.

    Args:
        num_classes: units of the output layer.
        input_size: H = W of the input; the global pool takes any size from 15 up.
        dropout: probability of the dropout before the output layer (torchvision's 0.2; the paper's 0.4).

    Example:
        >>> sum(p.numel() for p in googlenet().parameters())
        6624904
    """
    check_min_size("googlenet", input_size, MIN_INPUT_SIZE)
    return GoogLeNet(num_classes, dropout)
