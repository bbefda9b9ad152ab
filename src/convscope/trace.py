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
from typing import Literal

import torch
from matplotlib.figure import Figure  # a real import: typing.get_type_hints resolves the plot helpers' hints

from convscope.errors import ConvScopeError


class Trace:
    """Every layer's output for one input or a batch (batch dimension kept).

    Accessors that read one input take ``item``, the index in the batch
    (0 for a single image); :meth:`item` is the one-input trace of it.
    """

    def __init__(self, network: Network, x: torch.Tensor, outputs: dict[str, torch.Tensor]) -> None:
        self.network = network
        self.input = x
        self.outputs = outputs
        self._ranges: dict[str, tuple[float, float]] = {}
        self._channel_ranges: dict[str, torch.Tensor] = {}

    @property
    def batch_size(self) -> int:
        """How many inputs were run together (N)."""
        return int(self.input.shape[0])

    def check_item(self, item: int) -> int:
        """``item`` when it indexes the batch; otherwise a one-line ConvScopeError naming the valid range."""
        n = self.batch_size
        if isinstance(item, bool) or not isinstance(item, int) or not 0 <= item < n:
            raise ConvScopeError(
                f"batch index {item!r} is out of range: the trace holds {n} input{'s' if n != 1 else ''}; "
                f"choose an index from 0 to {n - 1}"
            )
        return item

    def item(self, item: int) -> Trace:
        """The trace of batch item ``item`` alone (views of the same tensors, nothing recomputed).

        Example:
            >>> import torch
            >>> from convscope.formats import zoo_network
            >>> batch = zoo_network("tinyvgg").run(torch.zeros(2, 3, 64, 64))
            >>> batch.item(1).batch_size
            1
        """
        item = self.check_item(item)
        if self.batch_size == 1:
            return self
        picked = {name: out[item : item + 1] for name, out in self.outputs.items()}
        return Trace(self.network, self.input[item : item + 1], picked)

    def output(self, name: str, item: int | None = None) -> torch.Tensor:
        """The output of layer ``name``: the whole batch ``(N, …)``, or batch item ``item`` without the N axis.

        Raises NotFoundError for unknown layers, ConvScopeError for an item outside the batch.
        """
        layer = self.network.layer(name)
        out = self.outputs[layer.name]
        return out if item is None else out[self.check_item(item)]

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
        index = self.check_item(index)
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

    def value_range(self, name: str, item: int | None = None) -> tuple[float, float]:
        """(min, max) over the whole output of layer ``name`` (every batch item, or only ``item``)."""
        if item is not None:
            return self.item(item).value_range(name)
        if name not in self._ranges:
            out = self.output(name)
            if out.shape[0] == 1:  # from the per-channel ranges: no second pass over the values
                ranges = self.channel_ranges(name)
                self._ranges[name] = (float(ranges[:, 0].min()), float(ranges[:, 1].max()))
            else:
                self._ranges[name] = (float(out.min()), float(out.max()))
        return self._ranges[name]

    def channel_ranges(self, name: str, item: int = 0) -> torch.Tensor:
        """Per-channel (min, max) ``(C, 2)`` of batch item ``item`` for a spatial layer; ``(1, 2)`` otherwise."""
        if item != 0 or self.batch_size > 1:
            return self.item(item).channel_ranges(name)
        if name not in self._channel_ranges:
            out = self.output(name)[0]
            flat = out.reshape(out.shape[0], -1) if out.dim() == 3 else out.reshape(1, -1)  # (C, H*W)
            self._channel_ranges[name] = torch.stack((flat.amin(dim=1), flat.amax(dim=1)), dim=1)
        return self._channel_ranges[name]

    # ----- notebooks --------------------------------------------------------

    def plot_maps(
        self,
        layer: str,
        channels: list[int] | range | None = None,
        scale: Literal["unit", "block", "global"] = "block",
        item: int = 0,
    ) -> Figure:
        """One layer's maps as a matplotlib Figure, coloured as the web app colours them.

        Args:
            layer: a layer with ``(C, H, W)`` output (or the input).
            channels: which maps (default: the first 16).
            scale: ``unit`` (each map its own range), ``block`` or ``global``, as the app's scale menu.
            item: the batch item.
        """
        from convscope.plots import plot_maps

        return plot_maps(self.item(item), layer, channels=channels, scale=scale)

    def plot_overview(self, scale: Literal["unit", "block", "global"] = "block", item: int = 0) -> Figure:
        """Every layer's first maps in columns and the class probabilities, as the app's overview."""
        from convscope.plots import plot_overview

        return plot_overview(self.item(item), scale=scale)

    def __repr__(self) -> str:
        from convscope.display import trace_repr

        return trace_repr(self)

    def _repr_html_(self) -> str:
        from convscope.display import trace_html

        return trace_html(self)


# Below the class: network.py imports this module at its end too, so either may be imported first
# and both names resolve at run time (typing.get_type_hints) without a cycle at import time.
from convscope.network import Network  # noqa: E402
