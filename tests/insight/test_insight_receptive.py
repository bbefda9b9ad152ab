"""Receptive fields match the gradient support of a unit (input pixels with a non-zero gradient) on random weights."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from convscope.inputs import InputSpec
from convscope.insight.receptive import ReceptiveFields
from convscope.network import Network
from convscope.types import LayerKind


class StridedDilatedNet(nn.Module):
    """Stride, dilation, uneven zero padding, padded average pooling and a residual add across them."""

    def __init__(self) -> None:
        super().__init__()
        self.pad = nn.ZeroPad2d((1, 2, 0, 1))
        self.conv1 = nn.Conv2d(2, 4, 3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(4, 4, 3, dilation=2, padding=2)
        self.skip = nn.Conv2d(4, 4, 1)
        self.pool = nn.AvgPool2d(3, stride=2, padding=1)
        self.conv3 = nn.Conv2d(4, 3, (3, 1), padding=(1, 0))
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(3 * 5 * 5, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.tanh(self.conv1(self.pad(x)))  # (N, 4, 10, 11)
        x = torch.tanh(self.conv2(x)) + self.skip(x)
        x = self.conv3(self.pool(x))  # (N, 3, 5, 6)
        return self.fc(self.flatten(x[..., :5]))


def _support(network: Network, layer: str, y: int, x: int) -> tuple[int, int, int, int] | None:
    """The bounding box of input pixels whose gradient is non-zero for some of 64 random inputs."""
    from convscope.insight.forward import eval_mode, layer_outputs

    inputs = torch.randn((64, *network.input_spec.shape), requires_grad=True)
    with eval_mode(network.module):
        out = layer_outputs(network, inputs, [layer])[layer]  # (64, C, H, W)
        (grad,) = torch.autograd.grad(out[:, :, y, x].sum(), inputs)
    rows, cols = torch.nonzero(grad.abs().sum(dim=(0, 1)) > 0, as_tuple=True)
    if len(rows) == 0:
        return None  # a unit of zero padding depends on no pixel
    return (int(rows.min()), int(cols.min()), int(rows.max()) + 1, int(cols.max()) + 1)


def _networks() -> dict[str, Network]:
    from convscope.formats import resolve_model
    from tests.models import InceptionNet, ResidualNet

    torch.manual_seed(0)
    return {
        "default": resolve_model("default"),
        "lenet5": resolve_model("lenet5"),
        "residual": Network(ResidualNet(), InputSpec(3, 16, 16)),
        "inception": Network(InceptionNet(), InputSpec(3, 16, 16)),
        "strided": Network(StridedDilatedNet(), InputSpec(2, 19, 19)),
    }


NETWORKS = _networks()
CASES = [
    (name, layer.name)
    for name, net in NETWORKS.items()
    for layer in net.layers
    if layer.is_spatial and layer.kind not in (LayerKind.INPUT, LayerKind.ADAPTIVE_AVGPOOL2D, LayerKind.OTHER)
]


@pytest.mark.parametrize(("model", "layer"), CASES)
def test_the_clipped_box_is_the_gradient_support_of_corner_and_centre_units(model, layer):
    network = NETWORKS[model]
    fields = ReceptiveFields.of(network)
    _, h, w = network.layer(layer).output_shape
    for y, x in {(0, 0), (h - 1, w - 1), (h // 2, w // 2), (0, w - 1)}:
        support, (top, left, bottom, right) = _support(network, layer, y, x), fields.clipped(layer, y, x)
        if support is None:
            assert bottom <= top or right <= left, (layer, y, x)
        else:
            assert (top, left, bottom, right) == support, (layer, y, x)


def test_boxes_reach_into_the_padding_unclipped():
    fields = ReceptiveFields.of(NETWORKS["default"])  # 3×3 convolutions with padding 1
    assert fields.box("conv_1_1", 0, 0) == (-1, -1, 2, 2)
    assert fields.box("conv_1_2", 27, 27) == (25, 25, 30, 30)
    assert fields.clipped("conv_1_2", 27, 27) == (25, 25, 28, 28)


def test_sizes_follow_the_textbook_recurrence_r_out_equals_r_in_plus_d_k_minus_1_times_jump():
    fields = ReceptiveFields.of(NETWORKS["default"])
    # 3×3, 3×3, pool 2 (jump 2), 3×3, 3×3, pool 2: 3, 5, 6, 10, 14, 16.
    sizes = [fields.size(name)[0] for name in ("conv_1_1", "conv_1_2", "max_pool_1", "conv_2_1", "conv_2_2")]
    assert sizes == [3, 5, 6, 10, 14]
    assert fields.size("max_pool_2") == (16, 16)
    assert fields.size("output") == (28, 28)  # the classifier sees the whole image


def test_a_residual_add_takes_the_wider_of_its_two_paths():
    fields = ReceptiveFields.of(NETWORKS["residual"])
    add = next(layer.name for layer in NETWORKS["residual"].layers if layer.kind is LayerKind.ADD)
    assert fields.size(add) == (7, 7)  # stem 3, then two 3×3 on the main path; the identity path is only 3


def test_a_layer_without_a_spatial_map_has_no_box():
    from convscope.errors import ConvScopeError

    with pytest.raises(ConvScopeError, match="no spatial map"):
        ReceptiveFields.of(NETWORKS["default"]).box("flatten", 0, 0)
