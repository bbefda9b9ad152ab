"""``convscope quiz MODEL``: questions about the model and convolution arithmetic, with an answer key.

Examples:
    convscope quiz default --seed 7 > quiz.md
    convscope quiz tinyvgg --topics relu,softmax --count 6 --format gift --out quiz.gift
    convscope quiz vgg16 -o input_size=32 --difficulty hard --json
"""

from __future__ import annotations

import argparse
import sys

from convscope.cli.options import add_model_argument, model_from_args
from convscope.errors import ConvScopeError


def register(subparsers: argparse._SubParsersAction) -> None:
    from convscope.quiz import DIFFICULTIES, FORMATS, TOPICS

    parser = subparsers.add_parser(
        "quiz",
        help="write a quiz about the model with its answer key (Markdown, JSON or Moodle GIFT)",
        description="Questions about the model's shapes, counts and values and about convolution arithmetic; "
        "every answer is computed by ConvScope. Topics: " + ", ".join(TOPICS) + ".",
    )
    add_model_argument(parser)
    parser.add_argument(
        "--seed", default="0", help="variant: each seed gives other layers, sizes and numbers (default 0)"
    )
    parser.add_argument("--topics", metavar="A,B,…", help="comma-separated topics (default: all that apply)")
    parser.add_argument("--count", help="number of questions; topics take turns (default: one per topic)")
    parser.add_argument("--difficulty", choices=DIFFICULTIES, default="medium", help="how large the numbers are")
    parser.add_argument(
        "--format", choices=FORMATS, default="markdown", help="Markdown with an answer key, JSON or GIFT"
    )
    parser.add_argument("--json", action="store_true", help="the same as --format json")
    parser.add_argument("--out", metavar="FILE", help="write the quiz to FILE (atomically) instead of printing it")
    parser.set_defaults(run=run)


def _whole(text: str, option: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ConvScopeError(f"{option} must be a whole number, got {text!r}") from None


def run(args: argparse.Namespace) -> int:
    from convscope.atomic import write_bytes
    from convscope.quiz import generate, render

    seed = _whole(args.seed, "--seed")
    count = None if args.count is None else _whole(args.count, "--count")
    fmt = "json" if args.json else args.format
    network = model_from_args(args)
    quiz = generate(network, seed=seed, topics=args.topics, count=count, difficulty=args.difficulty)
    text = render(quiz, fmt, model=args.model)
    for topic, reason in quiz.skipped.items():
        print(f"note: skipped topic {topic}: {reason}", file=sys.stderr)
    if args.out:
        path = write_bytes(args.out, text.encode("utf-8"))
        print(f"wrote {path} ({len(quiz)} questions, {fmt})", file=sys.stderr if fmt == "json" else sys.stdout)
    else:
        sys.stdout.write(text)
    return 0
