"""``convscope arith``: output size, counts and the reasoning for one convolution or pool.

Example:
    convscope arith --size 227 --kernel 11 --stride 4 --padding 0 --in-channels 3 --filters 96
"""

from __future__ import annotations

import argparse
import re

from convscope.arithmetic import ArithmeticReport, IntOrPair, arithmetic_report
from convscope.cli import print_json
from convscope.errors import ConvScopeError
from convscope.limits import MAX_COUNT, MAX_INPUT_SIDE

#: The largest size, kernel, stride, padding or dilation: the side of the largest model input.
MAX_SIDE = MAX_INPUT_SIDE
#: The largest channel, filter or group count (as a zoo option).
MAX_CHANNELS = MAX_COUNT

_PAIR = re.compile(r"^\s*(-?\d+)\s*(?:[x×,]\s*(-?\d+)\s*)?$")
_PADDING_TAKES = "a whole number, HxW (e.g. 1 or 1x2), 'same' or 'valid'"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "arith",
        help="output size, parameters and multiplications of a convolution or pooling layer",
        description="Output size by the floor rule (PyTorch) and the strict rule, the counts, and why. "
        "Sizes take one number or HxW (e.g. 32x48).",
    )
    # Values are read as text and parsed in run(), so a bad one is a one-line ConvScopeError.
    parser.add_argument("--size", required=True, help="input size N (or HxW)")
    parser.add_argument("--kernel", required=True, help="kernel size K (or KhxKw)")
    parser.add_argument("--stride", default=None, help="stride S (default 1; the kernel size with --pool)")
    parser.add_argument("--padding", default="0", help="padding P, or 'same' / 'valid' (default 0)")
    parser.add_argument("--dilation", default="1", help="dilation D (default 1)")
    parser.add_argument("--in-channels", default=None, help="input channels C (to count weights and multiplications)")
    parser.add_argument("--filters", default=None, help="filters F, the output channels (give with --in-channels)")
    parser.add_argument("--groups", default="1", help="channel groups (default 1)")
    parser.add_argument("--pool", action="store_true", help="describe max pooling instead of a convolution")
    parser.add_argument("--ceil-mode", action="store_true", help="pooling rounds up, as PyTorch's ceil_mode")
    parser.add_argument("--json", action="store_true", help="print everything as JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    padding = args.padding.strip().lower()
    report = arithmetic_report(
        _parse(args.size, "--size"),
        _parse(args.kernel, "--kernel"),
        None if args.stride is None else _parse(args.stride, "--stride"),
        padding if padding in ("same", "valid") else _parse(padding, "--padding", _PADDING_TAKES),
        _parse(args.dilation, "--dilation"),
        in_channels=None if args.in_channels is None else _number(args.in_channels, "--in-channels", MAX_CHANNELS),
        filters=None if args.filters is None else _number(args.filters, "--filters", MAX_CHANNELS),
        groups=_number(args.groups, "--groups", MAX_CHANNELS),
        pool=args.pool,
        ceil_mode=args.ceil_mode,
    )
    if args.json:
        print_json(report.to_dict())
    else:
        print(format_report(report))
    return 0


def _parse(
    text: str, option: str, takes: str = "a whole number or HxW (e.g. 3 or 3x5)", largest: int = MAX_SIDE
) -> IntOrPair:
    """``"3"`` → 3, ``"3x5"`` → (3, 5); refuses values past ``largest``.

    The report lists every window position, so its work grows with the sizes;
    the bounds are those of a model input ConvScope loads.
    """
    match = _PAIR.match(text)
    if match is None:
        raise ConvScopeError(f"{option} takes {takes}, got {text!r}")
    digits = [g for g in match.groups() if g is not None]
    if any(len(d.lstrip("-")) > 12 or int(d) > largest for d in digits):
        raise ConvScopeError(
            f"{option} takes values up to {largest:,}, got {text if len(text) < 40 else text[:40] + '…'}"
        )
    height, width = match.groups()
    return int(height) if width is None else (int(height), int(width))


def _number(text: str, option: str, largest: int) -> int:
    value = _parse(text, option, largest=largest)
    if isinstance(value, tuple):
        raise ConvScopeError(f"{option} takes one whole number, got {text!r}")
    return value


def _hw(pair: tuple[int, int]) -> str:
    return f"{pair[0]}×{pair[1]}"


def _one_or_hw(pair: tuple[int, int]) -> str:
    return str(pair[0]) if pair[0] == pair[1] else _hw(pair)


def format_report(report: ArithmeticReport) -> str:
    """The report as text: settings, the two rules, the counts, then the steps."""
    top, bottom, left, right = report.padding
    padding = str(top) if top == bottom == left == right else f"top {top}, bottom {bottom}, left {left}, right {right}"
    channels = "" if report.in_channels is None else f"×{report.in_channels}"
    head = (
        f"{'Max pooling' if report.pool else 'Convolution'}: {_hw(report.size)}{channels} input, "
        f"{_hw(report.kernel)} kernel, stride {_one_or_hw(report.stride)}, padding {padding}, "
        f"dilation {_one_or_hw(report.dilation)}"
    )
    if not report.pool and report.out_channels is not None:
        head += f", {report.out_channels} filters" + (f" in {report.groups} groups" if report.groups > 1 else "")
    if report.ceil_mode:
        head += ", ceil mode"
    strict = report.strict
    fractions = dict.fromkeys(axis.fraction for axis in (strict.height, strict.width) if not axis.valid)
    strict_text = f"{_hw(strict.floor)} (valid)" if strict.valid else f"invalid: {' and '.join(fractions)} is not whole"
    rows = [
        ("ceil mode (PyTorch)" if report.ceil_mode else "floor rule (PyTorch)", _hw(report.output)),
        ("strict rule", strict_text),
    ]
    if report.out_channels is not None:
        rows.append(("output", f"{_hw(report.output)}×{report.out_channels}"))
    if report.params is not None:
        rows += [
            ("weights", report.params.weights.formula),
            ("biases", report.params.biases.formula),
            ("parameters", report.params.formula),
        ]
    if report.ops is not None:
        rows.append(("comparisons" if report.pool else "multiplications", report.ops.formula))
    width = max(len(name) for name, _ in rows) + 2
    lines = [head, ""] + [f"  {name + ':':<{width}}{value}" for name, value in rows]
    lines += ["", "Why:"] + [f"  {i}. {step}" for i, step in enumerate(report.steps, 1)]
    return "\n".join(lines)
