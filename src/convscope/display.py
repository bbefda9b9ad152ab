"""Short text and HTML forms of ConvScope's objects, for notebooks and the REPL.

``__repr__`` stays one line (a Summary's table is cut to one screen);
``_repr_html_`` is what Jupyter shows: small tables and, for a trace, a strip
of each layer's first map painted with the web app's colours. Every name and
label that came from a model file is HTML-escaped.

Example:
    >>> from convscope.formats import zoo_network
    >>> network_repr(zoo_network("tinyvgg"))[:40]
    "Network('tinyvgg', input 3×64×64 RGB, 10"
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

import numpy as np
import torch
from PIL import Image

from convscope.colour import Scales, paint
from convscope.explain.steps import (
    ActivationStep,
    ConvStep,
    LinearStep,
    PoolStep,
    SoftmaxStep,
    Step,
)
from convscope.inputs import InputSpec
from convscope.network import Layer, Network
from convscope.summary import Summary, format_table
from convscope.trace import Trace

#: A plain-text table longer than this many layers shows its head and tail only.
SCREEN_LAYERS = 30
_HEAD, _TAIL = 20, 6


def _shape(shape: Iterable[int]) -> str:
    return "×".join(str(s) for s in shape)


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}".replace("-", "−")


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]], caption: str = "") -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    cap = f"<caption style='text-align:left'>{escape(caption)}</caption>" if caption else ""
    return f"<table class='convscope'>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# ----- input spec, layer, network, summary -------------------------------------


def spec_repr(spec: InputSpec) -> str:
    scaled = "" if set(spec.mean) == {0.0} and set(spec.std) == {1.0} else f", mean {spec.mean}, std {spec.std}"
    resize = f", shorter side to {spec.resize} then centre crop" if spec.resize else ""
    return f"InputSpec({_shape(spec.shape)} {'gray' if spec.channels == 1 else spec.mode}{scaled}{resize})"


def spec_html(spec: InputSpec) -> str:
    rows = [
        ("shape C×H×W", _shape(spec.shape)),
        ("channels", ", ".join(spec.channel_names)),
        ("pixel p becomes", "(p/255 − mean) / std"),
        ("mean", ", ".join(_num(m) for m in spec.mean)),
        ("std", ", ".join(_num(s) for s in spec.std)),
        ("resize", f"shorter side to {spec.resize}, then the centre crop" if spec.resize else "to H×W, centre crop"),
    ]
    return _table(("input", ""), rows)


def _hyper_text(layer: Layer) -> str:
    parts = []
    for key, value in layer.hyper.items():
        shown = "×".join(str(v) for v in value) if isinstance(value, (tuple, list)) else str(value)
        parts.append(f"{key}={shown}")
    return ", ".join(parts)


def layer_repr(layer: Layer) -> str:
    text = f"Layer({layer.name!r}, {layer.kind}, output {_shape(layer.output_shape)}"
    if layer.params:
        text += f", {layer.params:,} parameters"
    if layer.mults:
        text += f", {layer.mults:,} multiplications"
    return text + ")"


def layer_html(layer: Layer) -> str:
    rows = [
        ("kind", str(layer.kind)),
        ("reads", ", ".join(layer.inputs) or "—"),
        ("output shape", _shape(layer.output_shape)),
        ("settings", _hyper_text(layer) or "—"),
        ("parameters", f"{layer.params:,}"),
        ("multiplications", f"{layer.mults:,} = {layer.mult_formula}"),
    ]
    rows += [(name, f"{count:,}") for name, count in layer.other_ops.items()]
    return _table(("layer", layer.name), rows)


def network_repr(network: Network) -> str:
    spec = network.input_spec
    return (
        f"Network({network.name!r}, input {_shape(spec.shape)} {'gray' if spec.channels == 1 else spec.mode}, "
        f"{network.num_classes} classes, {len(network.layers)} layers, {network.total_params:,} parameters)"
    )


def _summary_rows(layers: Sequence[Layer]) -> list[tuple[str, ...]]:
    return [(x.name, str(x.kind), _shape(x.output_shape), f"{x.params:,}", f"{x.mults:,}") for x in layers]


def summary_html(summary: Summary, spec: InputSpec | None = None) -> str:
    """The summary table with its totals (every layer: HTML scrolls, unlike a terminal)."""
    rows = _summary_rows(summary.layers)
    rows.append(("total", "", "", f"{summary.total_params:,}", f"{summary.total_mults:,}"))
    caption = f"{summary.name}: input {_shape(summary.input_shape)}, traced with {summary.traced_with}"
    table = _table(("layer", "kind", "output shape", "parameters", "multiplications"), rows, caption)
    return f"<div style='max-height:32em;overflow:auto'>{table}</div>" + (spec_html(spec) if spec else "")


def summary_repr(summary: Summary) -> str:
    """The text table, cut to its first and last layers when it would not fit on one screen."""
    if len(summary.layers) <= SCREEN_LAYERS:
        return format_table(summary)
    lines = format_table(summary).split("\n")
    head, body = lines[:3], lines[3 : 3 + len(summary.layers)]
    hidden = len(body) - _HEAD - _TAIL
    middle = [f"… {hidden} more layers (print(summary) shows them all) …"]
    return "\n".join(head + body[:_HEAD] + middle + body[-_TAIL:] + lines[3 + len(summary.layers) :])


def network_html(network: Network) -> str:
    return f"<b>{escape(network_repr(network))}</b>" + summary_html(network.summary(), network.input_spec)


# ----- trace --------------------------------------------------------------------


def trace_repr(trace: Trace) -> str:
    top = ", ".join(f"{name} {p:.3f}" for name, p in trace.top_classes(3))
    batch = f"batch of {trace.batch_size}, item 0: " if trace.batch_size > 1 else ""
    return f"Trace({trace.network.name!r}, {batch}top {top})"


def png_data_url(rgb: np.ndarray) -> str:
    """uint8 pixels ``(H, W, 3)``, ``(H, W, 1)`` or ``(H, W)`` (grey) as a ``data:image/png`` URL."""
    if rgb.ndim == 3 and rgb.shape[2] == 1:
        rgb = rgb[:, :, 0]
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _map_img(rgb: np.ndarray, title: str) -> str:
    return (
        f"<img src='{png_data_url(rgb)}' title='{escape(title)}' alt='{escape(title)}' "
        "style='width:56px;height:56px;image-rendering:pixelated;margin:1px'>"
    )


def trace_html(trace: Trace) -> str:
    """Top classes, then each drawn layer's first map on the app's per-block scale."""
    one = trace.item(0)
    scales = Scales(one)
    cells = []
    for name in scales.drawn:
        layer = trace.network.layer(name)
        if not layer.is_spatial:
            continue
        domain = scales.domain("block", name, 0)
        rgb = paint(one.output(name, 0)[0].numpy(), domain)
        cells.append(
            f"<figure style='display:inline-block;margin:2px;text-align:center'>{_map_img(rgb, name)}"
            f"<figcaption style='font-size:10px'>{escape(name)}</figcaption></figure>"
        )
    rows = [(name, f"{p:.4f}") for name, p in one.top_classes(5)]
    batch = f" (item 0 of a batch of {trace.batch_size})" if trace.batch_size > 1 else ""
    table = _table(("class", "probability"), rows, f"{trace.network.name}{batch}")
    return f"<div class='convscope-trace'>{table}<div>{''.join(cells)}</div></div>"


# ----- steps --------------------------------------------------------------------


def _where(step: Step) -> str:
    p = step.position
    return f"[{p.index}]" if p.index is not None else f"[c={p.channel}, y={p.y}, x={p.x}]"


def step_repr(step: Step) -> str:
    text = f"{type(step).__name__}({step.layer}{_where(step)} = {_num(step.output)}"
    if isinstance(step, ConvStep):
        kh, kw = step.kernel_size
        text += f": {len(step.terms)} input channels × {kh}×{kw} kernel + bias {_num(step.bias)}"
    elif isinstance(step, LinearStep):
        text += f": {len(step.products)} products + bias {_num(step.bias)}"
    elif isinstance(step, (ActivationStep,)):
        text += f": {step.worked}"
    elif isinstance(step, PoolStep):
        text += f": {step.pool} of a {step.window.shape[0]}×{step.window.shape[1]} window"
    elif isinstance(step, SoftmaxStep):
        text += f": exp(z − {_num(step.shift)}) / {_num(step.exp_sum)}"
    return text + ")"


def _grid(values: torch.Tensor) -> str:
    rows = values.tolist()
    body = "".join("<tr>" + "".join(f"<td>{_num(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table class='convscope-grid' style='display:inline-table;margin:2px'>{body}</table>"


def step_html(step: Step) -> str:
    """The step as the detail views show it: window, kernel, products, their sums, bias, total."""
    title = f"<b>{escape(step_repr(step))}</b>"
    if isinstance(step, ConvStep):
        rows = "".join(
            f"<tr><td>{term.input_channel}</td><td>{_grid(term.receptive_field)}</td><td>{_grid(term.kernel)}</td>"
            f"<td>{_grid(term.products)}</td><td>{_num(term.sum)}</td></tr>"
            for term in step.terms
        )
        head = "<tr><th>input channel</th><th>window</th><th>kernel</th><th>products</th><th>sum</th></tr>"
        foot = (
            f"<tr><td colspan='4'>bias</td><td>{_num(step.bias)}</td></tr>"
            f"<tr><td colspan='4'>total</td><td>{_num(step.computed)}</td></tr>"
        )
        return f"{title}<table class='convscope'>{head}{rows}{foot}</table>"
    if isinstance(step, LinearStep):
        rows_l = [(str(c.input_index), _num(c.input), _num(c.weight), _num(c.product)) for c in step.top]
        rows_l += [("bias", "", "", _num(step.bias)), ("total", "", "", _num(step.computed))]
        return title + _table(("input", "value", "weight", "product"), rows_l, "largest products")
    if isinstance(step, PoolStep):
        return f"{title}<div>window {_grid(step.window)} → {_num(step.computed)}</div>"
    if isinstance(step, SoftmaxStep):
        labels = step.labels or [str(i) for i in range(len(step.logits))]
        rows_s = zip(labels, step.logits.tolist(), step.exp_terms.tolist(), step.probabilities.tolist(), strict=True)
        return title + _table(
            ("class", "z", "exp(z − max)", "p"), [(a, _num(b), _num(c), _num(d)) for a, b, c, d in rows_s]
        )
    return f"{title}<div>{escape(step.formula)}</div>"
