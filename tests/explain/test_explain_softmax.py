"""Softmax explanations: shifted exp terms, their sum and the probabilities."""

from __future__ import annotations

import json
import math
from collections import OrderedDict

import pytest
import torch
from torch import nn

from convscope.explain import explain, explain_probabilities
from convscope.inputs import InputSpec
from convscope.network import Network
from tests.explain_support import assert_readds


def head_network(last: nn.Module, scale: float = 1.0) -> Network:
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(8, 6), last)
    with torch.no_grad():
        model[2].weight.mul_(scale)
    return Network(model, InputSpec(1, 4, 4), class_names=[f"c{i}" for i in range(6)])


def test_softmax_layer_terms_sum_and_probabilities_match_torch() -> None:
    torch.manual_seed(1)
    net = head_network(nn.Softmax(dim=1))
    trace = net.run(torch.randn(1, 1, 4, 4))
    logits = trace.output("2")[0]
    for j in range(6):
        step = explain(trace, "3", index=j)
        assert torch.equal(step.logits, logits)
        assert step.shift == float(logits.max())
        assert float(step.exp_terms.max()) == 1.0  # the largest logit's term after the shift
        assert step.exp_sum == pytest.approx(float(torch.exp(logits.double() - logits.double().max()).sum()), rel=1e-12)
        assert torch.allclose(step.probabilities.float(), torch.softmax(logits, 0), rtol=1e-5, atol=0)
        assert step.labels == list(net.class_names)
        assert_readds(step.computed, float(trace.output("3")[0, j]), step.scale)


def test_log_softmax_layer_readds_to_the_log_probability() -> None:
    torch.manual_seed(2)
    net = head_network(nn.LogSoftmax(dim=1))
    trace = net.run(torch.randn(1, 1, 4, 4))
    for j in range(6):
        step = explain(trace, "3", index=j)
        assert step.log
        assert_readds(step.computed, float(trace.output("3")[0, j]), step.scale)


def test_huge_logits_do_not_overflow_thanks_to_the_shift() -> None:
    torch.manual_seed(3)
    net = head_network(nn.Softmax(dim=1), scale=2000.0)
    trace = net.run(torch.randn(1, 1, 4, 4) * 10)
    assert float(trace.output("2").abs().max()) > 100  # exp would overflow float64 without the shift
    step = explain(trace, "3", index=0)
    assert all(math.isfinite(t) for t in step.exp_terms.tolist())
    assert_readds(step.computed, float(trace.output("3")[0, 0]), step.scale)
    json.dumps(step.to_dict())


def test_probabilities_of_a_model_without_softmax_layer_match_the_trace(tinyvgg_network: Network) -> None:
    trace = tinyvgg_network.run(torch.rand(1, 3, 64, 64))
    top = explain_probabilities(trace)
    assert top.position.index == int(trace.probabilities[0].argmax())
    assert top.input_layer == "output" and top.labels == list(tinyvgg_network.class_names)
    assert float(top.probabilities.sum()) == pytest.approx(1.0, abs=1e-12)
    for k in range(10):
        step = explain_probabilities(trace, index=k)
        assert torch.allclose(step.probabilities.float(), trace.probabilities[0], rtol=1e-5, atol=0)
        assert_readds(step.computed, float(trace.probabilities[0, k]), step.scale)


def test_softmax_across_channels_shows_the_vector_through_the_pixel() -> None:
    torch.manual_seed(4)
    # Softmax across channels at every pixel, as segmentation heads do.
    layers = OrderedDict(
        conv=nn.Conv2d(2, 4, 3), soft=nn.Softmax(dim=1), flatten=nn.Flatten(), fc=nn.Linear(4 * 3 * 3, 2)
    )
    net = Network(nn.Sequential(layers), InputSpec(2, 5, 5))
    trace = net.run(torch.randn(1, 2, 5, 5))
    step = explain(trace, "soft", channel=2, y=1, x=0)
    assert torch.equal(step.logits, trace.output("conv")[0, :, 1, 0])
    assert step.labels is None
    assert_readds(step.computed, float(trace.output("soft")[0, 2, 1, 0]), step.scale)
