"""``Trace``: one input run through a Network, holding every layer's output.

Value ranges are computed on first request and remembered, so a trace costs
no more than the forward pass until a view asks for them.

Example:
    >>> import torch
    >>> from convscope.zoo import get_entry
    >>> from convscope.network import Network
    >>> entry = get_entry("tinyvgg")
    >>> trace = Network(entry.build(), entry.input_spec()).run(torch.zeros(1, 3, 64, 64))
    >>> tuple(trace.output("conv_1_1").shape)
    (1, 10, 62, 62)
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from convscope.network import Network


class Trace:
    """Every layer's output for one input (batch dimension kept)."""

    def __init__(self, network: Network, x: torch.Tensor, outputs: dict[str, torch.Tensor]) -> None:
        self.network = network
        self.input = x
        self.outputs = outputs
        self._ranges: dict[str, tuple[float, float]] = {}
        self._channel_ranges: dict[str, torch.Tensor] = {}

    def output(self, name: str) -> torch.Tensor:
        """The output of layer ``name``; raises NotFoundError for unknown layers."""
        layer = self.network.layer(name)
        return self.outputs[layer.name]

    @cached_property
    def logits(self) -> torch.Tensor:
        """Class scores before softmax ``(N, K)``."""
        return self.outputs[self.network.logits_layer]

    @cached_property
    def probabilities(self) -> torch.Tensor:
        """Class probabilities ``(N, K)``."""
        from convscope.network import probabilities_from

        return probabilities_from(self.network, self.outputs[self.network.output_layer])

    def top_classes(self, k: int = 5, index: int = 0) -> list[tuple[str, float]]:
        """The ``k`` most probable classes of batch item ``index`` as (name, probability)."""
        return [(name, p) for _, name, p in self.network.ranked_classes(self.probabilities[index], k)]

    def first_non_finite(self) -> str | None:
        """The first layer (in graph order) whose output holds NaN or ±infinity, if any.

        For one input this reads the per-channel (min, max) the overview needs anyway:
        min and max carry any NaN (both propagate it) and any infinity, so the check
        costs a pass over ``(C, 2)`` numbers instead of a second pass over the activations.
        """
        for layer in self.network.layers:
            out = self.outputs[layer.name]
            values = self.channel_ranges(layer.name) if out.shape[0] == 1 else out
            if not bool(torch.isfinite(values).all()):
                return layer.name
        return None

    @property
    def nbytes(self) -> int:
        """Bytes the input and the outputs hold, each storage once (a flatten is a view of its input)."""
        storages = {}
        for tensor in (self.input, *self.outputs.values()):
            storage = tensor.untyped_storage()
            storages[storage.data_ptr()] = storage.nbytes()
        return sum(storages.values())

    def value_range(self, name: str) -> tuple[float, float]:
        """(min, max) over the whole output of layer ``name``."""
        if name not in self._ranges:
            out = self.output(name)
            if out.shape[0] == 1:  # from the per-channel ranges: no second pass over the values
                ranges = self.channel_ranges(name)
                self._ranges[name] = (float(ranges[:, 0].min()), float(ranges[:, 1].max()))
            else:
                self._ranges[name] = (float(out.min()), float(out.max()))
        return self._ranges[name]

    def channel_ranges(self, name: str) -> torch.Tensor:
        """Per-channel (min, max) ``(C, 2)`` for a spatial layer; ``(1, 2)`` otherwise."""
        if name not in self._channel_ranges:
            out = self.output(name)[0]
            flat = out.reshape(out.shape[0], -1) if out.dim() == 3 else out.reshape(1, -1)  # (C, H*W)
            self._channel_ranges[name] = torch.stack((flat.amin(dim=1), flat.amax(dim=1)), dim=1)
        return self._channel_ranges[name]
