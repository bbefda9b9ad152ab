"""Traces hold the value each layer produced, even around in-place operations."""

from __future__ import annotations

import torch

from convscope.network import Network


def _manual_outputs(network: Network, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Each leaf module's output recorded with hooks that clone (independent of fx)."""
    seen: dict[str, torch.Tensor] = {}
    handles = [
        m.register_forward_hook(lambda mod, inp, out, name=name: seen.__setitem__(name, out.detach().clone()))
        for name, m in network.module.named_modules()
        if name and not list(m.children())
    ]
    try:
        with torch.no_grad():
            network.module.eval()(x)
    finally:
        for h in handles:
            h.remove()
    return seen


def test_tinyvgg_trace_matches_a_plain_forward_layer_by_layer(tinyvgg_network):
    x = torch.rand(1, 3, 64, 64)
    trace = tinyvgg_network.run(x)
    for name, expected in _manual_outputs(tinyvgg_network, x).items():
        torch.testing.assert_close(trace.output(name), expected, rtol=0, atol=0)
    torch.testing.assert_close(trace.probabilities, torch.softmax(tinyvgg_network.module(x), 1))


def test_inplace_relu_does_not_overwrite_the_recorded_conv_output(residual_network):
    x = torch.randn(1, 3, 16, 16)
    trace = residual_network.run(x)
    conv1 = trace.output("conv1")
    assert (conv1 < 0).any(), "a conv output with negative values is needed for this test"
    torch.testing.assert_close(trace.output("relu1"), conv1.clamp(min=0))
    expected = _manual_outputs(residual_network, x)
    torch.testing.assert_close(conv1, expected["conv1"])
    bn = trace.output("bn")
    assert (bn < 0).any()
    torch.testing.assert_close(trace.output("relu"), bn.clamp(min=0))


def test_residual_add_output_is_the_sum_of_its_inputs(residual_network):
    trace = residual_network.run(torch.randn(1, 3, 16, 16))
    add = next(layer for layer in residual_network.layers if str(layer.kind) == "add")
    total = sum(trace.output(name) for name in add.inputs)
    torch.testing.assert_close(trace.output(add.name), total)
    assert (trace.output(add.name) < 0).any()  # before relu2, so still signed


def test_tracing_leaves_the_model_output_unchanged(residual_network):
    x = torch.randn(1, 3, 16, 16)
    trace = residual_network.run(x)
    with torch.no_grad():
        torch.testing.assert_close(trace.logits, residual_network.module.eval()(x))


def test_concat_output_stacks_the_branches(inception_network):
    trace = inception_network.run(torch.randn(1, 3, 16, 16))
    cat = next(layer for layer in inception_network.layers if str(layer.kind) == "concat")
    torch.testing.assert_close(trace.output(cat.name), torch.cat([trace.output(n) for n in cat.inputs], 1))


def test_value_ranges_per_layer_and_per_channel(tinyvgg_network):
    trace = tinyvgg_network.run(torch.rand(1, 3, 64, 64))
    out = trace.output("conv_1_1")[0]
    assert trace.value_range("conv_1_1") == (float(out.min()), float(out.max()))
    ranges = trace.channel_ranges("conv_1_1")
    assert ranges.shape == (10, 2)
    torch.testing.assert_close(ranges[:, 0], out.amin(dim=(1, 2)))
    torch.testing.assert_close(ranges[:, 1], out.amax(dim=(1, 2)))
    assert trace.channel_ranges("output").shape == (1, 2)


def test_top_classes_are_sorted_and_sum_below_one(tinyvgg_network):
    trace = tinyvgg_network.run(torch.rand(1, 3, 64, 64))
    top = trace.top_classes(3)
    assert [p for _, p in top] == sorted((p for _, p in top), reverse=True)
    assert top[0][1] == float(trace.probabilities.max())
    assert top[0][0] == tinyvgg_network.class_names[int(trace.probabilities.argmax())]


def test_final_softmax_layer_is_used_as_probabilities():
    from torch import nn

    from convscope.inputs import InputSpec

    module = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(2 * 4 * 4, 3), nn.Softmax(dim=1))
    network = Network(module, InputSpec(1, 6, 6))
    trace = network.run(torch.randn(1, 1, 6, 6))
    torch.testing.assert_close(trace.probabilities, trace.output("3"))
    torch.testing.assert_close(trace.logits, trace.output("2"))


def test_first_non_finite_names_the_layer_that_broke(tinyvgg_network):
    assert tinyvgg_network.run(torch.rand(1, 3, 64, 64)).first_non_finite() is None
    with torch.no_grad():
        tinyvgg_network.module.conv_2_1.bias[3] = float("inf")
    assert tinyvgg_network.run(torch.rand(1, 3, 64, 64)).first_non_finite() == "conv_2_1"
