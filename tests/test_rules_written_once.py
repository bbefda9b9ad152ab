"""Window, size and padding rules live in ``convscope.arithmetic`` only: no copies elsewhere in ``src/``.

The formulas ConvScope teaches were once written again in the layer-list
importer, the channels-last importers, TinyVGG's builder and the pooling
explainer, where they could drift apart. These tests grep the package's Python
and JavaScript for the shapes those copies took, so a new copy fails here and
points at ``convscope.arithmetic`` instead.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import convscope

SRC = Path(convscope.__file__).parent
#: The one place the rules are written (numbers) and worded (reports).
#: The exported site's explorer (web/js/static/arith.js) is the one sanctioned browser port, checked
#: against Python over a dense grid in tests/web/test_static_arith.py.
ARITHMETIC = {SRC / "arithmetic.py", SRC / "arithmetic_words.py", SRC / "web" / "js" / "static" / "arith.js"}
#: Third-party code shipped with the web app.
VENDOR = SRC / "web" / "vendor"

#: A name, possibly an attribute (``self.stride``); a stride by name or as S, S_h, S_w.
_NAME = r"[\w.]+"
_STRIDE = r"(?:[\w.]*\.)?(?:\w*stride\w*|s[hw]?)"
_SHARED = {
    "padding on both sides, H + 2·P": r"\+\s*2\s*\*\s*[\w.]*(?:pad|p)\w*\b",
    "effective kernel, D·(K − 1)": rf"(?:\b|\.)(?:\w*dil\w*|d[hw]?)\s*\*\s*\(\s*{_NAME}\s*-\s*1\s*\)",
    "size minus kernel plus one, … − K + 1": r"-\s*(?:[\w.]*\.)?(?:\w*kernel\w*|k[hw]?)\s*\+\s*1\b",
    "start of the last window, (out − 1)·S": rf"\(\s*{_NAME}\s*-\s*1\s*\)\s*\*\s*{_STRIDE}\b",
    "padded size, H + top + bottom": r"\+\s*[\w.\[\]]*\btop\s*\+\s*[\w.\[\]]*\bbottom\b",
}
PYTHON = {
    **_SHARED,
    "window count by floor division, … // S": rf"//\s*\(?\s*{_STRIDE}\b",
    "ceil of a size over the stride": rf"math\.ceil\(\s*{_NAME}\s*/\s*{_STRIDE}\s*\)",
    "adaptive window, floor(i·H/out) or ceil((i + 1)·H/out)": (
        rf"\(\s*\(?\s*{_NAME}\s*(?:\+\s*1\s*)?\)?\s*\*\s*{_NAME}\s*\)\s*//\s*{_NAME}"
    ),
}
JAVASCRIPT = {
    **_SHARED,
    "window count by Math.floor(… / S)": rf"Math\.floor\([^;]*?/\s*{_STRIDE}\b",
    "ceil of a size over the stride": rf"Math\.ceil\(\s*{_NAME}\s*/\s*{_STRIDE}\s*\)",
    "adaptive window, floor(i·H/out) or ceil((i + 1)·H/out)": (
        rf"Math\.(?:floor|ceil)\(\s*\(?\s*\(?\s*{_NAME}\s*(?:\+\s*1\s*)?\)?\s*\*\s*{_NAME}\s*\)?\s*/"
    ),
}

#: The copies these patterns were written against, as they stood before the rules moved.
OLD_PYTHON = {
    "formats/layerlist.py": """
    span = size + 2 * p - d * (k - 1) - 1
    out = (math.ceil(span / s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
""",
    "formats/importers/channels_last.py": """
    span = dilation * (kernel - 1) + 1
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + span - size, 0)
""",
    "zoo/tinyvgg.py": """
        size = size // 2 if item == "M" else size + 2 * padding - kernel_size + 1
""",
    "explain/pool.py": """
    rows = torch.arange((y * h) // ho, -(-((y + 1) * h) // ho))
""",
    "server/explain_payload.py": """
        "padded": [report.size[0] + top + bottom, report.size[1] + left + right],
""",
}
#: The same rules as a browser view would write them.
OLD_JAVASCRIPT = {
    "output size": "const out = Math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;",
    "same padding": "const out = Math.ceil(size / stride); const total = (out - 1) * stride + kernel - size;",
    "adaptive window": "const start = Math.floor((i * h) / out); const end = Math.ceil(((i + 1) * h) / out);",
    "valid conv": "const next = h - kernel + 1;",
    "padded input": "const ph = h + top + bottom; const pw = w + left + right;",
}


def _hits(text: str, patterns: dict[str, str]) -> list[tuple[str, str]]:
    return [(rule, m.group(0)) for rule, pattern in patterns.items() for m in re.finditer(pattern, text)]


def _sources() -> list[Path]:
    files = [*SRC.rglob("*.py"), *SRC.rglob("*.js"), *SRC.rglob("*.mjs")]
    return sorted(f for f in files if f not in ARITHMETIC and VENDOR not in f.parents)


def test_no_window_size_or_padding_rule_is_written_outside_arithmetic():
    copies = []
    for path in _sources():
        patterns = PYTHON if path.suffix == ".py" else JAVASCRIPT
        for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for rule, text in _hits(line, patterns):
                copies.append(f"{path.relative_to(SRC)}:{line_no}: {rule}: {text!r}")
    assert not copies, "call convscope.arithmetic instead of writing these rules again:\n" + "\n".join(copies)


def test_the_grep_reads_python_and_javascript_of_the_whole_package():
    names = {path.relative_to(SRC).as_posix() for path in _sources()}
    assert {"formats/layerlist.py", "explain/pool.py", "zoo/tinyvgg.py"} <= names
    assert any(name.startswith("web/js/") and name.endswith(".js") for name in names)
    assert not names & {"arithmetic.py", "arithmetic_words.py"}


@pytest.mark.parametrize("where", sorted(OLD_PYTHON))
def test_the_patterns_catch_the_python_copies_that_were_removed(where):
    assert _hits(OLD_PYTHON[where], PYTHON), f"no pattern matches the old copy in {where}"


@pytest.mark.parametrize("what", sorted(OLD_JAVASCRIPT))
def test_the_patterns_catch_the_rules_written_in_javascript(what):
    assert _hits(OLD_JAVASCRIPT[what], JAVASCRIPT), f"no pattern matches a JavaScript {what}"


@pytest.mark.parametrize(("patterns", "examples"), [(PYTHON, OLD_PYTHON), (JAVASCRIPT, OLD_JAVASCRIPT)])
def test_every_pattern_matches_at_least_one_old_copy(patterns, examples):
    everything = "\n".join(examples.values())
    unused = [rule for rule, pattern in patterns.items() if not re.search(pattern, everything)]
    assert not unused, f"patterns that no known copy exercises: {unused}"


def test_the_arithmetic_module_itself_would_be_caught():
    """The rules do live in arithmetic.py, in shapes the grep looks for (so the grep can fail)."""
    rules = {rule for rule, _ in _hits((SRC / "arithmetic.py").read_text(encoding="utf-8"), PYTHON)}
    assert {"window count by floor division, … // S", "effective kernel, D·(K − 1)"} <= rules
