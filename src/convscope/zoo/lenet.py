"""LeNet-5 (LeCun, Bottou, Bengio & Haffner 1998, "Gradient-based learning applied
to document recognition"), in the modern reading with 61,706 parameters.

Where this departs from the paper, and why:

- C3 connects every S2 map to every C3 map (2,416 parameters). The paper wires
  each C3 map to a fixed subset of S2 maps (its Table I, 1,516 parameters) to
  break symmetry and save compute; full connectivity is what later
  reimplementations, and the 61,706 count, use.
- S2 and S4 are plain average (or max) pools. The paper's subsampling units also
  multiply by a trainable coefficient, add a bias and squash (12 and 32 weights).
- The activation is plain ``tanh`` (or ReLU); the paper scales it, 1.7159·tanh(2a/3).
- C5 is written as flatten + dense: over the 5×5 maps of S4 a 5×5 convolution
  with 120 filters is exactly a dense layer of 16·5·5 → 120.
- The output is a dense layer (softmax comes with the loss), not the paper's
  Euclidean radial basis units.

The 28×28 variant pads C1 by 2 so Fashion-MNIST or MNIST images fit without
resizing; every later shape, and the parameter count, stay the same.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from torch import nn

from convscope.inputs import InputSpec
from convscope.zoo.registry import check_choice, register_model

INPUT_SIZES = (32, 28)
ACTIVATIONS: dict[str, type[nn.Module]] = {"tanh": nn.Tanh, "relu": nn.ReLU}
POOLS: dict[str, type[nn.Module]] = {"avg": nn.AvgPool2d, "max": nn.MaxPool2d}


def _spec(cfg: dict[str, Any]) -> InputSpec:
    check_choice("lenet5", "input_size", cfg["input_size"], INPUT_SIZES)
    return InputSpec(cfg["in_channels"], cfg["input_size"], cfg["input_size"])


@register_model(
    "lenet5",
    input_spec=_spec,
    published_params=61_706,
    description="LeNet-5 (LeCun et al. 1998): 2×(conv 5×5, pool), 3 dense layers; 32×32 or padded 28×28 input",
)
def lenet5(
    *,
    in_channels: int = 1,
    input_size: int = 32,
    num_classes: int = 10,
    activation: str = "tanh",
    pool: str = "avg",
) -> nn.Sequential:
    """Build LeNet-5.

    Args:
        in_channels: C of the input (1 for digits and Fashion-MNIST).
        input_size: 32 (the paper's) or 28 (C1 padded by 2).
        num_classes: units of the output layer.
        activation: "tanh" (the paper's, unscaled) or "relu".
        pool: "avg" (closest to the paper's subsampling) or "max".

    Example:
        >>> sum(p.numel() for p in lenet5(input_size=28).parameters())
        61706
    """
    check_choice("lenet5", "input_size", input_size, INPUT_SIZES)
    check_choice("lenet5", "activation", activation, tuple(ACTIVATIONS))
    check_choice("lenet5", "pool", pool, tuple(POOLS))
    act, pool_cls = ACTIVATIONS[activation], POOLS[pool]
    padding = (32 - input_size) // 2  # 28×28 + 2·2 padding sees the same 32×32 window
    layers = [
        ("conv_1", nn.Conv2d(in_channels, 6, 5, padding=padding)),  # C1: (N, 6, 28, 28)
        (f"{activation}_1", act()),
        ("pool_1", pool_cls(2)),  # S2: (N, 6, 14, 14)
        ("conv_2", nn.Conv2d(6, 16, 5)),  # C3: (N, 16, 10, 10)
        (f"{activation}_2", act()),
        ("pool_2", pool_cls(2)),  # S4: (N, 16, 5, 5)
        ("flatten", nn.Flatten()),  # (N, 400)
        ("fc_3", nn.Linear(16 * 5 * 5, 120)),  # C5
        (f"{activation}_3", act()),
        ("fc_4", nn.Linear(120, 84)),  # F6
        (f"{activation}_4", act()),
        ("output", nn.Linear(84, num_classes)),
    ]
    return nn.Sequential(OrderedDict(layers))
