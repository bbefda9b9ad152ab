"""ResNet-18 and ResNet-34 (He, Zhang, Ren & Sun 2016), basic-block ResNets.

Submodule names follow torchvision's (``conv1``, ``layer1.0.conv1``,
``layer2.0.downsample.0``, ``fc``) so state dicts line up key for key. One
departure: each block has two ReLU modules (``relu1`` after the first conv,
``relu2`` after the addition) where torchvision calls one ``relu`` twice, so
every ReLU is its own layer in the graph; ReLUs hold no weights, so the keys
are unchanged. Shortcuts that change shape use a 1×1 convolution with stride
(the paper's option B). Basic blocks stride their first 3×3 convolution, so
torchvision's "V1.5" change (moving the stride inside bottleneck blocks) has
nothing to move here.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from convscope.zoo.imagenet import imagenet_spec
from convscope.zoo.registry import check_min_size, register_model


class BasicBlock(nn.Module):
    """Two 3×3 conv-BN layers plus the shortcut, then ReLU."""

    def __init__(self, in_channels: int, channels: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.downsample: nn.Module | None = None
        if stride != 1 or in_channels != channels:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, channels, 1, stride=stride, bias=False), nn.BatchNorm2d(channels)
            )
        self.relu2 = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)  # (N, C_out, H/S, W/S)
        out = self.relu1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu2(out + identity)


class ResNet(nn.Module):
    """Stem, four stages of basic blocks, global average pool, dense output."""

    # The stages are registered by name in __init__; declared for type checkers.
    layer1: nn.Sequential
    layer2: nn.Sequential
    layer3: nn.Sequential
    layer4: nn.Sequential

    def __init__(self, blocks_per_stage: tuple[int, int, int, int], num_classes: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        in_channels = 64
        for stage, (channels, blocks) in enumerate(zip((64, 128, 256, 512), blocks_per_stage, strict=True), 1):
            stride = 1 if stage == 1 else 2
            # Only a stage's first block changes C and H, W; the rest keep them.
            first = BasicBlock(in_channels, channels, stride)
            rest = [BasicBlock(channels, channels, 1) for _ in range(blocks - 1)]
            self.add_module(f"layer{stage}", nn.Sequential(first, *rest))
            in_channels = channels
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(512, num_classes)
        self._init_weights()

    def _init_weights(self) -> None:
        # He et al. (2015) initialisation, as the ResNet paper uses.
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))  # (N, 64, H/4, W/4)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))  # (N, 512, H/32, W/32)
        x = self.flatten(self.avgpool(x))  # (N, 512)
        return self.fc(x)


def _register(
    name: str, blocks_per_stage: tuple[int, int, int, int], published_params: int, stages: str
) -> Callable[..., ResNet]:
    """Register one depth of ResNet: the builders differ only in blocks per stage."""
    depth = name.removeprefix("resnet")

    def build(*, num_classes: int = 1000, input_size: int = 224) -> ResNet:
        check_min_size(name, input_size, 1)
        return ResNet(blocks_per_stage, num_classes)

    build.__name__ = build.__qualname__ = name
    build.__doc__ = f"""Build ResNet-{depth} with random weights.

    Args:
        num_classes: units of the output layer.
        input_size: H = W of the input; the global pool takes any size.

    Example:
        >>> sum(p.numel() for p in {name}().parameters())
        {published_params}
    """
    description = f"ResNet-{depth} (He et al. 2016): stem, 4 stages of {stages} basic blocks, global average pool"
    register_model(name, input_spec=imagenet_spec(name), published_params=published_params, description=description)(
        build
    )
    return build


resnet18 = _register("resnet18", (2, 2, 2, 2), 11_689_512, "2")
resnet34 = _register("resnet34", (3, 4, 6, 3), 21_797_672, "3, 4, 6, 3")
