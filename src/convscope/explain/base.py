"""What every explainer shares: the position asked about, its validation, and checks.

A position is ``(channel, y, x)`` on a layer whose output is a stack of maps
``(C, H, W)``, or ``index`` on a layer whose output is a vector ``(F,)``.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from typing import Any

import torch

from convscope.errors import ConvScopeError
from convscope.network import Layer
from convscope.trace import Trace


class NoExplanationError(ConvScopeError):
    """A layer ConvScope has no step-by-step explanation for (kind ``other``, say)."""

    status = 422


@dataclass(frozen=True)
class Position:
    """One output value: ``(channel, y, x)`` for maps, ``index`` for vectors."""

    channel: int | None = None
    y: int | None = None
    x: int | None = None
    index: int | None = None

    @classmethod
    def of(cls, coords: tuple[int, ...]) -> Position:
        """``(c, y, x)`` or ``(i,)`` → Position."""
        if len(coords) == 3:
            return cls(channel=coords[0], y=coords[1], x=coords[2])
        return cls(index=coords[0])

    @property
    def coords(self) -> tuple[int, ...]:
        """Indices into one batch item's output: ``(c, y, x)`` or ``(i,)``."""
        if self.index is not None:
            return (self.index,)
        return (self.channel, self.y, self.x)  # type: ignore[return-value]

    def to_dict(self) -> dict[str, int]:
        if self.index is not None:
            return {"index": self.index}
        return {"channel": int(self.channel), "y": int(self.y), "x": int(self.x)}  # type: ignore[arg-type]


def _whole(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise ConvScopeError(f"{name} must be a whole number, got {value!r}; give an int such as 0")
    try:
        return operator.index(value)
    except TypeError:
        raise ConvScopeError(f"{name} must be a whole number, got {value!r}; give an int such as 0") from None


def in_range(value: Any, name: str, size: int, layer: Layer, what: str) -> int:
    """``value`` as an int in ``0…size−1``, or a ConvScopeError naming the layer and the valid range."""
    whole = _whole(value, name)
    if not 0 <= whole < size:
        raise ConvScopeError(
            f"{name} {whole} is outside layer '{layer.name}', which has {size} {what}; choose {name} from 0 to {size - 1}"
        )
    return whole


def position_for(layer: Layer, *, channel: Any, y: Any, x: Any, index: Any) -> Position:
    """Check a requested position against the layer's output shape.

    Raises:
        ConvScopeError: a coordinate is missing, not a whole number, or outside the output.
        NoExplanationError: the output is neither ``(C, H, W)`` nor ``(F,)``.

    Example:
        >>> position_for(conv_layer, channel=0, y=3, x=4, index=None)  # conv_layer: (10, 62, 62)
        Position(channel=0, y=3, x=4, index=None)
    """
    shape = layer.output_shape
    if len(shape) == 3:
        if index is not None or None in (channel, y, x):
            raise ConvScopeError(
                f"layer '{layer.name}' outputs {shape[0]} maps of {shape[1]}×{shape[2]}; give channel, y and x (not index)"
            )
        c, h, w = shape
        return Position(
            channel=in_range(channel, "channel", c, layer, "channels"),
            y=in_range(y, "y", h, layer, "rows"),
            x=in_range(x, "x", w, layer, "columns"),
        )
    if len(shape) == 1:
        if index is None or (channel, y, x) != (None, None, None):
            raise ConvScopeError(
                f"layer '{layer.name}' outputs a vector of {shape[0]} units; give index (not channel, y, x)"
            )
        return Position(index=in_range(index, "index", shape[0], layer, "units"))
    raise NoExplanationError(
        f"layer '{layer.name}' has output shape {tuple(shape)}; explanations cover (C, H, W) maps and (F,) vectors only"
    )


def num(value: float) -> str:
    """A value for worked formulas: four significant digits and a true minus sign.

    Example:
        >>> num(-0.0123456)
        '−0.01235'
    """
    return f"{value:.4g}".replace("-", "−")


def value_at(tensor: torch.Tensor, coords: tuple[int, ...]) -> float:
    """One value of batch item 0 as a Python float."""
    return float(tensor[(0, *coords)])


def traced(trace: Trace, layer: Layer, position: Position) -> dict[str, Any]:
    """The fields every step starts with: which value of which layer, and that value as traced."""
    return {
        "layer": layer.name,
        "kind": str(layer.kind),
        "position": position,
        "output": value_at(trace.outputs[layer.name], position.coords),
    }


def single_input(layer: Layer) -> str:
    """The one layer feeding ``layer``; explanations of one-input layers need exactly one."""
    if len(layer.inputs) != 1:
        raise NoExplanationError(
            f"layer '{layer.name}' reads {len(layer.inputs)} tensors ({', '.join(layer.inputs) or 'none'}); "
            "ConvScope explains it only when it reads exactly one"
        )
    return layer.inputs[0]


def input_of(trace: Trace, layer: Layer) -> torch.Tensor:
    """The recorded output of the layer feeding ``layer`` (batch dim kept), without recomputing."""
    return trace.outputs[single_input(layer)]


def module_as(layer: Layer, cls: type | tuple[type, ...]) -> Any:
    """The layer's module when it is an instance of ``cls``, else None (functional op)."""
    return layer.module if isinstance(layer.module, cls) else None


#: Below float32's smallest normal number: values this small may flush to zero.
_UNDERFLOW = 1e-37


def readds(computed: float, output: float, scale: float, rel: float = 1e-5) -> bool:
    """True when the parts' total agrees with the traced value.

    The tolerance is ``rel`` times the larger of ``|output|`` and ``scale`` (the
    sum of the parts' magnitudes): float32 sums of large parts that nearly cancel
    carry rounding error proportional to the parts, not to the small result.
    """
    return math.isclose(computed, output, rel_tol=rel, abs_tol=rel * scale + _UNDERFLOW) or (
        math.isnan(computed) and math.isnan(output)
    )
