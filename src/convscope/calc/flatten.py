"""Flatten of a typed C×H×W tensor in both orders, with where every value goes.

PyTorch stores a map as C×H×W and ``torch.flatten`` reads it channel by channel:
unit ``c·H·W + y·W + x``. Keras and TensorFlow store H×W×C and read pixel by
pixel, every channel of a pixel together: unit ``(y·W + x)·C + c``. The units are
numbered here by walking the tensor in each order, which is what those rules say.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product

from convscope.calc.parse import parse_shape, parse_values
from convscope.calc.result import Calculation, Note, Step, num
from convscope.errors import ConvScopeError

#: The orders, and the rule each numbers units by.
ORDERS = {
    "chw": ("C×H×W, as PyTorch flattens", "unit = c·H·W + y·W + x"),
    "hwc": ("H×W×C, as Keras and TensorFlow flatten", "unit = (y·W + x)·C + c"),
}


@dataclass(frozen=True, kw_only=True)
class FlattenEntry(Step):
    """One value of the tensor and the unit it becomes in each order."""

    step = "value"
    #: ``(c, y, x)`` in the tensor.
    source: tuple[int, int, int]
    value: float
    chw: int
    hwc: int


def _units(c: int, h: int, w: int) -> dict[str, dict[tuple[int, int, int], int]]:
    """Unit number of every ``(c, y, x)`` in each order, by walking the tensor in that order."""
    chw = {(ci, y, x): i for i, (ci, y, x) in enumerate(product(range(c), range(h), range(w)))}
    hwc = {(ci, y, x): i for i, (y, x, ci) in enumerate(product(range(h), range(w), range(c)))}
    return {"chw": chw, "hwc": hwc}


def flatten(values: str | Sequence[float], shape: str | Sequence[int], *, order: str = "chw") -> Calculation:
    """Flatten a C×H×W tensor given channel by channel; ``output`` is in ``order``, both orders under ``orders``.

    Args:
        values: C·H·W numbers in C×H×W order (channel 0 row by row, then channel 1, …);
            ``;`` and ``|`` may separate rows and channels for reading.
        shape: ``(C, H, W)`` or text ``"C,H,W"``.
        order: ``"chw"`` (PyTorch) or ``"hwc"`` (Keras / TensorFlow) for ``output``.

    Example:
        >>> flatten("1 2; 3 4 | 5 6; 7 8", "2,2,2", order="hwc").output
        (1.0, 5.0, 2.0, 6.0, 3.0, 7.0, 4.0, 8.0)
    """
    if order not in ORDERS:
        raise ConvScopeError(f"flatten order {order!r} is not known; use 'chw' (PyTorch) or 'hwc' (Keras / TensorFlow)")
    c, h, w = parse_shape(shape)
    cells = list(product(range(c), range(h), range(w)))  # storage order, C×H×W
    flat = parse_values(values, "input", max_count=len(cells))
    if len(flat) != len(cells):
        raise ConvScopeError(
            f"the shape {c}×{h}×{w} holds {len(cells)} values but the input has {len(flat)}; "
            "give one number per cell, channel by channel"
        )
    units = _units(c, h, w)
    entries = [
        FlattenEntry(
            text=f"(c={ci}, y={y}, x={x}) = {num(v)} → unit {units['chw'][ci, y, x]} (C×H×W), "
            f"unit {units['hwc'][ci, y, x]} (H×W×C)",
            source=(ci, y, x),
            value=v,
            chw=units["chw"][ci, y, x],
            hwc=units["hwc"][ci, y, x],
        )  # fmt: skip
        for (ci, y, x), v in zip(cells, flat, strict=True)
    ]
    orders = {}
    for name in ORDERS:
        vector = [0.0] * len(entries)
        for e in entries:
            vector[getattr(e, name)] = e.value
        orders[name] = tuple(vector)
    notes = [
        Note(topic=name, text=f"{label}: {rule}, so the vector reads {' '.join(num(v) for v in orders[name])}.")
        for name, (label, rule) in ORDERS.items()
    ]
    return Calculation(
        operation="flatten",
        input=list(flat),
        settings={"shape": [c, h, w], "order": order},
        output=orders[order],
        shape=(len(entries),),
        steps=(*notes, *entries),
        extras={"orders": orders},
    )
