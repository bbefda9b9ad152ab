import json
import math

import pytest
import torch

from convscope.data import load_fashion_mnist
from convscope.errors import ConvScopeError
from convscope.formats import load_model
from convscope.training.loop import make_optimizer
from convscope.training.run import train
from tests.training.helpers import needs_fashion_mnist, tiny_config


@pytest.fixture(scope="module")
def finished(fashion_mnist, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "tiny"
    return train(tiny_config(), out, command="convscope train (test)"), out


def weights(module):
    return {k: v.clone() for k, v in module.state_dict().items()}


def same_weights(a, b) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_a_run_writes_config_checkpoint_metrics_curves_and_model(finished):
    _, out = finished
    names = {p.name for p in out.iterdir()}
    assert {
        "config.json",
        "checkpoint.pt",
        "metrics.json",
        "metrics.csv",
        "curves.png",
        "model",
        "test.json",
        "confusion.png",
    } <= names
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [n for n in names if n.endswith(".tmp")]


def test_metrics_json_and_csv_hold_one_row_per_epoch_with_the_same_numbers(finished):
    _, out = finished
    rows = json.loads((out / "metrics.json").read_text())["epochs"]
    lines = (out / "metrics.csv").read_text().splitlines()
    assert [r["epoch"] for r in rows] == [1, 2] and len(lines) == 3
    header = lines[0].split(",")
    for row, line in zip(rows, lines[1:], strict=True):
        values = dict(zip(header, line.split(","), strict=True))
        assert float(values["train_loss"]) == row["train_loss"] and float(values["val_accuracy"]) == row["val_accuracy"]


def test_recorded_test_accuracy_is_what_the_saved_model_scores(finished):
    result, out = finished
    network = load_model(out / "model")
    test = load_fashion_mnist("test").head(200)
    correct = 0
    for i in range(len(test)):
        x = network.input_spec.pixels_to_tensor(test.images[i, 0].numpy())  # (1, 1, 28, 28)
        correct += int(network.predict(x).argmax(dim=1).item() == int(test.labels[i]))
    assert network.provenance["test_accuracy"] == correct / 200 == result.test.accuracy
    assert network.provenance["test_images"] == 200


def test_provenance_names_dataset_command_seed_and_epochs(finished):
    _, out = finished
    meta = json.loads((out / "model" / "model.json").read_text())
    provenance = meta["provenance"]
    assert provenance["dataset"] == "fashion-mnist" and provenance["command"] == "convscope train (test)"
    assert provenance["seed"] == 7 and provenance["epochs"] == 2
    assert meta["architecture"] == {
        "zoo": "tinyvgg",
        "options": {"in_channels": 1, "input_size": 28, "filters": 4, "padding": 1, "num_classes": 10},
    }
    assert meta["classes"][9] == "Ankle boot"


def test_the_input_spec_carries_the_training_images_mean_and_std(finished):
    result, out = finished
    spec = load_model(out / "model").input_spec
    train_images = load_fashion_mnist("train").head(300).split(0.1, seed=7)[0].images.double() / 255
    assert spec.mean[0] == pytest.approx(float(train_images.mean()), abs=1e-4)
    assert spec.std[0] == pytest.approx(float(train_images.std()), abs=1e-4)


def test_the_same_seed_trains_the_same_weights(finished, tmp_path):
    result, _ = finished
    again = train(tiny_config(), tmp_path / "again")
    assert same_weights(weights(result.module), weights(again.module))
    other = train(tiny_config(seed=8, epochs=1), tmp_path / "other")
    assert not same_weights(weights(result.module), weights(other.module))


def test_resume_after_an_interruption_ends_exactly_like_an_uninterrupted_run(finished, tmp_path):
    result, _ = finished
    out = tmp_path / "interrupted"

    def stop_after_first_epoch(metrics):
        if metrics.epoch == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(tiny_config(), out, on_epoch=stop_after_first_epoch)
    assert json.loads((out / "metrics.json").read_text())["epochs"][-1]["epoch"] == 1
    assert not (out / "model").exists()
    resumed = train(tiny_config(), out, resume=True)
    assert [m.epoch for m in resumed.history] == [1, 2]
    assert same_weights(weights(result.module), weights(resumed.module))
    assert resumed.history[1].train_loss == result.history[1].train_loss


@needs_fashion_mnist
def test_early_stopping_halts_after_patience_and_keeps_the_best_epoch(tmp_path):
    # A min_delta no loss drop can meet: epoch 1 sets the best, epoch 2 fails to beat it.
    result = train(tiny_config(epochs=5, patience=1, min_delta=100.0), tmp_path / "early")
    assert result.epochs == 2 and result.stopped_early and result.best_epoch == 1
    meta = json.loads((tmp_path / "early" / "model" / "model.json").read_text())
    assert meta["provenance"]["weights_from_epoch"] == 1 and meta["provenance"]["stopped_early"] is True


@needs_fashion_mnist
def test_without_a_validation_split_there_is_no_early_stopping_and_val_metrics_are_null(tmp_path):
    result = train(tiny_config(epochs=1, val_fraction=0.0, patience=1), tmp_path / "noval")
    assert math.isnan(result.history[0].val_loss)
    assert json.loads((tmp_path / "noval" / "metrics.json").read_text())["epochs"][0]["val_loss"] is None


@pytest.mark.slow
@needs_fashion_mnist
def test_dropout_and_augmentation_change_training_but_stay_reproducible(tmp_path):
    options = {"in_channels": 1, "input_size": 28, "filters": 4, "padding": 1, "dropout": 0.5}
    config = tiny_config(epochs=1, arch_options=options, augment=("flip", "crop=2"))
    a = train(config, tmp_path / "a").module
    b = train(config, tmp_path / "b").module
    plain = train(tiny_config(epochs=1, arch_options=options), tmp_path / "c").module
    assert same_weights(weights(a), weights(b))
    assert not same_weights(weights(a), weights(plain))


@pytest.mark.parametrize(
    ("name", "kind", "key", "value"),
    [
        ("sgd", torch.optim.SGD, "momentum", 0.8),
        ("adam", torch.optim.Adam, "weight_decay", 0.01),
        ("adamw", torch.optim.AdamW, "weight_decay", 0.01),
    ],
)
def test_the_optimizer_is_the_one_configured_with_its_settings(name, kind, key, value):
    optimizer = make_optimizer(torch.nn.Linear(2, 2), tiny_config(optimizer=name, momentum=0.8, weight_decay=0.01))
    assert type(optimizer) is kind and optimizer.param_groups[0][key] == value


def test_an_unknown_arch_option_fails_before_anything_is_written(tmp_path):
    with pytest.raises(ConvScopeError, match="takes no option") as info:
        train(tiny_config(arch_options={"filterz": 3}), tmp_path / "bad")
    assert "\n" not in str(info.value) and not (tmp_path / "bad").exists()


@needs_fashion_mnist
def test_num_classes_that_disagree_with_the_data_fail(tmp_path):
    with pytest.raises(ConvScopeError, match="10 classes"):
        train(tiny_config(arch_options={"in_channels": 1, "input_size": 28, "num_classes": 5}), tmp_path / "bad")
    assert not (tmp_path / "bad").exists()


def test_an_existing_run_is_never_overwritten(finished):
    _, out = finished
    before = (out / "metrics.json").read_bytes()
    with pytest.raises(ConvScopeError, match="--resume"):
        train(tiny_config(), out)
    assert (out / "metrics.json").read_bytes() == before


def test_resume_with_different_settings_is_refused(finished):
    _, out = finished
    with pytest.raises(ConvScopeError, match="lr"):
        train(tiny_config(lr=0.5), out, resume=True)


@needs_fashion_mnist
def test_resume_without_a_run_is_refused(tmp_path):
    with pytest.raises(ConvScopeError, match="no training run"):
        train(tiny_config(), tmp_path / "none", resume=True)


def write_folder_dataset(root, per_class=12):
    """Two classes a CNN separates at once: dark and bright squares of assorted sizes."""
    from PIL import Image

    rng = torch.Generator().manual_seed(0)
    for name, base in (("dark", 30), ("bright", 220)):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            size = 12 + i
            noise = torch.randint(-20, 21, (size, size, 3), generator=rng)
            Image.fromarray((noise + base).clamp(0, 255).to(torch.uint8).numpy(), "RGB").save(root / name / f"{i}.png")
    (root / "dark" / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")


def test_a_class_folder_dataset_trains_with_a_seeded_split_and_counts_skipped_files(tmp_path):
    write_folder_dataset(tmp_path / "set")
    config = tiny_config(
        data=str(tmp_path / "set"), arch_options={"in_channels": 3, "input_size": 16, "filters": 4, "padding": 1},
        epochs=3, batch_size=8, val_fraction=0.25, limit_test=None,
    )  # fmt: skip
    result = train(config, tmp_path / "run")
    meta = json.loads((tmp_path / "run" / "model" / "model.json").read_text())
    assert meta["classes"] == ["bright", "dark"] and meta["input_spec"]["channels"] == 3
    assert meta["provenance"]["skipped_files"] == 1 and result.skipped == (
        str(tmp_path / "set" / "dark" / "corrupt.png"),
    )
    assert meta["provenance"]["val_images"] == 6 and meta["provenance"]["train_images"] == 18
    assert meta["provenance"]["test_set"].startswith("validation split") and result.test.count == 6
    assert result.test.accuracy == 1.0


@needs_fashion_mnist
def test_progress_bars_go_to_stderr_when_asked(tmp_path, capsys):
    train(tiny_config(epochs=1, limit_train=64), tmp_path / "bars", progress=True)
    err = capsys.readouterr().err
    assert "epochs" in err and "epoch 1/1" in err


@pytest.mark.slow
@needs_fashion_mnist
def test_a_killed_training_process_resumes_from_its_last_finished_epoch(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.training.helpers import tiny_cli_args

    out = tmp_path / "killed"
    args = tiny_cli_args(str(out), "--epochs", "40", "--limit-train", "600")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "convscope", *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 240
        while not (out / "checkpoint.pt").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert (out / "checkpoint.pt").exists(), "no epoch finished in time"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    from convscope.training.checkpoint import load_checkpoint

    saved_epoch = load_checkpoint(out / "checkpoint.pt")["state"]["epoch"]
    finished = json.loads((out / "metrics.json").read_text())["epochs"] if (out / "metrics.json").exists() else []
    assert 1 <= saved_epoch < 40 and not (out / "model").exists()

    def stop_after_one_more(metrics):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(tiny_config(epochs=40, limit_train=600), out, resume=True, on_epoch=stop_after_one_more)
    resumed = json.loads((out / "metrics.json").read_text())["epochs"]
    assert [r["epoch"] for r in resumed] == list(range(1, saved_epoch + 2))
    assert resumed[: len(finished)] == finished
