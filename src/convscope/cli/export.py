"""``convscope export MODEL --onnx FILE``: any ConvScope model as an ONNX file."""

from __future__ import annotations

import argparse
from typing import Any

from convscope.cli import model_facts, print_json
from convscope.cli.options import add_model_argument, model_from_args


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("export", help="write a model as ONNX for other tools (onnxruntime, Netron…)")
    add_model_argument(parser)
    parser.add_argument("--onnx", required=True, metavar="FILE", help="the .onnx file to write")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from convscope.optional import needs_extra

    with needs_extra("ONNX export"):
        from convscope.formats.onnx_export import OPSET, export_onnx

    network = model_from_args(args)
    path = export_onnx(network, None, args.onnx)
    c, h, w = network.input_spec.shape
    report: dict[str, Any] = {
        **model_facts(network, args.model),
        "onnx": str(path),
        "bytes": path.stat().st_size,
        "opset": OPSET,
        "input": {"name": "input", "shape": ["N", c, h, w]},
        "output": {"name": "output", "shape": ["N", network.num_classes]},
    }
    if args.json:
        print_json(report)
    else:
        print(
            f"wrote {path} ({report['bytes'] / 1e6:.2f} MB, opset {OPSET}): "
            f"input (N, {c}, {h}, {w}) -> output (N, {network.num_classes})"
        )
    return 0
