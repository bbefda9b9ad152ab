"""Filter pictures, classic kernels on images, the most similar classic kernel, and feature visualisation."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest
import torch
from PIL import Image

from convscope.calc.conv import convolve
from convscope.errors import ConvScopeError
from convscope.formats import resolve_model
from convscope.insight.classic import CLASSIC_NAMES, apply_classic, classic_report, most_similar
from convscope.insight.filters import diverging, filter_pictures, render_png, write_png
from convscope.insight.visualize import visualize
from tests.insight.helpers import boot, default_network


@pytest.fixture(scope="module")
def net():
    return default_network()


def test_filters_are_the_layers_weights_sorted_by_norm_on_request(net):
    pictures = filter_pictures(net, "conv_2_1", sort_by_norm=True)
    weights = net.module.get_submodule("conv_2_1").weight.detach().numpy()
    np.testing.assert_array_equal(pictures.weights, weights)
    norms = np.linalg.norm(weights.reshape(16, -1), axis=1)
    np.testing.assert_allclose(pictures.norms, norms, rtol=1e-6)
    assert list(pictures.order) == list(np.argsort(-norms, kind="stable"))
    assert pictures.range == pytest.approx(float(np.abs(weights).max()))
    assert pictures.composite is None  # one grey input channel


def test_rgb_first_layer_filters_get_a_colour_composite_centred_on_grey():
    network = resolve_model("tinyvgg")
    pictures = filter_pictures(network, "conv_1_1")
    w = pictures.weights
    assert pictures.composite.shape == (10, 3, 3, 3)
    np.testing.assert_allclose(pictures.composite[0, 1, 2], w[0, :, 1, 2] / (2 * pictures.range) + 0.5, rtol=1e-6)
    assert filter_pictures(network, "conv_1_2").composite is None  # not reading the image


def test_the_diverging_scale_runs_blue_white_red():
    assert diverging(np.array([-2.0, -1.0, 0.0, 0.5, 9.0]), 2.0).tolist() == [
        [0, 0, 255], [128, 128, 255], [255, 255, 255], [255, 191, 191], [255, 0, 0],
    ]  # fmt: skip


def test_the_png_is_written_atomically_with_the_umask(net, tmp_path):
    old = os.umask(0o027)
    try:
        path = write_png(tmp_path / "f.png", render_png(filter_pictures(net, "conv_1_1")))
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o640
    image = Image.open(io.BytesIO(path.read_bytes()))
    assert image.format == "PNG" and image.height > 16 * 3
    assert [p.name for p in tmp_path.iterdir()] == ["f.png"]


def test_filters_of_a_layer_that_is_not_a_convolution_are_refused(net):
    with pytest.raises(ConvScopeError, match="not a convolution"):
        filter_pictures(net, "relu_1_1")


@pytest.mark.parametrize("name", ["sobel-x", "sobel-y", "laplacian", "box-blur", "gaussian-blur", "sharpen"])
def test_classic_kernels_agree_with_the_calculator(name):
    matrix = torch.tensor([[3.0, 0, 1, 2], [1, 5, 8, 0], [2, 7, 2, 4], [0, 1, 6, 3]])
    expected = convolve(matrix.tolist(), name, padding=1)
    assert np.allclose(apply_classic(matrix, name).numpy(), np.array(expected.output, dtype=float), atol=1e-9)


def test_edge_magnitude_is_the_length_of_the_sobel_pair(net):
    image = boot(net)[0, 0]
    gx, gy = apply_classic(image, "sobel-x"), apply_classic(image, "sobel-y")
    torch.testing.assert_close(apply_classic(image, "edge-magnitude"), torch.hypot(gx, gy))
    report = classic_report(boot(net)[0])
    assert [r["name"] for r in report] == list(CLASSIC_NAMES)
    assert report[0]["range"] == [float(gx.min()), float(gx.max())]


def test_a_filter_set_to_a_scaled_sobel_resembles_sobel_with_cosine_one():
    network = resolve_model("tinyvgg")
    conv = network.module.get_submodule("conv_1_1")
    with torch.no_grad():
        conv.weight[4] = torch.tensor([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]]) * 0.3
        conv.weight[5] = -torch.tensor([[0.0, 1, 0], [1, -4, 1], [0, 1, 0]])
    found = most_similar(network)
    assert (found[4].kernel, round(found[4].cosine, 6)) == ("sobel-x", 1.0)
    assert (found[5].kernel, round(found[5].cosine, 6)) == ("laplacian", -1.0)


def test_feature_visualisation_raises_the_objective_and_repeats_with_its_seed(net):
    first = visualize(net, layer="relu_2_2", channel=3, steps=40, seed=1)
    again = visualize(net, layer="relu_2_2", channel=3, steps=40, seed=1)
    assert len(first.curve) == 40
    assert np.mean(first.curve[-5:]) > first.curve[0]
    assert torch.equal(first.pixels, again.pixels) and first.curve == again.curve
    assert first.pixels.shape == (1, 28, 28) and 0 <= float(first.pixels.min()) <= float(first.pixels.max()) <= 1


def test_class_visualisation_with_pixel_parametrisation_raises_the_class_score(net):
    v = visualize(net, target=9, steps=40, parametrisation="pixels")
    assert v.final > v.curve[0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"layer": "conv_1_1", "channel": 16}, "0 to 15"),
        ({"layer": "flatten", "channel": 0}, "no channels of maps"),
        ({"target": 10}, "0 to 9"),
        ({"layer": "conv_1_1"}, "give a layer and a channel"),
    ],
)
def test_visualisation_refuses_what_it_cannot_optimise(net, kwargs, message):
    with pytest.raises(ConvScopeError, match=message):
        visualize(net, steps=1, **kwargs)
