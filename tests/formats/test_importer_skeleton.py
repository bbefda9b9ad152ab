"""The skeleton the Keras and ONNX converters share: uneven padding, refusals that name the file."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convscope.errors import ModelError
from convscope.formats.importers.skeleton import LayerListBuilder
from convscope.formats.layerlist import INPUT, build_from_layers


class _Demo(LayerListBuilder):
    """A converter for a made-up format with one operation, ``Conv``."""

    def _Conv(self, name: str, stride: int) -> None:
        pads = self.same_pads(INPUT, f"Conv '{name}'", [2, 2], [stride, stride], [1, 1])
        weight = np.ones((1, 1, 2, 2), np.float32)
        self.conv(
            name, INPUT, weight, None, kernel=[2, 2], stride=[stride, stride], pads=pads, dilation=[1, 1], groups=1
        )


def _builder(shape: tuple[int, ...] = (1, 5, 5)) -> _Demo:
    builder = _Demo("demo.file", used={INPUT})
    builder.shapes[INPUT] = shape
    return builder


def test_uneven_same_padding_becomes_a_zeropad_layer_that_computes_what_tensorflow_pads():
    builder = _builder()
    builder.dispatch("Conv", "conv", 1)
    assert [(layer["name"], layer["type"]) for layer in builder.spec] == [("conv_pad", "zeropad2d"), ("conv", "conv2d")]
    assert builder.spec[0]["padding"] == [0, 1, 0, 1]  # the extra row and column after, as TensorFlow pads
    module = build_from_layers(builder.spec)
    module.load_state_dict({"conv.weight": torch.ones(1, 1, 2, 2)}, strict=False)
    x = torch.randn(1, 1, 5, 5)
    expected = F.conv2d(F.pad(x, (0, 1, 0, 1)), torch.ones(1, 1, 2, 2))
    torch.testing.assert_close(module(x), expected)


def test_a_setting_arithmetic_refuses_is_a_model_error_naming_the_file():
    with pytest.raises(ModelError, match=r"^demo\.file: stride must be at least 1"):
        _builder().dispatch("Conv", "conv", 0)


def test_an_operation_that_needs_maps_refuses_a_vector_naming_the_file_and_the_operation():
    with pytest.raises(
        ModelError, match=r"^demo\.file: Conv 'conv' needs feature maps \(C, H, W\) but gets shape \(25,\)"
    ):
        _builder((25,)).dispatch("Conv", "conv", 1)
