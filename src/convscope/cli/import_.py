"""``convscope import FILE --out MODEL_DIR``: an ONNX, Keras or TF.js file as a ConvScope model."""

from __future__ import annotations

import argparse
from pathlib import Path

from convscope.cli import model_facts, print_json
from convscope.cli.options import read_classes
from convscope.errors import ConvScopeError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import",
        help="convert an ONNX, Keras (.h5/.keras) or TF.js model into a ConvScope model folder",
    )
    parser.add_argument("file", metavar="FILE", help=".onnx, .h5/.hdf5, .keras, or a TF.js model.json (or its folder)")
    parser.add_argument(
        "--out", required=True, metavar="MODEL_DIR", help="model folder to write (a .zip name writes a zip)"
    )
    parser.add_argument("--classes", metavar="FILE", help="class names, one per line")
    parser.add_argument(
        "--samples",
        metavar="DIR",
        help="images to store with the model as its samples (labels from sub-folder names or a samples.json)",
    )
    parser.add_argument("--force", action="store_true", help="replace MODEL_DIR if it exists")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from convscope.formats.importers import import_file
    from convscope.formats.modelfile import save_model
    from convscope.formats.samples import collect_samples, sample_members
    from convscope.network import Network

    out = Path(args.out)
    if out.exists() and not args.force:
        raise ConvScopeError(f"{out} already exists; choose another --out or add --force to replace it")
    imported = import_file(args.file, classes=read_classes(args.classes))
    # Building the Network checks the model is one ConvScope can show before anything is written.
    network = Network(imported.module, imported.input_spec, imported.classes, name=out.stem)
    samples = collect_samples(args.samples, list(network.class_names)) if args.samples else []
    save_model(
        out,
        imported.module,
        architecture={"layers": imported.layers},
        input_spec=imported.input_spec,
        classes=imported.classes,
        provenance={"imported_from": imported.source},
        zip=out.suffix.lower() == ".zip",
        extra_members=sample_members(samples, {"source": str(args.samples)}) if samples else None,
    )
    report = {
        **model_facts(network, str(out)),
        "out": str(out),
        "source": imported.source,
        "layers": len(imported.layers),
        "input_spec": imported.input_spec.to_dict(),
        "classes": list(network.class_names),
        "samples": len(samples),
    }
    if args.json:
        print_json(report)
    else:
        c, h, w = imported.input_spec.shape
        producer = f", {imported.source['producer']}" if imported.source.get("producer") else ""
        print(
            f"imported {imported.source['file']} ({imported.source['format']}{producer}): "
            f"{len(imported.layers)} layers, {network.total_params:,} parameters, input {c}x{h}x{w}, "
            f"{network.num_classes} classes{f', {len(samples)} samples' if samples else ''} -> {out}"
        )
    return 0
