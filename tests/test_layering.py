"""The import graph only looks down: the library never imports the server or the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import convscope

PACKAGE = Path(convscope.__file__).resolve().parent
UPPER = ("convscope.server", "convscope.cli")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_library_modules_never_import_server_or_cli():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).parts
        if relative[0] in ("server", "cli") or relative[0] == "__main__.py":
            continue
        bad = [name for name in _imports(path) if name.startswith(UPPER)]
        if bad:
            offenders.append(f"{path.relative_to(PACKAGE)} imports {', '.join(sorted(bad))}")
    assert offenders == []


def test_types_module_imports_nothing_from_convscope():
    assert not [name for name in _imports(PACKAGE / "types.py") if name.startswith("convscope")]
