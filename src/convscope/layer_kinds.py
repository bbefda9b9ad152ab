"""How a module or a functional op maps to a :class:`LayerKind`.

Dispatch is on types (``isinstance``) for modules and on identity for functions,
never on class-name strings. To teach ConvScope a new kind, add it to
:class:`convscope.types.LayerKind` and to one of the tables below.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from convscope.types import LayerKind

#: Checked in order, so subclasses come before their bases.
MODULE_KINDS: tuple[tuple[type[nn.Module], LayerKind], ...] = (
    (nn.Conv2d, LayerKind.CONV2D),
    (nn.Linear, LayerKind.LINEAR),
    (nn.ReLU6, LayerKind.RELU6),
    (nn.ReLU, LayerKind.RELU),
    (nn.LeakyReLU, LayerKind.LEAKY_RELU),
    (nn.ELU, LayerKind.ELU),
    (nn.GELU, LayerKind.GELU),
    (nn.Sigmoid, LayerKind.SIGMOID),
    (nn.Tanh, LayerKind.TANH),
    (nn.SiLU, LayerKind.SILU),
    (nn.Hardswish, LayerKind.HARDSWISH),
    (nn.Softmax, LayerKind.SOFTMAX),
    (nn.LogSoftmax, LayerKind.LOG_SOFTMAX),
    (nn.MaxPool2d, LayerKind.MAXPOOL2D),
    (nn.AvgPool2d, LayerKind.AVGPOOL2D),
    (nn.AdaptiveAvgPool2d, LayerKind.ADAPTIVE_AVGPOOL2D),
    (nn.AdaptiveMaxPool2d, LayerKind.ADAPTIVE_MAXPOOL2D),
    (nn.BatchNorm2d, LayerKind.BATCHNORM2D),
    (nn.Dropout, LayerKind.DROPOUT),
    (nn.Dropout2d, LayerKind.DROPOUT),
    (nn.Flatten, LayerKind.FLATTEN),
    (nn.ZeroPad2d, LayerKind.ZEROPAD2D),
    (nn.Identity, LayerKind.IDENTITY),
)

FUNCTION_KINDS: dict[Callable[..., Any], LayerKind] = {
    operator.add: LayerKind.ADD,
    operator.iadd: LayerKind.ADD,
    torch.add: LayerKind.ADD,
    torch.cat: LayerKind.CONCAT,
    torch.concat: LayerKind.CONCAT,
    F.relu: LayerKind.RELU,
    torch.relu: LayerKind.RELU,
    torch.relu_: LayerKind.RELU,
    F.relu6: LayerKind.RELU6,
    F.leaky_relu: LayerKind.LEAKY_RELU,
    F.elu: LayerKind.ELU,
    F.gelu: LayerKind.GELU,
    torch.sigmoid: LayerKind.SIGMOID,
    F.sigmoid: LayerKind.SIGMOID,
    torch.tanh: LayerKind.TANH,
    F.tanh: LayerKind.TANH,
    F.silu: LayerKind.SILU,
    F.hardswish: LayerKind.HARDSWISH,
    F.softmax: LayerKind.SOFTMAX,
    torch.softmax: LayerKind.SOFTMAX,
    F.log_softmax: LayerKind.LOG_SOFTMAX,
    F.max_pool2d: LayerKind.MAXPOOL2D,
    F.avg_pool2d: LayerKind.AVGPOOL2D,
    F.adaptive_avg_pool2d: LayerKind.ADAPTIVE_AVGPOOL2D,
    F.adaptive_max_pool2d: LayerKind.ADAPTIVE_MAXPOOL2D,
    F.dropout: LayerKind.DROPOUT,
    torch.flatten: LayerKind.FLATTEN,
    torch.reshape: LayerKind.FLATTEN,
    F.pad: LayerKind.ZEROPAD2D,
}

METHOD_KINDS: dict[str, LayerKind] = {
    "add": LayerKind.ADD,
    "add_": LayerKind.ADD,
    "relu": LayerKind.RELU,
    "relu_": LayerKind.RELU,
    "sigmoid": LayerKind.SIGMOID,
    "tanh": LayerKind.TANH,
    "softmax": LayerKind.SOFTMAX,
    "flatten": LayerKind.FLATTEN,
    "view": LayerKind.FLATTEN,
    "reshape": LayerKind.FLATTEN,
}

#: In-place functions and their out-of-place twins, used when capturing outputs.
OUT_OF_PLACE_FUNCTIONS: dict[Callable[..., Any], Callable[..., Any]] = {
    operator.iadd: operator.add,
    operator.imul: operator.mul,
    torch.relu_: torch.relu,
    F.relu_: F.relu,
}


def module_kind(module: nn.Module) -> LayerKind:
    for cls, kind in MODULE_KINDS:
        if isinstance(module, cls):
            return kind
    return LayerKind.OTHER


def function_kind(target: Callable[..., Any]) -> LayerKind:
    try:
        return FUNCTION_KINDS.get(target, LayerKind.OTHER)
    except TypeError:  # unhashable target
        return LayerKind.OTHER


def method_kind(name: str) -> LayerKind:
    return METHOD_KINDS.get(name, LayerKind.OTHER)
