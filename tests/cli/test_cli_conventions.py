"""Conventions every command shares, and bad options that must stay one line with exit status 2."""

from __future__ import annotations

import json
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import convscope
from convscope.cli import COMMANDS, build_parser, main
from tests.requirements import needs_fashion_mnist


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("convscope: error:") and "\n" not in err and "Traceback" not in err, err
    return err


def test_version_prints_the_package_version(capsys):
    assert main(["--version"]) == 0 and capsys.readouterr().out.strip() == f"convscope {convscope.__version__}"


def test_abbreviated_options_are_not_accepted(capsys):
    assert main(["summary", "tinyvgg", "--js"]) == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments: --js" in err and '"name"' not in err


def test_an_unknown_option_is_reported_with_the_commands_usage(capsys):
    assert main(["summary", "tinyvgg", "--bogus"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: convscope summary ") and err.strip().endswith("unrecognized arguments: --bogus")


@pytest.mark.parametrize("command", ["predict", "augment-preview", "evaluate", "arith", "train"])
def test_help_shows_the_defaults(command, capsys):
    assert main([command, "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    expected = {
        "predict": "(default: 3)",
        "augment-preview": "(default: augment-preview.png)",
        "evaluate": "(default: evaluation)",
        "arith": "(default 0)",
        "train": "(default: 0.003)",
    }[command]
    assert expected in text
    assert "(default: None)" not in text and "(default: False)" not in text


def test_train_help_shows_trainconfig_defaults(capsys):
    assert main(["train", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "passes over the training images (default: 10)" in text
    assert "(default: fashion-mnist)" in text and "(default: all)" in text


def test_json_errors_are_json_on_stderr(capsys):
    assert main(["summary", "no-such-model", "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    error = json.loads(captured.err)
    assert list(error) == ["error"] and "no-such-model" in error["error"]


def test_json_usage_errors_are_json_too(capsys):
    assert main(["predict", "--json"]) == 2  # MODEL and IMAGE missing
    assert "required" in json.loads(capsys.readouterr().err)["error"]


def _facts(report: dict) -> tuple:
    return report["model"], report["params"], tuple(report["input_shape"])


def test_the_same_keys_name_model_params_and_input_shape_in_every_report(tmp_path, capsys):
    """summary, predict, export and import all report the model as model / params / input_shape."""
    from PIL import Image

    image = tmp_path / "x.png"
    Image.new("L", (28, 28), 128).save(image)
    reports = {}
    for name, argv in {
        "summary": ["summary", "default", "--json"],
        "predict": ["predict", "default", str(image), "--json"],
        "export": ["export", "default", "--onnx", str(tmp_path / "m.onnx"), "--json"],
    }.items():
        assert main(argv) == 0, capsys.readouterr().err
        reports[name] = json.loads(capsys.readouterr().out)
    assert {_facts(r) for r in reports.values()} == {("default", 14_970, (1, 28, 28))}
    assert main(["import", str(tmp_path / "m.onnx"), "--out", str(tmp_path / "imported"), "--json"]) == 0
    imported = json.loads(capsys.readouterr().out)
    assert _facts(imported) == (str(tmp_path / "imported"), 14_970, (1, 28, 28))


# ----- class 6 and 7 through the command line ------------------------------------


@pytest.mark.parametrize(
    ("option", "words"),
    [
        ("filters=1000000000", "filters=1000000000"),
        ("filters=-5", "filters=-5"),
        ("dropout=2", "dropout=2"),
        ("dropout=NaN", "dropout=nan"),
        ("input_size=100000", "100000"),
        ("in_channels=50000", "values per image"),
        ("filters=5000", "parameters"),
        ("filters=" + "[" * 10_000, "filters"),
    ],
)
def test_absurd_or_malformed_zoo_options_are_one_line(option, words, capsys):
    assert main(["summary", "tinyvgg", "-o", option]) == 2
    assert words in one_line_error(capsys)


def test_a_non_utf8_classes_file_is_one_line(tmp_path, capsys):
    classes = tmp_path / "classes.txt"
    classes.write_bytes(b"cat\n\xff\xfe dog\n")
    assert main(["summary", "tinyvgg", "--classes", str(classes)]) == 2
    assert "not UTF-8" in one_line_error(capsys)


@pytest.mark.parametrize(
    "argv",
    [
        ["--size", "99999999999999999999", "--kernel", "3"],
        ["--size", "9" * 5000, "--kernel", "3"],
        ["--size", "64", "--kernel", "100000"],
        ["--size", "64", "--kernel", "3", "--in-channels", "10" * 20, "--filters", "3"],
        ["--size", "64", "--kernel", "3", "--stride", "99999"],
    ],
)
def test_arith_sizes_past_the_limits_are_one_line(argv, capsys):
    assert main(["arith", *argv]) == 2
    assert "takes values up to" in one_line_error(capsys)


def test_a_missing_optional_package_names_the_extra(tmp_path, monkeypatch, capsys):
    path = tmp_path / "m.h5"
    path.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 64)
    monkeypatch.setitem(sys.modules, "h5py", None)  # import h5py now fails as if it were not installed
    monkeypatch.delitem(sys.modules, "convscope.formats.importers.keras", raising=False)
    assert main(["import", str(path), "--out", str(tmp_path / "out")]) == 2
    err = one_line_error(capsys)
    assert "h5py" in err and "convscope[formats]" in err


def test_every_command_rejects_abbreviations():
    parser = build_parser()
    assert not parser.allow_abbrev
    commands = parser.parse_args(["summary", "x"])._commands
    assert len(commands) == len(COMMANDS) and all(not p.allow_abbrev for p in commands.values())


_WORDS = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    key=st.sampled_from(
        ["filters", "dropout", "input_size", "in_channels", "padding", "kernel_size", "num_classes", "nope"]
    ),
    value=st.one_of(
        st.integers(-10, 10).map(str),
        st.integers(10**5, 10**15).map(str),
        st.floats(allow_nan=True).map(str),
        st.sampled_from(["true", "null", "[]", "{}", '"x"', "1e400", "-0", "NaN", "Infinity", "[" * 3000]),
        _WORDS,
    ),
)
def test_fuzz_zoo_option_values_succeed_or_fail_in_one_line(key, value, capsys):
    code = main(["summary", "tinyvgg", "-o", f"{key}={value}", "--json"])
    captured = capsys.readouterr()
    if code == 0:
        assert json.loads(captured.out)["model"] == "tinyvgg"
    else:
        assert code == 2 and list(json.loads(captured.err)) == ["error"], captured.err


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    size=st.one_of(st.integers(-3, 300).map(str), st.integers(10**4, 10**30).map(str), _WORDS),
    kernel=st.one_of(st.integers(-1, 12).map(str), st.integers(10**4, 10**9).map(str), st.just("3x5")),
    extra=st.lists(
        st.sampled_from(["--pool", "--ceil-mode", "--stride", "2", "--padding", "same", "--dilation", "99999"]),
        max_size=4,
    ),
)
def test_fuzz_arith_values_succeed_or_fail_in_one_line(size, kernel, extra, capsys):
    code = main(["arith", "--size", size, "--kernel", kernel, *extra])
    err = capsys.readouterr().err
    assert code in (0, 2)
    if code == 2:
        assert "Traceback" not in err and err.strip().splitlines()[-1].startswith("convscope: error:")


@needs_fashion_mnist
def test_evaluate_reports_the_same_model_keys(tmp_path, capsys):
    assert main(["evaluate", "default", "--limit", "50", "--out", str(tmp_path / "e"), "--json"]) == 0
    assert _facts(json.loads(capsys.readouterr().out)) == ("default", 14_970, (1, 28, 28))
