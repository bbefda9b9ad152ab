"""``/api/train``: runs started from the page are ``convscope train --live`` processes in ordinary run folders.

The settings get the CLI's checks and its one-line messages, each naming the
form field it is about; one run trains at a time; its events stream as
server-sent events; stop, continue (``--resume``), and the finished model in
the picker. Real training processes on a few hundred Fashion-MNIST images.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from convscope.formats import zoo_network
from convscope.server import create_app
from convscope.server.routes.train import field_of
from tests.server.live import live_server
from tests.training.helpers import TINY_ARCH, needs_fashion_mnist

pytestmark = needs_fashion_mnist

#: A run of a few seconds: 300 images of 28×28 through a 4-filter TinyVGG.
TINY_RUN = {
    "arch": "tinyvgg",
    "arch_options": dict(TINY_ARCH),
    "data": "fashion-mnist",
    "limit_train": 300,
    "limit_test": 200,
    "batch_size": 32,
    "lr": 0.01,
    "threads": 1,
    "seed": 7,
}


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("runs")


@pytest.fixture(scope="module")
def url(runs_dir: Path) -> Iterator[str]:
    app = create_app({"gray": zoo_network("tinyvgg", in_channels=1, input_size=28)}, runs_dir=runs_dir)
    with live_server(app) as base:
        yield base


@pytest.fixture
def api(url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=120) as client:
        yield client


def follow(api: httpx.Client, name: str) -> list[dict]:
    """Every event of a run through its event stream, until the stream ends."""
    events = []
    with api.stream("GET", f"api/train/runs/{name}/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        for line in stream.iter_lines():
            if line.startswith("data: ") and line != "data: {}":
                events.append(json.loads(line[6:]))
    return events


def wait_for(api: httpx.Client, name: str, kind: str, count: int = 1, timeout: float = 120) -> None:
    """Until the run's event file holds ``count`` events of ``kind`` (no timing asserted: a bound on a hang)."""
    deadline = time.monotonic() + timeout
    seen = 0
    with api.stream("GET", f"api/train/runs/{name}/events") as stream:
        for line in stream.iter_lines():
            if line.startswith("data: ") and json.loads(line[6:]).get("type") == kind:
                seen += 1
                if seen == count:
                    return
            assert time.monotonic() < deadline, f"no {kind} event from {name}"
    raise AssertionError(f"the run {name} ended without a {kind} event")


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"lr": -1}, "lr", "--lr must be positive"),
        ({"epochs": 0}, "epochs", "--epochs must be from 1"),
        ({"data": "/etc"}, "data", "unknown dataset"),
        ({"arch_options": {**TINY_ARCH, "input_size": 2}}, "arch_options", "too small"),
        ({"arch": "no-such-net"}, "arch", "no-such-net"),
        ({"augment": ["spin"]}, "augment", "unknown augmentation"),
        ({"bogus": 1}, None, "unknown training setting"),
    ],
)
def test_impossible_settings_get_the_clis_message_naming_the_field(api, change, field, words):
    response = api.post("api/train/check", json={**TINY_RUN, **change})
    assert response.status_code == 400
    body = response.json()
    assert words in body["detail"] and "\n" not in body["detail"]
    assert body["field"] == field


def test_a_good_form_is_checked_against_the_data_it_would_train_on(api):
    body = api.post("api/train/check", json=TINY_RUN).json()
    assert body["ok"] and body["train_images"] + body["val_images"] == 300 and body["input_shape"] == [1, 28, 28]


def test_a_bad_run_name_is_refused_before_anything_is_written(api, runs_dir):
    response = api.post("api/train/start", json={**TINY_RUN, "name": "../escape"})
    assert response.status_code == 400 and response.json()["field"] == "name"
    assert not (runs_dir.parent / "escape").exists()


def test_the_form_offers_the_zoo_the_datasets_and_the_augmentations(api):
    options = api.get("api/train/options").json()
    assert "tinyvgg" in [a["name"] for a in options["architectures"]]
    assert options["datasets"] == ["fashion-mnist"]
    assert set(options["augmentations"]) == {"flip", "crop", "rotate", "affine", "color"}


def test_a_run_from_the_page_streams_its_events_and_writes_the_run_folder_the_cli_writes(api, runs_dir):
    started = api.post("api/train/start", json={**TINY_RUN, "name": "page-run", "epochs": 2})
    assert started.status_code == 200, started.text
    second = api.post("api/train/start", json={**TINY_RUN, "name": "other"})
    assert second.status_code == 409 and "one run at a time" in second.json()["detail"]
    events = follow(api, "page-run")
    kinds = [e["type"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "done", kinds
    folder = runs_dir / "page-run"
    saved = json.loads((folder / "metrics.json").read_text())["epochs"]
    assert [{k: v for k, v in e.items() if k not in ("type", "time")} for e in events if e["type"] == "epoch"] == saved
    assert (folder / "model" / "model.json").exists() and (folder / "checkpoint.pt").exists()
    assert json.loads((folder / "config.json").read_text())["config"]["limit_train"] == 300
    run = api.get("api/train/runs/page-run").json()
    assert run["status"] == "finished" and run["model"] == "run-page-run"
    # The trained model joins the picker, and the explainer can trace it.
    deadline = time.monotonic() + 60
    while "run-page-run" not in [m["id"] for m in api.get("api/models").json()]:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert api.post("api/train/runs/page-run/open").json() == {"model": "run-page-run"}
    assert api.get("api/models/run-page-run").status_code == 200


def test_each_confusion_cell_shows_its_test_images_as_the_model_judges_them(api, runs_dir):
    # After the run above: every cell's count is test.json's, and each image shown is of the cell's true class.
    import torch

    from convscope.formats import load_model
    from convscope.training.run import prepare, read_run_config

    folder = runs_dir / "page-run"
    confusion = json.loads((folder / "test.json").read_text())["confusion"]
    test = prepare(read_run_config(folder)).test
    network = load_model(folder / "model")
    for t, p in [(0, 0), (0, 6), (6, 0), (3, 3)]:
        cell = api.get("api/train/runs/page-run/misclassified", params={"true": t, "predicted": p}).json()
        assert cell["count"] == confusion[t][p]
        assert len(cell["images"]) == min(24, confusion[t][p])
        for image in cell["images"]:
            assert int(test.labels[image["index"]]) == t and image["png"].startswith("data:image/png;base64,")
        if cell["images"]:  # independently: the saved model's answer for the first image shown
            index = cell["images"][0]["index"]
            x = (
                test.images[index : index + 1].float() / 255
                - torch.tensor(network.input_spec.mean)[None, :, None, None]
            ) / torch.tensor(network.input_spec.std)[None, :, None, None]
            with torch.no_grad():
                assert int(network.module.eval()(x).argmax()) == p
    bad = api.get("api/train/runs/page-run/misclassified", params={"true": 10, "predicted": 0})
    assert bad.status_code == 400 and "0 to 9" in bad.json()["detail"]


def test_a_stopped_run_continues_from_its_last_finished_epoch(api, runs_dir):
    assert api.post("api/train/start", json={**TINY_RUN, "name": "stop-run", "epochs": 40}).status_code == 200
    wait_for(api, "stop-run", "epoch")
    assert api.post("api/train/runs/stop-run/pause").json()["status"] == "paused"
    assert api.post("api/train/runs/stop-run/unpause").json()["status"] == "running"
    stopped = api.post("api/train/runs/stop-run/stop").json()
    assert stopped["status"] == "stopped" and stopped["resumable"]
    done = json.loads((runs_dir / "stop-run" / "metrics.json").read_text())["epochs"]
    assert api.post("api/train/runs/stop-run/pause").status_code == 400  # not training now
    assert api.post("api/train/runs/stop-run/resume").status_code == 200
    wait_for(api, "stop-run", "start", count=2)
    api.post("api/train/runs/stop-run/stop")
    events = follow(api, "stop-run")
    starts = [e for e in events if e["type"] == "start"]
    assert len(starts) == 2 and starts[1]["epoch"] >= len(done) >= 1
    assert [e["type"] for e in events].count("stopped") == 2


def test_unknown_runs_are_404(api):
    assert api.get("api/train/runs/nothing-here").status_code == 404
    assert api.get("api/train/runs/nothing-here/events").status_code == 404


def test_the_training_process_ends_with_the_server(runs_dir, tmp_path):
    app = create_app({"gray": zoo_network("tinyvgg", in_channels=1, input_size=28)}, runs_dir=tmp_path)
    with live_server(app, lifespan="on") as base, httpx.Client(base_url=base, timeout=120) as client:
        started = client.post("api/train/start", json={**TINY_RUN, "name": "orphan", "epochs": 40}).json()
        wait_for(client, "orphan", "start")
    assert_ends(started["pid"])


def test_a_training_process_whose_server_died_ends_itself(tmp_path):
    # The server is killed outright (no shut-down): its child notices that its parent is gone.
    import subprocess
    import sys

    from tests.training.helpers import tiny_cli_args

    launcher = (
        "import os, subprocess, sys\n"
        "env = {**os.environ, 'CONVSCOPE_EXIT_WITH_PARENT': str(os.getpid())}\n"
        "child = subprocess.Popen([sys.executable, '-m', 'convscope', *sys.argv[1:]], env=env,\n"
        "                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "print(child.pid, flush=True)\n"
    )
    args = tiny_cli_args(str(tmp_path / "run"), "--epochs", "200", "--live")
    out = subprocess.run([sys.executable, "-c", launcher, *args], capture_output=True, text=True, check=True)
    assert_ends(int(out.stdout.strip()), timeout=120)


def assert_ends(pid: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while _alive(pid):
        assert time.monotonic() < deadline, "the training process outlived its server"
        time.sleep(0.2)


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead: it only waits for its parent (this test process) to collect it
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def test_messages_name_fields_by_their_flag_or_their_words():
    assert field_of("--batch-size must be from 1 to 1,000,000, got 0") == "batch_size"
    assert field_of("--arch-option num_classes=3 but data has 10 classes") == "arch_options"
    assert field_of("run name 'x y' must be 1-64 letters") == "name"
    assert field_of("something else entirely") is None


def test_every_lesson_preset_passes_the_clis_checks(api):
    presets = api.get("api/train/options").json()["presets"]
    assert {p["id"] for p in presets} == {"overfit", "regularised", "lr-too-high"}
    for preset in presets:
        values = dict(preset["values"])
        options = {**TINY_RUN["arch_options"], **values.pop("arch_options", {})}
        response = api.post("api/train/check", json={**TINY_RUN, **values, "arch_options": options})
        assert response.status_code == 200, (preset["id"], response.text)
