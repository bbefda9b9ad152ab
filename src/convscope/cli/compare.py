"""``convscope compare MODEL MODEL …``: networks side by side (totals, parameter split, year, idea)."""

from __future__ import annotations

import argparse

from convscope.cli import print_json
from convscope.compare import Facts, format_comparison

#: As many models as a terminal's width holds side by side.
MAX_MODELS = 8


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "compare", help="compare networks side by side: parameters (conv vs dense), multiplications, year, idea"
    )
    parser.add_argument(
        "models", nargs="+", metavar="MODEL", help="zoo names, model folders or files, downloadable names"
    )
    parser.add_argument("--json", action="store_true", help="print JSON (every layer's shape and counts too)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from convscope.errors import ConvScopeError
    from convscope.formats import resolve_model

    if len(args.models) > MAX_MODELS:
        raise ConvScopeError(f"compare at most {MAX_MODELS} models at once, not {len(args.models)}")
    facts = [Facts.of(resolve_model(spec), model=spec) for spec in dict.fromkeys(args.models)]
    if args.json:
        print_json({"models": [f.to_dict() for f in facts]})
    else:
        print(format_comparison(facts))
    return 0
