"""Training faults: bad --out folders, a full disk, foreign checkpoints, one-step schedules.

Each ends in one line and exit status 2 (or trains normally), and a failed
write never leaves half a file behind.
"""

from __future__ import annotations

import errno
import json
import math
import os
import random
import sys
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from convscope.atomic import write_json
from convscope.cli import main
from convscope.errors import ConvScopeError
from convscope.training.checkpoint import CHECKPOINT_NAME
from convscope.training.loop import LoopState
from convscope.training.run import restore
from convscope.training.schedule import lr_at
from tests.training.helpers import needs_fashion_mnist, tiny_cli_args


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("convscope: error:") and "\n" not in err and "Traceback" not in err, err
    return err


# ----- the one-cycle schedule ----------------------------------------------------


def test_one_cycle_over_four_steps_starts_at_the_peak_instead_of_dividing_by_zero():
    # --epochs 1 --limit-train 500: 450 training images in batches of 128 make 4 steps;
    # the warm-up (0.25 × 4 − 1) ends at step 0.
    rates = [lr_at(s, total_steps=4, lr=0.01, schedule="onecycle", warmup=0.25) for s in range(4)]
    assert rates[0] == 0.01 and rates == sorted(rates, reverse=True)


@settings(max_examples=400, deadline=None)
@given(
    total=st.integers(0, 5000),
    step=st.integers(-5, 5005),
    warmup=st.floats(0, 0.999),
    schedule=st.sampled_from(["onecycle", "cosine", "constant"]),
)
def test_fuzz_every_schedule_gives_a_finite_rate_within_the_peak(total, step, warmup, schedule):
    rate = lr_at(step, total_steps=total, lr=0.1, schedule=schedule, warmup=warmup)
    assert math.isfinite(rate) and 0 <= rate <= 0.1 + 1e-12


@needs_fashion_mnist
def test_one_epoch_of_500_images_trains(tmp_path, capsys):
    args = ["train", "--arch", "tinyvgg", "-o", "in_channels=1", "-o", "input_size=28", "-o", "filters=4",
            "--epochs", "1", "--limit-train", "500", "--limit-test", "100", "--threads", "1",
            "--out", str(tmp_path / "run"), "--json"]  # fmt: skip
    assert main(args) == 0, capsys.readouterr().err
    report = json.loads(capsys.readouterr().out)
    assert report["epochs"] == 1 and math.isfinite(report["history"][0]["train_loss"])
    # The keys every --json report uses for its model.
    assert report["model"] == str(tmp_path / "run" / "model") and report["input_shape"] == [1, 28, 28]
    assert report["params"] == sum(p.numel() for p in _tinyvgg4().parameters())


def _tinyvgg4() -> nn.Module:
    from convscope.zoo import get_model

    return get_model("tinyvgg", in_channels=1, input_size=28, filters=4)


# ----- --out folders -------------------------------------------------------------


@needs_fashion_mnist
@pytest.mark.parametrize("where", ["under-a-file", "dev-null", "too-long"])
def test_an_impossible_out_is_one_line(tmp_path, capsys, where):
    (tmp_path / "file").write_text("x")
    out = {
        "under-a-file": tmp_path / "file" / "run",
        "dev-null": Path("/dev/null/run"),
        "too-long": tmp_path / ("x" * 300),
    }[where]
    assert main(tiny_cli_args(str(out), "--epochs", "1")) == 2
    assert "cannot" in one_line_error(capsys)


@needs_fashion_mnist
@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere; the read-only case needs another user")
def test_an_unwritable_out_is_one_line(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    assert main(tiny_cli_args(str(locked / "run"), "--epochs", "1")) == 2
    assert "Permission denied" in one_line_error(capsys)


@needs_fashion_mnist
def test_an_unwritable_out_is_one_line_even_for_root(tmp_path, capsys, monkeypatch):
    """The same refusal, with the folder's creation failing as it does for a user without rights."""
    import convscope.atomic as atomic

    real_mkdir = Path.mkdir

    def refuse(self, *args, **kwargs):
        if self.name == "run":
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(atomic.Path, "mkdir", refuse)
    assert main(tiny_cli_args(str(tmp_path / "run"), "--epochs", "1")) == 2
    assert "Permission denied" in one_line_error(capsys)


# ----- a full disk ---------------------------------------------------------------


def _disk_full(*_args):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_keeps_the_previous_file_and_leaves_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "metrics.json"
    write_json(target, {"epoch": 1})
    monkeypatch.setattr(os, "fsync", _disk_full)
    with pytest.raises(ConvScopeError, match="No space left on device") as error:
        write_json(target, {"epoch": 2})
    assert "\n" not in str(error.value) and str(target) in str(error.value)
    assert json.loads(target.read_text()) == {"epoch": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]


def test_a_full_disk_during_export_is_one_line_and_keeps_the_old_file(tmp_path, monkeypatch, capsys):
    target = tmp_path / "m.onnx"
    target.write_bytes(b"previous")
    import convscope.atomic as atomic

    monkeypatch.setattr(atomic.os, "replace", _disk_full)
    assert main(["export", "tinyvgg", "--onnx", str(target)]) == 2
    assert "No space left on device" in one_line_error(capsys)
    assert target.read_bytes() == b"previous" and [p.name for p in tmp_path.iterdir()] == ["m.onnx"]


def test_a_full_disk_while_saving_a_model_keeps_the_old_model(tmp_path, monkeypatch):
    from convscope.formats import save_model, zoo_network

    out = tmp_path / "model"
    network = zoo_network("lenet5")
    save_model(out, network.module, architecture=network.architecture, input_spec=network.input_spec, classes=None)
    before = sorted(p.name for p in out.iterdir()), (out / "model.json").read_bytes()
    monkeypatch.setattr(os, "fsync", _disk_full)
    with pytest.raises(ConvScopeError, match="No space left"):
        save_model(
            out, network.module, architecture=network.architecture, input_spec=network.input_spec, classes=("a",) * 10
        )
    assert (sorted(p.name for p in out.iterdir()), (out / "model.json").read_bytes()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


# ----- checkpoints of the wrong structure ----------------------------------------


def _module_and_optimizer() -> tuple[nn.Module, torch.optim.Optimizer]:
    module = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(2 * 6 * 6, 3))
    return module, torch.optim.AdamW(module.parameters())


def _good_checkpoint() -> dict:
    module, optimizer = _module_and_optimizer()
    return {"model": module.state_dict(), "optimizer": optimizer.state_dict(), "state": LoopState().to_dict()}


@pytest.mark.parametrize(
    "checkpoint",
    [
        {"model": {"x": torch.zeros(2)}},
        {"model": {}, "optimizer": {}, "state": {}},
        [1, 2, 3],
        torch.zeros(3),
        {"model": None, "optimizer": None, "state": None},
        "model",
    ],
)
def test_a_checkpoint_of_the_wrong_structure_is_one_line(checkpoint, tmp_path):
    module, optimizer = _module_and_optimizer()
    with pytest.raises(ConvScopeError) as error:
        restore(checkpoint, module, optimizer, tmp_path / CHECKPOINT_NAME)
    assert "does not match this run" in str(error.value) and "\n" not in str(error.value)


def test_a_checkpoint_of_the_right_structure_restores():
    module, optimizer = _module_and_optimizer()
    assert restore(_good_checkpoint(), module, optimizer, Path("c.pt")).epoch == 0


def _mutate(value, rng: random.Random, depth: int = 0):
    """Replace, drop or reshape one part of a checkpoint, recursively."""
    if isinstance(value, dict) and value and depth < 4 and rng.random() < 0.7:
        key = rng.choice(list(value))
        copy = dict(value)
        action = rng.randrange(3)
        if action == 0:
            del copy[key]
        elif action == 1:
            copy[key] = _mutate(copy[key], rng, depth + 1)
        else:
            copy[rng.choice(["extra", 0, "model"])] = rng.choice([None, 1, "x", torch.ones(1)])
        return copy
    if isinstance(value, torch.Tensor):
        return rng.choice([torch.zeros(rng.randint(0, 4)), value.double(), value.reshape(-1), torch.tensor(1)])
    return rng.choice([None, -1, 1.5, "text", [], {}, torch.zeros(2), [value]])


@pytest.mark.parametrize("seed", range(4))
def test_fuzz_mutated_checkpoints_restore_or_fail_in_one_line(seed):
    rng = random.Random(seed)
    for _ in range(60):
        module, optimizer = _module_and_optimizer()
        try:
            restore(_mutate(_good_checkpoint(), rng), module, optimizer, Path("c.pt"))
        except ConvScopeError as exc:
            assert "\n" not in str(exc)


@needs_fashion_mnist
def test_resuming_from_a_foreign_checkpoint_is_one_line(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(tiny_cli_args(str(out), "--epochs", "1")) == 0
    capsys.readouterr()
    torch.save({"model": {"conv.weight": torch.zeros(3)}, "optimizer": {}, "state": {}}, out / CHECKPOINT_NAME)
    assert main([*tiny_cli_args(str(out), "--epochs", "1"), "--resume"]) == 2
    assert "does not match this run" in one_line_error(capsys)


# ----- progress on a terminal that reports no size -------------------------------


@needs_fashion_mnist
@pytest.mark.skipif(sys.platform != "linux", reason="a pty with a 0×0 window size")
def test_progress_bars_show_on_a_terminal_of_zero_columns(tmp_path):
    import fcntl
    import pty
    import select
    import struct
    import termios

    args = [sys.executable, "-m", "convscope", *tiny_cli_args(str(tmp_path / "run"), "--epochs", "1")]
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.environ.pop("COLUMNS", None)
        os.environ.pop("LINES", None)
        os.execv(sys.executable, args)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 0, 0, 0, 0))
    output = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child closed the pty
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    text = output.decode("utf-8", "replace")
    assert os.WEXITSTATUS(status) == 0, text[-2000:]
    assert "epochs: 100%" in text and "epoch 1/1:" in text, text[-2000:]


# ----- training settings: bad values are refused before any data is read ----------

_NUMBERS = st.one_of(
    st.integers(-(2**70), 2**70), st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0, 1, -1, 0.5])
)


@settings(max_examples=300, deadline=None)
@given(
    field=st.sampled_from(["epochs", "batch_size", "lr", "momentum", "weight_decay", "warmup", "label_smoothing",
                           "patience", "min_delta", "val_fraction", "seed", "threads", "limit_train", "limit_test"]),
    value=_NUMBERS,
)  # fmt: skip
def test_fuzz_training_settings_construct_or_fail_in_one_line(field, value):
    from convscope.training.config import TrainConfig

    try:
        config = TrainConfig(arch="tinyvgg", data="fashion-mnist", **{field: value})
    except ConvScopeError as exc:
        assert "\n" not in str(exc)
        return
    number = getattr(config, field)
    assert math.isfinite(number) and number >= 0


@settings(max_examples=200, deadline=None)
@given(
    name=st.sampled_from(["flip", "crop", "rotate", "affine", "color", "blur"]),
    raw=st.one_of(_NUMBERS.map(str), st.text(max_size=6)),
)
def test_fuzz_augmentations_parse_or_fail_in_one_line(name, raw):
    from convscope.data.augment import Augmentation

    try:
        augmentation = Augmentation.parse([f"{name}={raw}"])
    except ConvScopeError as exc:
        assert "\n" not in str(exc)
        return
    x = torch.rand(2, 1, 8, 8)
    out = augmentation(x, torch.Generator().manual_seed(0))  # a parsed augmentation runs on a small batch
    assert out.shape == x.shape and torch.isfinite(out).all()
