"""``/api/…/insight``: the map and trust numbers equal the library's; bad input is a 4xx with a message."""

from __future__ import annotations

import httpx
import numpy as np
import pytest
from PIL import Image

from convscope.insight.attribution import attribute
from convscope.insight.filters import filter_pictures

_ATTR = "api/models/gray/traces/sample_2/insight/attribution"


def _network(app, name):
    return app.state.service.models.get(name)


def test_attribution_map_is_the_librarys_for_the_traced_image(client: httpx.Client, app, samples_dir) -> None:
    body = client.get(_ATTR, params={"method": "gradcam", "class": 1}).json()
    network = _network(app, "gray")
    x = network.input_spec.preprocess(Image.open(samples_dir / "sample_2.png"))
    expected = attribute(network, x, 1, "gradcam").map.numpy()
    np.testing.assert_allclose(body["map"], expected, rtol=1e-5, atol=1e-7)
    assert (body["method"], body["class"], body["layer"]) == ("gradcam", 1, "max_pool_2")
    assert set(body) >= {"sanity", "faithfulness", "range", "probability"}
    assert body["range"] == [pytest.approx(float(expected.min())), pytest.approx(float(expected.max()))]


def test_integrated_gradients_answer_with_their_completeness(client: httpx.Client) -> None:
    body = client.get(_ATTR, params={"method": "integrated-gradients", "steps": 8}).json()
    assert body["completeness"]["error"] == pytest.approx(
        body["completeness"]["sum"] - body["completeness"]["difference"]
    )


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"method": "gradcam", "layer": "flatten"}, 400, "no spatial map"),
        ({"class": 99}, 400, "out of range"),
        ({"method": "lime"}, 422, ""),
        ({"layer": "nope", "method": "gradcam"}, 404, "no layer"),
    ],
)
def test_bad_attribution_requests_are_4xx_with_a_message(client: httpx.Client, params, status, words) -> None:
    answer = client.get(_ATTR, params=params)
    assert answer.status_code == status
    assert words in str(answer.json()["detail"])


def test_filters_are_the_layers_weights_with_their_resemblance(client: httpx.Client, app) -> None:
    body = client.get("api/models/rgb/insight/filters/conv_1_1", params={"sort": "true"}).json()
    pictures = filter_pictures(_network(app, "rgb"), "conv_1_1", sort_by_norm=True)
    assert body["order"] == pictures.order.tolist() and body["range"] == pytest.approx(pictures.range)
    np.testing.assert_allclose(body["filters"][0]["weights"], pictures.weights[pictures.order[0]], rtol=1e-6)
    assert len(body["composite"]) == 10 and len(body["resembles"]) == 10
    assert client.get("api/models/rgb/insight/filters/relu_1_1").status_code == 400


def test_classic_kernels_are_applied_to_the_traced_image(client: httpx.Client) -> None:
    body = client.get("api/models/gray/traces/sample_2/insight/kernels").json()
    assert [o["name"] for o in body["outputs"]][:2] == ["sobel-x", "sobel-y"]
    assert np.array(body["outputs"][0]["output"]).shape == (28, 28)


def test_insight_layers_offer_the_attribution_methods_and_grad_cams_layers(client: httpx.Client, app) -> None:
    from convscope.insight.attribution import Method
    from convscope.types import LayerKind

    body = client.get("api/models/gray/insight/layers").json()
    network = _network(app, "gray")
    assert body["methods"] == [m.value for m in Method]
    # Every method offered is one the attribution route takes.
    for method in body["methods"]:
        assert client.get(_ATTR, params={"method": method, "steps": 2}).status_code == 200, method
    spatial = [la.name for la in network.layers if la.is_spatial and la.kind is not LayerKind.INPUT]
    assert body["spatial"] == spatial and body["spatial"][-1] == "max_pool_2"
