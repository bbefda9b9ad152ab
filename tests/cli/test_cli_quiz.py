"""``convscope quiz MODEL``: Markdown, JSON and GIFT on stdout or to a file, one-line errors."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

from convscope.cli import main
from convscope.quiz import TOPICS


def test_quiz_prints_markdown_questions_and_an_answer_key(capsys):
    assert main(["quiz", "default", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Quiz: default\n") and "## Questions" in out and "## Answer key" in out


def test_quiz_json_has_model_seed_and_questions(capsys):
    assert main(["quiz", "default", "--seed", "4", "--topics", "weights,relu", "--count", "4", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["model"] == "default" and data["seed"] == 4
    assert [q["topic"] for q in data["questions"]] == ["weights", "relu"] * 2
    assert all(
        {"id", "topic", "text", "answer", "tolerance", "view", "explanation"} <= set(q) for q in data["questions"]
    )


def test_format_json_is_the_same_as_json(capsys):
    assert main(["quiz", "default", "--format", "json"]) == 0
    one = capsys.readouterr().out
    assert main(["quiz", "default", "--json"]) == 0
    assert capsys.readouterr().out == one


def test_quiz_writes_gift_to_a_file_with_the_umasks_mode(tmp_path, capsys):
    target = tmp_path / "sub" / "quiz.gift"
    old = os.umask(0o022)
    try:
        assert main(["quiz", "tinyvgg", "--format", "gift", "--out", str(target), "--difficulty", "easy"]) == 0
    finally:
        os.umask(old)
    assert f"wrote {target}" in capsys.readouterr().out
    text = target.read_text(encoding="utf-8")
    assert text.startswith("// ConvScope quiz: tinyvgg, seed 0, difficulty easy") and "::q01-input::" in text
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in target.parent.iterdir()] == ["quiz.gift"], "no temporary file is left behind"


def _run(*argv: str, hash_seed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run([sys.executable, "-m", "convscope", *argv], capture_output=True, env=env, check=True)
    return done.stdout


def test_the_same_seed_is_byte_identical_across_processes():
    argv = ("quiz", "default", "--seed", "21", "--format", "gift", "--count", "30")
    assert _run(*argv, hash_seed="1") == _run(*argv, hash_seed="2")


def test_an_unknown_topic_is_one_line_listing_the_valid_topics(capsys):
    assert main(["quiz", "default", "--topics", "relu,convolutions"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown topic 'convolutions'" in err
    assert all(name in err for name in TOPICS)


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--seed", "abc"], "--seed must be a whole number"),
        (["--count", "0"], "count must be"),
        (["--count", "x"], "--count"),
    ],
)
def test_bad_numbers_are_one_line(argv, words, capsys):
    assert main(["quiz", "default", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err


def test_with_json_an_error_is_json_on_stderr(capsys):
    assert main(["quiz", "default", "--topics", "nope", "--json"]) == 2
    assert "valid topics" in json.loads(capsys.readouterr().err)["error"]


def test_help_names_the_topics_and_formats(capsys):
    assert main(["quiz", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "relu, pool-output-size" in text and "{markdown,json,gift}" in text and "(default: medium)" in text


def test_topics_that_do_not_apply_are_named_on_stderr_and_the_rest_printed(capsys):
    assert main(["quiz", "tinyvgg", "--topics", "traced-probability,relu", "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "note: skipped topic traced-probability: the model has no sample images to trace\n"
    data = json.loads(captured.out)
    assert [q["topic"] for q in data["questions"]] == ["relu"]
    assert data["skipped"] == [{"topic": "traced-probability", "reason": "the model has no sample images to trace"}]
