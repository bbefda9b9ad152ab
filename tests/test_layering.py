"""The import graph only looks down: the library never imports the server or the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import convscope

PACKAGE = Path(convscope.__file__).resolve().parent
UPPER = ("convscope.server", "convscope.cli")
#: The one sanctioned upward import: ``convscope.widget()`` imports the widget (which sends the
#: server's payloads) inside the function, on first use only.
LAZY_ENTRY_POINTS = {("__init__.py",): {"convscope.server.widget"}}


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
        allowed = LAZY_ENTRY_POINTS.get(relative, set())
        bad = [name for name in _imports(path) if name.startswith(UPPER) and name not in allowed]
        if bad:
            offenders.append(f"{path.relative_to(PACKAGE)} imports {', '.join(sorted(bad))}")
    assert offenders == []


def test_types_module_imports_nothing_from_convscope():
    assert not [name for name in _imports(PACKAGE / "types.py") if name.startswith("convscope")]
