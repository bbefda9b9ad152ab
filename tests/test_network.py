"""The layer graph: names, kinds, inputs, shapes, hyperparameters and counts."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from convscope.errors import ConvScopeError, ModelError, NotFoundError
from convscope.inputs import InputSpec
from convscope.network import Network
from convscope.types import LayerKind
from tests.models import CustomLayerNet, DataDependentNet, NotACNN, batchnorm_values

TINYVGG_LAYERS = [
    ("input", "input", (3, 64, 64)),
    ("conv_1_1", "conv2d", (10, 62, 62)),
    ("relu_1_1", "relu", (10, 62, 62)),
    ("conv_1_2", "conv2d", (10, 60, 60)),
    ("relu_1_2", "relu", (10, 60, 60)),
    ("max_pool_1", "maxpool2d", (10, 30, 30)),
    ("conv_2_1", "conv2d", (10, 28, 28)),
    ("relu_2_1", "relu", (10, 28, 28)),
    ("conv_2_2", "conv2d", (10, 26, 26)),
    ("relu_2_2", "relu", (10, 26, 26)),
    ("max_pool_2", "maxpool2d", (10, 13, 13)),
    ("flatten", "flatten", (1690,)),
    ("output", "linear", (10,)),
]


def flop_counter_mults(network: Network) -> int:
    """Multiplications as PyTorch's own FLOP counter sees them (FLOPs = 2 × mults), plus one per batchnorm value."""
    counter = FlopCounterMode(display=False)
    x = torch.zeros(1, *network.input_spec.shape)
    with counter, torch.no_grad():
        network.module.eval()(x)
    return counter.get_total_flops() // 2 + batchnorm_values(network.module, x)


def test_tinyvgg_layer_names_kinds_and_shapes_match_cnn_explainer(tinyvgg_network):
    got = [(layer.name, str(layer.kind), layer.output_shape) for layer in tinyvgg_network.layers]
    assert got == TINYVGG_LAYERS


def test_tinyvgg_parameter_total_is_19920_and_per_layer_counts_match_modules(tinyvgg_network):
    assert tinyvgg_network.total_params == 19_920
    for layer in tinyvgg_network.layers:
        expected = sum(p.numel() for p in layer.module.parameters()) if layer.module is not None else 0
        assert layer.params == expected
    assert sum(layer.params for layer in tinyvgg_network.layers) == 19_920


def test_conv_hyperparameters_are_read_from_the_module():
    module = nn.Sequential(
        nn.Conv2d(4, 6, (3, 5), stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2), nn.Flatten()
    )
    network = Network(module, InputSpec(4, 9, 11))
    hyper = network.layer("0").hyper
    assert hyper["kernel"] == (3, 5) and hyper["stride"] == (2, 1) and hyper["padding"] == (1, 2)
    assert hyper["dilation"] == (1, 2) and hyper["groups"] == 2
    assert hyper["in_channels"] == 4 and hyper["out_channels"] == 6
    assert network.layer("0").output_shape == tuple(module[0](torch.zeros(1, 4, 9, 11)).shape[1:])


@pytest.mark.parametrize("fixture", ["tinyvgg_network", "residual_network", "inception_network"])
def test_multiplication_total_agrees_with_torch_flop_counter(fixture, request):
    network = request.getfixturevalue(fixture)
    assert network.total_mults == flop_counter_mults(network)


def test_conv_multiplications_follow_the_formula(tinyvgg_network):
    layer = tinyvgg_network.layer("conv_1_1")
    assert layer.mults == 62 * 62 * 10 * 3 * 3 * 3
    assert "1,037,880" in layer.mult_formula or "1037880" in layer.mult_formula.replace(",", "")


def test_max_pool_counts_comparisons_not_multiplications(tinyvgg_network):
    layer = tinyvgg_network.layer("max_pool_1")
    assert layer.mults == 0
    assert layer.other_ops == {"comparisons": 30 * 30 * 10 * 3}
    assert layer.hyper["pool"] == "max" and layer.hyper["kernel"] == (2, 2) and layer.hyper["stride"] == (2, 2)


def test_residual_block_graph_has_an_add_with_two_inputs(residual_network):
    add = [layer for layer in residual_network.layers if layer.kind is LayerKind.ADD]
    assert len(add) == 1
    assert set(add[0].inputs) == {"conv2", "relu"}
    assert residual_network.layer("relu2").inputs == (add[0].name,)
    assert residual_network.layer("bn").kind is LayerKind.BATCHNORM2D
    assert residual_network.layer("pool").kind is LayerKind.ADAPTIVE_AVGPOOL2D


def test_inception_block_graph_concatenates_four_branches(inception_network):
    cat = [layer for layer in inception_network.layers if layer.kind is LayerKind.CONCAT]
    assert len(cat) == 1
    assert len(cat[0].inputs) == 4
    assert cat[0].output_shape == (16, 16, 16)
    assert cat[0].hyper["dim"] == 1
    relus = [layer for layer in inception_network.layers if layer.kind is LayerKind.RELU]
    assert len(relus) == 4 and all(layer.module is None for layer in relus)  # functional F.relu
    assert inception_network.layer("b2").inputs == ("b2_reduce",)


def test_untraceable_model_falls_back_to_hooks_and_says_so():
    network = Network(DataDependentNet(), InputSpec(1, 8, 8))
    assert network.traced_with == "hooks"
    assert "torch.fx" in network.fallback_reason
    assert [layer.name for layer in network.layers] == ["input", "conv", "relu", "flatten", "fc"]
    assert network.layer("conv").mults == 6 * 6 * 2 * 9
    x = torch.randn(1, 1, 8, 8)
    trace = network.run(x)
    torch.testing.assert_close(trace.logits, network.module(x))


def test_unknown_module_is_kept_as_other_with_its_shape():
    network = Network(CustomLayerNet(), InputSpec(3, 8, 8))
    layer = network.layer("act")
    assert layer.kind is LayerKind.OTHER
    assert layer.output_shape == (4, 6, 6)
    assert layer.hyper["module"] == "Swish2"


def test_model_without_convolution_is_refused_with_a_reason():
    with pytest.raises(ModelError, match="no Conv2d layer"):
        Network(NotACNN(), InputSpec(3, 8, 8))


def test_input_spec_that_does_not_fit_names_the_failing_layer():
    from convscope.zoo import get_model

    with pytest.raises(ModelError, match="does not fit the model: layer 'conv_1_1'"):
        Network(get_model("tinyvgg"), InputSpec(1, 64, 64))


def test_class_names_must_match_the_output_width():
    from convscope.zoo import get_entry

    entry = get_entry("tinyvgg")
    with pytest.raises(ModelError, match="10 outputs but 2 class names"):
        Network(entry.build(), entry.input_spec(), ["a", "b"])


def test_unknown_layer_name_raises_not_found(tinyvgg_network):
    with pytest.raises(NotFoundError, match="no layer 'conv_9'"):
        tinyvgg_network.layer("conv_9")


def test_wrong_input_shape_is_a_clear_error(tinyvgg_network):
    with pytest.raises(ConvScopeError, match=r"\(N, 3, 64, 64\)"):
        tinyvgg_network.run(torch.zeros(1, 1, 64, 64))


def test_building_the_graph_restores_training_mode(tinyvgg_network):
    from convscope.zoo import get_entry

    entry = get_entry("tinyvgg")
    module = entry.build().train()
    network = Network(module, entry.input_spec())
    network.run(torch.zeros(1, 3, 64, 64))
    assert module.training


def test_not_a_module_is_refused():
    with pytest.raises(ModelError, match="torch.nn.Module"):
        Network("conv", InputSpec(3, 8, 8))  # type: ignore[arg-type]


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
def test_same_padding_with_an_even_kernel_records_the_extra_pixel_bottom_right():
    module = nn.Sequential(nn.Conv2d(1, 2, 4, padding="same"), nn.Flatten())
    network = Network(module, InputSpec(1, 7, 7))
    layer = network.layer("0")
    assert layer.hyper["padding_sides"] == (1, 2, 1, 2)
    assert layer.output_shape == (2, 7, 7)


def test_functional_op_hyperparameters_are_read_from_call_arguments():
    import torch.nn.functional as F

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(1, 2, 3, padding=1)
            self.fc = nn.Linear(2 * 3 * 3, 2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = F.gelu(self.conv(x), approximate="tanh")
            x = F.elu(x, 0.5)
            x = F.avg_pool2d(x, 3, 2, 1, False, False)  # (N, 2, 3, 3)
            return self.fc(x.flatten(1))

    network = Network(Net(), InputSpec(1, 6, 6))
    kinds = {str(layer.kind): layer for layer in network.layers}
    assert kinds["gelu"].hyper == {"approximate": "tanh"}
    assert kinds["elu"].hyper == {"alpha": 0.5}
    pool = kinds["avgpool2d"].hyper
    assert pool["kernel"] == (3, 3) and pool["stride"] == (2, 2) and pool["padding"] == (1, 1)
    assert pool["count_include_pad"] is False and pool["divisor_override"] is None
    assert kinds["avgpool2d"].output_shape == (2, 3, 3)


def test_graph_module_keeps_its_own_node_names():
    import operator

    import torch.fx as fx

    graph = fx.Graph()
    x = graph.placeholder("input")
    a = graph.call_module("conv_a", (x,))
    b = graph.call_module("conv_b", (x,))
    plus = graph.call_function(operator.add, (a, b))
    plus.name = "plus"
    flat = graph.call_module("flatten", (plus,))
    graph.output(graph.call_module("output", (flat,)))
    root = {
        "conv_a": nn.Conv2d(1, 2, 3),
        "conv_b": nn.Conv2d(1, 2, 3),
        "flatten": nn.Flatten(),
        "output": nn.Linear(2 * 4 * 4, 3),
    }
    network = Network(fx.GraphModule(root, graph), InputSpec(1, 6, 6))
    assert [layer.name for layer in network.layers] == ["input", "conv_a", "conv_b", "plus", "flatten", "output"]
    assert network.layer("plus").inputs == ("conv_a", "conv_b")


def test_batchnorm_counts_one_multiplication_per_value_with_its_formula(residual_network):
    layer = residual_network.layer("bn")
    c, h, w = layer.output_shape
    assert layer.mults == c * h * w
    assert layer.mult_formula == f"{c}·{h}·{w} = {c * h * w:,}"
    assert (
        residual_network.describe()["layers"][[la.name for la in residual_network.layers].index("bn")]["mults"]
        == c * h * w
    )
