"""``convscope evaluate MODEL --data …``: accuracy, per-class accuracy, confusion matrix."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import torch

from convscope.cli import model_facts, print_json
from convscope.cli.options import add_model_argument, model_from_args
from convscope.data.imageset import ImageSet
from convscope.data.sources import is_idx_source, load_dataset
from convscope.errors import ConvScopeError
from convscope.network import Network


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate", help="measure a model's accuracy on a dataset; write its confusion matrix"
    )
    add_model_argument(parser)
    parser.add_argument(
        "--data", default="fashion-mnist", help="fashion-mnist, a folder of IDX files, or a folder of class folders"
    )
    parser.add_argument("--split", choices=("test", "train"), default="test", help="IDX split to use")
    parser.add_argument("--limit", type=int, default=None, metavar="N", help="use only the first N images")
    parser.add_argument("--out", default="evaluation", help="folder for confusion.png and confusion.json")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(run=run)


def match_classes(data: ImageSet, network: Network) -> tuple[ImageSet, bool]:
    """Relabel ``data`` in the model's class order; returns (data, matched by name).

    Class names that are the same set in another order are matched by name;
    otherwise the counts must agree and classes are matched by position.
    """
    model, ours = tuple(network.class_names), tuple(data.classes)
    if len(model) != len(ours):
        raise ConvScopeError(
            f"the model has {len(model)} classes but the data has {len(ours)}; evaluate it on data with the same classes"
        )
    if set(model) != set(ours):
        return replace(data, classes=model), False
    order = torch.tensor([model.index(name) for name in ours])
    return replace(data, labels=order[data.labels], classes=model), True


def run(args: argparse.Namespace) -> int:
    from convscope.training.checkpoint import write_json
    from convscope.training.evaluation import evaluate, write_confusion_png

    if args.limit is not None and args.limit < 1:
        raise ConvScopeError(f"--limit must be at least 1, got {args.limit}")
    network = model_from_args(args)
    split = args.split if is_idx_source(args.data) else "all"
    data = load_dataset(args.data, split=args.split, spec=network.input_spec).head(args.limit)
    data, by_name = match_classes(data, network)
    result = evaluate(network.module, data, network.input_spec)
    out = Path(args.out)
    report = {
        **model_facts(network, args.model),
        "data": args.data,
        "split": split,
        "classes_matched_by": "name" if by_name else "position",
        "skipped_files": list(data.skipped),
        **result.to_dict(),
        "confusion_png": str(out / "confusion.png"),
    }
    write_json(out / "confusion.json", report)
    write_confusion_png(
        out / "confusion.png", result, title=f"{network.name}: accuracy {result.accuracy:.2%} ({result.count} images)"
    )
    if args.json:
        print_json(report)
        return 0
    print(f"accuracy {result.accuracy:.2%} ({result.correct}/{result.count}) on {args.data} {split}")
    if data.skipped:
        print(f"skipped {len(data.skipped)} unreadable files")
    width = max(len(c) for c in result.classes)
    for name, value in result.per_class_accuracy().items():
        print(f"  {name:<{width}}  {'-' if value is None else f'{value:.2%}'}")
    print(f"confusion matrix written to {out / 'confusion.png'} and {out / 'confusion.json'}")
    return 0
