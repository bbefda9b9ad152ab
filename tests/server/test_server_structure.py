"""``/api/models/{id}/structure``, the blocks explained and ``/api/architectures``: the library's numbers, 4xx for bad input."""

from __future__ import annotations

import httpx
import pytest

from convscope.structure import Structure
from tests.server.conftest import server_networks


def test_structure_route_answers_the_librarys_structure(client: httpx.Client):
    body = client.get("api/models/residual/structure").json()
    expected = Structure.of(server_networks()["residual"]).to_dict()
    assert body == {"model": "residual", **expected}
    assert body["counts"]["skip_edges"] >= 1


def test_structure_and_architecture_pages_are_served(client: httpx.Client):
    for path in ("structure", "architectures"):
        response = client.get(path)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")


def test_architectures_compares_served_models_and_zoo_names(client: httpx.Client):
    models = client.get("api/architectures", params={"models": "rgb,lenet5"}).json()["models"]
    assert [m["model"] for m in models] == ["rgb", "lenet5"]
    assert models[0]["params"] == server_networks()["rgb"].total_params
    assert (models[1]["params"], models[1]["dense_params"], models[1]["year"]) == (61_706, 59_134, 1998)


@pytest.mark.parametrize(
    ("path", "params", "status", "words"),
    [
        ("api/models/nope/structure", {}, 404, "unknown model 'nope'"),
        ("api/architectures", {"models": "lenet5,nope"}, 404, "unknown model 'nope'"),
        ("api/architectures", {"models": ",".join(["lenet5"] * 9)}, 400, "at most 8"),
        ("api/architectures", {"models": " , "}, 400, "at least one model"),
        ("api/models/residual/blocks/nope/inception", {}, 404, "no inception block 'nope'"),
        ("api/models/residual/blocks/x/inception", {"widths": "conv:abc"}, 400, "is not LAYER:FILTERS"),
    ],
)
def test_bad_input_gets_a_4xx_with_one_line(client: httpx.Client, path, params, status, words):
    response = client.get(path, params=params)
    assert response.status_code == status
    assert words in response.json()["detail"]


def test_residual_route_needs_all_three_coordinates_or_none(client: httpx.Client):
    samples = client.get("api/models/residual/samples").json()
    image = samples[0]["id"]
    assert client.get(f"api/models/residual/traces/{image}").status_code == 200
    response = client.get(f"api/models/residual/traces/{image}/blocks/nope/residual", params={"channel": 0})
    assert response.status_code == 400 and "together" in response.json()["detail"]
    response = client.get(f"api/models/residual/traces/{image}/blocks/nope/residual")
    assert response.status_code == 404 and "no residual block" in response.json()["detail"]
