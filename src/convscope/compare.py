"""Networks side by side: totals, where the parameters sit, the shape flow, each one's idea.

Collect (the ``Layer`` records and :class:`~convscope.structure.Structure`),
aggregate (:class:`Facts`), format (:func:`format_comparison`) — the
architectures page, ``convscope compare`` and its ``--json`` share the numbers.

Example:
    >>> from convscope.formats import zoo_network
    >>> facts = Facts.of(zoo_network("lenet5"))
    >>> facts.params, facts.dense_params
    (61706, 59134)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from convscope.network import Network, layer_to_dict
from convscope.structure import Structure
from convscope.types import LayerKind
from convscope.zoo.papers import PAPERS, Paper


@dataclass(frozen=True)
class Facts:
    """What the comparison shows about one network."""

    model: str
    input_shape: tuple[int, ...]
    params: int
    mults: int
    conv_params: int
    dense_params: int
    #: Parameters neither in a convolution nor in a dense layer (batch norm's scales and shifts).
    other_params: int
    conv_mults: int
    dense_mults: int
    layers: tuple[dict[str, Any], ...]
    paper: Paper | None
    #: Values the idea's template may quote (see :mod:`convscope.zoo.papers`).
    slots: dict[str, str]

    @classmethod
    def of(cls, network: Network, model: str | None = None) -> Facts:
        layers = network.layers
        conv = [layer for layer in layers if layer.kind is LayerKind.CONV2D]
        dense = [layer for layer in layers if layer.kind is LayerKind.LINEAR]
        conv_params = sum(layer.params for layer in conv)
        dense_params = sum(layer.params for layer in dense)
        name = model or network.name
        zoo = (network.architecture or {}).get("zoo")
        facts = cls(
            model=name,
            input_shape=network.input_spec.shape,
            params=network.total_params,
            mults=network.total_mults,
            conv_params=conv_params,
            dense_params=dense_params,
            other_params=network.total_params - conv_params - dense_params,
            conv_mults=sum(layer.mults for layer in conv),
            dense_mults=sum(layer.mults for layer in dense),
            layers=tuple(
                {
                    **{
                        k: v
                        for k, v in layer_to_dict(layer).items()
                        if k in ("name", "kind", "output_shape", "params", "mults")
                    },
                    # The overlay follows these; the browser holds no kind table.
                    "weighted": layer.kind in (LayerKind.CONV2D, LayerKind.LINEAR),
                }
                for layer in layers
            ),
            paper=PAPERS.get(zoo) if isinstance(zoo, str) else None,
            slots={},
        )
        object.__setattr__(facts, "slots", _slots(facts, network))
        return facts

    @property
    def idea(self) -> str | None:
        return self.paper.idea.format(**self.slots) if self.paper else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "input_shape": list(self.input_shape),
            "params": self.params,
            "mults": self.mults,
            "conv_params": self.conv_params,
            "dense_params": self.dense_params,
            "other_params": self.other_params,
            "conv_mults": self.conv_mults,
            "dense_mults": self.dense_mults,
            "year": self.paper.year if self.paper else None,
            "paper": f"{self.paper.authors} ({self.paper.year}), {self.paper.title}" if self.paper else None,
            "idea": self.idea,
            "slots": self.slots,
            "layers": list(self.layers),
        }


def _count(n: int) -> str:
    return f"{n:,}"


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "0.0%"


def _shape(shape: tuple[int, ...]) -> str:
    return "×".join(str(s) for s in shape)


def _slots(facts: Facts, network: Network) -> dict[str, str]:
    """Every number an idea may quote, formatted once, from the layer records."""
    layers = network.layers
    flatten = next((layer for layer in layers if layer.kind is LayerKind.FLATTEN), None)
    spatial = [layer for layer in layers if layer.is_spatial and layer.kind is not LayerKind.INPUT]
    before_flatten = network.layer(flatten.inputs[0]) if flatten and flatten.inputs else None
    first_dense = next((layer for layer in layers if layer.kind is LayerKind.LINEAR), None)
    structure = Structure.of(network)
    return {
        "input": _shape(network.input_spec.shape),
        "params": _count(facts.params),
        "mults": _count(facts.mults),
        "conv_share": _share(facts.conv_params, facts.params),
        "dense_share": _share(facts.dense_params, facts.params),
        "conv_mult_share": _share(facts.conv_mults, facts.mults),
        "convs": _count(sum(1 for layer in layers if layer.kind is LayerKind.CONV2D)),
        "flatten": _count(flatten.output_shape[0]) if flatten else "0",
        "last_map": _shape(before_flatten.output_shape) if before_flatten else "",
        "max_channels": _count(max((layer.output_shape[0] for layer in spatial), default=0)),
        "first_dense_params": _count(first_dense.params if first_dense else 0),
        "residual_blocks": _count(sum(1 for b in structure.blocks if b.kind == "residual")),
        "skips": _count(len(structure.skip_edges)),
        "inception_modules": _count(sum(1 for b in structure.blocks if b.kind == "inception")),
    }


def format_comparison(facts: list[Facts]) -> str:
    """One column per model: totals, the parameter split, year.

    Example (two models)::

                           lenet5     tinyvgg
        input             1×32×32     3×64×64
        parameters         61,706      19,920
    """
    rows = [
        ("input", [_shape(f.input_shape) for f in facts]),
        ("year", [str(f.paper.year) if f.paper else "" for f in facts]),
        ("layers", [_count(len(f.layers)) for f in facts]),
        ("parameters", [_count(f.params) for f in facts]),
        ("conv parameters", [_count(f.conv_params) for f in facts]),
        ("dense parameters", [_count(f.dense_params) for f in facts]),
        ("other parameters", [_count(f.other_params) for f in facts]),
        ("multiplications", [_count(f.mults) for f in facts]),
    ]
    head = ("", [f.model for f in facts])
    label_width = max(len(label) for label, _ in (head, *rows))
    widths = [max(len(row[1][i]) for row in (head, *rows)) for i in range(len(facts))]

    def line(label: str, cells: list[str]) -> str:
        return "  ".join([label.ljust(label_width), *(c.rjust(w) for c, w in zip(cells, widths, strict=True))]).rstrip()

    out = [line(*head), *(line(label, cells) for label, cells in rows)]
    ideas = [f"{f.model}: {f.idea}" for f in facts if f.idea]
    return "\n".join(out + ([""] + ideas if ideas else []))
