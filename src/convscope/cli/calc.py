"""``convscope calc``: calculators for your own numbers, every step shown.

Examples:
    convscope calc conv --input "3 0 1 2; 1 5 8 9; 2 7 2 5; 0 1 3 1" --kernel sobel-x
    convscope calc pool --input "1 2; 3 4" --kernel-size 2 --mode avg
    convscope calc softmax --logits "2.0 1.0 0.1" --json
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Sequence

from convscope import calc
from convscope.calc import Calculation, Note, num
from convscope.calc.softmax import SoftmaxTerm
from convscope.cli import print_json
from convscope.errors import ConvScopeError

_WHOLE = re.compile(r"\s*([+-]?\d{1,12})\s*")
_MATRIX_HELP = "rows separated by ';', values by spaces or commas, e.g. \"1 2; 3 4\" (up to 12×12)"
#: Worked steps the text form shows before it says how many more ``--all`` prints.
_SHOWN = {"conv": 4, "pool": 4, "relu": 12, "flatten": 12, "softmax": 144, "dense": 0}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "calc",
        help="calculators for your own numbers: conv, relu, pool, flatten, softmax, dense",
        description="Type a small matrix, vector or tensor and see every intermediate step.",
    )
    sub = parser.add_subparsers(dest="calc_command", required=True, metavar="SUBCOMMAND")
    for add in (_conv, _relu, _pool, _flatten, _softmax, _dense):
        add(sub)


def _common(parser: argparse.ArgumentParser, run: Callable[[argparse.Namespace], Calculation]) -> None:
    parser.add_argument(
        "--json", action="store_true", help="print the result under 'output' and every step under 'steps'"
    )
    parser.add_argument("--all", action="store_true", help="show every worked step, not only the first few")
    parser.set_defaults(run=lambda args: _show(run(args), args))


def _conv(sub: argparse._SubParsersAction) -> None:
    names = ", ".join(calc.CLASSIC_KERNELS)
    p = sub.add_parser("conv", help="slide a kernel over a matrix", description="Every window's products and sum.")
    p.add_argument("--input", required=True, help=f"the matrix: {_MATRIX_HELP}")
    p.add_argument("--kernel", required=True, help=f"a classic kernel ({names}) or a matrix typed like --input")
    p.add_argument("--stride", default="1", help="stride S (default 1)")
    p.add_argument("--padding", default="0", help="zeros P on every side (default 0)")
    p.add_argument("--dilation", default="1", help="dilation D (default 1)")
    _common(
        p,
        lambda a: calc.convolve(
            a.input,
            a.kernel,
            stride=_whole(a.stride, "--stride"),
            padding=_whole(a.padding, "--padding"),
            dilation=_whole(a.dilation, "--dilation"),
        ),  # fmt: skip
    )


def _relu(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("relu", help="max(0, x) of a vector or matrix", description="ReLU value by value.")
    p.add_argument("--input", required=True, help=f'a vector ("-1 2 0.5") or a matrix: {_MATRIX_HELP}')
    _common(p, lambda a: calc.relu(a.input))


def _pool(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pool", help="max or average pooling of a matrix", description="Each window and its result.")
    p.add_argument("--input", required=True, help=f"the matrix: {_MATRIX_HELP}")
    p.add_argument("--kernel-size", default="2", help="window size K (default 2)")
    p.add_argument("--stride", default=None, help="stride S (default: the window size, as in PyTorch)")
    p.add_argument("--padding", default="0", help="zeros P on every side, at most K/2 (default 0)")
    p.add_argument("--mode", choices=("max", "avg"), default="max", help="max or average pooling (default max)")
    p.add_argument(
        "--exclude-pad",
        action="store_true",
        help="average over input cells only (count_include_pad=False); by default padding zeros count, as in PyTorch",
    )

    def run(a: argparse.Namespace) -> Calculation:
        if a.exclude_pad and a.mode != "avg":
            raise ConvScopeError("--exclude-pad changes what average pooling divides by; use it with --mode avg")
        return calc.pool(
            a.input, kernel_size=_whole(a.kernel_size, "--kernel-size"),
            stride=None if a.stride is None else _whole(a.stride, "--stride"),
            padding=_whole(a.padding, "--padding"), mode=a.mode, count_include_pad=not a.exclude_pad,
        )  # fmt: skip

    _common(p, run)


def _flatten(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "flatten", help="flatten a C×H×W tensor in PyTorch's and Keras's order", description="Where every value goes."
    )
    p.add_argument(
        "--input", required=True,
        help="C·H·W numbers channel by channel (row by row within a channel); ';' and '|' may separate rows and channels",
    )  # fmt: skip
    p.add_argument("--shape", required=True, help="C,H,W, e.g. 2,3,3")
    p.add_argument(
        "--order", choices=("chw", "hwc"), default="chw",
        help="order of the output: chw as PyTorch flattens (default), hwc as Keras / TensorFlow do",
    )  # fmt: skip
    _common(p, lambda a: calc.flatten(a.input, a.shape, order=a.order))


def _softmax(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("softmax", help="probabilities of typed logits", description="Exp terms, sum, probabilities.")
    p.add_argument("--logits", required=True, help='the logits, e.g. "2.0 1.0 0.1"')
    _common(p, lambda a: calc.softmax(a.logits))


def _dense(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dense", help="weights and biases of a fully connected layer", description="in·out + out.")
    p.add_argument("--in", dest="in_features", required=True, help="inputs (e.g. 1690, a flattened 10×13×13)")
    p.add_argument("--out", dest="out_features", required=True, help="outputs (e.g. 10 classes)")
    p.add_argument("--no-bias", action="store_true", help="a layer without biases")
    _common(
        p,
        lambda a: calc.dense_count(_whole(a.in_features, "--in"), _whole(a.out_features, "--out"), bias=not a.no_bias),
    )


def _whole(text: str, option: str) -> int:
    match = _WHOLE.fullmatch(text)
    if match is None:
        raise ConvScopeError(f"{option} takes a whole number such as 2, got {text!r}")
    return int(match.group(1))


def _show(result: Calculation, args: argparse.Namespace) -> int:
    if args.json:
        print_json(result.to_dict())
    else:
        print(format_calculation(result, every=args.all))
    return 0


# ------------------------------------------------------------------ text form


def _grid(rows: Sequence[Sequence[float]]) -> list[str]:
    cells = [[num(v) for v in row] for row in rows]
    width = max(len(c) for row in cells for c in row)
    return ["  " + " ".join(f"{c:>{width}}" for c in row) for row in cells]


def _head(result: Calculation) -> str:
    s = result.settings
    shape = "×".join(map(str, result.shape))
    if result.operation == "conv":
        k = s["kernel"]
        kernel = f"{k['name']} " if k["name"] else ""
        size = "×".join(map(str, k["size"]))
        return (
            f"Convolution: {len(result.input)}×{len(result.input[0])} input, {kernel}{size} kernel, stride {s['stride']}, "
            f"padding {s['padding']}, dilation {s['dilation']} → {shape} output"
        )
    if result.operation == "pool":
        mode = "Max" if s["mode"] == "max" else "Average"
        return (
            f"{mode} pooling: {len(result.input)}×{len(result.input[0])} input, {s['kernel_size']}×{s['kernel_size']} "
            f"window, stride {s['stride']}, padding {s['padding']} → {shape} output"
        )
    if result.operation == "relu":
        return f"ReLU: {shape} input → {shape} output"
    if result.operation == "flatten":
        c, h, w = s["shape"]
        order = "C×H×W (PyTorch)" if s["order"] == "chw" else "H×W×C (Keras / TensorFlow)"
        return f"Flatten: {c}×{h}×{w} tensor → {shape} units, numbered {order}"
    if result.operation == "softmax":
        return f"Softmax: {shape} logit{'s' * (shape != '1')} → {shape} probabilit{'ies' if shape != '1' else 'y'}"
    return f"Dense layer: {result.input['in_features']:,} inputs → {result.input['out_features']:,} outputs"


def _output(result: Calculation) -> list[str]:
    if result.operation in ("conv", "pool", "relu"):
        return [f"Output ({'×'.join(map(str, result.shape))}):", *_grid(result.output)]
    if result.operation == "flatten":
        return ["Output:", "  " + " ".join(num(v) for v in result.output)]
    if result.operation == "softmax":
        shown = [s.shown for s in result.steps if isinstance(s, SoftmaxTerm)]
        return ["Probabilities:", "  " + " ".join(shown)]
    out = result.output
    return [
        "Output:",
        f"  weights:     {result.extras['formulas']['weights']}",
        f"  biases:      {result.extras['formulas']['biases']}",
        f"  parameters:  {result.extras['formulas']['params']}",
        f"  multiplications: {out['mults']:,}",
    ]


def format_calculation(result: Calculation, *, every: bool = False) -> str:
    """The text form: what was computed, the output, the first few worked steps, then why."""
    worked = [s for s in result.steps if not isinstance(s, Note)]
    notes = [s for s in result.steps if isinstance(s, Note)]
    shown = worked if every else worked[: _SHOWN[result.operation]]
    lines = [_head(result), "", *_output(result)]
    if shown:
        more = "" if len(shown) == len(worked) else f", the first {len(shown)} of {len(worked)} (--all shows every one)"
        lines += ["", f"Worked{more}:", *(f"  {s.text}" for s in shown)]
    lines += ["", "Steps:", *(f"  {i}. {n.text}" for i, n in enumerate(notes, 1))]
    return "\n".join(lines)
