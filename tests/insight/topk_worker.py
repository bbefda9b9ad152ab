"""Run by ``torchrun`` in the top-k test: each process takes its share, rank 0 writes the merged result.

Usage: python -m torch.distributed.run --nproc_per_node=2 topk_worker.py OUT_FILE COUNT
"""

from __future__ import annotations

import sys

from safetensors.torch import save_file

from convscope.data.sources import load_dataset
from convscope.formats import resolve_model
from convscope.insight.topk_run import distributed_top_k
from convscope.training import distributed


def main() -> None:
    out, count = sys.argv[1], int(sys.argv[2])
    ctx = distributed.setup("cpu")
    net = resolve_model("default")
    data = load_dataset("fashion-mnist", split="test", spec=net.input_spec).head(count)
    tops = distributed_top_k(net, data, k=5, ctx=ctx, batch=64)
    if ctx.is_main:
        save_file(
            {f"{layer}/{f}": getattr(t, f) for layer, t in tops.items() for f in ("values", "index", "y", "x")}, out
        )
    distributed.teardown(ctx)


if __name__ == "__main__":
    main()
