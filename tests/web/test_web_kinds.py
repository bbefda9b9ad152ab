"""The browser holds no copy of Python's layer kinds: it reads each layer's view, display,
signedness and connectivity from the server (``convscope.layer_views``) and shows the kind only as text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from convscope.layer_views import DetailView, Display, Link
from convscope.types import LayerKind

JS = Path(__file__).resolve().parents[2] / "src" / "convscope" / "web" / "js"

#: Kind names that are also words the server sends (view and display names, "input"):
#: they may appear in JS, as those words.
SHARED = {str(v) for v in (*DetailView, *Display, *Link)} & {str(k) for k in LayerKind}
KIND_NAMES = sorted({str(k) for k in LayerKind} - SHARED)

#: A kind name as a string ("relu", 'relu', `relu`) or as an object key (relu: …).
_KINDS = "|".join(KIND_NAMES)
_NAMED = re.compile(rf"""(["'`])({_KINDS})\1|(?<![\w.$"'`-])({_KINDS})\s*:(?!:)""")
#: Deciding on a layer's kind: comparing it, or looking it up in a table or a set.
_DECIDED = re.compile(
    r"\.kind\s*[!=]==?|[!=]==?\s*[\w.?]*\.kind\b|\[\s*[\w.?]*\.kind\s*\]|\.(?:has|get|includes)\(\s*[\w.?]*\.kind\s*\)"
)


def _code(text: str) -> str:
    """JS source without its comments (a comment may name a kind)."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"(?m)(^|[^:\\])//.*$", r"\1", text)


def offences(text: str) -> list[str]:
    code = _code(text)
    named = [m.group(0) for m in _NAMED.finditer(code)]
    decided = [m.group(0) for m in _DECIDED.finditer(code)]
    return named + decided


def _js_files() -> list[Path]:
    return sorted(JS.rglob("*.js"))


def test_the_scan_sees_the_whole_app():
    names = {p.relative_to(JS).as_posix() for p in _js_files()}
    assert {
        "app.js",
        "details.js",
        "core/layout.js",
        "core/scales.js",
        "core/detail.js",
        "views/detail/formula.js",
    } <= names
    assert len(KIND_NAMES) >= 20 and "conv2d" in KIND_NAMES and "maxpool2d" in KIND_NAMES


@pytest.mark.parametrize(
    "source",
    [
        'const HIDDEN_KINDS = new Set(["flatten", "identity"]);',
        "export const VIEW_OF_KIND = { conv2d: \"conv\", relu: 'activation' };",
        "if (layer.kind === 'softmax') return;",
        "const pools = kinds.has(layer.kind);",
        "const view = VIEWS[layer.kind];",
        "return `maxpool2d`;",
    ],
)
def test_the_scan_catches_a_kind_table_or_a_decision_on_kind(source):
    assert offences(source)


def test_the_scan_lets_kinds_be_shown_and_named_in_comments():
    assert (
        offences(
            '// relu, "maxpool2d" and conv2d have their own views\nadd("kind", layer.kind);\nel("span", "layer-kind", {}, layer.kind);'
        )
        == []
    )
    assert offences('const view = layer.view === "conv"; el("input", "", { type: "number" });') == []


@pytest.mark.parametrize("path", _js_files(), ids=lambda p: p.relative_to(JS).as_posix())
def test_no_js_module_keeps_a_table_of_layer_kinds(path):
    assert offences(path.read_text(encoding="utf-8")) == []
