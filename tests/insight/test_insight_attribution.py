"""Attribution maps agree with Captum (saliency, integrated gradients, LayerGradCam) and occlusion with a loop."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from convscope.errors import ConvScopeError
from convscope.insight.attribution import (
    Method,
    attribute,
    grad_cam_at_layer,
    gradient,
    integrated_gradients,
    occlusion,
    smoothgrad,
)
from tests.insight.helpers import assert_close_relative, boot, captum, default_network


@pytest.fixture(scope="module")
def net():
    return default_network()


def _forward(network):
    network.module.eval()
    return network.module


def test_vanilla_gradient_matches_captum_saliency_on_the_trained_model(net):
    x = boot(net)
    expected = captum().Saliency(_forward(net)).attribute(x.clone().requires_grad_(), target=9, abs=False)
    assert_close_relative(gradient(net, x, 9), expected)


def test_vanilla_gradient_matches_captum_on_residual_and_inception_blocks(residual_network, inception_network):
    for network in (residual_network, inception_network):
        x = torch.randn(1, 3, 16, 16)
        expected = captum().Saliency(_forward(network)).attribute(x.clone().requires_grad_(), target=1, abs=False)
        assert_close_relative(gradient(network, x, 1), expected)


@pytest.mark.parametrize("target", [0, 9])
def test_integrated_gradients_match_captum_gauss_legendre_with_32_steps(net, target):
    x = boot(net)
    ig = captum().IntegratedGradients(_forward(net))
    expected, delta = ig.attribute(
        x, baselines=torch.zeros_like(x), target=target, n_steps=32, method="gausslegendre",
        return_convergence_delta=True,
    )  # fmt: skip
    ours, _, check = integrated_gradients(net, x, target, steps=32)
    assert_close_relative(ours, expected)
    assert check["error"] == pytest.approx(float(delta), rel=1e-3, abs=1e-5)


def test_integrated_gradients_completeness_error_shrinks_with_more_steps(net):
    x = boot(net)
    coarse = abs(integrated_gradients(net, x, 9, steps=2)[2]["error"])
    fine = abs(integrated_gradients(net, x, 9, steps=64)[2]["error"])
    assert fine < coarse
    assert fine < 0.05 * abs(integrated_gradients(net, x, 9, steps=64)[2]["difference"])


def test_integrated_gradients_in_small_batches_equal_one_batch(net):
    x = boot(net)
    one = integrated_gradients(net, x, 9, steps=16, batch=64)[0]
    many = integrated_gradients(net, x, 9, steps=16, batch=3)[0]
    assert_close_relative(many, one)


@pytest.mark.parametrize("layer", ["conv_2_2", "relu_1_2", "max_pool_2"])
def test_grad_cam_matches_captum_layer_grad_cam(net, layer):
    x = boot(net)
    module = net.module.get_submodule(net.layer(layer).target)
    expected = captum().LayerGradCam(_forward(net), module).attribute(x, target=9, relu_attributions=True)
    assert_close_relative(grad_cam_at_layer(net, x, 9, layer), expected)


def test_grad_cam_matches_captum_inside_a_residual_block(residual_network):
    x = torch.randn(1, 3, 16, 16)
    module = residual_network.module.conv1
    expected = captum().LayerGradCam(_forward(residual_network), module).attribute(x, target=2, relu_attributions=True)
    assert_close_relative(grad_cam_at_layer(residual_network, x, 2, "conv1"), expected)


def test_occlusion_equals_a_direct_loop_over_every_window(net):
    x = boot(net)
    window, stride = 5, 3
    with torch.no_grad():
        module = _forward(net)
        full = module(x)[0, 9]
        total, count = torch.zeros(28, 28), torch.zeros(28, 28)
        for top in range(0, 28 - window + 1, stride):
            for left in range(0, 28 - window + 1, stride):
                hidden = x.clone()
                hidden[..., top : top + window, left : left + window] = 0
                total[top : top + window, left : left + window] += full - module(hidden)[0, 9]
                count[top : top + window, left : left + window] += 1
    expected = torch.where(count > 0, total / count.clamp_min(1), torch.zeros(()))
    assert_close_relative(occlusion(net, x, 9, window=window, stride=stride)[0, 0], expected)


def test_occlusion_matches_captum_where_windows_tile_the_image(net):
    x = boot(net)
    expected = captum().Occlusion(_forward(net)).attribute(x, target=9, sliding_window_shapes=(1, 4, 4), strides=4)
    assert_close_relative(occlusion(net, x, 9, window=4, stride=4), expected)


def test_smoothgrad_is_the_mean_gradient_of_its_seeded_noisy_copies(net):
    x = boot(net)
    generator = torch.Generator().manual_seed(5)
    sigma = 0.2 * float(x.max() - x.min())
    noisy = x + sigma * torch.randn((6, 1, 28, 28), generator=generator)
    expected = torch.stack([gradient(net, noisy[i : i + 1], 3)[0] for i in range(6)]).mean(dim=0, keepdim=True)
    assert_close_relative(smoothgrad(net, x, 3, samples=6, noise=0.2, seed=5), expected)


def test_gradient_x_input_is_the_gradient_times_the_input(net):
    x = boot(net)
    a = attribute(net, x, 9, "gradient-x-input")
    assert_close_relative(a.values, (gradient(net, x, 9) * x)[0])
    assert_close_relative(a.map, a.values.sum(dim=0))


@pytest.mark.parametrize("method", list(Method))
def test_every_method_gives_a_map_at_input_resolution(net, method):
    a = attribute(net, boot(net), 9, method)
    assert tuple(a.map.shape) == (28, 28)
    assert tuple(a.values.shape) == (1, 28, 28)
    assert torch.isfinite(a.map).all() and a.map.abs().max() > 0


def test_grad_cam_refuses_a_layer_without_a_spatial_map(net):
    with pytest.raises(ConvScopeError, match="'flatten' has no spatial map"):
        attribute(net, boot(net), 9, "gradcam", layer="flatten")


@pytest.mark.parametrize("target", [-1, 10, 99])
def test_a_class_out_of_range_is_refused_with_the_valid_range(net, target):
    with pytest.raises(ConvScopeError, match="0 to 9"):
        attribute(net, boot(net), target, "gradient")


def test_an_unknown_method_is_refused_with_the_list(net):
    with pytest.raises(ConvScopeError, match="gradcam"):
        attribute(net, boot(net), 0, "lime")


def test_attribution_leaves_the_model_in_training_mode_when_it_was(net):
    net.module.train()
    try:
        attribute(net, boot(net), 9, "gradcam")
        assert all(m.training for m in net.module.modules() if isinstance(m, nn.Module))
    finally:
        net.module.eval()
