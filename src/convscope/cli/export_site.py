"""``convscope export-site MODEL --out DIR``: the app as a folder for any static web server.

Example:
    convscope export-site default --out site/
    python -m http.server --directory site 8080   # or GitHub Pages
"""

from __future__ import annotations

import argparse

from convscope.cli import print_json
from convscope.cli.options import read_classes


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export-site",
        help="write the explainer app with its images as a static site (GitHub Pages, python -m http.server)",
        description="Write a folder any static web server can host: the app, the traces of the exported images, "
        "and the weights its browser runtime explains each step from. Uploads need convscope serve.",
    )
    parser.add_argument(
        "model",
        metavar="MODEL",
        nargs="+",
        help="'default', a zoo name, a model folder/zip or an ONNX/Keras/TF.js file",
    )
    parser.add_argument(
        "--out", required=True, metavar="DIR", help="the site's folder (missing or empty unless --force)"
    )
    parser.add_argument("--samples", metavar="DIR", help="a folder of images added to every model's samples")
    parser.add_argument(
        "--images",
        nargs="+",
        default=[],
        metavar="IMAGE",
        help="sample ids to keep (the model's other samples are left out) and image files to add",
    )
    parser.add_argument("--force", action="store_true", help="replace a folder that already has files in it")
    parser.add_argument("--classes", metavar="FILE", help="class names, one per line (for imported files)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from convscope.server.export_site import check_target, export_site

    check_target(Path(args.out), args.force)  # before any model is loaded: a mistake costs nothing
    report = export_site(
        args.model,
        args.out,
        samples_dir=args.samples,
        images=args.images,
        force=args.force,
        classes=read_classes(args.classes),
    )
    if args.json:
        print_json(report.to_dict())
    else:
        count = sum(len(v) for v in report.images.values())
        print(
            f"wrote {report.out} ({report.bytes / 1e6:.2f} MB in {report.files} files): "
            f"{', '.join(report.models)} with {count} images; serve it with any static web server"
        )
    return 0
