"""``convscope augment-preview``: a PNG grid showing each augmentation on real samples."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from convscope.cli import print_json
from convscope.data.augment import Augmentation
from convscope.data.preview import pick_samples, preview_grid
from convscope.data.sources import is_idx_source, load_dataset
from convscope.errors import ConvScopeError
from convscope.inputs import InputSpec

#: Rows of the grid: a picture, not a dataset dump.
MAX_COUNT = 100
#: Side of a folder dataset's images in the preview (every image of the folder is loaded at this size).
MAX_SIZE = 1024


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("augment-preview", help="write a PNG grid showing each augmentation on real samples")
    parser.add_argument(
        "--data", default="fashion-mnist", help="fashion-mnist, a folder of IDX files, or a folder of class folders"
    )
    parser.add_argument(
        "--augment", action="append", default=None, metavar="NAME[=VALUE]",
        help="augmentation to show (repeatable); default: flip, crop, rotate, affine, color",
    )  # fmt: skip
    parser.add_argument("--count", type=int, default=6, help="how many sample images (rows)")
    parser.add_argument("--size", type=int, default=64, help="image size for a folder dataset (IDX data keeps its own)")
    parser.add_argument("--seed", type=int, default=0, help="picks the samples and the random augmentations")
    parser.add_argument("--out", default="augment-preview.png", help="the PNG to write")
    parser.add_argument("--json", action="store_true", help="print what was written as JSON")
    parser.set_defaults(run=run)


def write_grid_png(path: Path, titles: list[str], columns: list[torch.Tensor], labels: list[str]) -> None:
    from convscope.training.checkpoint import write_atomic

    rows = columns[0].shape[0]
    figure = Figure(figsize=(1.4 * len(columns) + 1.2, 1.4 * rows + 0.4), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(rows, len(columns), squeeze=False)
    for c, (title, images) in enumerate(zip(titles, columns, strict=True)):
        for r in range(rows):
            pixels = images[r].permute(1, 2, 0).clamp(0, 1).numpy()  # (H, W, C)
            ax = axes[r][c]
            if pixels.shape[2] == 1:
                ax.imshow(pixels[:, :, 0], cmap="gray", vmin=0, vmax=1)
            else:
                ax.imshow(pixels)
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(title, fontsize=9)
            if c == 0:
                ax.set_ylabel(labels[r], fontsize=8)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    write_atomic(path, lambda f: f.write(buffer.getvalue()))


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.count <= MAX_COUNT:
        raise ConvScopeError(f"--count must be from 1 to {MAX_COUNT}, got {args.count}")
    if not 8 <= args.size <= MAX_SIZE:
        raise ConvScopeError(f"--size must be from 8 to {MAX_SIZE}, got {args.size}")
    items = args.augment if args.augment is not None else list(Augmentation.DEFAULTS)
    augmentation = Augmentation.parse(items)
    spec = None if is_idx_source(args.data) else InputSpec(3, args.size, args.size)
    data = load_dataset(args.data, split="train", spec=spec)
    count = min(args.count, len(data))
    titles, columns = preview_grid(data, augmentation, count=count, seed=args.seed)
    index = pick_samples(data, count, args.seed)
    labels = [data.classes[int(data.labels[i])] for i in index]
    out = Path(args.out)
    write_grid_png(out, titles, columns, labels)
    if args.json:
        print_json({"out": str(out), "columns": titles, "samples": labels, "augment": augmentation.names()})
    else:
        print(f"wrote {out}: {len(labels)} samples × {', '.join(titles)}")
    return 0
