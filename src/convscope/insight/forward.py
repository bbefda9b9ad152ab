"""Differentiable forward passes through a Network: the class scores, and any layers' outputs.

:meth:`Network.run` records every layer under ``torch.no_grad``; attribution
and feature visualisation need the same outputs with gradients, in eval mode
(dropout off, batch norm on its running statistics), which is what these give.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn

from convscope.errors import ConvScopeError
from convscope.network import Network


@contextmanager
def eval_mode(module: nn.Module) -> Iterator[None]:
    """Eval mode for the duration, each submodule's own mode restored afterwards."""
    training = [m for m in module.modules() if m.training]
    for m in training:
        m.training = False
    try:
        yield
    finally:
        for m in training:
            m.training = True


def layer_outputs(network: Network, x: torch.Tensor, names: Sequence[str]) -> dict[str, torch.Tensor]:
    """The outputs of layers ``names`` and of the logits layer for ``x`` ``(N, C, H, W)``, with gradients.

    The caller puts the module in eval mode (:func:`eval_mode`) around this.
    """
    for name in names:
        network.layer(name)  # an unknown name fails with the list of valid ones
    wanted = [*names, network.logits_layer]
    capture = network._capture  # the fx graph returning every layer's output (shares the weights)
    if capture is not None:
        values = capture(x)
        every = dict(zip((layer.name for layer in network.layers), values, strict=True))
        return {name: every[name] for name in wanted}
    return _outputs_with_hooks(network, x, wanted)


def _outputs_with_hooks(network: Network, x: torch.Tensor, wanted: list[str]) -> dict[str, torch.Tensor]:
    """The hooks fallback: record the modules of the wanted layers as they run."""
    found: dict[str, torch.Tensor] = {"input": x}
    handles = []

    def keep(name: str) -> Callable[[nn.Module, Any, Any], None]:
        def hook(_module: nn.Module, _inputs: Any, output: Any) -> None:
            found.setdefault(name, output)

        return hook

    try:
        for name in wanted:
            layer = network.layer(name)
            if name != "input":
                if layer.module is None:
                    raise ConvScopeError(f"layer '{name}' is a function call that this model's hooks cannot reach")
                handles.append(layer.module.register_forward_hook(keep(name)))
        out = network.module(x)
    finally:
        for handle in handles:
            handle.remove()
    found.setdefault(network.logits_layer, out if isinstance(out, torch.Tensor) else out[0])
    return {name: found[name] for name in wanted}


def scores(network: Network, x: torch.Tensor) -> torch.Tensor:
    """Class scores before softmax ``(N, K)``, with gradients; the caller sets eval mode."""
    return layer_outputs(network, x, [])[network.logits_layer]


def check_class(network: Network, target: int) -> int:
    """``target`` as a class index of ``network``, or a one-line error naming the valid range."""
    k = network.num_classes
    if isinstance(target, bool) or not isinstance(target, int) or not 0 <= target < k:
        raise ConvScopeError(f"class {target!r} is out of range: the model has {k} classes, 0 to {k - 1}")
    return target


def check_image(network: Network, x: torch.Tensor) -> torch.Tensor:
    """One preprocessed image ``(1, C, H, W)`` (a ``(C, H, W)`` tensor gets its batch dimension)."""
    if x.dim() == 3:
        x = x[None]
    network.check_input(x)
    if x.shape[0] != 1:
        raise ConvScopeError(f"attribution explains one image at a time, got a batch of {x.shape[0]}")
    return x.detach().float()
