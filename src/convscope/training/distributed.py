"""DistributedDataParallel when launched by ``torchrun``, a plain process otherwise.

``torchrun --nproc_per_node=N`` sets ``RANK``, ``WORLD_SIZE`` and
``LOCAL_RANK``; we then join the process group (NCCL on GPUs, gloo on CPU),
give every process its shard of each epoch, and let only rank 0 write files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from convscope.errors import ConvScopeError


@dataclass(frozen=True)
class Context:
    """Where this process runs and which part of the work is its own."""

    device: torch.device
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        """Only the main process writes files and prints progress."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def pick_device(choice: str, local_rank: int = 0) -> torch.device:
    """``auto`` → CUDA when present, else CPU; ``cuda`` without a GPU is a user error."""
    if choice == "cuda" or (choice == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise ConvScopeError("--device cuda was asked for but PyTorch sees no CUDA GPU; use --device cpu")
        return torch.device("cuda", local_rank % torch.cuda.device_count())
    return torch.device("cpu")


def setup(device: str = "auto") -> Context:
    """Join the process group when ``torchrun`` started us; otherwise a single-process context.

    Example:
        >>> setup("cpu").world_size  # run without torchrun
        1
    """
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return Context(device=pick_device(device))
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    target = pick_device(device, local_rank)
    if target.type == "cuda":
        torch.cuda.set_device(target)
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if target.type == "cuda" else "gloo")
    return Context(device=target, rank=rank, world_size=world_size, local_rank=local_rank)


def teardown(ctx: Context) -> None:
    if ctx.distributed and dist.is_initialized():
        dist.destroy_process_group()


def all_sum(values: torch.Tensor, ctx: Context) -> torch.Tensor:
    """Sum a tensor over all processes (a no-op in a single process)."""
    if ctx.distributed:
        values = values.clone()
        dist.all_reduce(values, op=dist.ReduceOp.SUM)
    return values


def barrier(ctx: Context) -> None:
    if ctx.distributed:
        dist.barrier()
