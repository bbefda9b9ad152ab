"""The torchvision ImageNet checkpoints: published key layout → zoo modules, safe loading, preprocessing, classes.

The checkpoints themselves are never downloaded. Each architecture's published
state-dict layout (key names and shapes, as torchvision's builders lay them
out) is written down here independently of the zoo; tests fill it with seeded
random tensors, save it with ``torch.save`` and serve it from 127.0.0.1.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from convscope.errors import ModelError
from convscope.formats import resolve_model
from convscope.formats.download import model_dir, registry
from convscope.formats.download.torchvision_keys import load_into, to_zoo_keys
from convscope.inputs import InputSpec
from convscope.zoo import get_entry
from tests.download_mirror import Mirror, pinned, serving

Shapes = "OrderedDict[str, tuple[int, ...]]"


def _bn(out: OrderedDict, prefix: str, c: int) -> None:
    for name in ("weight", "bias", "running_mean", "running_var"):
        out[f"{prefix}.{name}"] = (c,)
    out[f"{prefix}.num_batches_tracked"] = ()


def vgg16_layout() -> OrderedDict:
    out, index, c = OrderedDict(), 0, 3
    for v in (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"):
        if v == "M":
            index += 1  # the pool
            continue
        out[f"features.{index}.weight"], out[f"features.{index}.bias"] = (v, c, 3, 3), (v,)
        index, c = index + 2, v  # conv, then its ReLU
    for i, (o, n) in zip((0, 3, 6), ((4096, 25088), (4096, 4096), (1000, 4096)), strict=True):
        out[f"classifier.{i}.weight"], out[f"classifier.{i}.bias"] = (o, n), (o,)
    return out


def alexnet_layout() -> OrderedDict:
    out = OrderedDict()
    for i, shape in (
        (0, (64, 3, 11, 11)),
        (3, (192, 64, 5, 5)),
        (6, (384, 192, 3, 3)),
        (8, (256, 384, 3, 3)),
        (10, (256, 256, 3, 3)),
    ):
        out[f"features.{i}.weight"], out[f"features.{i}.bias"] = shape, shape[:1]
    for i, (o, n) in zip((1, 4, 6), ((4096, 9216), (4096, 4096), (1000, 4096)), strict=True):
        out[f"classifier.{i}.weight"], out[f"classifier.{i}.bias"] = (o, n), (o,)
    return out


def resnet_layout(blocks: tuple[int, ...]) -> OrderedDict:
    out = OrderedDict({"conv1.weight": (64, 3, 7, 7)})
    _bn(out, "bn1", 64)
    c = 64
    for stage, (width, n) in enumerate(zip((64, 128, 256, 512), blocks, strict=True), 1):
        for b in range(n):
            p = f"layer{stage}.{b}"
            cin = c if b == 0 else width
            out[f"{p}.conv1.weight"] = (width, cin, 3, 3)
            _bn(out, f"{p}.bn1", width)
            out[f"{p}.conv2.weight"] = (width, width, 3, 3)
            _bn(out, f"{p}.bn2", width)
            if b == 0 and (stage > 1 or cin != width):
                out[f"{p}.downsample.0.weight"] = (width, cin, 1, 1)
                _bn(out, f"{p}.downsample.1", width)
        c = width
    out["fc.weight"], out["fc.bias"] = (1000, 512), (1000,)
    return out


def googlenet_layout() -> OrderedDict:
    out = OrderedDict()

    def conv(prefix: str, cout: int, cin: int, k: int) -> None:
        out[f"{prefix}.conv.weight"] = (cout, cin, k, k)
        _bn(out, f"{prefix}.bn", cout)

    conv("conv1", 64, 3, 7)
    conv("conv2", 64, 64, 1)
    conv("conv3", 192, 64, 3)
    blocks = {  # name: in, 1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5 (3x3 in torchvision), pool projection
        "inception3a": (192, 64, 96, 128, 16, 32, 32), "inception3b": (256, 128, 128, 192, 32, 96, 64),
        "inception4a": (480, 192, 96, 208, 16, 48, 64), "inception4b": (512, 160, 112, 224, 24, 64, 64),
        "inception4c": (512, 128, 128, 256, 24, 64, 64), "inception4d": (512, 112, 144, 288, 32, 64, 64),
        "inception4e": (528, 256, 160, 320, 32, 128, 128), "inception5a": (832, 256, 160, 320, 32, 128, 128),
        "inception5b": (832, 384, 192, 384, 48, 128, 128),
    }  # fmt: skip
    for name, (cin, c1, r3, c3, r5, c5, pp) in blocks.items():
        conv(f"{name}.branch1", c1, cin, 1)
        conv(f"{name}.branch2.0", r3, cin, 1)
        conv(f"{name}.branch2.1", c3, r3, 3)
        conv(f"{name}.branch3.0", r5, cin, 1)
        conv(f"{name}.branch3.1", c5, r5, 3)
        conv(f"{name}.branch4.1", pp, cin, 1)
    for aux, cin in (("aux1", 512), ("aux2", 528)):  # training-only heads the checkpoint carries
        conv(f"{aux}.conv", 128, cin, 1)
        out[f"{aux}.fc1.weight"], out[f"{aux}.fc1.bias"] = (1024, 2048), (1024,)
        out[f"{aux}.fc2.weight"], out[f"{aux}.fc2.bias"] = (1000, 1024), (1000,)
    out["fc.weight"], out["fc.bias"] = (1000, 1024), (1000,)
    return out


LAYOUTS = {
    "vgg16-imagenet": vgg16_layout,
    "alexnet-imagenet": alexnet_layout,
    "resnet18-imagenet": lambda: resnet_layout((2, 2, 2, 2)),
    "resnet34-imagenet": lambda: resnet_layout((3, 4, 6, 3)),
    "googlenet-imagenet": googlenet_layout,
}


def filled(layout: OrderedDict, seed: int = 0) -> OrderedDict:
    generator = torch.Generator().manual_seed(seed)
    return OrderedDict(
        (k, torch.tensor(7) if s == () else torch.randn(s, generator=generator)) for k, s in layout.items()
    )


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_the_published_key_layout_maps_onto_the_zoo_module_key_for_key_and_shape_for_shape(name: str) -> None:
    entry = registry.downloads()[name]
    layout = LAYOUTS[name]()
    meta = {k: torch.empty(s, device="meta") for k, s in layout.items()}
    mapped = to_zoo_keys(entry.zoo, meta)
    with torch.device("meta"):
        module = get_entry(entry.zoo).build(**entry.zoo_options)
    expected = {k: tuple(v.shape) for k, v in module.state_dict().items()}
    assert {k: tuple(v.shape) for k, v in mapped.items()} == expected
    dropped = len(layout) - len(mapped)
    assert dropped == (sum(k.startswith(("aux1.", "aux2.")) for k in layout) if name == "googlenet-imagenet" else 0)


def test_alexnets_renamed_weights_land_in_the_right_layers_with_their_values() -> None:
    entry = registry.downloads()["alexnet-imagenet"]
    state = filled(alexnet_layout(), seed=3)
    module = get_entry("alexnet").build(**entry.zoo_options)
    load_into(module, to_zoo_keys("alexnet", state), "test")
    ours = module.state_dict()
    assert torch.equal(ours["conv_3.weight"], state["features.6.weight"])
    assert torch.equal(ours["fc_6.weight"], state["classifier.1.weight"]) and torch.equal(
        ours["output.bias"], state["classifier.6.bias"]
    )
    assert module.conv_1.padding == (2, 2)  # torchvision's stem, which the checkpoint was trained with


def _serve_checkpoint(
    name: str, data: bytes, mirror: Mirror, monkeypatch: pytest.MonkeyPatch, *, prefix_only: bool = False
) -> None:
    entry = registry.downloads()[name]
    url = entry.files[0].url
    mirror.add(url, data)
    patched = dataclasses.replace(entry, files=(pinned(url, data, prefix_only=prefix_only),))
    table = {**registry.downloads(), name: patched}
    monkeypatch.setattr(registry, "downloads", lambda: table)


@pytest.mark.parametrize(("name", "prefix_only"), [("resnet18-imagenet", False), ("googlenet-imagenet", True)])
def test_a_checkpoint_downloads_converts_to_safetensors_and_loads_the_files_tensors(
    name: str, prefix_only: bool, download_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = filled(LAYOUTS[name](), seed=1)
    if name == "resnet18-imagenet":  # checkpoints from before PyTorch 0.4.1 carry no step counters
        state = OrderedDict((k, v) for k, v in state.items() if not k.endswith("num_batches_tracked"))
    buffer = io.BytesIO()
    torch.save(state, buffer)
    with serving() as mirror:
        monkeypatch.setenv("CONVSCOPE_MIRROR", mirror.url)
        _serve_checkpoint(name, buffer.getvalue(), mirror, monkeypatch, prefix_only=prefix_only)
        network = resolve_model(name)
        assert mirror.total_requests == 1
        resolve_model(name)
        assert mirror.total_requests == 1  # the cached model folder, no second request
    entry = registry.downloads()[name]
    loaded = network.module.state_dict()
    for key, tensor in to_zoo_keys(entry.zoo, state).items():
        assert torch.equal(loaded[key], tensor), key
    files = sorted(p.name for p in download_home.rglob("*") if p.is_file())
    assert files == ["model.json", "weights.safetensors"]  # converted once; the .pth is gone
    assert network.class_names[0] == "tench" and network.num_classes == 1000
    assert network.input_spec.resize == 256 and network.input_spec.shape == (3, 224, 224)
    assert network.provenance["files"][0]["verified_by"] == ("sha256 prefix" if prefix_only else "sha256")
    assert (model_dir(name) / "model.json").is_file()


def test_a_checkpoint_that_would_run_code_is_refused_and_the_code_never_runs(
    download_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (Path.touch, (marker,))

    buffer = io.BytesIO()
    torch.save({"conv1.weight": Payload()}, buffer)
    with serving() as mirror:
        monkeypatch.setenv("CONVSCOPE_MIRROR", mirror.url)
        _serve_checkpoint("resnet18-imagenet", buffer.getvalue(), mirror, monkeypatch)
        with pytest.raises(ModelError, match="ConvScope can read safely") as caught:
            resolve_model("resnet18-imagenet")
    assert not marker.exists() and "\n" not in str(caught.value)
    assert not download_home.exists()


def test_a_checkpoint_of_another_architecture_is_a_one_line_error(
    download_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = filled(resnet_layout((2, 2, 2, 2)), seed=2)
    buffer = io.BytesIO()
    torch.save(state, buffer)
    with serving() as mirror:
        monkeypatch.setenv("CONVSCOPE_MIRROR", mirror.url)
        _serve_checkpoint("resnet34-imagenet", buffer.getvalue(), mirror, monkeypatch)
        with pytest.raises(ModelError, match="does not fit the architecture .*missing layer1.2"):
            resolve_model("resnet34-imagenet")
    assert not download_home.exists()


def test_imagenet_has_its_1000_class_names_in_the_standard_order() -> None:
    names = registry.imagenet_classes()
    assert len(names) == 1000 and len(set(names)) == 1000
    anchors = {0: "tench", 1: "goldfish", 151: "Chihuahua", 207: "golden retriever", 281: "tabby", 388: "giant panda",
               409: "analog clock", 504: "coffee mug", 817: "sports car", 945: "bell pepper", 963: "pizza",
               967: "espresso", 999: "toilet tissue"}  # fmt: skip
    assert {i: names[i] for i in anchors} == anchors
    for name in registry.list_downloads():
        if name.endswith("-imagenet"):
            assert registry.downloads()[name].classes == names


def test_imagenet_preprocessing_resizes_the_shorter_side_to_256_then_crops_the_centre_224() -> None:
    spec = registry.downloads()["resnet18-imagenet"].input_spec
    assert (spec.resize, spec.height, spec.width) == (256, 224, 224)
    assert spec.mean == (0.485, 0.456, 0.406) and spec.std == (0.229, 0.224, 0.225)
    rng = np.random.default_rng(4)
    image = Image.fromarray(rng.integers(0, 256, (400, 300, 3), dtype=np.uint8))  # W 300, H 400
    # Independently: short side 300 -> 256, long 400 -> int(256 * 400 / 300) = 341; centre 224 by round((341 - 224) / 2).
    resized = np.asarray(image.resize((256, 341), Image.Resampling.BILINEAR), dtype=np.float32) / 255
    top, left = round((341 - 224) / 2), round((256 - 224) / 2)
    crop = resized[top : top + 224, left : left + 224]
    expected = (crop - np.array(spec.mean, dtype=np.float32)) / np.array(spec.std, dtype=np.float32)
    got = spec.preprocess(image)[0].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-6)
    assert InputSpec.from_dict(spec.to_dict()) == spec


def test_googlenet_reads_pixels_the_way_torchvisions_transform_input_does() -> None:
    spec = registry.downloads()["googlenet-imagenet"].input_spec
    p = torch.rand(3)
    imagenet = (p - torch.tensor((0.485, 0.456, 0.406))) / torch.tensor((0.229, 0.224, 0.225))
    # torchvision GoogLeNet(transform_input=True): x_c * (std_c / 0.5) + (mean_c - 0.5) / 0.5
    transformed = (
        imagenet * torch.tensor((0.229, 0.224, 0.225)) / 0.5 + (torch.tensor((0.485, 0.456, 0.406)) - 0.5) / 0.5
    )
    ours = (p - torch.tensor(spec.mean)) / torch.tensor(spec.std)
    torch.testing.assert_close(ours, transformed)


def test_every_checkpoint_is_pinned_by_the_hash_prefix_in_its_published_name() -> None:
    for name in LAYOUTS:
        file = registry.downloads()[name].files[0]
        assert file.url.startswith("https://download.pytorch.org/models/")
        prefix = file.name.rsplit("-", 1)[1].removesuffix(".pth")
        assert file.sha256.startswith(prefix) and len(prefix) == 8
    assert hashlib.sha256(b"").hexdigest()  # hashlib is what fetch verifies with
