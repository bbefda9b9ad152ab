"""The top-k pass under ``torchrun``: every process takes its share, then the shares are merged on all of them."""

from __future__ import annotations

import torch
import torch.distributed as dist

from convscope.data.imageset import ImageSet
from convscope.insight.topk import LayerTop, merge_tops, top_k
from convscope.network import Network
from convscope.training.distributed import Context

_FIELDS = ("values", "index", "y", "x")


def _padded(top: LayerTop, k: int) -> torch.Tensor:
    """One ``(4, C, k)`` float64 tensor; a share with fewer than ``k`` images is padded with −∞ values."""
    c, have = top.values.shape
    out = torch.full((4, c, k), float("-inf"), dtype=torch.float64)
    out[1:] = -1
    for i, field in enumerate(_FIELDS):
        out[i, :, :have] = getattr(top, field).double()
    return out


def _unpadded(block: torch.Tensor) -> LayerTop:
    keep = int(torch.isfinite(block[0]).all(dim=0).sum())  # every channel has the same number of real entries
    values = block[0, :, :keep].float()
    index, y, x = (block[i, :, :keep].long() for i in (1, 2, 3))
    return LayerTop(values, index, y, x)


def distributed_top_k(
    network: Network, data: ImageSet, *, k: int, ctx: Context, **kwargs: object
) -> dict[str, LayerTop]:
    """:func:`top_k` over every process's share, merged: the same result as one process over all images."""
    mine = top_k(network, data, k=k, rank=ctx.rank, world_size=ctx.world_size, **kwargs)  # type: ignore[arg-type]
    if not ctx.distributed:
        return mine
    parts: list[dict[str, LayerTop]] = [{} for _ in range(ctx.world_size)]
    for name, top in mine.items():
        block = _padded(top, k)
        gathered = [torch.empty_like(block) for _ in range(ctx.world_size)]
        dist.all_gather(gathered, block)  # float64 holds every index and value exactly
        for rank, other in enumerate(gathered):
            parts[rank][name] = _unpadded(other)
    return merge_tops(parts, k)
