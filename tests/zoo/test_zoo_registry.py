"""The zoo registry: names, options, input specs and one-line errors for user mistakes."""

from __future__ import annotations

import inspect

import pytest
import torch

from convscope.errors import ConvScopeError, NotFoundError
from convscope.zoo import get_entry, get_model, list_models
from convscope.zoo.alexnet import MIN_INPUT_SIZE as ALEXNET_MIN
from convscope.zoo.googlenet import MIN_INPUT_SIZE as GOOGLENET_MIN
from convscope.zoo.vgg import MIN_INPUT_SIZE as VGG16_MIN

#: The architectures issue 3 asks for.
ISSUE_MODELS = {"tinyvgg", "lenet5", "alexnet", "vgg16", "resnet18", "resnet34", "googlenet"}
IMAGENET_MODELS = ["alexnet", "vgg16", "resnet18", "resnet34", "googlenet"]


def _one_line(error: pytest.ExceptionInfo[BaseException]) -> str:
    message = str(error.value)
    assert "\n" not in message and message
    return message


def test_list_models_holds_every_architecture_of_the_issue_sorted():
    names = list_models()
    assert set(names) == ISSUE_MODELS
    assert names == sorted(names)


def test_unknown_model_name_raises_not_found_listing_every_model():
    with pytest.raises(NotFoundError) as error:
        get_model("lenet6")
    message = _one_line(error)
    assert "lenet6" in message
    assert all(name in message for name in list_models())
    assert isinstance(error.value, ConvScopeError)


@pytest.mark.parametrize("name", list_models())
def test_unknown_option_raises_one_line_error_listing_the_options(name):
    entry = get_entry(name)
    for call in (entry.build, entry.input_spec, entry.classes):
        with pytest.raises(ConvScopeError) as error:
            call(width_multiplier=2)
        message = _one_line(error)
        assert "width_multiplier" in message
        assert all(option in message for option in entry.options())


@pytest.mark.parametrize(
    ("name", "option", "value"),
    [
        ("tinyvgg", "filters", "16"),
        ("tinyvgg", "filters", 1.5),
        ("tinyvgg", "filters", True),
        ("tinyvgg", "dropout", "0.5"),
        ("lenet5", "activation", 1),
        ("resnet18", "num_classes", None),
    ],
)
def test_option_of_the_wrong_type_is_refused_before_building(name, option, value):
    with pytest.raises(ConvScopeError) as error:
        get_model(name, **{option: value})
    assert f"{option}={value!r}" in _one_line(error)


def test_integer_is_accepted_where_a_float_option_is_expected():
    model = get_model("tinyvgg", dropout=0)
    assert not any(isinstance(m, torch.nn.Dropout) for m in model.modules())


@pytest.mark.parametrize(
    ("option", "value", "choices"),
    [("input_size", 30, ["32", "28"]), ("activation", "sigmoid", ["tanh", "relu"]), ("pool", "lp", ["avg", "max"])],
)
def test_lenet5_invalid_choice_lists_the_valid_ones(option, value, choices):
    with pytest.raises(ConvScopeError) as error:
        get_model("lenet5", **{option: value})
    message = _one_line(error)
    assert all(choice in message for choice in choices)


def test_lenet5_input_spec_refuses_an_unsupported_size_too():
    with pytest.raises(ConvScopeError):
        get_entry("lenet5").input_spec(input_size=30)


@pytest.mark.parametrize(
    ("name", "minimum"), [("alexnet", ALEXNET_MIN), ("vgg16", VGG16_MIN), ("googlenet", GOOGLENET_MIN)]
)
def test_minimum_input_size_is_the_smallest_pytorch_can_run(name, minimum):
    entry = get_entry(name)
    with torch.device("meta"):
        model = entry.build()
    model = model.to_empty(device="cpu").eval()  # weights do not matter, only shapes
    with torch.no_grad():
        assert model(torch.zeros(1, 3, minimum, minimum)).shape == (1, 1000)
        with pytest.raises(RuntimeError):
            model(torch.zeros(1, 3, minimum - 1, minimum - 1))
    for call in (entry.build, entry.input_spec):
        with pytest.raises(ConvScopeError) as error:
            call(input_size=minimum - 1)
        assert f">= {minimum}" in _one_line(error)


def test_tinyvgg_too_small_input_is_refused_where_pytorch_would_fail():
    entry = get_entry("tinyvgg")
    model = entry.build(input_size=16)
    with torch.no_grad():
        assert model(torch.zeros(1, 3, 16, 16)).shape == (1, 10)
        with pytest.raises(RuntimeError):
            model(torch.zeros(1, 3, 15, 15))
    with pytest.raises(ConvScopeError) as error:
        entry.build(input_size=15)
    assert "15" in _one_line(error)


@pytest.mark.parametrize("name", list_models())
def test_builders_are_keyword_only_and_typed(name):
    parameters = inspect.signature(get_entry(name).builder).parameters.values()
    assert parameters
    assert all(p.kind is p.KEYWORD_ONLY and p.annotation is not p.empty for p in parameters)


@pytest.mark.parametrize("name", list_models())
def test_input_spec_follows_the_input_size_option(name):
    entry = get_entry(name)
    default = entry.options()["input_size"]
    size = 28 if name == "lenet5" else default + 8
    spec = entry.input_spec(input_size=size)
    assert spec.shape[1:] == (size, size)
    assert entry.input_spec().shape[1:] == (default, default)


@pytest.mark.parametrize("name", IMAGENET_MODELS)
def test_imagenet_models_scale_pixels_with_imagenet_statistics(name):
    entry = get_entry(name)
    spec = entry.input_spec()
    assert spec.channels == 3
    assert spec.mean == pytest.approx((0.485, 0.456, 0.406))
    assert spec.std == pytest.approx((0.229, 0.224, 0.225))
    assert entry.options()["num_classes"] == 1000
    assert entry.classes() is None


def test_tinyvgg_classes_are_cnn_explainers_only_for_ten_outputs():
    entry = get_entry("tinyvgg")
    assert len(entry.classes()) == 10
    assert entry.classes(num_classes=4) is None


@pytest.mark.parametrize("name", list_models())
def test_entry_to_dict_reports_spec_options_and_published_count(name):
    entry = get_entry(name)
    data = entry.to_dict()
    assert data["name"] == name
    assert data["input_spec"] == entry.input_spec().to_dict()
    assert data["options"] == entry.options()
    assert data["published_params"] == entry.published_params
    assert data["description"]
