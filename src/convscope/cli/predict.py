"""``convscope predict MODEL IMAGE…``: the top classes with their probabilities."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from convscope.cli import model_facts, print_json
from convscope.cli.options import add_model_argument, model_from_args
from convscope.errors import ConvScopeError
from convscope.inputs import load_image
from convscope.network import Network


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("predict", help="classify images: top classes with probabilities")
    add_model_argument(parser)
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="image files (PNG, JPEG, GIF, BMP, WebP)")
    parser.add_argument("--top", type=int, default=3, metavar="K", help="how many classes to show")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(run=run)


def top_classes(network: Network, path: str, k: int) -> list[dict[str, Any]]:
    """The ``k`` most probable classes for one image file, most probable first.

    Example:
        >>> from convscope.formats import resolve_model
        >>> top_classes(resolve_model("default"), "boot.png", 1)
        [{'class': 'Ankle boot', 'index': 9, 'probability': 0.854...}]
    """
    x = network.input_spec.preprocess(load_image(path))  # (1, C, H, W)
    ranked = network.ranked_classes(network.predict(x)[0], k)
    return [{"class": name, "index": i, "probability": p} for i, name, p in ranked]


def run(args: argparse.Namespace) -> int:
    if args.top < 1:
        raise ConvScopeError(f"--top must be at least 1, got {args.top}")
    network = model_from_args(args)
    # Read every image before printing anything, so a bad file fails the whole command cleanly.
    results = [{"image": path, "top": top_classes(network, path, args.top)} for path in args.images]
    from convscope.formats import RANDOM_WEIGHTS_NOTICE, has_random_weights

    random_weights = has_random_weights(network)
    if args.json:
        notice = {"notice": RANDOM_WEIGHTS_NOTICE} if random_weights else {}
        print_json({**model_facts(network, args.model), **notice, "predictions": results})
        return 0
    if random_weights:
        print(f"note: {RANDOM_WEIGHTS_NOTICE}", file=sys.stderr)
    for result in results:
        print(result["image"])
        width = max(len(row["class"]) for row in result["top"])
        for row in result["top"]:
            print(f"  {row['class']:<{width}}  {row['probability']:7.2%}")
    return 0
