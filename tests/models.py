"""Small hand-written CNNs for tests: a residual block, an inception block, and odd cases."""

from __future__ import annotations

from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn


def batchnorm_values(module: nn.Module, x: torch.Tensor) -> int:
    """Values every ``nn.BatchNorm2d`` of ``module`` outputs for ``x``, counted with forward hooks.

    Eval-mode batchnorm multiplies each value once by its channel's γ/√(σ² + ε);
    PyTorch's FLOP counter counts no batchnorm, so tests add these to its total.
    """
    seen: list[int] = []
    handles = [
        m.register_forward_hook(lambda _m, _i, out: seen.append(out.numel()))
        for m in module.modules()
        if isinstance(m, nn.BatchNorm2d)
    ]
    try:
        with torch.no_grad():
            module.eval()(x)
    finally:
        for handle in handles:
            handle.remove()
    return sum(seen)


class ResidualNet(nn.Module):
    """conv-bn-relu, then a basic residual block with in-place ReLUs and ``+=``."""

    def __init__(self, classes: int = 4) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(8, 8, 3, padding=1)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.relu2 = nn.ReLU(inplace=True)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, classes)
        with torch.no_grad():  # non-trivial batchnorm statistics
            self.bn.running_mean.uniform_(-0.5, 0.5)
            self.bn.running_var.uniform_(0.5, 2.0)
            self.bn.weight.uniform_(0.5, 1.5)
            self.bn.bias.uniform_(-0.2, 0.2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.bn(self.stem(x)))  # (N, 8, H, W)
        identity = x
        out = self.relu1(self.conv1(x))
        out = self.conv2(out)
        out += identity
        out = self.relu2(out)
        out = self.pool(out).flatten(1)  # (N, 8)
        return self.fc(out)


class InceptionNet(nn.Module):
    """Four parallel branches concatenated along channels, as in GoogLeNet."""

    def __init__(self, classes: int = 5) -> None:
        super().__init__()
        self.b1 = nn.Conv2d(3, 4, 1)
        self.b2_reduce = nn.Conv2d(3, 2, 1)
        self.b2 = nn.Conv2d(2, 4, 3, padding=1)
        self.b3_reduce = nn.Conv2d(3, 2, 1)
        self.b3 = nn.Conv2d(2, 4, 5, padding=2)
        self.b4_pool = nn.MaxPool2d(3, stride=1, padding=1)
        self.b4 = nn.Conv2d(3, 4, 1)
        self.pool = nn.MaxPool2d(2)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(16 * 8 * 8, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branches = [
            F.relu(self.b1(x)),
            F.relu(self.b2(self.b2_reduce(x))),
            F.relu(self.b3(self.b3_reduce(x))),
            F.relu(self.b4(self.b4_pool(x))),
        ]
        x = torch.cat(branches, 1)  # (N, 16, H, W)
        return self.fc(self.flatten(self.pool(x)))


class DataDependentNet(nn.Module):
    """Control flow on tensor values: torch.fx cannot trace it."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.relu = nn.ReLU()
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(2 * 6 * 6, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        if x.sum() > 1e9:  # never true, but fx cannot know
            x = x * 2
        return self.fc(self.flatten(self.relu(x)))


class NotACNN(nn.Module):
    """An MLP: no convolution to explain."""

    def __init__(self) -> None:
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(3 * 8 * 8, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.flatten(x))


class CustomLayerNet(nn.Sequential):
    """A childless module ConvScope has no kind for becomes an ``other`` layer."""

    class Swish2(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * torch.sigmoid(2 * x)

    def __init__(self) -> None:
        # conv → act → flatten → fc, named so the layers are ``conv``, ``act``, ``flatten``, ``fc``.
        super().__init__(
            OrderedDict(conv=nn.Conv2d(3, 4, 3), act=self.Swish2(), flatten=nn.Flatten(), fc=nn.Linear(4 * 6 * 6, 2))
        )
