"""``convscope models``: every name MODEL accepts — zoo, downloadable, local folders.

Example:
    convscope models            # a table
    convscope models --json     # with each download's URL, size and sha256
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from convscope.cli import print_json

#: Folders never searched for local models (environments, caches, VCS data).
_SKIP = {".git", ".venv", "venv", "node_modules", "__pycache__", ".cache"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "models",
        help="list the models MODEL can name: zoo architectures, downloadable trained models, local model folders",
    )
    parser.add_argument(
        "--dir", default=".", metavar="FOLDER", help="where to look for local model folders (default: here)"
    )
    parser.add_argument(
        "--depth", type=int, default=3, metavar="N", help="how many folder levels to search (default 3)"
    )
    parser.add_argument(
        "--json", action="store_true", help="print JSON, with every downloadable file's URL, size and sha256"
    )
    parser.set_defaults(run=run)


def listing(folder: Path, depth: int) -> dict[str, Any]:
    """What ``convscope models`` shows, as data."""
    from convscope.formats import DEFAULT_MODEL
    from convscope.formats.download import cache_root, is_cached, model_dir, registry
    from convscope.zoo import get_entry, list_models

    zoo = [{"name": n, "description": get_entry(n).description, "weights": "random"} for n in list_models()]
    downloads = [
        {**entry.to_dict(), "cached": is_cached(entry.name), "path": str(model_dir(entry.name))}
        for entry in registry.downloads().values()
    ]
    local = [{"name": "default", "path": str(DEFAULT_MODEL), "bundled": True}]
    local += [{"name": p.name, "path": str(p), "bundled": False} for p in find_model_folders(folder, depth)]
    return {"cache": str(cache_root()), "zoo": zoo, "downloadable": downloads, "local": local}


def find_model_folders(root: Path, depth: int) -> list[Path]:
    """ConvScope model folders and zips under ``root``, at most ``depth`` levels down, sorted."""
    from convscope.formats.modelfile import is_model_path

    found: list[Path] = []

    def walk(folder: Path, level: int) -> None:
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            return  # unreadable folders are skipped, not fatal
        for entry in entries:
            if entry.name.startswith(".") and entry.name != "." or entry.name in _SKIP:
                continue
            if entry.is_dir() and (entry / "model.json").is_file() or entry.suffix == ".zip":
                if is_model_path(entry):
                    found.append(entry)
                    continue
            if entry.is_dir() and level < depth:
                walk(entry, level + 1)

    walk(root, 1)
    return found


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return ""  # pragma: no cover


def run(args: argparse.Namespace) -> int:
    data = listing(Path(args.dir), max(args.depth, 1))
    if args.json:
        print_json(data)
        return 0
    print("zoo architectures (random weights; train them with convscope train):")
    for row in data["zoo"]:
        print(f"  {row['name']:<20} {row['description']}")
    print(f"downloadable trained models (cache: {data['cache']}):")
    for row in data["downloadable"]:
        state = "cached" if row["cached"] else f"{_size(row['size'])} to download" if row["size"] else "size unknown"
        print(f"  {row['name']:<20} {state:<20} {row['description']}")
    print("local model folders:")
    for row in data["local"]:
        print(f"  {row['name']:<20} {row['path']}{'  (bundled)' if row['bundled'] else ''}")
    return 0
