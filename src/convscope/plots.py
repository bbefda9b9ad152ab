"""Matplotlib pictures of a trace, a step and a network's filters.

Every map is painted with :func:`convscope.colour.paint` (the web app's lookup
tables and domains), then shown with ``imshow`` as RGB pixels, so a plot and the
app colour the same value the same way. Figures are built with
``matplotlib.figure.Figure`` directly, never ``pyplot``: nothing depends on a
display or a global backend, and a notebook shows each returned Figure once.

Example:
    >>> import torch
    >>> from convscope.formats import zoo_network
    >>> fig = plot_maps(zoo_network("tinyvgg").run(torch.zeros(1, 3, 64, 64)), "conv_1_1", channels=[0, 1])
    >>> len(fig.axes)
    3
"""

from __future__ import annotations

import io
import math

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.figure import Figure

from convscope.colour import Domain, ScaleMode, Scales, lut, paint
from convscope.errors import ConvScopeError
from convscope.explain.steps import ActivationStep, ConvStep, LinearStep, PoolStep, SoftmaxStep, Step
from convscope.network import Network
from convscope.trace import Trace

#: Maps drawn when no channels are named.
DEFAULT_CHANNELS = 16
#: Maps per layer column in the overview.
OVERVIEW_MAPS = 6


class PlotFigure(Figure):
    """A Figure that shows itself as PNG in Jupyter even when pyplot (and its inline backend) was never imported."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png")
        return buffer.getvalue()


def _colour_map(scheme: str) -> ListedColormap:
    return ListedColormap(lut(scheme) / 255.0, name=f"convscope-{scheme}")


def _legend(fig: Figure, domain: Domain, axes: list[Axes], label: str) -> None:
    mappable = ScalarMappable(Normalize(domain.lo, domain.hi), _colour_map(domain.scheme))
    fig.colorbar(mappable, ax=axes, shrink=0.8, label=label)


def _pick(layer_channels: int, channels: list[int] | range | None, layer: str) -> list[int]:
    picked = list(channels) if channels is not None else list(range(min(DEFAULT_CHANNELS, layer_channels)))
    bad = [c for c in picked if not 0 <= c < layer_channels]
    if bad:
        raise ConvScopeError(
            f"channel {bad[0]} is outside layer '{layer}', which has {layer_channels} channels; "
            f"choose channels from 0 to {layer_channels - 1}"
        )
    if not picked:
        raise ConvScopeError("channels is empty; name at least one channel")
    return picked


def _spatial(trace: Trace, name: str) -> torch.Tensor:
    layer = trace.network.layer(name)
    if not layer.is_spatial:
        raise ConvScopeError(
            f"layer '{layer.name}' outputs a vector of {layer.output_shape[0]} units, not maps; pick a (C, H, W) layer"
        )
    return trace.output(layer.name, 0)  # (C, H, W)


def _show(ax: Axes, rgb: np.ndarray, title: str) -> None:
    ax.imshow(rgb, interpolation="nearest")
    ax.set_title(title, fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])


def plot_maps(
    trace: Trace, layer: str, *, channels: list[int] | range | None = None, scale: ScaleMode = "block"
) -> Figure:
    """One layer's maps of batch item 0, on the app's ``unit`` / ``block`` / ``global`` scale."""
    maps = _spatial(trace, layer)
    picked = _pick(maps.shape[0], channels, layer)
    scales = Scales(trace)
    cols = min(len(picked), 8)
    rows = math.ceil(len(picked) / cols)
    fig = PlotFigure(figsize=(1.6 * cols + 1.2, 1.7 * rows + 0.4), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in axes.flat[len(picked) :]:
        ax.set_axis_off()
    for ax, c in zip(axes.flat, picked, strict=False):
        domain = scales.domain(scale, layer, c)
        _show(ax, paint(maps[c].numpy(), domain), f"channel {c}")
    if scale != "unit":  # one domain for the whole figure: one legend
        _legend(fig, scales.domain(scale, layer, picked[0]), list(axes.flat), f"{layer} ({scale} scale)")
    fig.suptitle(f"{trace.network.name}: {layer}", fontsize=10)
    return fig


def plot_overview(trace: Trace, *, scale: ScaleMode = "block") -> Figure:
    """Each drawn layer's first maps as a column, and the class probabilities, as the app's overview."""
    scales = Scales(trace)
    names = [n for n in scales.drawn if trace.network.layer(n).is_spatial]
    rows = max(min(OVERVIEW_MAPS, trace.network.layer(n).output_shape[0]) for n in names)
    fig = PlotFigure(figsize=(1.3 * len(names) + 3.5, 1.3 * rows + 0.8), layout="constrained")
    grid = fig.add_gridspec(rows, len(names) + 2)
    for col, name in enumerate(names):
        maps = trace.output(name, 0)
        for row in range(min(OVERVIEW_MAPS, maps.shape[0])):
            ax = fig.add_subplot(grid[row, col])
            _show(ax, paint(maps[row].numpy(), scales.domain(scale, name, row)), name if row == 0 else "")
    bars = fig.add_subplot(grid[:, len(names) :])
    probs = trace.probabilities[0].tolist()
    order = sorted(range(len(probs)), key=lambda i: -probs[i])[:10][::-1]
    bars.barh([trace.network.class_names[i] for i in order], [probs[i] for i in order], color="#b2182b")
    bars.set_xlim(0, 1)
    bars.set_xlabel("probability")
    bars.tick_params(labelsize=8)
    fig.suptitle(f"{trace.network.name}: every layer ({scale} scale)", fontsize=10)
    return fig


def _signed_domain(values: torch.Tensor) -> Domain:
    m = float(values.abs().max()) if values.numel() else 0.0
    m = m if m > 0 else 1.0
    return Domain("diverging", -m, m)


def _numbers(ax: Axes, values: torch.Tensor, title: str, domain: Domain) -> None:
    """A small matrix with each value written in its cell."""
    grid = values.reshape(values.shape[0], -1) if values.dim() == 2 else values.reshape(1, -1)
    _show(ax, paint(grid.numpy(), domain), title)
    if grid.numel() <= 49:
        for (r, c), v in np.ndenumerate(grid.numpy()):
            ax.text(c, r, f"{v:.2g}", ha="center", va="center", fontsize=6)


def plot_step(step: Step) -> Figure:
    """A step as a picture: conv ``window × kernel = products → sum``, pooling's window, a unit's largest products."""
    if isinstance(step, ConvStep):
        fig = PlotFigure(figsize=(7.5, 1.9 * len(step.terms) + 0.6), layout="constrained")
        axes = fig.subplots(len(step.terms), 3, squeeze=False)
        for row, term in zip(axes, step.terms, strict=True):
            c = term.input_channel
            _numbers(row[0], term.receptive_field, f"window (input channel {c})", _signed_domain(term.receptive_field))
            _numbers(row[1], term.kernel, "× kernel", _signed_domain(term.kernel))
            _numbers(row[2], term.products, f"= products → sum {term.sum:.4g}", _signed_domain(term.products))
        bias = "no bias" if step.bias is None else f"bias {step.bias:.4g}"
        fig.suptitle(f"{step.layer} {_where(step)}: Σ sums + {bias} = {step.computed:.4g}", fontsize=10)
        return fig
    fig = PlotFigure(figsize=(5, 3), layout="constrained")
    ax = fig.add_subplot()
    if isinstance(step, PoolStep):
        _numbers(ax, step.window, f"{step.pool} pooling window → {step.computed:.4g}", _signed_domain(step.window))
    elif isinstance(step, LinearStep):
        ax.barh([str(t.input_index) for t in step.top][::-1], [t.product for t in step.top][::-1], color="#2150a0")
        ax.set_xlabel("input × weight")
        ax.set_title(f"largest products; Σ + bias = {step.computed:.4g}", fontsize=8)
    elif isinstance(step, SoftmaxStep):
        labels = step.labels or [str(i) for i in range(step.probabilities.numel())]
        ax.barh(labels, step.probabilities.tolist(), color="#b2182b")
        ax.set_xlim(0, 1)
        ax.set_title("exp(z − max) / Σ exp", fontsize=8)
    else:
        ax.set_axis_off()
        worked = step.worked if isinstance(step, ActivationStep) else f"{step.formula} = {step.computed:.4g}"
        ax.text(0.5, 0.5, worked, ha="center", va="center", fontsize=11)
    fig.suptitle(f"{step.layer} {_where(step)}", fontsize=10)
    return fig


def _where(step: Step) -> str:
    p = step.position
    return f"[{p.index}]" if p.index is not None else f"[c={p.channel}, y={p.y}, x={p.x}]"


def plot_filters(network: Network, layer: str, *, channels: list[int] | range | None = None) -> Figure:
    """A conv layer's kernels: rows are output channels, columns input channels, one diverging scale."""
    target = network.layer(layer)
    weight = getattr(target.module, "weight", None)
    if not isinstance(weight, torch.Tensor) or weight.dim() != 4:
        raise ConvScopeError(f"layer '{target.name}' is a {target.kind} layer, not a conv2d; pick a conv layer")
    w = weight.detach().float()  # (C_out, C_in/groups, K_h, K_w)
    picked = _pick(w.shape[0], channels, target.name)
    cols = min(w.shape[1], 16)
    domain = _signed_domain(w)
    fig = PlotFigure(figsize=(0.9 * cols + 1.5, 0.9 * len(picked) + 0.6), layout="constrained")
    axes = fig.subplots(len(picked), cols, squeeze=False)
    for row, c in zip(axes, picked, strict=True):
        for i, ax in enumerate(row):
            _show(ax, paint(w[c, i].numpy(), domain), f"{c}←{i}")
    _legend(fig, domain, list(axes.flat), "weight")
    fig.suptitle(f"{network.name}: {target.name} kernels (output ← input channel)", fontsize=10)
    return fig
