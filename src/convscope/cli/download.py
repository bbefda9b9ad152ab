"""``convscope download NAME…``: fetch downloadable models ahead of time (for a classroom machine).

Example:
    convscope download cnn-explainer resnet18-imagenet
    CONVSCOPE_MIRROR=http://mirror.school:8080 convscope download vgg16-imagenet
"""

from __future__ import annotations

import argparse
import sys

from convscope.cli import print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "download",
        help="fetch downloadable models into the cache now (see convscope models)",
        description="Download, verify (sha256) and convert named models into the cache; a cached model is not fetched again.",
    )
    parser.add_argument("names", nargs="+", metavar="NAME", help="downloadable model names, e.g. cnn-explainer")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    parser.add_argument("--json", action="store_true", help="print the cached folders as JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from convscope.formats.download import ensure_model, get_downloadable, is_cached

    for name in args.names:  # refuse an unknown name before fetching anything
        get_downloadable(name)
    results = []
    for name in args.names:
        was_cached = is_cached(name)
        path = ensure_model(name, progress=not args.quiet and not args.json and sys.stderr.isatty())
        results.append({"name": name, "path": str(path), "was_cached": was_cached})
    if args.json:
        print_json(results)
    else:
        for r in results:
            print(f"{r['name']}: {'already cached' if r['was_cached'] else 'downloaded'} at {r['path']}")
    return 0
