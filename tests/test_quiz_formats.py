"""Quiz output: Markdown with a separate answer key, JSON, and GIFT that parses back to the same answers."""

from __future__ import annotations

import json
import math

import pytest

from convscope.errors import ConvScopeError
from convscope.formats import resolve_model
from convscope.quiz import FORMATS, Question, Quiz, generate, render
from convscope.quiz.gift import escape

#: GIFT's special characters; a backslash before one makes it literal.
SPECIAL = set("~=#{}:\\")


def _read_escaped(text: str, i: int, stops: str) -> tuple[str, int]:
    """Read from ``i`` up to the first unescaped character in ``stops``; return the unescaped text and its index."""
    out = []
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            assert i + 1 < len(text) and text[i + 1] in SPECIAL, f"stray backslash at {i}: {text[i : i + 10]!r}"
            out.append(text[i + 1])
            i += 2
            continue
        if ch in stops:
            return "".join(out), i
        assert ch not in SPECIAL, f"unescaped {ch!r} at {i} in {text!r}"
        out.append(ch)
        i += 1
    return "".join(out), i


def parse_gift(source: str) -> list[dict]:
    """A small GIFT reader for what ConvScope writes: title, [plain] text, one answer block with feedback."""
    questions = []
    for block in source.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("//")]
        if not lines:
            continue
        assert len(lines) == 1, f"a question is one line: {lines!r}"
        line = lines[0]
        assert line.startswith("::")
        title, i = _read_escaped(line, 2, ":")
        assert line[i : i + 2] == "::"
        i += 2
        assert line[i : i + 7] == "[plain]"
        text, i = _read_escaped(line, i + 7, "{")
        assert line[i] == "{" and line.endswith("}")
        body = line[i + 1 : -1]
        head, _, feedback_raw = body.partition("####")
        feedback, end = _read_escaped(feedback_raw, 0, "")
        assert end == len(feedback_raw)
        q = {"id": title, "text": text.rstrip(), "feedback": feedback}
        if head == "":
            q["kind"] = "essay"
        elif head in ("T", "F"):
            q["kind"], q["answer"] = "truefalse", "true" if head == "T" else "false"
        elif head.startswith("#"):
            value, tol = head[1:].split(":")
            q["kind"], q["answer"], q["tolerance"] = "numeric", float(value), float(tol)
        else:
            assert head.startswith("=")
            answer, end = _read_escaped(head, 1, "")
            q["kind"], q["answer"] = "list", [float(v) for v in answer.split(",")]
        questions.append(q)
    return questions


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def network():
    return resolve_model("default")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gift_parses_back_to_every_question_and_answer(network, seed):
    quiz = generate(network, seed=seed, difficulty="hard", count=30)
    parsed = parse_gift(render(quiz, "gift"))
    assert len(parsed) == len(quiz)
    for q, p in zip(quiz, parsed, strict=True):
        assert p["id"] == q.id and p["text"] == _flat(q.text) and p["kind"] == q.kind
        assert p["feedback"] == _flat(q.explanation)
        if q.kind == "numeric":
            # The file writes 6 significant digits (calc.num), well inside every question's tolerance.
            assert math.isclose(p["answer"], q.answer, rel_tol=5e-6, abs_tol=1e-6) and p["tolerance"] == q.tolerance
            assert abs(p["answer"] - q.answer) < (q.tolerance or 0) or p["answer"] == q.answer
        elif q.kind == "list":
            assert p["answer"] == [float(v) for v in q.answer]
        elif q.kind == "truefalse":
            assert p["answer"] == q.answer


def _question(text: str, explanation: str, answer: object = 3, kind: str = "numeric") -> Question:
    return Question(
        id="q01-odd:{id}", topic="input", text=text, answer=answer, tolerance=0, view="overview",
        explanation=explanation, kind=kind,
    )  # fmt: skip


def test_gift_escapes_every_special_character_in_titles_text_and_feedback():
    text = "Is a = b? {x} ~ y #1: \\ done\n\nnext line"
    quiz = Quiz("m", 0, "medium", (_question(text, "because: {a} = #b ~c"), _question(text, "x", "true", "truefalse")))
    (numeric, truefalse) = parse_gift(render(quiz, "gift"))
    assert numeric["id"] == "q01-odd:{id}"
    assert numeric["text"] == _flat(text) and numeric["feedback"] == "because: {a} = #b ~c"
    assert numeric["answer"] == 3 and truefalse["answer"] == "true"


def test_escape_puts_a_backslash_before_each_special_character_and_keeps_one_line():
    assert escape("a=b:c\n\nd") == "a\\=b\\:c d"
    assert escape("{~#}") == "\\{\\~\\#\\}"


def test_gift_writes_numbers_with_tolerance_and_essays_with_empty_answers(network):
    quiz = generate(network, seed=0, topics="weights,softmax,explain-softmax")
    lines = [line for line in render(quiz, "gift").splitlines() if line.startswith("::")]
    weights, softmax, essay = lines
    assert weights.split("[plain]")[1].split("{#")[1].startswith(f"{quiz[0].answer}:0####")
    assert f"{{#{quiz[1].answer:g}:0.001####" in softmax
    assert essay.split("[plain]")[1].split(" {")[-1].startswith("####"), "an essay: no answer, feedback only"


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_same_seed_gives_byte_identical_output_in_every_format(network, fmt):
    one = render(generate(network, seed=9, count=25), fmt)
    two = render(generate(resolve_model("default"), seed=9, count=25), fmt)
    assert one == two
    assert render(generate(network, seed=10, count=25), fmt) != one


def test_json_holds_model_seed_and_questions_with_every_field(network):
    data = json.loads(render(generate(network, seed=3), "json", model="default"))
    assert data["model"] == "default" and data["seed"] == 3
    for q in data["questions"]:
        assert {"id", "topic", "text", "answer", "tolerance", "view", "explanation"} <= set(q)


def test_markdown_lists_the_questions_then_a_separate_answer_key(network):
    quiz = generate(network, seed=2)
    text = render(quiz, "markdown")
    questions, key = text.split("## Answer key")
    assert "## Questions" in questions
    for n, q in enumerate(quiz, start=1):
        assert f"{n}. {q.text}" in questions
        assert q.explanation not in questions, "the answers are only in the key"
        assert f"({q.id}) — {q.explanation}" in key
    essays = [q for q in quiz if q.needs_human]
    assert essays and key.count("needs a human grader") == len(essays)


def test_markdown_says_which_topics_were_skipped_and_why():
    quiz = Quiz("m", 0, "medium", (), {"pool-stride": "the model has no max or average pooling layer"})
    assert "- `pool-stride`: the model has no max or average pooling layer" in render(quiz)


def test_an_unknown_format_is_refused():
    with pytest.raises(ConvScopeError, match="markdown, json, gift"):
        render(Quiz("m", 0, "medium", ()), "qti")
