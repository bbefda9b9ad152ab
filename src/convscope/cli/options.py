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
    except RecursionError:
        raise ConvScopeError(
            f"option {key.strip()} is nested too deeply; give a number, a word or true/false"
        ) from None


#: A class-name file larger than this is not one (ImageNet's 1,000 names take 20 KB).
MAX_CLASSES_BYTES = 16 * 2**20


def add_model_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "model", metavar="MODEL", help="'default', a zoo name, a model folder/zip, or an ONNX/Keras/TF.js file"
    )
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
        with open(path, "rb") as handle:
            data = handle.read(MAX_CLASSES_BYTES + 1)
    except OSError as exc:
        raise ConvScopeError(f"cannot read class names from {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_CLASSES_BYTES:
        raise ConvScopeError(
            f"{path} is larger than {MAX_CLASSES_BYTES // 2**20} MiB; a class file holds one name per line"
        )
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark from Windows editors is not part of the first name
    except UnicodeDecodeError as exc:
        raise ConvScopeError(f"{path} is not UTF-8 text (byte {exc.start}); save the class names as UTF-8") from None
    names = [line.strip() for line in text.splitlines() if line.strip()]
    if not names:
        raise ConvScopeError(f"{path} holds no class names; write one per line")
    return names


def model_from_args(args: argparse.Namespace) -> Network:
    from convscope.formats import resolve_model

    options = dict(parse_option(o) for o in args.arch_option)
    return resolve_model(args.model, classes=read_classes(getattr(args, "classes", None)), **options)
