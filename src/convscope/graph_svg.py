"""``convscope summary MODEL --graph out.svg``: the structure view's diagram as a standalone SVG.

The browser lays the graph out with dagre; no maintained Python layout library
is available without system packages (pygraphviz and graphviz need Graphviz's
binaries, grandalf has had no release since 2023), so this module has a small
layered layout of its own: layers ranked by their longest path from the
input, ordered within a rank by the mean position of their inputs (a few
sweeps), drawn top to bottom. Nodes and edges are exactly the
:class:`~convscope.structure.Structure`'s, so the SVG shows what the page shows.

Example:
    >>> from convscope.formats import zoo_network
    >>> svg = structure_svg(Structure.of(zoo_network("tinyvgg")))
    >>> svg.count('class="node"'), svg.count('class="edge')
    (13, 12)
"""

from __future__ import annotations

import math
from html import escape

from convscope.network import Layer
from convscope.structure import Structure

NODE_W, NODE_H = 190, 62
GAP_X, GAP_Y = 28, 34
MARGIN = 20
#: Light to dark: more multiplications, darker fill (log scale over the model's layers).
_COLOURS = ("#eef3fb", "#d3e1f5", "#abc6ec", "#7fa6df", "#5583cc", "#3563b3")


def _ranks(structure: Structure) -> dict[str, int]:
    """Each layer's longest-path distance from the input (layers are in execution order)."""
    rank: dict[str, int] = {}
    for layer in structure.layers:
        rank[layer.name] = 1 + max((rank[s] for s in layer.inputs), default=-1)
    return rank


def _orders(structure: Structure, rank: dict[str, int]) -> dict[str, float]:
    """A column for each layer (in node widths): under the mean column of its inputs, pushed right to not overlap.

    Within a rank, layers are ordered by that mean (three sweeps settle it), so a
    chain stays in one column and parallel branches sit side by side.
    """
    rows: dict[int, list[str]] = {}
    for layer in structure.layers:
        rows.setdefault(rank[layer.name], []).append(layer.name)
    inputs = {layer.name: layer.inputs for layer in structure.layers}
    column = {name: float(i) for row in rows.values() for i, name in enumerate(row)}
    for _ in range(3):
        for r in sorted(rows):
            row = rows[r]
            wanted = {n: sum(column[s] for s in inputs[n]) / len(inputs[n]) if inputs[n] else column[n] for n in row}
            row.sort(key=lambda n: (wanted[n], column[n]))
            # Centre the row's run under its wanted columns, then push right wherever two would overlap.
            shift = sum(wanted[n] for n in row) / len(row) - (len(row) - 1) / 2
            placed: list[float] = []
            for i, n in enumerate(row):
                x = max(wanted[n], shift + i) if len(row) > 1 else wanted[n]
                placed.append(x if not placed else max(x, placed[-1] + 1))
            column.update(dict(zip(row, placed, strict=True)))
    low = min(column.values())
    return {n: x - low for n, x in column.items()}


def _shape_text(shape: tuple[int, ...], order: str) -> str:
    if order == "hwc" and len(shape) == 3:
        shape = (shape[1], shape[2], shape[0])
    return "×".join(str(s) for s in shape)


def _fill(layer: Layer, top: int) -> str:
    if layer.mults <= 0 or top <= 1:
        return "#ffffff"
    level = math.log10(layer.mults) / math.log10(top)
    return _COLOURS[min(len(_COLOURS) - 1, int(level * len(_COLOURS)))]


def _title(structure: Structure) -> str:
    return (
        f"{structure.name}: {len(structure.layers)} layers, {structure.total_params:,} parameters, "
        f"{structure.total_mults:,} multiplications"
    )


def structure_svg(structure: Structure, order: str = "chw") -> str:
    """The diagram as SVG text: one ``<g class="node">`` per layer, one ``<path class="edge">`` per edge.

    Args:
        structure: the network's structure.
        order: ``chw`` or ``hwc``, how shapes are written.
    """
    rank = _ranks(structure)
    across = _orders(structure, rank)
    xy = {n: (MARGIN + across[n] * (NODE_W + GAP_X), float(MARGIN + 30 + rank[n] * (NODE_H + GAP_Y))) for n in rank}
    # Room for the skip edges' bows on the right, and for the title line.
    width = max(MARGIN * 2 + (max(across.values()) + 1) * (NODE_W + GAP_X) + GAP_X, 7.5 * len(_title(structure)))
    height = MARGIN * 2 + 30 + (max(rank.values()) + 1) * (NODE_H + GAP_Y) - GAP_Y
    top = max((layer.mults for layer in structure.layers), default=0)
    title = _title(structure)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="sans-serif" font-size="11">',
        f'<text x="{MARGIN}" y="{MARGIN + 12}" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    if not structure.is_graph:
        out.append(f'<text x="{MARGIN}" y="{MARGIN + 26}" fill="#a33">{escape(str(structure.no_graph_reason))}</text>')
    for edge in structure.edges:
        (x1, y1), (x2, y2) = xy[edge.source], xy[edge.target]
        if edge.skip:
            # Around the right of the layers it bypasses, which often sit in the same column.
            x1, y1, x2, y2 = x1 + NODE_W, y1 + NODE_H / 2, x2 + NODE_W, y2 + NODE_H / 2
            bow = max(x1, x2) + GAP_X * 1.5
            d = f"M{x1:.1f},{y1:.1f} C{bow:.1f},{y1:.1f} {bow:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
            style = 'stroke="#d0562c" stroke-dasharray="5 3" stroke-width="2"'
        else:
            x1, y1, x2, y2 = x1 + NODE_W / 2, y1 + NODE_H, x2 + NODE_W / 2, y2
            mid = (y1 + y2) / 2
            d = f"M{x1:.1f},{y1:.1f} C{x1:.1f},{mid:.1f} {x2:.1f},{mid:.1f} {x2:.1f},{y2:.1f}"
            style = 'stroke="#888" stroke-width="1.4"'
        out.append(
            f'<path class="edge{" skip" if edge.skip else ""}" data-source="{escape(edge.source)}" '
            f'data-target="{escape(edge.target)}" d="{d}" fill="none" {style}/>'
        )
    for layer in structure.layers:
        x, y = xy[layer.name]
        lines = [
            (layer.name, ' font-weight="bold"'),
            (f"{layer.kind} · {_shape_text(layer.output_shape, order)}", ""),
            (f"params {layer.params:,} · mults {layer.mults:,}", ""),
        ]
        out.append(f'<g class="node" data-name="{escape(layer.name)}" transform="translate({x:.1f},{y:.1f})">')
        out.append(f'<rect width="{NODE_W}" height="{NODE_H}" rx="6" fill="{_fill(layer, top)}" stroke="#556"/>')
        ink = ' fill="#fff"' if _fill(layer, top) in _COLOURS[-2:] else ""  # light text on the darkest fills
        for i, (text, extra) in enumerate(lines):
            out.append(f'<text x="8" y="{17 + i * 17}"{extra}{ink}>{escape(text)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
