import json

import pytest

from convscope.cli import main
from tests.training.helpers import needs_fashion_mnist, tiny_cli_args


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("convscope: error:") and "\n" not in err and "Traceback" not in err
    return err


@needs_fashion_mnist
def test_train_prints_a_line_per_epoch_and_the_test_accuracy(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(tiny_cli_args(str(out))) == 0
    text = capsys.readouterr().out
    assert "epoch 1/2" in text and "epoch 2/2" in text and "test accuracy" in text
    provenance = json.loads((out / "model" / "model.json").read_text())["provenance"]
    assert provenance["command"].startswith("convscope train --arch tinyvgg --arch-option in_channels=1")
    assert "--limit-train 300" in provenance["command"] and f"--out {out}" in provenance["command"]
    assert f"{provenance['test_accuracy']:.2%}" in text


@needs_fashion_mnist
def test_train_json_reports_history_and_accuracy(tmp_path, capsys):
    assert main([*tiny_cli_args(str(tmp_path / "run"), "--epochs", "1"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["epochs"] == 1 and len(report["history"]) == 1
    assert 0 <= report["test_accuracy"] <= 1 and report["test_images"] == 200


@needs_fashion_mnist
def test_resume_continues_a_run_with_only_its_out_folder(tmp_path, capsys):
    out = tmp_path / "run"
    assert main([*tiny_cli_args(str(out)), "--epochs", "1"]) == 0
    capsys.readouterr()
    # Finishing: epochs must match, so resuming a finished 1-epoch run is a no-op re-save.
    assert main(["train", "--resume", "--out", str(out)]) == 0
    assert "trained 1 epochs" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--arch-option", "filterz=3"], "takes no option"),
        (["--data", "/no/such/folder"], "not found"),
        (["--optimizer", "rmsprop"], "unknown optimizer"),
        (["--epochs", "0"], "--epochs"),
        (["--augment", "blur"], "unknown augmentation"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, extra, needle):
    out = tmp_path / "run"
    assert main([*tiny_cli_args(str(out)), *extra]) == 2
    assert needle in one_line_error(capsys)
    assert not out.exists()


def test_arch_is_required_for_a_new_run(tmp_path, capsys):
    assert main(["train", "--out", str(tmp_path / "x")]) == 2
    assert "--arch" in one_line_error(capsys)


@needs_fashion_mnist
def test_an_existing_run_needs_resume(tmp_path, capsys):
    out = tmp_path / "run"
    assert main([*tiny_cli_args(str(out)), "--epochs", "1"]) == 0
    capsys.readouterr()
    assert main([*tiny_cli_args(str(out)), "--epochs", "1"]) == 2
    assert "--resume" in one_line_error(capsys)
    assert main(["train", "--resume", "--lr", "0.5", "--out", str(out)]) == 2
    assert "lr" in one_line_error(capsys)
