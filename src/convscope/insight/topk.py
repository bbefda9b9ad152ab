"""Top-k dataset examples per channel (Zeiler & Fergus 2014's "top 9 activations"), in one batched pass.

For every channel of every conv, activation and pooling layer the ``k`` images
whose activation anywhere in the map is highest are kept, with the position of
that maximum; :mod:`convscope.insight.receptive` turns the position into the
unit's box in input pixels. Ties go to the lower dataset index (and, within a
map, to the first position in row-major order), so the result does not depend
on batching or on how ``torchrun`` splits the images.

Example:
    >>> from convscope.formats import resolve_model
    >>> from convscope.data.sources import load_dataset
    >>> net = resolve_model("default")
    >>> data = load_dataset("fashion-mnist", split="test", spec=net.input_spec).head(100)
    >>> tops = top_k(net, data, k=3)
    >>> tops["conv_1_1"].index.shape  # (C, k): dataset indices, best first
    torch.Size([16, 3])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from convscope.data.imageset import ImageSet
from convscope.errors import ConvScopeError
from convscope.insight.forward import eval_mode, layer_outputs
from convscope.network import Layer, Network
from convscope.types import ACTIVATION_KINDS, LayerKind

#: The layers whose channels get top-k examples.
TOPK_KINDS = ACTIVATION_KINDS | {
    LayerKind.CONV2D, LayerKind.MAXPOOL2D, LayerKind.AVGPOOL2D,
    LayerKind.ADAPTIVE_AVGPOOL2D, LayerKind.ADAPTIVE_MAXPOOL2D,
}  # fmt: skip
#: Images per forward pass.
BATCH = 500


@dataclass
class LayerTop:
    """The top ``k`` of one layer; every tensor is ``(C, k)``, best first."""

    values: torch.Tensor
    #: Positions in the dataset (``ImageSet.source_index``, e.g. the index in the test split).
    index: torch.Tensor
    y: torch.Tensor
    x: torch.Tensor

    @property
    def k(self) -> int:
        return int(self.values.shape[1])


def topk_layers(network: Network, names: Sequence[str] | None = None) -> list[Layer]:
    """The layers a pass covers: ``names``, or every spatial conv, activation and pooling layer."""
    if names is None:
        return [layer for layer in network.layers if layer.kind in TOPK_KINDS and layer.is_spatial]
    chosen = [network.layer(name) for name in names]
    for layer in chosen:
        if layer.kind not in TOPK_KINDS or not layer.is_spatial:
            raise ConvScopeError(
                f"layer '{layer.name}' ({layer.kind}) has no channels of maps; choose a conv, activation or pooling layer"
            )
    return chosen


def _merge(a: LayerTop, b: LayerTop, k: int) -> LayerTop:
    """The best ``k`` of two candidate sets: highest value first, the lower dataset index on a tie."""
    values = torch.cat([a.values, b.values], dim=1)  # (C, 2k)
    index = torch.cat([a.index, b.index], dim=1)
    by_index = torch.argsort(index, dim=1, stable=True)
    by_value = torch.argsort(torch.gather(values, 1, by_index), dim=1, descending=True, stable=True)
    order = torch.gather(by_index, 1, by_value)[:, :k]

    def pick(field: str) -> torch.Tensor:
        return torch.gather(torch.cat([getattr(a, field), getattr(b, field)], dim=1), 1, order)

    return LayerTop(values=pick("values"), index=pick("index"), y=pick("y"), x=pick("x"))


def _batch_top(out: torch.Tensor, index: torch.Tensor, k: int) -> LayerTop:
    """Each image's maximum per channel, then the batch's best ``k`` per channel (ties: lower index)."""
    n, c = out.shape[:2]
    best, where = out.reshape(n, c, -1).max(dim=2)  # (N, C): the first maximum in row-major order
    order = torch.argsort(best, dim=0, descending=True, stable=True)[:k]  # (k, C); the batch is in index order
    width = out.shape[-1]
    pos = torch.gather(where, 0, order)
    return LayerTop(
        values=torch.gather(best, 0, order).T.contiguous(),
        index=index[order].T.contiguous(),
        y=(pos // width).T.contiguous(),
        x=(pos % width).T.contiguous(),
    )


def _empty(channels: int) -> LayerTop:
    none = torch.zeros((channels, 0))
    return LayerTop(none, none.long(), none.long(), none.long())


def top_k(
    network: Network,
    data: ImageSet,
    *,
    k: int = 9,
    layers: Sequence[str] | None = None,
    batch: int = BATCH,
    progress: Callable[[int], None] | None = None,
    rank: int = 0,
    world_size: int = 1,
) -> dict[str, LayerTop]:
    """The ``k`` dataset images that excite each channel most, for every chosen layer, in one pass.

    Args:
        data: images fitted to the network's input spec.
        k: examples per channel.
        layers: layer names; default every conv, activation and pooling layer.
        batch: images per forward pass.
        progress: called with the number of images done after each batch.
        rank, world_size: this process's share (every ``world_size``-th image from ``rank``);
            :func:`merge_tops` combines the shares.
    """
    from convscope.training.evaluation import normalize

    if k < 1:
        raise ConvScopeError(f"k must be at least 1, got {k}")
    if data.shape != network.input_spec.shape:
        c, h, w = network.input_spec.shape
        raise ConvScopeError(
            f"the dataset's images are {'×'.join(map(str, data.shape))} but the model takes {c}×{h}×{w}; "
            "use a dataset fitted to the model"
        )
    chosen = topk_layers(network, layers)
    names = [layer.name for layer in chosen]
    tops = {layer.name: _empty(layer.output_shape[0]) for layer in chosen}
    mine = torch.arange(rank, len(data), world_size)
    source = data.source_index if data.source_index is not None else torch.arange(len(data))
    with eval_mode(network.module), torch.inference_mode():
        for start in range(0, len(mine), batch):
            rows = mine[start : start + batch]
            outs = layer_outputs(network, normalize(data.images[rows], network.input_spec), names)
            for name in names:
                tops[name] = _merge(tops[name], _batch_top(outs[name], source[rows], k), k)
            if progress is not None:
                progress(len(rows))
    return tops


def merge_tops(parts: Sequence[dict[str, LayerTop]], k: int) -> dict[str, LayerTop]:
    """Combine the results of several processes' shares into the result of one pass over all images."""
    merged = dict(parts[0])
    for part in parts[1:]:
        merged = {name: _merge(merged[name], part[name], k) for name in merged}
    return merged
