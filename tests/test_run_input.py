"""Network.run takes what a notebook user holds: tensors, PIL images, arrays, paths, bytes and batches."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image

from convscope.errors import ConvScopeError, InvalidImageError
from convscope.explain import explain
from convscope.formats import resolve_model
from convscope.inputs import InputSpec, decode_image


@pytest.fixture(scope="module")
def default_net():
    return resolve_model("default")


@pytest.fixture(scope="module")
def sample(default_net):
    return sorted(default_net.samples_dir.glob("*.png"))[0]


def _server_tensor(net, data: bytes) -> torch.Tensor:
    """What the server's TraceService.compute feeds the network for these bytes."""
    return net.input_spec.preprocess(decode_image(data))


def test_path_bytes_pil_and_pixels_give_the_servers_input_exactly(default_net, sample):
    data = sample.read_bytes()
    expected = _server_tensor(default_net, data)
    image = Image.open(io.BytesIO(data))
    for value in (sample, str(sample), data, image, np.asarray(image.convert("L"))):
        trace = default_net.run(value)
        assert torch.equal(trace.input, expected), type(value).__name__


def test_an_rgb_image_for_a_gray_model_is_converted_as_the_server_converts_it(default_net, sample):
    rgb = Image.open(sample).convert("RGB")
    buffer = io.BytesIO()
    rgb.save(buffer, format="PNG")
    assert torch.equal(default_net.run(rgb).input, _server_tensor(default_net, buffer.getvalue()))


def test_a_list_is_a_batch_and_each_item_matches_its_own_run(default_net, sample):
    other = sorted(default_net.samples_dir.glob("*.png"))[1]
    batch = default_net.run([sample, other.read_bytes()])
    assert batch.batch_size == 2
    alone = default_net.run(other)
    for layer in default_net.layers:
        assert torch.allclose(batch.output(layer.name, 1), alone.output(layer.name, 0), atol=1e-6)
    batched, single = batch.top_classes(3, index=1), alone.top_classes(3)
    assert [name for name, _ in batched] == [name for name, _ in single]
    assert [p for _, p in batched] == pytest.approx([p for _, p in single], abs=1e-6)


def test_float_arrays_and_chw_tensors_are_taken_as_preprocessed(default_net):
    x = torch.rand(1, 28, 28)
    assert torch.equal(default_net.run(x).input, x.unsqueeze(0))
    assert torch.equal(default_net.run(x.numpy()[None]).input, x.unsqueeze(0))


def test_explain_picks_the_batch_item(default_net, sample):
    other = sorted(default_net.samples_dir.glob("*.png"))[2]
    batch = default_net.run([sample, other])
    step = explain(batch, "conv_1_1", channel=1, y=4, x=5, item=1)
    assert step.output == float(batch.output("conv_1_1")[1, 1, 4, 5])
    assert step.output == explain(default_net.run(other), "conv_1_1", channel=1, y=4, x=5).output


def test_a_batch_index_out_of_range_is_one_line_naming_the_range(default_net, sample):
    batch = default_net.run([sample, sample])
    for call in (
        lambda: explain(batch, "conv_1_1", channel=0, y=0, x=0, item=2),
        lambda: batch.output("conv_1_1", 5),
        lambda: batch.top_classes(3, index=-1),
        lambda: batch.item(2),
    ):
        with pytest.raises(ConvScopeError) as info:
            call()
        message = str(info.value)
        assert "\n" not in message and "batch index" in message and "0 to 1" in message


def test_an_image_for_a_model_that_takes_neither_gray_nor_rgb_is_refused_naming_its_mode():
    from convscope.network import Network

    class FourBand(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = torch.nn.Conv2d(4, 2, 3)
            self.fc = torch.nn.Linear(2 * 6 * 6, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.fc(self.conv(x).flatten(1))

    net = Network(FourBand(), InputSpec(4, 8, 8))
    with pytest.raises(InvalidImageError) as info:
        net.run(Image.new("RGBA", (8, 8)))
    message = str(info.value)
    assert "mode RGBA" in message and "4 input channels" in message and "\n" not in message
    assert net.run(torch.zeros(1, 4, 8, 8)).batch_size == 1


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (np.zeros((28, 28, 2), dtype=np.uint8), "(28, 28, 2) are not an image"),
        (np.zeros((28, 28), dtype=np.int64), "dtype int64"),
        ([], "batch is empty"),
        (3.5, "cannot run a float"),
    ],
)
def test_inputs_that_are_not_images_or_tensors_get_one_line(default_net, value, words):
    with pytest.raises(ConvScopeError) as info:
        default_net.run(value)
    assert words in str(info.value) and "\n" not in str(info.value)


def test_a_bad_item_in_a_batch_is_named(default_net, sample):
    with pytest.raises(ConvScopeError, match="^item 1 of the batch: "):
        default_net.run([sample, np.zeros((3, 3, 2), dtype=np.uint8)])
