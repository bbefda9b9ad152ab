"""The ``convscope`` command line: one module per subcommand.

Each command module exposes ``register(subparsers)``, which adds its parser and
sets ``run=function(args) -> int``. Errors a user caused (:class:`ConvScopeError`)
print one line and exit with status 2, with no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from convscope.errors import ConvScopeError

#: Command modules under ``convscope.cli``, in the order ``--help`` lists them.
COMMANDS = (
    "summary", "arith", "serve", "train", "evaluate", "predict", "import_", "export", "augment_preview",
    "models", "download",
)  # fmt: skip


class _Parser(argparse.ArgumentParser):
    """argparse exits with 2 on usage errors already; keep its message one line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"convscope: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="convscope", description="See a convolutional neural network compute.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f"convscope.cli.{name}").register(sub)
    for command in sub.choices.values():  # any MODEL may be a downloadable name
        command.add_argument(
            "--offline", action="store_true", help="never download: fail with the file to fetch and where to put it"
        )
    return parser


def print_json(data: Any) -> None:
    """Write ``data`` as indented JSON on stdout (for ``--json``)."""
    json.dump(data, sys.stdout, indent=2)
    sys.stdout.write("\n")


@contextmanager
def _offline(on: bool) -> Iterator[None]:
    """``--offline`` as ``CONVSCOPE_OFFLINE=1`` for the command's duration (restored after, for in-process callers)."""
    from convscope.formats.download.cache import OFFLINE_ENV

    before = os.environ.get(OFFLINE_ENV)
    if on:
        os.environ[OFFLINE_ENV] = "1"
    try:
        yield
    finally:
        if on and before is None:
            os.environ.pop(OFFLINE_ENV, None)
        elif on:
            os.environ[OFFLINE_ENV] = before


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        with _offline(args.offline):
            return int(args.run(args) or 0)
    except ConvScopeError as exc:
        print(f"convscope: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("convscope: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
