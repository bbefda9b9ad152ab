"""The ``convscope`` command line: one module per subcommand.

Each command module exposes ``register(subparsers)``, which adds its parser and
sets ``run=function(args) -> int``. Errors a user caused (:class:`ConvScopeError`)
print one line and exit with status 2, with no traceback; with ``--json`` that
line is a JSON object ``{"error": "..."}`` on stderr.

Conventions every command shares (set here, so a new command gets them too):
``--version``; defaults shown in ``--help``; no abbreviated options (``--js``
is not ``--json``); an unknown option is reported with its command's usage.
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

from convscope import __version__
from convscope.errors import ConvScopeError

#: Command modules under ``convscope.cli``, in the order ``--help`` lists them.
COMMANDS = (
    "summary", "arith", "calc", "serve", "train", "evaluate", "predict", "import_", "export", "export_site",
    "augment_preview",
    "models", "download", "quiz", "compare", "insight",
)  # fmt: skip


class _DefaultsFormatter(argparse.HelpFormatter):
    """Append ``(default: X)`` to an option's help when it has a real default the text does not state."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            "default" in text
            or not action.option_strings
            or default in (None, False, [], argparse.SUPPRESS)
            or isinstance(action, argparse._HelpAction | argparse._VersionAction)
        ):
            return text
        return f"{text} (default: %(default)s)"


class _Parser(argparse.ArgumentParser):
    """argparse exits with 2 on usage errors already; keep its message one line."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        kwargs.setdefault("formatter_class", _DefaultsFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        if _json_errors:
            self.exit(2, json.dumps({"error": message}) + "\n")
        self.print_usage(sys.stderr)
        self.exit(2, f"convscope: error: {message}\n")


#: Set by :func:`main` when the command line asks for ``--json``: errors are then JSON too.
_json_errors = False


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="convscope", description="See a convolutional neural network compute.")
    parser.add_argument("--version", action="version", version=f"convscope {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f"convscope.cli.{name}").register(sub)
    parser.set_defaults(_commands=sub.choices)
    for command in sub.choices.values():  # any MODEL may be a downloadable name
        command.add_argument(
            "--offline", action="store_true", help="never download: fail with the file to fetch and where to put it"
        )
    return parser


def print_json(data: Any) -> None:
    """Write ``data`` as indented JSON on stdout (for ``--json``)."""
    json.dump(data, sys.stdout, indent=2)
    sys.stdout.write("\n")


def model_facts(network: Any, model: str) -> dict[str, Any]:
    """The keys every ``--json`` report uses for the model it is about.

    ``model`` is what names the model for another command (the MODEL argument
    or the folder written), ``params`` its parameter count and ``input_shape``
    ``[C, H, W]``.
    """
    return {"model": model, "params": network.total_params, "input_shape": list(network.input_spec.shape)}


def _wants_json(argv: Sequence[str]) -> bool:
    words = list(argv)
    return "--json" in (words[: words.index("--")] if "--" in words else words)


def _report(message: str) -> None:
    message = " ".join(message.splitlines())  # a quoted file name or value must not break the one line
    if _json_errors:
        print(json.dumps({"error": message}), file=sys.stderr)
    else:
        print(f"convscope: error: {message}", file=sys.stderr)


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
        elif on and before is not None:
            os.environ[OFFLINE_ENV] = before


def main(argv: Sequence[str] | None = None) -> int:
    global _json_errors
    argv = list(sys.argv[1:] if argv is None else argv)
    _json_errors = _wants_json(argv)
    try:
        try:
            args, extra = build_parser().parse_known_args(argv)
            if extra:  # the command's own usage, not the top level's
                args._commands[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
        except SystemExit as done:  # --help, --version and usage errors: argparse has printed them
            return int(done.code or 0)
        with _offline(args.offline):
            return int(args.run(args) or 0)
    except ConvScopeError as exc:
        _report(str(exc))
        return 2
    except BrokenPipeError:  # the reader (``| head``) has gone: stop quietly, as other tools do
        sys.stdout = open(os.devnull, "w")
        return 1
    except OSError as exc:  # a disk or permission problem the command did not foresee: still one line
        where = f" {exc.filename}" if exc.filename else ""
        _report(f"cannot read or write{where}: {exc.strerror or exc}")
        return 2
    except KeyboardInterrupt:
        print("convscope: interrupted", file=sys.stderr)
        return 130
    finally:
        _json_errors = False


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
