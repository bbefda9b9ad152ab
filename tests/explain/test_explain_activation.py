"""Activation explanations: the formula evaluated on the input gives PyTorch's output."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from convscope.explain import explain
from convscope.inputs import InputSpec
from convscope.network import Network
from tests.explain_support import assert_readds


class ActNet(nn.Module):
    """conv → activation → flatten → linear; the conv is an identity so inputs span −8…8."""

    def __init__(self, act: nn.Module | Callable[[torch.Tensor], torch.Tensor]) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 2, 1, bias=False)
        with torch.no_grad():
            self.conv.weight.copy_(torch.eye(2)[:, :, None, None])
        if isinstance(act, nn.Module):
            self.act = act
        else:
            self.fn = act
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(2 * 6 * 6, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        x = self.act(x) if hasattr(self, "act") else self.fn(x)
        return self.fc(self.flatten(x))


def spread_input() -> torch.Tensor:
    """72 values from −8 to 8 (both signs, near zero, large), plus exact zero and the kinks."""
    values = torch.linspace(-8, 8, 72)
    values[:4] = torch.tensor([0.0, -3.0, 3.0, 6.0])  # branch points of relu/relu6/hardswish
    return values.reshape(1, 2, 6, 6)


MODULES = {
    "relu": (nn.ReLU(), {}),
    "relu-inplace": (nn.ReLU(inplace=True), {}),
    "leaky_relu": (nn.LeakyReLU(0.2), {"negative_slope": 0.2}),
    "elu": (nn.ELU(alpha=0.7), {"alpha": 0.7}),
    "gelu": (nn.GELU(), {"approximate": "none"}),
    "gelu-tanh": (nn.GELU(approximate="tanh"), {"approximate": "tanh"}),
    "sigmoid": (nn.Sigmoid(), {}),
    "tanh": (nn.Tanh(), {}),
    "silu": (nn.SiLU(), {}),
    "relu6": (nn.ReLU6(), {}),
    "hardswish": (nn.Hardswish(), {}),
}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_activation_modules_explain_every_value_of_the_map(name: str) -> None:
    act, params = MODULES[name]
    net = Network(ActNet(act), InputSpec(2, 6, 6))
    inp = spread_input()
    trace = net.run(inp)
    for c in range(2):
        for y in range(6):
            for x in range(6):
                step = explain(trace, "act", channel=c, y=y, x=x)
                assert step.input == float(inp[0, c, y, x])
                assert step.input_layer == "conv"
                assert step.kind == net.layer("act").kind
                assert_readds(
                    step.computed, float(trace.output("act")[0, c, y, x]), step.scale, f"{name} at x={step.input}"
                )
                assert step.parameters == params
                assert step.worked.endswith(f"= {format(step.computed, '.4g').replace('-', '−')}")


FUNCTIONS = {
    "relu": F.relu,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.01),
    "elu": F.elu,
    "gelu": F.gelu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "silu": F.silu,
    "relu6": F.relu6,
    "hardswish": F.hardswish,
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_functional_activations_are_explained_too(name: str) -> None:
    net = Network(ActNet(FUNCTIONS[name]), InputSpec(2, 6, 6))
    layer = next(layer for layer in net.layers if layer.kind not in ("input", "conv2d", "flatten", "linear"))
    assert str(layer.kind) == name
    trace = net.run(spread_input())
    for y in range(6):
        step = explain(trace, layer.name, channel=1, y=y, x=y)
        assert_readds(step.computed, float(trace.output(layer.name)[0, 1, y, y]), step.scale, name)


def test_relu_step_reads_the_pre_activation_value_even_with_inplace_relu() -> None:
    net = Network(ActNet(nn.ReLU(inplace=True)), InputSpec(2, 6, 6))
    trace = net.run(spread_input())
    step = explain(trace, "act", channel=0, y=0, x=4)  # linspace value −7.10: negative before the ReLU
    assert step.input < 0 and step.output == 0.0
    assert step.formula == "max(0, x)"
    assert json.loads(json.dumps(step.to_dict()))["input"] == step.input


def test_activation_of_a_vector_is_explained_by_index() -> None:
    torch.manual_seed(3)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(8, 6), nn.Sigmoid(), nn.Linear(6, 2))
    net = Network(model, InputSpec(1, 4, 4))
    trace = net.run(torch.randn(1, 1, 4, 4))
    for i in range(6):
        step = explain(trace, "3", index=i)
        assert step.input == float(trace.output("2")[0, i])
        assert_readds(step.computed, float(trace.output("3")[0, i]), step.scale)
