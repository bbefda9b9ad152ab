"""Raw facts about one layer: hyperparameters, parameter and multiplication counts.

These functions look at a module (or a functional call's arguments) and the
shapes around it; they do not format anything. Counting formulas come from
:mod:`convscope.arithmetic`, the one place convolution arithmetic lives.
"""

from __future__ import annotations

import math
from typing import Any, cast

from torch import nn

from convscope.types import LayerKind, Shape


def pair(value: Any) -> tuple[int, int]:
    """``3`` → ``(3, 3)``; ``(3, 2)`` → ``(3, 2)``."""
    if isinstance(value, (tuple, list)):
        return (int(value[0]), int(value[-1]))
    return (int(value), int(value))


def conv_padding_sides(module: nn.Conv2d) -> tuple[int, int, int, int]:
    """Padding ``(top, bottom, left, right)`` exactly as PyTorch applies it.

    ``padding="same"`` pads D(K−1) in total per axis; when that is odd PyTorch
    puts the extra row/column after the input, not before, as
    :func:`arithmetic.same_padding` does (PyTorch allows "same" at stride 1 only).

    Example:
        >>> conv_padding_sides(nn.Conv2d(1, 1, (4, 3), padding="same"))
        (1, 2, 1, 1)
    """
    from convscope import arithmetic

    if isinstance(module.padding, str):
        if module.padding == "valid":
            return (0, 0, 0, 0)
        same = arithmetic.same_padding(pair(module.kernel_size), 1, pair(module.dilation))
        return (same.top, same.bottom, same.left, same.right)
    ph, pw = pair(module.padding)
    return (ph, ph, pw, pw)


def conv_hyper(module: nn.Conv2d) -> dict[str, Any]:
    """Conv hyperparameters; ``padding_sides`` is (top, bottom, left, right) (see :func:`conv_padding_sides`)."""
    sides = conv_padding_sides(module)
    return {
        "in_channels": module.in_channels,
        "out_channels": module.out_channels,
        "kernel": pair(module.kernel_size),
        "stride": pair(module.stride),
        "padding": (sides[0], sides[2]),
        "padding_sides": sides,
        "padding_mode": module.padding_mode,
        "dilation": pair(module.dilation),
        "groups": module.groups,
        "bias": module.bias is not None,
    }


def pool_hyper(
    kind: LayerKind, kernel: Any, stride: Any, padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False
) -> dict[str, Any]:
    return {
        "pool": "max" if kind is LayerKind.MAXPOOL2D else "avg",
        "kernel": pair(kernel),
        "stride": pair(stride if stride not in (None, ()) else kernel),
        "padding": pair(padding),
        "dilation": pair(dilation),
        "ceil_mode": bool(ceil_mode),
    }


def module_hyper(kind: LayerKind, module: nn.Module, in_shapes: list[Shape], out_shape: Shape) -> dict[str, Any]:
    """Hyperparameters of a leaf module, as plain JSON-able values."""
    if kind is LayerKind.CONV2D:
        return conv_hyper(module)  # type: ignore[arg-type]
    if kind is LayerKind.LINEAR:
        return {"in_features": module.in_features, "out_features": module.out_features, "bias": module.bias is not None}
    if kind is LayerKind.MAXPOOL2D:
        return pool_hyper(
            kind, module.kernel_size, module.stride, module.padding, module.dilation, bool(module.ceil_mode)
        )
    if kind is LayerKind.AVGPOOL2D:
        hyper = pool_hyper(kind, module.kernel_size, module.stride, module.padding, 1, bool(module.ceil_mode))
        return {**hyper, "count_include_pad": module.count_include_pad, "divisor_override": module.divisor_override}
    if kind in (LayerKind.ADAPTIVE_AVGPOOL2D, LayerKind.ADAPTIVE_MAXPOOL2D):
        return {"pool": "avg" if kind is LayerKind.ADAPTIVE_AVGPOOL2D else "max", "output_size": list(out_shape[-2:])}
    if kind is LayerKind.BATCHNORM2D:
        return {
            "num_features": module.num_features,
            "eps": module.eps,
            "affine": module.affine,
            "track_running_stats": module.track_running_stats,
        }
    if kind is LayerKind.DROPOUT:
        return {"p": module.p}
    if kind is LayerKind.LEAKY_RELU:
        return {"negative_slope": module.negative_slope}
    if kind is LayerKind.ELU:
        return {"alpha": module.alpha}
    if kind is LayerKind.GELU:
        return {"approximate": module.approximate}
    if kind in (LayerKind.SOFTMAX, LayerKind.LOG_SOFTMAX):
        return {"dim": module.dim}
    if kind is LayerKind.ZEROPAD2D:
        return {"padding": list(cast(nn.ZeroPad2d, module).padding)}
    if kind is LayerKind.FLATTEN:
        return {"start_dim": module.start_dim, "end_dim": module.end_dim}
    if kind is LayerKind.OTHER:
        return {"module": type(module).__name__}
    return {}


def function_hyper(kind: LayerKind, args: tuple[Any, ...], kwargs: dict[str, Any], out_shape: Shape) -> dict[str, Any]:
    """Hyperparameters of a functional op, read from its call arguments."""

    def arg(index: int, name: str, default: Any = None) -> Any:
        if name in kwargs:
            return kwargs[name]
        return args[index] if len(args) > index else default

    if kind is LayerKind.MAXPOOL2D:  # F.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode)
        return pool_hyper(
            kind,
            arg(1, "kernel_size"),
            arg(2, "stride"),
            arg(3, "padding", 0),
            arg(4, "dilation", 1),
            arg(5, "ceil_mode", False),
        )
    if (
        kind is LayerKind.AVGPOOL2D
    ):  # F.avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
        hyper = pool_hyper(
            kind, arg(1, "kernel_size"), arg(2, "stride"), arg(3, "padding", 0), 1, arg(4, "ceil_mode", False)
        )
        return {
            **hyper,
            "count_include_pad": bool(arg(5, "count_include_pad", True)),
            "divisor_override": arg(6, "divisor_override"),
        }
    if kind in (LayerKind.ADAPTIVE_AVGPOOL2D, LayerKind.ADAPTIVE_MAXPOOL2D):
        return {"pool": "avg" if kind is LayerKind.ADAPTIVE_AVGPOOL2D else "max", "output_size": list(out_shape[-2:])}
    if kind is LayerKind.CONCAT:
        return {"dim": arg(1, "dim", 0)}
    if kind is LayerKind.DROPOUT:
        return {"p": arg(1, "p", 0.5)}
    if kind is LayerKind.LEAKY_RELU:
        return {"negative_slope": arg(1, "negative_slope", 0.01)}
    if kind is LayerKind.ELU:
        return {"alpha": arg(1, "alpha", 1.0)}
    if kind is LayerKind.GELU:
        return {"approximate": kwargs.get("approximate", "none")}
    if kind in (LayerKind.SOFTMAX, LayerKind.LOG_SOFTMAX):
        return {"dim": arg(1, "dim")}
    return {}


def parameter_count(module: nn.Module | None) -> int:
    return 0 if module is None else sum(p.numel() for p in module.parameters())


def counts(
    kind: LayerKind, hyper: dict[str, Any], in_shapes: list[Shape], out_shape: Shape
) -> tuple[int, str, dict[str, int], str]:
    """Multiplications with their formula, and other operations with theirs.

    Returns:
        ``(mults, mult_formula, other_ops, other_formula)``; ``other_ops`` maps
        an operation name ("comparisons", "additions") to its count.
    """
    from convscope import arithmetic

    if kind is LayerKind.CONV2D:
        h_out, w_out = out_shape[-2:]
        channels = {key: hyper[key] for key in ("in_channels", "out_channels", "groups")}
        count = arithmetic.conv_mults(out_height=h_out, out_width=w_out, kernel=hyper["kernel"], **channels)
        return count.value, count.formula, {}, ""
    if kind is LayerKind.LINEAR:
        positions = math.prod(out_shape[:-1]) if len(out_shape) > 1 else 1
        count = arithmetic.linear_mults(
            in_features=hyper["in_features"], out_features=hyper["out_features"], positions=positions
        )
        return count.value, count.formula, {}, ""
    if kind is LayerKind.BATCHNORM2D and len(out_shape) == 3:
        c, h, w = out_shape
        count = arithmetic.batchnorm_mults(channels=c, height=h, width=w)
        return count.value, count.formula, {}, ""
    if kind in (LayerKind.MAXPOOL2D, LayerKind.AVGPOOL2D) and len(out_shape) == 3:
        c, h_out, w_out = out_shape
        op = "comparisons" if hyper["pool"] == "max" else "additions"
        ops = arithmetic.pool_ops(out_height=h_out, out_width=w_out, channels=c, kernel=hyper["kernel"])
        return 0, "0", {op: ops.value}, f"{ops.rule} = {ops.formula} {op}"
    if kind is LayerKind.ADD and in_shapes:
        n = math.prod(out_shape) * (len(in_shapes) - 1)
        return 0, "0", {"additions": n}, f"{n:,} additions"
    return 0, "0", {}, ""
