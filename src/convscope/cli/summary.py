"""``convscope summary MODEL``: the layer table with totals."""

from __future__ import annotations

import argparse
import sys

from convscope.cli import model_facts, print_json
from convscope.cli.options import add_model_argument, model_from_args
from convscope.summary import Summary, format_table


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("summary", help="print every layer with its shape, parameters and multiplications")
    add_model_argument(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from convscope.formats import RANDOM_WEIGHTS_NOTICE, has_random_weights

    network = model_from_args(args)
    summary = Summary.of(network)
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
