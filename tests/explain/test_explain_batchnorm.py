"""Batchnorm explanations: running statistics and γ, β from the module, arithmetic that re-adds."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from convscope.explain import explain
from convscope.inputs import InputSpec
from convscope.network import Network
from tests.explain_support import assert_readds, sample_positions


def test_batchnorm_uses_the_running_statistics_and_affine_parameters(residual_network: Network) -> None:
    bn = residual_network.layer("bn").module
    trace = residual_network.run(torch.randn(1, 3, 16, 16))
    for pos in sample_positions(residual_network.layer("bn"), count=20):
        step = explain(trace, "bn", **pos)
        c = pos["channel"]
        assert step.statistics == "running"
        assert (step.mean, step.var) == (float(bn.running_mean[c]), float(bn.running_var[c]))
        assert (step.gamma, step.beta, step.eps) == (float(bn.weight.detach()[c]), float(bn.bias.detach()[c]), bn.eps)
        assert step.input == float(trace.output("stem")[0, c, pos["y"], pos["x"]])
        assert step.normalised == pytest.approx((step.input - step.mean) / step.std, rel=1e-12)
        assert_readds(step.computed, float(trace.output("bn")[0, c, pos["y"], pos["x"]]), step.scale, str(pos))


def bn_network(bn: nn.BatchNorm2d) -> Network:
    model = nn.Sequential(nn.Conv2d(3, 4, 3), bn, nn.Flatten(), nn.Linear(4 * 4 * 4, 2))
    return Network(model, InputSpec(3, 6, 6))


def test_batchnorm_without_affine_uses_gamma_one_and_beta_zero() -> None:
    torch.manual_seed(4)
    bn = nn.BatchNorm2d(4, affine=False)
    with torch.no_grad():
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
    net = bn_network(bn)
    trace = net.run(torch.randn(1, 3, 6, 6))
    for pos in sample_positions(net.layer("1")):
        step = explain(trace, "1", **pos)
        assert (step.gamma, step.beta) == (1.0, 0.0)
        assert_readds(step.computed, float(trace.output("1")[(0, *step.position.coords)]), step.scale)


def test_batchnorm_without_running_statistics_normalises_with_the_map_itself() -> None:
    torch.manual_seed(5)
    net = bn_network(nn.BatchNorm2d(4, track_running_stats=False))
    trace = net.run(torch.randn(1, 3, 6, 6))
    conv_out = trace.output("0")[0].double()  # (C, H, W)
    for pos in sample_positions(net.layer("1")):
        step = explain(trace, "1", **pos)
        plane = conv_out[pos["channel"]]
        assert step.statistics == "batch"
        assert step.mean == pytest.approx(float(plane.mean()), rel=1e-12)
        assert step.var == pytest.approx(float(plane.var(unbiased=False)), rel=1e-12)
        assert_readds(step.computed, float(trace.output("1")[(0, *step.position.coords)]), step.scale)


def test_batchnorm_worked_arithmetic_ends_in_the_output(residual_network: Network) -> None:
    trace = residual_network.run(torch.randn(1, 3, 16, 16))
    step = explain(trace, "bn", channel=2, y=3, x=4)
    assert step.formula == "(x − μ)/√(σ² + ε)·γ + β"
    assert step.worked.endswith(format(step.computed, ".4g").replace("-", "−"))
    assert step.to_dict()["statistics"] == "running"
