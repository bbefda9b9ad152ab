"""Explainers read the facts recorded in ``Layer.hyper`` when the network was read, never the module's attributes.

Each test changes a module's settings after the trace was taken: an explainer
reading the module would then disagree with the recorded facts (and the trace).
"""

from __future__ import annotations

import torch
from torch import nn

from convscope.explain import explain
from convscope.inputs import InputSpec
from convscope.network import Network


def _network() -> tuple[nn.Sequential, Network]:
    torch.manual_seed(4)
    model = nn.Sequential(
        nn.Conv2d(2, 3, 3, padding=1),
        nn.BatchNorm2d(3),
        nn.LeakyReLU(0.2),
        nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Linear(3 * 3 * 3, 4),
        nn.Softmax(dim=1),
    ).eval()
    return model, Network(model, InputSpec(2, 6, 6))


def test_changing_the_modules_after_reading_the_network_changes_no_explanation():
    model, network = _network()
    trace = network.run(torch.randn(1, 2, 6, 6))
    before = {
        name: explain(trace, name, **where).to_dict()
        for name, where in [
            ("0", {"channel": 1, "y": 0, "x": 0}),
            ("1", {"channel": 2, "y": 1, "x": 1}),
            ("2", {"channel": 0, "y": 2, "x": 3}),
            ("3", {"channel": 1, "y": 1, "x": 2}),
            ("6", {"index": 2}),
        ]  # fmt: skip
    }
    model[0].stride, model[0].padding, model[0].dilation = (2, 2), (0, 0), (2, 2)
    model[1].eps = 0.5
    model[2].negative_slope = 0.9
    model[3].kernel_size, model[3].stride = 3, 1
    model[6].dim = 0
    for name, step in before.items():
        position = step["position"]
        assert explain(trace, name, **position).to_dict() == step, name
    assert before["0"]["stride"] == [1, 1] and before["0"]["padding"] == [1, 1]
    assert before["1"]["eps"] == network.layer("1").hyper["eps"] == 1e-5
    assert before["2"]["parameters"] == {"negative_slope": 0.2}
    assert before["3"]["settings"]["kernel"] == [2, 2]
