"""Layer lists: validation, names, shapes and the fx module they build."""

from __future__ import annotations

import operator
from pathlib import Path

import pytest
import torch
import torch.fx as fx
import torch.nn.functional as F

from convscope.errors import ModelError
from convscope.formats.layerlist import (
    FIELDS,
    build_from_layers,
    infer_shapes,
    normalize_layers,
    safe_names,
)
from convscope.formats.modelfile import load_model, save_model
from convscope.inputs import InputSpec
from convscope.network import Network

INPUT_SHAPE = (3, 11, 10)

#: One layer of every type, reading a (3, 11, 10) map or a (3,) vector as noted.
ONE_OF_EACH = {
    "conv2d": {"in_channels": 3, "out_channels": 4, "kernel": [3, 2], "stride": [2, 1], "padding": [1, 0],
               "dilation": [1, 2], "groups": 1, "bias": False},
    "linear": {"in_features": 3, "out_features": 5},
    "relu": {}, "sigmoid": {}, "tanh": {}, "softmax": {"dim": 2},
    "leaky_relu": {"negative_slope": 0.2}, "elu": {"alpha": 0.5},
    "maxpool2d": {"kernel": [3, 3], "stride": [2, 2], "padding": [1, 1], "ceil_mode": True},
    "avgpool2d": {"kernel": [2, 3], "stride": [2, 2], "ceil_mode": True, "count_include_pad": False},
    "global_avgpool": {}, "global_maxpool": {}, "flatten": {},
    "batchnorm2d": {"num_features": 3, "eps": 1e-3}, "dropout": {"p": 0.1},
    "zeropad2d": {"padding": [1, 2, 0, 3]}, "identity": {},
    "add": {}, "concat": {"dim": 1},
}  # fmt: skip
VECTOR_TYPES = {"linear"}


def test_every_type_is_covered_by_the_table() -> None:
    assert set(ONE_OF_EACH) == set(FIELDS)


@pytest.mark.parametrize("kind", sorted(FIELDS))
def test_inferred_shape_matches_what_pytorch_computes(kind: str) -> None:
    source = ["vec"] if kind in VECTOR_TYPES else ["input"]
    inputs = ["input", "input"] if kind in ("add", "concat") else source
    spec = [
        {"name": "vec", "type": "global_avgpool", "inputs": ["input"]},
        {"name": "vec_flat", "type": "flatten", "inputs": ["vec"]},
        {
            "name": "layer",
            "type": kind,
            "inputs": ["vec_flat"] if kind in VECTOR_TYPES else inputs,
            **ONE_OF_EACH[kind],
        },
    ]
    shapes = infer_shapes(normalize_layers(spec), INPUT_SHAPE)
    module = build_from_layers(spec).eval()
    out = module(torch.randn(2, *INPUT_SHAPE))
    assert tuple(out.shape[1:]) == shapes["layer"]


@pytest.mark.parametrize("size", range(4, 12))
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_pool_output_size_follows_pytorch_for_ceil_and_floor(size: int, ceil_mode: bool) -> None:
    layer = {
        "name": "p",
        "type": "maxpool2d",
        "inputs": ["input"],
        "kernel": [3, 3],
        "stride": [2, 2],
        "padding": [1, 1],
        "ceil_mode": ceil_mode,
    }
    expected = F.max_pool2d(torch.zeros(1, 1, size, size), 3, 2, 1, ceil_mode=ceil_mode).shape[2:]
    assert infer_shapes(normalize_layers([layer]), (1, size, size))["p"][1:] == tuple(expected)


def test_zeropad_padding_is_top_bottom_left_right() -> None:
    module = build_from_layers([{"name": "pad", "type": "zeropad2d", "inputs": ["input"], "padding": [1, 2, 3, 4]}])
    x = torch.ones(1, 1, 2, 2)
    torch.testing.assert_close(module(x), F.pad(x, (3, 4, 1, 2)))


def _residual_spec() -> list[dict]:
    return [
        {"name": "conv_1_1", "type": "conv2d", "inputs": ["input"], "in_channels": 3, "out_channels": 4,
         "kernel": [3, 3], "padding": [1, 1]},
        {"name": "block/relu", "type": "relu", "inputs": ["conv_1_1"]},
        {"name": "side", "type": "conv2d", "inputs": ["input"], "in_channels": 3, "out_channels": 4, "kernel": [1, 1]},
        {"name": "sum", "type": "add", "inputs": ["block/relu", "side", "conv_1_1"]},
        {"name": "cat", "type": "concat", "inputs": ["sum", "side"], "dim": 1},
        {"name": "gap", "type": "global_avgpool", "inputs": ["cat"]},
        {"name": "flatten", "type": "flatten", "inputs": ["gap"]},
        {"name": "output", "type": "linear", "inputs": ["flatten"], "in_features": 8, "out_features": 3},
    ]  # fmt: skip


def test_modules_carry_the_layer_names_and_merges_are_function_calls() -> None:
    module = build_from_layers(_residual_spec())
    assert isinstance(module, fx.GraphModule)
    calls = [(n.op, n.target) for n in module.graph.nodes if n.op in ("call_module", "call_function")]
    assert calls == [
        ("call_module", "conv_1_1"), ("call_module", "block_relu"), ("call_module", "side"),
        ("call_function", operator.add), ("call_function", operator.add), ("call_function", torch.cat),
        ("call_module", "gap"), ("call_module", "flatten"), ("call_module", "output"),
    ]  # fmt: skip


def test_built_module_computes_the_graph_it_describes() -> None:
    torch.manual_seed(0)
    module = build_from_layers(_residual_spec())
    x = torch.randn(2, 3, 6, 6)
    a = module.conv_1_1(x)
    side = module.side(x)
    total = torch.relu(a) + side + a
    expected = module.output(torch.cat([total, side], 1).mean(dim=(2, 3)))
    torch.testing.assert_close(module(x), expected)


def test_network_traces_the_built_module_with_the_same_module_names() -> None:
    spec = normalize_layers(_residual_spec())
    network = Network(build_from_layers(spec), InputSpec(3, 6, 6))
    modules = [layer.name for layer in network.layers if layer.module is not None]
    assert modules == [layer["name"] for layer in spec if layer["type"] not in ("add", "concat")]
    assert [str(layer.kind) for layer in network.layers].count("add") == 2  # a three-way add is two adds


def test_state_dict_keys_are_stable_so_weights_load_into_a_rebuilt_module() -> None:
    torch.manual_seed(0)
    first = build_from_layers(_residual_spec())
    torch.manual_seed(1)
    second = build_from_layers(_residual_spec())
    assert list(first.state_dict()) == list(second.state_dict())
    assert "block_relu" not in {k.split(".")[0] for k in first.state_dict()}  # parameter-free
    second.load_state_dict(first.state_dict())
    x = torch.randn(1, 3, 5, 5)
    torch.testing.assert_close(first(x), second(x))


def test_model_file_round_trip_keeps_names_and_outputs(tmp_path: Path) -> None:
    torch.manual_seed(0)
    spec = normalize_layers(_residual_spec())
    module = build_from_layers(spec)
    spec_in = InputSpec(3, 6, 6)
    save_model(tmp_path / "m", module, architecture={"layers": spec}, input_spec=spec_in, classes=None)
    network = load_model(tmp_path / "m")
    x = torch.randn(1, 3, 6, 6)
    torch.testing.assert_close(network.predict(x), torch.softmax(module(x), dim=1))
    assert network.layer("conv_1_1").kind == "conv2d"


def test_names_that_are_not_identifiers_are_made_safe_consistently() -> None:
    names = ["/conv1/Conv", "conv1.Conv", "2nd", "input", "forward", "meta", "a"]
    assert safe_names(names) == ["conv1_Conv", "conv1_Conv_2", "layer_2nd", "input_", "forward_", "meta_", "a"]
    module = build_from_layers([{"name": n, "type": "identity", "inputs": ["input"]} for n in names[:-1]])
    assert isinstance(module.meta_, torch.nn.Identity) and isinstance(module.meta, dict)  # GraphModule's own
    spec = normalize_layers(_residual_spec())
    assert spec[1]["name"] == "block_relu" and spec[3]["inputs"] == ["block_relu", "side", "conv_1_1"]
    assert normalize_layers(spec) == spec  # already-safe lists come back unchanged


def _error(spec, *needles: str, input_shape=None) -> None:
    with pytest.raises(ModelError) as info:
        build_from_layers(spec, input_shape=input_shape)
    message = str(info.value)
    assert "\n" not in message
    for needle in needles:
        assert needle in message, message


def test_unknown_types_are_all_listed() -> None:
    spec = [{"name": "a", "type": "upsample", "inputs": ["input"]}, {"name": "b", "type": "lstm", "inputs": ["a"]}]
    _error(spec, "lstm, upsample", "conv2d")


def test_missing_and_malformed_fields_are_named() -> None:
    _error([{"name": "c", "type": "conv2d", "inputs": ["input"], "in_channels": 3, "kernel": 3}], "'out_channels'")
    _error(
        [{"name": "c", "type": "linear", "inputs": ["input"], "in_features": "x", "out_features": 2}],
        "malformed 'in_features'",
    )
    _error([{"name": "c", "type": "relu", "inputs": ["input"], "slope": 1}], "unknown fields: slope")


def test_graph_mistakes_are_named() -> None:
    _error([{"name": "r", "type": "relu", "inputs": ["later"]}], "reads later")
    _error(
        [{"name": "r", "type": "relu", "inputs": ["input"]}, {"name": "r", "type": "tanh", "inputs": ["r"]}],
        "duplicate layer names: r",
    )
    _error([{"name": "s", "type": "add", "inputs": ["input"]}], "two or more inputs")
    _error([], "non-empty")


def test_shape_mismatch_with_the_input_is_refused() -> None:
    spec = [
        {"name": "c", "type": "conv2d", "inputs": ["input"], "in_channels": 3, "out_channels": 2, "kernel": [3, 3]},
        {"name": "f", "type": "flatten", "inputs": ["c"]},
        {"name": "fc", "type": "linear", "inputs": ["f"], "in_features": 10, "out_features": 2},
    ]
    _error(spec, "'c'", "in_channels is 3", input_shape=(1, 8, 8))
    _error(spec, "'fc'", "in_features is 10", input_shape=(3, 8, 8))
    _error(spec[:1], "larger than the input", input_shape=(3, 2, 2))
