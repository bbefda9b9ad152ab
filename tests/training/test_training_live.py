"""``convscope train --live``: the events the Train page draws, checked against the run folder and the model."""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from convscope.cli import main
from convscope.errors import ConvScopeError
from convscope.formats import load_model
from convscope.training.evaluation import normalize
from convscope.training.live import (
    LIVE_NAME,
    MAP_CHANNELS,
    MAPS_EVERY,
    MAX_MAP_VALUES,
    SMOOTHING,
    LiveLog,
    map_records,
    read_events,
)
from convscope.training.run import prepare, train
from tests.training.helpers import needs_fashion_mnist, tiny_cli_args, tiny_config


@pytest.fixture(scope="module")
def live_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    """One tiny run without a validation split: the model saved is the weights of the last step."""
    out = tmp_path_factory.mktemp("live") / "run"
    train(tiny_config(val_fraction=0.0), out, live=True)
    events, _ = read_events(out / LIVE_NAME)
    return out, events


@needs_fashion_mnist
def test_a_live_run_reports_start_steps_pictures_epochs_test_and_done_in_that_order(live_run):
    _, events = live_run
    kinds = [e["type"] for e in events]
    assert kinds[0] == "start" and kinds[-2:] == ["test", "done"]
    assert kinds.count("epoch") == 2
    start = events[0]
    steps = [e for e in events if e["type"] == "step"]
    assert steps[-1]["step"] == start["total_steps"] == 2 * start["steps_per_epoch"]
    assert [s["step"] for s in steps] == sorted(s["step"] for s in steps)
    assert {"filters", "probe"} <= set(kinds)


@needs_fashion_mnist
def test_epoch_events_are_the_records_of_metrics_json(live_run):
    out, events = live_run
    saved = json.loads((out / "metrics.json").read_text())["epochs"]
    assert [{k: v for k, v in e.items() if k not in ("type", "time")} for e in events if e["type"] == "epoch"] == saved


@needs_fashion_mnist
def test_the_test_event_is_test_json(live_run):
    out, events = live_run
    test = next(e for e in events if e["type"] == "test")
    saved = json.loads((out / "test.json").read_text())
    assert test["accuracy"] == saved["accuracy"] and test["confusion"] == saved["confusion"]


@needs_fashion_mnist
def test_the_last_filters_are_the_saved_models_first_convolution(live_run):
    out, events = live_run
    last = [e for e in events if e["type"] == "filters"][-1]
    weight = load_model(out / "model").module.state_dict()[f"{last['layer']}.weight"]
    assert last["shape"] == list(weight.shape)
    torch.testing.assert_close(torch.tensor(last["values"]).reshape(weight.shape), weight, rtol=0, atol=1e-6)
    assert last["min"] == pytest.approx(float(weight.min())) and last["max"] == pytest.approx(float(weight.max()))


@needs_fashion_mnist
def test_the_last_probe_is_the_saved_models_answer_for_the_first_training_image(live_run):
    out, events = live_run
    probe = [e for e in events if e["type"] == "probe"][-1]
    prepared = prepare(tiny_config(val_fraction=0.0))
    model = load_model(out / "model")
    image = normalize(prepared.train.images[:1].float().div(255.0), model.input_spec)
    with torch.no_grad():
        expected = torch.softmax(model.module.eval()(image), dim=1)[0]
    assert probe["label"] == int(prepared.train.labels[0])
    torch.testing.assert_close(torch.tensor(probe["probabilities"]), expected, rtol=1e-5, atol=1e-6)


@needs_fashion_mnist
def test_the_last_maps_are_the_saved_models_activations_for_the_probe_image(live_run):
    out, events = live_run
    maps = [e for e in events if e["type"] == "maps"]
    last = maps[-1]
    assert last["step"] == events[0]["total_steps"]
    prepared = prepare(tiny_config(val_fraction=0.0))
    network = load_model(out / "model")
    trace = network.run(normalize(prepared.train.images[:1].float().div(255.0), network.input_spec))
    spatial = [layer.name for layer in network.layers[1:] if trace.outputs[layer.name].ndim == 4]
    assert [layer["name"] for layer in last["layers"]] == spatial
    for layer in last["layers"]:
        expected = trace.outputs[layer["name"]][0]  # (C, H, W)
        assert layer["shape"] == list(expected.shape) and layer["channels"] == min(MAP_CHANNELS, expected.shape[0])
        sent = torch.from_numpy(np.frombuffer(base64.b64decode(layer["values"]), dtype="<f4").copy())
        torch.testing.assert_close(sent.view(layer["channels"], *expected.shape[1:]), expected[: layer["channels"]])
        assert layer["min"] == float(sent.min()) and layer["max"] == float(sent.max())


@needs_fashion_mnist
def test_maps_come_with_every_few_probes_and_with_the_last(live_run):
    _, events = live_run
    probes = [e["step"] for e in events if e["type"] == "probe"]
    maps = [e["step"] for e in events if e["type"] == "maps"]
    assert set(maps) <= set(probes) and probes[-1] == maps[-1]
    # Every MAPS_EVERY step events, and at the start and end: a bounded share of the probes.
    steps = sum(e["type"] == "step" for e in events)
    assert len(maps) <= steps // MAPS_EVERY + 2


def test_maps_past_the_value_budget_are_left_out():
    big, vector, small = torch.ones(1, 8, 200, 200), torch.ones(1, 10), torch.ones(1, 2, 4, 4)
    outputs = [("big", big), ("vector", vector), ("second", big), ("small", small)]
    records = map_records(outputs)
    assert [(r["name"], r["channels"]) for r in records] == [("big", MAX_MAP_VALUES // 40_000)]


@needs_fashion_mnist
def test_smoothed_curves_follow_the_exponential_average_of_the_raw_ones(live_run):
    _, events = live_run
    steps = [e for e in events if e["type"] == "step"]
    running = steps[0]["loss"]
    for s in steps[1:]:
        running = (1 - SMOOTHING) * running + SMOOTHING * s["loss"]
        assert s["loss_smooth"] == pytest.approx(running, rel=1e-12)
    assert all(0 <= s["accuracy"] <= 1 and s["images_per_second"] > 0 and s["seconds_left"] >= 0 for s in steps)


@needs_fashion_mnist
def test_the_schedule_sent_at_start_is_the_one_the_steps_report(live_run):
    _, events = live_run
    schedule = dict((s, lr) for s, lr in events[0]["schedule"])
    # A step event's lr is the rate of the step it reports on (0-based step - 1).
    for e in events:
        if e["type"] == "step" and e["step"] - 1 in schedule:
            assert e["lr"] == pytest.approx(schedule[e["step"] - 1])


@needs_fashion_mnist
def test_a_loss_that_stops_being_a_number_ends_the_run_naming_the_step(tmp_path):
    out = tmp_path / "run"
    config = tiny_config(optimizer="sgd", lr=1e12, schedule="constant", momentum=0.0, epochs=1)
    with pytest.raises(ConvScopeError, match=r"at step \d+ \(epoch 1\).*too high"):
        train(config, out, live=True)
    events, _ = read_events(out / LIVE_NAME)
    assert events[-1]["type"] == "error" and "step" in events[-1]["message"]


@needs_fashion_mnist
def test_the_cli_says_so_in_one_line_and_exits_2(tmp_path, capsys):
    args = tiny_cli_args(
        str(tmp_path / "run"), "--optimizer", "sgd", "--lr", "1e12", "--schedule", "constant", "--live"
    )
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("convscope: error: the training loss became") and "\n" not in err


def test_a_half_written_last_line_waits_for_the_next_read(tmp_path):
    path = tmp_path / LIVE_NAME
    LiveLog(path).emit("paused")
    with open(path, "ab") as file:
        file.write(b'{"type":"resu')
    events, offset = read_events(path)
    assert [e["type"] for e in events] == ["paused"]
    with open(path, "ab") as file:
        file.write(b'med"}\n')
    more, _ = read_events(path, offset)
    assert [e["type"] for e in more] == ["resumed"]


def test_numbers_that_json_cannot_carry_travel_as_null(tmp_path):
    path = tmp_path / LIVE_NAME
    LiveLog(path).emit("epoch", val_loss=math.nan, lr=math.inf, nested=[1.0, math.nan])
    event = json.loads(path.read_text())
    assert event["val_loss"] is None and event["lr"] is None and event["nested"] == [1.0, None]


def test_a_folder_holding_only_a_servers_session_files_is_a_new_run_folder(tmp_path):
    from convscope.training.run import _check_run_folder

    out = tmp_path / "run"
    out.mkdir()
    LiveLog(out / LIVE_NAME).emit("paused")
    (out / "train.log").write_text("")
    assert _check_run_folder(out, tiny_config(), resume=False) is None
    (out / "notes.txt").write_text("mine")
    with pytest.raises(ConvScopeError, match="not an empty folder"):
        _check_run_folder(out, tiny_config(), resume=False)
