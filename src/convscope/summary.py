"""Totals over a Network's layer graph, and their text form.

Collect (``Layer`` records, built by :mod:`convscope.network`), aggregate
(:class:`Summary`), format (:func:`format_table`) — kept apart so the CLI,
the server and notebooks share the numbers and differ only in presentation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Summary:
    """What ``convscope summary`` reports about one network."""

    name: str
    input_shape: tuple[int, ...]
    layers: tuple[Layer, ...]
    total_params: int
    trainable_params: int
    total_mults: int
    traced_with: str
    fallback_reason: str | None
    #: ``(rows, columns)`` of input one unit of each layer depends on (see :mod:`convscope.insight.receptive`).
    receptive: dict[str, tuple[int, int]] = field(default_factory=dict)

    @classmethod
    def of(cls, network: Network) -> Summary:
        from convscope.insight.receptive import ReceptiveFields

        fields = ReceptiveFields.of(network)
        return cls(
            name=network.name,
            input_shape=network.input_spec.shape,
            layers=tuple(network.layers),
            total_params=network.total_params,
            trainable_params=network.trainable_params,
            total_mults=network.total_mults,
            traced_with=network.traced_with,
            fallback_reason=network.fallback_reason,
            receptive={layer.name: fields.size(layer.name) for layer in network.layers},
        )

    def __str__(self) -> str:
        return format_table(self)

    def __repr__(self) -> str:
        from convscope.display import summary_repr

        return summary_repr(self)

    def _repr_html_(self) -> str:
        from convscope.display import summary_html

        return summary_html(self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "input_shape": list(self.input_shape),
            "layers": [
                {**layer_to_dict(layer), "receptive_field": list(self.receptive.get(layer.name, ()))}
                for layer in self.layers
            ],
            "total_params": self.total_params,
            "trainable_params": self.trainable_params,
            "total_mults": self.total_mults,
            "traced_with": self.traced_with,
            "fallback_reason": self.fallback_reason,
        }


def _shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(str(s) for s in shape)


def format_table(summary: Summary) -> str:
    """A fixed-width text table: layer, kind, output shape, parameters, multiplications, receptive field.

    Example (first lines for TinyVGG)::

        layer       kind     output shape  parameters  multiplications  receptive field
        input       input    3×64×64                0                0              1×1
        conv_1_1    conv2d   10×62×62             280        1,037,880              3×3
    """
    header = ("layer", "kind", "output shape", "parameters", "multiplications", "receptive field")
    rows = [
        (
            layer.name,
            str(layer.kind),
            _shape_text(layer.output_shape),
            f"{layer.params:,}",
            f"{layer.mults:,}",
            _shape_text(summary.receptive.get(layer.name, ())),
        )
        for layer in summary.layers
    ]
    totals = ("total", "", "", f"{summary.total_params:,}", f"{summary.total_mults:,}", "")
    widths = [max(len(row[i]) for row in (header, *rows, totals)) for i in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        left = [row[i].ljust(widths[i]) for i in range(3)]
        right = [row[i].rjust(widths[i]) for i in range(3, len(header))]
        return "  ".join(left + right).rstrip()

    rule = "─" * len(line(header))
    out = [f"{summary.name}  (input {_shape_text(summary.input_shape)})", line(header), rule]
    out += [line(row) for row in rows]
    out += [rule, line(totals)]
    if summary.fallback_reason:
        out.append(f"note: layers found with forward hooks because {summary.fallback_reason}")
    return "\n".join(out)


# At the end: network.py imports this module at its end too (Network.summary), so either may be
# imported first and the hints above resolve at run time without an import cycle.
from convscope.network import Layer, Network, layer_to_dict  # noqa: E402
