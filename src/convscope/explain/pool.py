"""Pooling: the window one output value reads, and its winner or its average.

Windows follow PyTorch's CPU kernels. Max pooling: taps at ``S·y − P + D·i``;
taps outside the input are padding and never win. Average pooling: the window
starts at ``S·y − P``, padding counts towards the divisor only up to ``H + P``
and only with ``count_include_pad``. Adaptive pooling: window ``i`` covers
``floor(i·H/H_out)`` up to ``ceil((i + 1)·H/H_out)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from convscope import arithmetic
from convscope.explain.base import Position, input_of, single_input, traced
from convscope.explain.steps import PoolStep
from convscope.layer_facts import pair
from convscope.network import Layer
from convscope.trace import Trace
from convscope.types import LayerKind


@dataclass(frozen=True)
class PoolSettings:
    """Sliding-window pooling settings as the layer uses them."""

    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    ceil_mode: bool
    count_include_pad: bool
    divisor_override: int | None

    @classmethod
    def of(cls, layer: Layer) -> PoolSettings:
        """The settings recorded in ``layer.hyper`` (module and functional pools alike)."""
        hyper = layer.hyper
        return cls(
            kernel=pair(hyper["kernel"]),
            stride=pair(hyper["stride"]),
            padding=pair(hyper.get("padding", 0)),
            dilation=pair(hyper.get("dilation", 1)),
            ceil_mode=bool(hyper.get("ceil_mode", False)),
            count_include_pad=bool(hyper.get("count_include_pad", True)),
            divisor_override=hyper.get("divisor_override"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kernel": list(self.kernel),
            "stride": list(self.stride),
            "padding": list(self.padding),
            "dilation": list(self.dilation),
            "ceil_mode": self.ceil_mode,
            "count_include_pad": self.count_include_pad,
            "divisor_override": self.divisor_override,
        }


def _cells(plane: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Window values (0 in the padding) and the padding mask, for tap rows and columns."""
    h, w = plane.shape
    mask = ((rows < 0) | (rows >= h))[:, None] | ((cols < 0) | (cols >= w))[None, :]  # (rows, cols)
    values = plane.index_select(0, rows.clamp(0, h - 1)).index_select(1, cols.clamp(0, w - 1))
    return torch.where(mask, torch.zeros((), dtype=values.dtype), values), mask


def _max_parts(window: torch.Tensor, mask: torch.Tensor, rows: list[int], cols: list[int]) -> dict[str, Any]:
    # argmax returns the first maximum in row-major order, the cell PyTorch's kernel keeps on ties.
    flat = torch.where(mask, torch.full((), float("-inf"), dtype=window.dtype), window).flatten()
    best = int(flat.argmax())
    value = float(flat[best])
    row, col = divmod(best, window.shape[1])
    return {
        "winner": (rows[row], cols[col]),
        "sum": None,
        "count": None,
        "divisor": None,
        "computed": value,
        "scale": abs(value),
        "formula": "max over the window's input cells",
    }


def _avg_parts(window: torch.Tensor, count: int, divisor: float) -> dict[str, Any]:
    total = float(window.double().sum())
    return {
        "winner": None,
        "sum": total,
        "count": count,
        "divisor": divisor,
        "computed": total / divisor,
        "scale": float(window.double().abs().sum()) / divisor,
        "formula": "(sum of the window)/divisor",
    }


def _sliding(
    layer: Layer, plane: torch.Tensor, y: int, x: int, pool: str
) -> tuple[torch.Tensor, torch.Tensor, dict[str, Any]]:
    """Taps, window, mask and parts for max/avg pooling with a fixed kernel."""
    s = PoolSettings.of(layer)
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = s.kernel, s.stride, s.padding, s.dilation
    rows = torch.tensor(arithmetic.window_taps(y, kh, sh, ph, dh))  # (K_h,)
    cols = torch.tensor(arithmetic.window_taps(x, kw, sw, pw, dw))  # (K_w,)
    window, mask = _cells(plane, rows, cols)
    if pool == "max":
        parts = _max_parts(window, mask, rows.tolist(), cols.tolist())
    else:
        h, w = plane.shape
        include = s.count_include_pad
        count = arithmetic.average_taps(rows.tolist(), h, ph, count_include_pad=include) * arithmetic.average_taps(
            cols.tolist(), w, pw, count_include_pad=include
        )
        divisor = float(s.divisor_override) if s.divisor_override else float(count)
        parts = _avg_parts(window, count, divisor)
    return rows, cols, {**parts, "mask": mask, "window": window, "settings": s.to_dict()}


def _adaptive(
    plane: torch.Tensor, out_hw: tuple[int, int], y: int, x: int, pool: str
) -> tuple[torch.Tensor, torch.Tensor, dict[str, Any]]:
    """Taps, window and parts for adaptive pooling: variable windows, no padding."""
    h, w = plane.shape
    ho, wo = out_hw
    rows = torch.arange(*arithmetic.adaptive_window(y, h, ho))  # (window rows,)
    cols = torch.arange(*arithmetic.adaptive_window(x, w, wo))  # (window cols,)
    window, mask = _cells(plane, rows, cols)
    if pool == "max":
        parts = _max_parts(window, mask, rows.tolist(), cols.tolist())
    else:
        parts = _avg_parts(window, window.numel(), float(window.numel()))
    return rows, cols, {**parts, "mask": mask, "window": window, "settings": {"output_size": [ho, wo]}}


#: Which pooling each kind performs, and whether its windows adapt to the input size.
POOLS: dict[LayerKind, tuple[str, bool]] = {
    LayerKind.MAXPOOL2D: ("max", False),
    LayerKind.AVGPOOL2D: ("avg", False),
    LayerKind.ADAPTIVE_MAXPOOL2D: ("max", True),
    LayerKind.ADAPTIVE_AVGPOOL2D: ("avg", True),
}


def explain_pool(trace: Trace, layer: Layer, position: Position) -> PoolStep:
    """The window behind one pooled value: its winner (max) or sum and divisor (avg).

    Args:
        trace: the trace whose recorded values are explained.
        layer: a max, average or adaptive pooling layer.
        position: ``(channel, y, x)`` in the layer's output.

    Example:
        >>> step = explain_pool(trace, net.layer("max_pool_1"), Position(channel=0, y=0, x=0))
        >>> step.winner in [(0, 0), (0, 1), (1, 0), (1, 1)]
        True
    """
    c, y, x = position.coords
    plane = input_of(trace, layer)[0, c]  # (H, W)
    pool, adaptive = POOLS[layer.kind]
    if adaptive:
        rows, cols, parts = _adaptive(plane, layer.output_shape[1:], y, x, pool)  # type: ignore[arg-type]
    else:
        rows, cols, parts = _sliding(layer, plane, y, x, pool)
    return PoolStep(
        **traced(trace, layer, position),
        computed=parts["computed"],
        scale=parts["scale"],
        formula=parts["formula"],
        input_layer=single_input(layer),
        pool=pool,
        adaptive=adaptive,
        rows=rows.tolist(),
        cols=cols.tolist(),
        window=parts["window"],
        padding_mask=parts["mask"],
        winner=parts["winner"],
        sum=parts["sum"],
        count=parts["count"],
        divisor=parts["divisor"],
        settings=parts["settings"],
    )
