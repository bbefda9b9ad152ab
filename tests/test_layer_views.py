"""Each layer's view, signedness and connectivity: decided once, and true of the real traced values."""

from __future__ import annotations

import functools

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from convscope import layer_views as lv
from convscope.explain import EXPLAINERS
from convscope.formats import zoo_network
from convscope.inputs import InputSpec
from convscope.layer_views import DetailView, Display, Link, feeding_channels, layer_views
from convscope.network import Layer, Network
from convscope.types import LayerKind
from tests.models import InceptionNet, ResidualNet

#: Zoo models on inputs small enough for a test, covering tanh, average pools, batchnorm, residual adds and concat.
ZOO = {
    "tinyvgg": {},
    "lenet5": {},
    "lenet5-relu-max": {"activation": "relu", "pool": "max"},
    "resnet18": {"input_size": 37},
    "googlenet": {"input_size": 37},
}


@functools.cache
def _zoo(key: str) -> Network:
    return zoo_network(key.split("-")[0], **ZOO[key])


class OddNet(nn.Module):
    """A grouped conv, a depthwise conv, activations that keep or lose negatives, log-softmax."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3, padding=1)
        self.grouped = nn.Conv2d(6, 4, 3, padding=1, groups=2)
        self.sig = nn.Sigmoid()
        self.depthwise = nn.Conv2d(4, 4, 3, groups=4)
        self.elu = nn.ELU()
        self.leaky = nn.LeakyReLU(0.0)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(4 * 6 * 6, 3)
        self.out = nn.LogSoftmax(dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.grouped(self.conv(x))  # (N, 4, 8, 8)
        x = torch.cat([self.sig(x), F.relu(x)], 1)[:, :4]  # a slice: an op ConvScope does not know
        x = self.leaky(self.elu(self.depthwise(x)))  # (N, 4, 6, 6)
        return self.out(self.fc(self.flatten(x)))


def _odd() -> Network:
    torch.manual_seed(5)
    return Network(OddNet(), InputSpec(3, 8, 8, mean=(0.5,) * 3, std=(0.25,) * 3))


def _networks() -> dict[str, Network]:
    torch.manual_seed(1)
    nets = {
        "residual": Network(ResidualNet(), InputSpec(3, 16, 16)),
        "inception": Network(InceptionNet(), InputSpec(3, 16, 16)),
    }
    return {**{key: _zoo(key) for key in ZOO}, **nets, "odd": _odd()}


def _inputs(network: Network, count: int = 4) -> list[torch.Tensor]:
    """Images as the spec scales them, including all-black and all-white ones."""
    spec = network.input_spec
    mean, std = torch.tensor(spec.mean).view(1, -1, 1, 1), torch.tensor(spec.std).view(1, -1, 1, 1)
    pixels = [torch.zeros(1, *spec.shape), torch.ones(1, *spec.shape)]
    pixels += [torch.rand(1, *spec.shape, generator=torch.Generator().manual_seed(i)) for i in range(count)]
    return [(p - mean) / std for p in pixels]


# ---------------------------------------------------------------- view kinds


def test_every_layer_kind_has_a_view_entry():
    assert set(lv._DETAIL) == set(LayerKind)


def test_a_kind_has_a_detail_view_exactly_when_it_has_an_explainer():
    explained = {kind for kind, view in lv._DETAIL.items() if view is not None}
    assert explained == set(EXPLAINERS)


def test_tinyvgg_views_name_the_detail_views_the_browser_opens():
    views = layer_views(_zoo("tinyvgg"))
    assert [str(v.detail) if v.detail else None for v in views.values()] == [
        None, "conv", "activation", "conv", "activation", "pool", "conv", "activation", "conv", "activation", "pool", "step", "linear",
    ]  # fmt: skip
    assert views["input"].display is Display.INPUT and views["flatten"].display is Display.HIDDEN
    assert {v.display for name, v in views.items() if name not in ("input", "flatten")} == {Display.VALUES}


def test_the_payload_form_of_a_view_is_plain_json():
    views = layer_views(_odd())
    assert views["grouped"].to_dict() == {
        "view": "conv",
        "display": "values",
        "signed": True,
        "connectivity": {"mode": "grouped", "groups": 2, "in_per_group": 3, "out_per_group": 2},
    }
    assert views["input"].to_dict()["view"] is None


# ---------------------------------------------------------------- signedness


@pytest.mark.parametrize("key", sorted(_networks()))
def test_layers_called_unsigned_never_go_negative_and_signed_ones_do(key):
    network = _networks()[key]
    views = layer_views(network)
    lowest = {layer.name: float("inf") for layer in network.layers}
    for x in _inputs(network):
        trace = network.run(x)
        for layer in network.layers:
            lowest[layer.name] = min(lowest[layer.name], float(trace.output(layer.name).min()))
    unsigned_but_negative = [n for n, v in views.items() if not v.signed and lowest[n] < 0]
    known = {
        layer.name for layer in network.layers if layer.kind is not LayerKind.OTHER
    }  # unknown ops are signed by caution
    signed_but_never_negative = [n for n, v in views.items() if v.signed and lowest[n] >= 0 and n in known]
    assert unsigned_but_negative == []
    assert signed_but_never_negative == []  # with random weights, everything that can go negative does


def test_signedness_follows_the_input_spec_and_what_a_layer_reads():
    odd = layer_views(_odd())
    assert odd["input"].signed  # (p − 0.5)/0.25 is negative for dark pixels
    assert not odd["sig"].signed and not odd["relu"].signed
    assert not odd["leaky"].signed  # a leaky ReLU with slope 0 clips like a ReLU
    assert odd["elu"].signed and odd["out"].signed  # ELU of a signed conv; log-probabilities are ≤ 0
    assert layer_views(_zoo("tinyvgg"))["input"].signed is False  # mean 0, std 1: pixels stay in 0…1


# -------------------------------------------------------------- connectivity


def _recompute(layer: Layer, inputs: list[torch.Tensor]) -> torch.Tensor:
    """The layer's output from its inputs, by PyTorch (modules) or the op the kind names."""
    if layer.module is not None:
        return layer.module(*inputs)
    ops = {
        LayerKind.ADD: lambda xs: sum(xs[1:], xs[0]),
        LayerKind.CONCAT: lambda xs: torch.cat(xs, layer.hyper["dim"]),
        LayerKind.FLATTEN: lambda xs: torch.flatten(xs[0], 1),
        LayerKind.RELU: lambda xs: F.relu(xs[0]),
    }
    return ops[layer.kind](inputs)


def _channels_that_feed(network: Network, trace, layer: Layer, channel: int) -> dict[str, set[int]]:
    """Input channels whose values change output channel ``channel``: nonzero gradients."""
    inputs = [trace.output(name).clone().requires_grad_(True) for name in layer.inputs]
    with torch.enable_grad():
        out = _recompute(layer, [x.clone() for x in inputs])  # copies: in-place ReLUs may not write to the leaves
        torch.testing.assert_close(out, trace.output(layer.name))
        out[:, channel].sum().backward()
    found: dict[str, set[int]] = {}
    for name, x in zip(layer.inputs, inputs, strict=True):
        grad = x.grad[0].reshape(x.shape[1], -1).abs().amax(dim=1)  # (C_in,)
        found[name] = set(torch.nonzero(grad).flatten().tolist())
    return found


#: Kinds whose gradient reaches every channel the rule names (ReLU and max pooling may drop dead ones).
EXACT = {Link.ALL, Link.GROUPED, Link.STACKED, Link.UNROLLED}


@pytest.mark.parametrize("key", ["tinyvgg", "resnet18", "googlenet", "residual", "inception", "odd"])
def test_connectivity_names_the_input_channels_that_feed_each_output_channel(key):
    network = _networks()[key]
    network.module.eval()  # batchnorm and dropout recomputed below as the trace ran them
    views = layer_views(network)
    trace = network.run(_inputs(network)[2])
    checked = 0
    for layer in network.layers[1:]:
        if layer.kind is LayerKind.OTHER:
            continue
        size = layer.output_shape[0]
        for channel in sorted({0, size // 2, size - 1}):
            claimed = {name: set(chans) for name, chans in feeding_channels(network, layer.name, channel).items()}
            found = _channels_that_feed(network, trace, layer, channel)
            for name in layer.inputs:
                assert found[name] <= claimed.get(name, set()), f"{layer.name}[{channel}] reads {name} {found[name]}"
                if views[layer.name].connectivity.mode in EXACT:
                    assert found[name] == claimed.get(name, set()), f"{layer.name}[{channel}] from {name}"
            checked += 1
    assert checked > 10


def test_grouped_concat_and_flatten_connectivity_in_words():
    odd, inception = _odd(), _networks()["inception"]
    assert feeding_channels(odd, "grouped", 3) == {"conv": [3, 4, 5]}
    assert feeding_channels(odd, "depthwise", 2) == {"getitem": [2]}
    cat = next(layer for layer in inception.layers if layer.kind is LayerKind.CONCAT)
    assert layer_views(inception)[cat.name].connectivity.offsets == (0, 4, 8, 12)
    assert feeding_channels(inception, cat.name, 9) == {cat.inputs[2]: [1]}
    assert feeding_channels(inception, "flatten", 64 * 5 + 3) == {"pool": [5]}  # (16, 8, 8): unit 323 is channel 5


def test_a_model_ending_in_log_softmax_names_its_softmax_view_and_logits():
    odd = _odd()
    assert layer_views(odd)["out"].detail is DetailView.SOFTMAX
    assert odd.logits_layer == "fc"
