"""``convscope summary MODEL``: the layer table with totals."""

from __future__ import annotations

import argparse

from convscope.cli import model_facts, print_json
from convscope.cli.options import add_model_argument, model_from_args
from convscope.summary import Summary, format_table


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("summary", help="print every layer with its shape, parameters and multiplications")
    add_model_argument(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    network = model_from_args(args)
    summary = Summary.of(network)
    if args.json:
        print_json({**model_facts(network, args.model), **summary.to_dict()})
    else:
        print(format_table(summary))
    return 0
