"""Arguments several commands share."""

from __future__ import annotations

import argparse
from typing import Any

from convscope.errors import ConvScopeError
from convscope.network import Network


def parse_option(text: str) -> tuple[str, Any]:
    """``filters=16`` → ``("filters", 16)``; values are read as JSON when they parse.

    Example:
        >>> parse_option("dropout=0.25")
        ('dropout', 0.25)
    """
    import json

    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ConvScopeError(f"option '{text}' must look like name=value")
    try:
        return key.strip(), json.loads(value)
    except json.JSONDecodeError:
        return key.strip(), value


def add_model_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="'default', a zoo name, a model folder/zip, or an ONNX/Keras/TF.js file")
    parser.add_argument(
        "--arch-option",
        "-o",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="architecture option for a zoo model (repeatable), e.g. filters=16",
    )
    parser.add_argument("--classes", metavar="FILE", help="class names, one per line (for imported files)")


def read_classes(path: str | None) -> list[str] | None:
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            names = [line.strip() for line in handle if line.strip()]
    except OSError as exc:
        raise ConvScopeError(f"cannot read class names from {path}: {exc.strerror or exc}") from exc
    if not names:
        raise ConvScopeError(f"{path} holds no class names; write one per line")
    return names


def model_from_args(args: argparse.Namespace) -> Network:
    from convscope.formats import resolve_model

    options = dict(parse_option(o) for o in args.arch_option)
    return resolve_model(args.model, classes=read_classes(getattr(args, "classes", None)), **options)
