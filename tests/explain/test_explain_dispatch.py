"""The dispatcher: picking explainers by kind, refusing bad positions, never re-running the network."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from convscope.errors import ConvScopeError, NotFoundError
from convscope.explain import EXPLAINERS, NoExplanationError, explain, intermediate_maps, supported_kinds
from convscope.explain.steps import ActivationStep, ConvStep, FlattenStep, LinearStep, PoolStep
from convscope.inputs import InputSpec
from convscope.network import Network
from convscope.trace import Trace
from convscope.types import ACTIVATION_KINDS, LayerKind
from tests.models import CustomLayerNet


@pytest.fixture
def tinyvgg_trace(tinyvgg_network: Network) -> Trace:
    return tinyvgg_network.run(torch.rand(1, 3, 64, 64))


@pytest.mark.parametrize(
    ("layer", "position", "step_type"),
    [
        ("conv_1_1", {"channel": 0, "y": 0, "x": 0}, ConvStep),
        ("relu_1_2", {"channel": 9, "y": 59, "x": 59}, ActivationStep),
        ("max_pool_1", {"channel": 4, "y": 29, "x": 0}, PoolStep),
        ("flatten", {"index": 1689}, FlattenStep),
        ("output", {"index": 9}, LinearStep),
    ],
)
def test_the_explainer_is_picked_by_layer_kind(
    tinyvgg_trace: Trace, layer: str, position: dict, step_type: type
) -> None:
    step = explain(tinyvgg_trace, layer, **position)
    assert isinstance(step, step_type)
    assert step.layer == layer and step.position.to_dict() == position


def test_every_activation_kind_and_the_core_kinds_are_supported() -> None:
    kinds = set(supported_kinds())
    assert ACTIVATION_KINDS <= kinds
    assert {
        LayerKind.CONV2D,
        LayerKind.LINEAR,
        LayerKind.MAXPOOL2D,
        LayerKind.AVGPOOL2D,
        LayerKind.ADAPTIVE_AVGPOOL2D,
        LayerKind.BATCHNORM2D,
        LayerKind.SOFTMAX,
        LayerKind.ADD,
        LayerKind.CONCAT,
        LayerKind.FLATTEN,
    } <= kinds
    assert LayerKind.OTHER not in EXPLAINERS and LayerKind.INPUT not in EXPLAINERS


@pytest.mark.parametrize(
    ("layer", "position", "words"),
    [
        (
            "conv_1_1",
            {"channel": 0, "y": 62, "x": 0},
            "y 62 is outside layer 'conv_1_1', which has 62 rows; choose y from 0 to 61",
        ),
        ("conv_1_1", {"channel": 0, "y": 0, "x": -1}, "x -1 is outside layer 'conv_1_1'"),
        ("conv_1_1", {"channel": 10, "y": 0, "x": 0}, "channel 10 is outside layer 'conv_1_1', which has 10 channels"),
        ("max_pool_2", {"channel": 0, "y": 13, "x": 13}, "choose y from 0 to 12"),
        ("output", {"index": 10}, "index 10 is outside layer 'output', which has 10 units; choose index from 0 to 9"),
        ("conv_1_1", {"channel": 0, "y": 3}, "give channel, y and x"),
        ("conv_1_1", {"index": 3}, "give channel, y and x"),
        ("output", {"channel": 0, "y": 0, "x": 0}, "give index"),
        ("output", {}, "give index"),
        ("conv_1_1", {"channel": 0, "y": 1.5, "x": 0}, "y must be a whole number"),
        ("conv_1_1", {"channel": True, "y": 1, "x": 0}, "channel must be a whole number"),
    ],
)
def test_bad_positions_raise_one_line_errors_that_say_what_to_do(
    tinyvgg_trace: Trace, layer: str, position: dict, words: str
) -> None:
    with pytest.raises(ConvScopeError) as info:
        explain(tinyvgg_trace, layer, **position)
    assert not isinstance(info.value, NoExplanationError)
    assert info.value.status == 400
    message = str(info.value)
    assert words in message and "\n" not in message


def test_unknown_layers_are_not_found(tinyvgg_trace: Trace) -> None:
    with pytest.raises(NotFoundError, match="no layer 'conv_9'"):
        explain(tinyvgg_trace, "conv_9", channel=0, y=0, x=0)


def test_layers_without_an_explanation_say_so() -> None:
    torch.manual_seed(1)
    net = Network(CustomLayerNet(), InputSpec(3, 8, 8))
    trace = net.run(torch.randn(1, 3, 8, 8))
    assert net.layer("act").kind is LayerKind.OTHER
    with pytest.raises(NoExplanationError, match="kind 'other', which has no step-by-step explanation") as info:
        explain(trace, "act", channel=0, y=0, x=0)
    assert info.value.status == 422 and "\n" not in str(info.value)
    with pytest.raises(NoExplanationError, match="kind 'input'"):
        explain(trace, "input", channel=0, y=0, x=0)
    with pytest.raises(NoExplanationError, match="conv2d layers only"):
        intermediate_maps(trace, "act", channel=0)
    with pytest.raises(ConvScopeError, match="channel 4 is outside layer 'conv'"):
        intermediate_maps(trace, "conv", channel=4)


class CountingNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(4 * 4 * 4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.flatten(self.pool(self.relu(self.conv(x)))))


def test_explaining_reads_the_trace_and_never_reruns_a_layer() -> None:
    torch.manual_seed(2)
    model = CountingNet()
    net = Network(model, InputSpec(3, 8, 8))
    trace = net.run(torch.randn(1, 3, 8, 8))
    calls: list[str] = []
    handles = [
        m.register_forward_pre_hook(lambda mod, args, name=name: calls.append(name))
        for name, m in model.named_modules()
    ]
    try:
        explain(trace, "conv", channel=1, y=0, x=7)
        explain(trace, "relu", channel=1, y=3, x=3)
        explain(trace, "pool", channel=2, y=1, x=1)
        explain(trace, "fc", index=2)
        intermediate_maps(trace, "conv", channel=3)
    finally:
        for handle in handles:
            handle.remove()
    assert calls == []


class WaveletConv(nn.Conv2d):
    """A custom subclass with a padding mode PyTorch does not have (it pads with zeros itself)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.padding_mode = "wavelet"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.conv2d(x, self.weight, self.bias, self.stride, self.padding)


def test_a_conv_whose_padding_mode_cannot_be_explained_is_refused_clearly() -> None:
    torch.manual_seed(3)
    model = CountingNet()
    model.conv = WaveletConv(3, 4, 3, padding=1)  # recorded in the layer's hyper when the network is read
    net = Network(model, InputSpec(3, 8, 8))
    trace = net.run(torch.randn(1, 3, 8, 8))
    with pytest.raises(
        ConvScopeError, match="pads with mode 'wavelet'.*use one of zeros, reflect, replicate, circular"
    ):
        explain(trace, "conv", channel=0, y=0, x=0)


def test_every_step_of_a_real_model_serialises_to_json(tinyvgg_trace: Trace) -> None:
    for layer in tinyvgg_trace.network.layers[1:]:
        shape = layer.output_shape
        position = {"index": shape[0] - 1} if len(shape) == 1 else {"channel": 1, "y": 1, "x": 1}
        text = json.dumps(explain(tinyvgg_trace, layer.name, **position).to_dict())
        assert json.loads(text)["layer"] == layer.name
