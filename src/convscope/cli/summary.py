"""``convscope summary MODEL``: the layer table with totals."""

from __future__ import annotations

import argparse
import sys

from convscope.cli import model_facts, print_json
from convscope.cli.options import add_model_argument, model_from_args
from convscope.network import Network
from convscope.summary import Summary, format_table


def write_graph(network: Network, path: str, order: str) -> None:
    """The structure diagram as SVG, written atomically."""
    from convscope.atomic import write_bytes
    from convscope.graph_svg import structure_svg
    from convscope.structure import Structure

    write_bytes(path, structure_svg(Structure.of(network), order).encode("utf-8"))


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("summary", help="print every layer with its shape, parameters and multiplications")
    add_model_argument(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--graph",
        metavar="FILE",
        help="also write the layer graph as an SVG diagram (the structure view's nodes and edges)",
    )
    parser.add_argument("--order", choices=("chw", "hwc"), default="chw", help="shape order in the --graph diagram")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from convscope.formats import RANDOM_WEIGHTS_NOTICE, has_random_weights

    network = model_from_args(args)
    summary = Summary.of(network)
    if args.graph:
        write_graph(network, args.graph, args.order)
    if args.json:
        data = {**model_facts(network, args.model), **summary.to_dict()}
        if has_random_weights(network):
            data["notice"] = RANDOM_WEIGHTS_NOTICE
        print_json(data)
    else:
        print(format_table(summary))
        if has_random_weights(network):
            print(f"note: {RANDOM_WEIGHTS_NOTICE}", file=sys.stderr)
    return 0
