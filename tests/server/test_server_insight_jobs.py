"""Feature visualisation jobs: the result is the library's, progress reaches n, repeats join, bad input is a 4xx."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import numpy as np
import pytest

from convscope.insight.visualize import visualize
from convscope.server import create_app
from tests.server.conftest import server_networks
from tests.server.live import live_server

_START = "api/models/{model}/insight/visualize"


@pytest.fixture(scope="module")
def jobs_app():
    """A server of its own that runs one visualisation at a time, so the bound is reached on purpose."""
    return create_app(server_networks(), samples_dir=None, max_visualisations=1)


@pytest.fixture(scope="module")
def jobs_client(jobs_app) -> Iterator[httpx.Client]:
    with live_server(jobs_app) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield client


def _start(client: httpx.Client, model: str = "gray", **body) -> httpx.Response:
    return client.post(_START.format(model=model), json=body)


def _wait(client: httpx.Client, job_id: str, timeout: float = 120.0) -> tuple[dict, list[int]]:
    """Poll the job until it is no longer running; the steps seen on the way."""
    seen: list[int] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"api/insight/jobs/{job_id}").json()
        seen.append(job["step"])
        if job["status"] != "running":
            return job, seen
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still running after {timeout} s")


def test_a_channel_job_ends_with_what_visualize_gives_directly(jobs_client, jobs_app) -> None:
    started = _start(jobs_client, layer="conv_1_2", channel=3, steps=6, seed=5)
    assert started.status_code == 200, started.text
    job, seen = _wait(jobs_client, started.json()["id"])
    direct = visualize(jobs_app.state.service.models.get("gray"), layer="conv_1_2", channel=3, steps=6, seed=5)
    assert job["status"] == "done" and job["message"] is None
    assert (job["layer"], job["channel"], job["steps"], job["seed"]) == ("conv_1_2", 3, 6, 5)
    np.testing.assert_allclose(job["curve"], direct.curve, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(job["pixels"], direct.pixels.numpy(), rtol=1e-5, atol=1e-7)
    assert job["final"] == pytest.approx(direct.final, rel=1e-5, abs=1e-7)
    assert job["step"] == 6 and seen == sorted(seen) and seen[-1] == 6
    assert [s["step"] for s in job["snapshots"]] == [1, 2, 3, 4, 5, 6]  # steps // 8 rounds up to every step
    np.testing.assert_allclose(job["snapshots"][-1]["pixels"], direct.pixels.numpy(), rtol=1e-5, atol=1e-7)


def test_a_class_job_raises_the_class_score_like_visualize(jobs_client, jobs_app) -> None:
    job, _ = _wait(jobs_client, _start(jobs_client, model="rgb", **{"class": 2}, steps=4).json()["id"])
    direct = visualize(jobs_app.state.service.models.get("rgb"), target=2, steps=4, seed=0)
    assert (job["status"], job["class"], job["layer"]) == ("done", 2, None)
    np.testing.assert_allclose(job["curve"], direct.curve, rtol=1e-5, atol=1e-7)


def test_a_repeat_request_joins_the_job_and_a_second_new_one_waits_its_turn(jobs_client) -> None:
    body = {"layer": "relu_2_2", "channel": 1, "steps": 512, "seed": 9}
    first = _start(jobs_client, model="rgb", **body).json()
    again = _start(jobs_client, model="rgb", **body).json()
    assert again["id"] == first["id"] and again["joined"] and not first["joined"]
    other = _start(jobs_client, model="rgb", **{**body, "seed": 10})
    assert other.status_code == 429 and "wait for one to finish" in other.json()["detail"]
    stopped = jobs_client.post(f"api/insight/jobs/{first['id']}/stop").json()
    assert stopped["status"] == "stopped" and stopped["message"].startswith("stopped by a request at step")
    assert stopped["step"] < 512 and len(stopped["curve"]) == stopped["step"]
    # A stopped job is not joined: the same request starts afresh.
    restarted = _start(jobs_client, model="rgb", **body).json()
    assert restarted["id"] != first["id"] and not restarted["joined"]
    assert jobs_client.post(f"api/insight/jobs/{restarted['id']}/stop").json()["status"] == "stopped"


@pytest.mark.parametrize(
    ("model", "body", "status", "words"),
    [
        ("gray", {"layer": "nope", "channel": 0}, 404, "no layer"),
        ("gray", {"layer": "conv_1_1", "channel": 99}, 400, "out of range"),
        ("gray", {"layer": "conv_1_1", "channel": -1}, 400, "out of range"),
        ("gray", {"layer": "flatten", "channel": 0}, 400, "no channels of maps"),
        ("gray", {"class": 10}, 400, "out of range"),
        ("gray", {"class": 1, "layer": "conv_1_1", "channel": 0}, 400, "not both"),
        ("gray", {"layer": "conv_1_1"}, 400, "give a layer and a channel"),
        ("gray", {"layer": "conv_1_1", "channel": 0, "steps": 0}, 422, "steps"),
        ("gray", {"layer": "conv_1_1", "channel": 0, "steps": 10_000}, 422, "steps"),
        ("gray", {"layer": "conv_1_1", "channel": 0, "parametrisation": "wavelet"}, 422, "parametrisation"),
        ("nope", {"class": 1}, 404, "nope"),
    ],
)
def test_bad_visualisation_requests_are_4xx_with_a_message(jobs_client, model, body, status, words) -> None:
    answer = _start(jobs_client, model=model, **body)
    assert answer.status_code == status, answer.text
    assert words in answer.json()["detail"]


def test_an_unknown_job_is_a_404_that_says_to_start_again(jobs_client) -> None:
    for answer in (jobs_client.get("api/insight/jobs/feedface"), jobs_client.post("api/insight/jobs/feedface/stop")):
        assert answer.status_code == 404 and "start it again" in answer.json()["detail"]


def test_shutting_down_stops_a_running_job_and_says_so() -> None:
    app = create_app(server_networks(), samples_dir=None)
    with live_server(app, lifespan="on") as url, httpx.Client(base_url=url, timeout=60) as client:
        job = _start(client, model="rgb", layer="conv_1_1", channel=0, steps=512).json()
    ended = app.state.visualisations.get(job["id"]).describe()
    assert ended["status"] == "stopped" and "the server shut down" in ended["message"]


def test_a_poll_asks_only_for_the_snapshots_it_has_not_seen(jobs_client) -> None:
    job, _ = _wait(jobs_client, _start(jobs_client, layer="relu_1_1", channel=0, steps=16).json()["id"])
    later = jobs_client.get(f"api/insight/jobs/{job['id']}", params={"snapshots_from": 5}).json()
    assert [s["step"] for s in job["snapshots"]] == [2, 4, 6, 8, 10, 12, 14, 16]
    assert later["snapshots_from"] == 5 and later["snapshots"] == job["snapshots"][5:]
    assert jobs_client.get(f"api/insight/jobs/{job['id']}", params={"snapshots_from": -1}).status_code == 422
