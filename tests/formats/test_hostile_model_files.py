"""Hostile model files: absurd declared sizes, malformed values and links out of the folder.

Every case must end in one line of error (a ModelError naming the file) before
anything large is allocated or anything outside the model folder is read, or
load normally. The fuzz tests mutate real files and hold the same line.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import struct
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

from convscope import limits
from convscope.errors import ConvScopeError, ModelError
from convscope.formats.importers import import_file
from convscope.formats.modelfile import MODEL_JSON, WEIGHTS, load_model, save_model
from convscope.inputs import InputSpec
from tests import requirements
from tests.conftest import CNN_EXPLAINER

needs_tinyvgg = requirements.needs_cnn_explainer

SMALL_LAYERS = [
    {"name": "conv", "type": "conv2d", "inputs": ["input"], "in_channels": 1, "out_channels": 2, "kernel": [3, 3]},
    {"name": "relu", "type": "relu", "inputs": ["conv"]},
    {"name": "flat", "type": "flatten", "inputs": ["relu"]},
    {"name": "fc", "type": "linear", "inputs": ["flat"], "in_features": 2 * 6 * 6, "out_features": 3},
]


def one_line(error: pytest.ExceptionInfo[BaseException]) -> str:
    message = str(error.value)
    assert message and "\n" not in message, message
    return message


def _small_model(folder: Path, *, zip: bool = False) -> Path:
    from convscope.formats.layerlist import build_from_layers

    module = build_from_layers(SMALL_LAYERS)
    return save_model(
        folder, module, architecture={"layers": SMALL_LAYERS}, input_spec=InputSpec(1, 8, 8), classes=None, zip=zip
    )


def _rewrite_meta(folder: Path, change) -> Path:
    meta = json.loads((folder / MODEL_JSON).read_text())
    change(meta)
    (folder / MODEL_JSON).write_text(json.dumps(meta))
    return folder


# ----- class 6: absurd declared sizes --------------------------------------------


def test_a_conv_declaring_a_billion_channels_is_refused_before_allocating(tmp_path):
    def huge(meta):
        meta["architecture"]["layers"][0]["out_channels"] = 10**9

    folder = _rewrite_meta(_small_model(tmp_path / "m"), huge)
    with pytest.raises(ModelError) as error:
        load_model(folder)
    assert "conv" in one_line(error) and "parameters" in str(error.value)


def test_an_input_spec_of_100000_squared_is_refused(tmp_path):
    def huge(meta):
        meta["input_spec"].update(height=100_000, width=100_000)

    folder = _rewrite_meta(_small_model(tmp_path / "m"), huge)
    with pytest.raises(ModelError) as error:
        load_model(folder)
    assert "100000" in one_line(error) and str(folder) in str(error.value)


def test_an_input_spec_of_a_billion_channels_is_refused_before_naming_them(tmp_path):
    def huge(meta):
        meta["input_spec"]["channels"] = 10**9

    folder = _rewrite_meta(_small_model(tmp_path / "m"), huge)
    with pytest.raises(ModelError) as error:
        load_model(folder)
    one_line(error)


def test_a_layer_whose_output_is_too_large_is_refused_before_building(tmp_path):
    def wide(meta):  # 8 → 20000 channels at 8000×8000: small weights, a 5 TB activation
        meta["input_spec"].update(height=8000, width=8000)
        meta["architecture"]["layers"][0].update(out_channels=20_000, kernel=[1, 1])

    folder = _rewrite_meta(_small_model(tmp_path / "m"), wide)
    with pytest.raises(ModelError) as error:
        load_model(folder)
    assert "layer 'conv'" in one_line(error) and "its output" in str(error.value)


def _patch_declared_size(archive: Path, member: str, size: int) -> None:
    """Rewrite the uncompressed size a zip's central directory declares for ``member``."""
    data = bytearray(archive.read_bytes())
    offset = 0
    while True:  # walk the central directory entries (signature PK\1\2) to the member's
        offset = data.find(b"PK\x01\x02", offset)
        assert offset >= 0, member
        name_length = struct.unpack_from("<H", data, offset + 28)[0]
        if data[offset + 46 : offset + 46 + name_length].decode() == member:
            struct.pack_into("<I", data, offset + 24, size)  # the uncompressed size field
            break
        offset += 4
    archive.write_bytes(bytes(data))


def test_a_zip_member_declaring_3_gib_is_refused_before_reading(tmp_path):
    archive = _small_model(tmp_path / "m.zip", zip=True)
    _patch_declared_size(archive, WEIGHTS, 3 * 2**30)
    assert archive.stat().st_size < 3 * 2**20
    with pytest.raises(ModelError) as error:
        load_model(archive)
    assert "3.0 GiB" in one_line(error) and WEIGHTS in str(error.value)


def test_a_zip_model_json_declaring_gigabytes_is_refused(tmp_path):
    archive = _small_model(tmp_path / "m.zip", zip=True)
    _patch_declared_size(archive, MODEL_JSON, 2**31)
    with pytest.raises(ModelError) as error:
        load_model(archive)
    assert MODEL_JSON in one_line(error)


@needs_tinyvgg
def test_a_tfjs_manifest_listing_one_shard_20000_times_is_refused_at_once(tmp_path):
    folder = _tfjs_copy(tmp_path)
    document = json.loads((folder / "model.json").read_text())
    document["weightsManifest"][0]["paths"] = ["group1-shard1of1.bin"] * 20_000
    (folder / "model.json").write_text(json.dumps(document))
    with pytest.raises(ModelError) as error:
        import_file(folder / "model.json")
    assert "more than once" in one_line(error)


@needs_tinyvgg
def test_a_tfjs_manifest_declaring_a_huge_weight_is_refused_before_reading_shards(tmp_path):
    folder = _tfjs_copy(tmp_path)
    document = json.loads((folder / "model.json").read_text())
    document["weightsManifest"][0]["weights"][0]["shape"] = [3, 3, 3, 10**9]
    (folder / "model.json").write_text(json.dumps(document))
    with pytest.raises(ModelError) as error:
        import_file(folder / "model.json")
    assert "conv_1_1/kernel" in one_line(error)


def test_onnx_input_dims_of_100000_squared_are_refused(tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])],
        "huge",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 100_000, 100_000])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 100_000, 100_000])],
    )
    path = tmp_path / "huge.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    with pytest.raises(ModelError) as error:
        import_file(path)
    assert "100000" in one_line(error) and str(path) in str(error.value)


@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")
def test_a_6_kb_h5_declaring_a_37_gib_dataset_is_refused_before_reading(tmp_path):
    h5py = pytest.importorskip("h5py")
    os.environ.setdefault("KERAS_BACKEND", "torch")  # as the Keras importer tests: no TensorFlow here
    keras = pytest.importorskip("keras")
    model = keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, name="conv"), keras.layers.Flatten(), keras.layers.Dense(3)]
    )
    path = tmp_path / "m.h5"
    model.save(path)
    with h5py.File(path, "r+") as handle:
        layer = handle["model_weights"]["conv"]
        key = layer.attrs["weight_names"][0]
        key = key.decode() if isinstance(key, bytes) else key
        del layer[key]
        layer.create_dataset(key, shape=(3, 3, 1, 1_111_111_111), dtype="f4")  # declared, never written: 37 GiB
    assert path.stat().st_size < 64 * 1024
    with pytest.raises(ModelError) as error:
        import_file(path)
    assert "37.3 GiB" in one_line(error) and str(path) in str(error.value)


# ----- class 7: malformed values -------------------------------------------------


@pytest.mark.parametrize("version", ["1", 1.5, True, None, [1], -1])
def test_a_non_integer_version_is_one_line(tmp_path, version):
    def change(meta):
        meta["version"] = version

    folder = _rewrite_meta(_small_model(tmp_path / "m"), change)
    with pytest.raises(ModelError) as error:
        load_model(folder)
    assert "version" in one_line(error)


def test_deeply_nested_model_json_is_one_line(tmp_path):
    folder = _small_model(tmp_path / "m")
    (folder / MODEL_JSON).write_text('{"format": "convscope-model", "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(ModelError) as error:
        load_model(folder)
    assert "nested too deeply" in one_line(error)


@needs_tinyvgg
def test_deeply_nested_tfjs_model_json_is_one_line(tmp_path):
    folder = _tfjs_copy(tmp_path)
    (folder / "model.json").write_text('{"modelTopology": ' + "[" * 50_000 + "]" * 50_000 + "}")
    with pytest.raises(ModelError) as error:
        import_file(folder / "model.json")
    assert "nested too deeply" in one_line(error)


def test_load_json_bounds_depth_without_recursion():
    deep = ("[" * (limits.MAX_JSON_DEPTH + 1) + "]" * (limits.MAX_JSON_DEPTH + 1)).encode()
    with pytest.raises(ModelError, match="nested too deeply"):
        limits.load_json(deep, "x.json")
    ok = ("[" * limits.MAX_JSON_DEPTH + "]" * limits.MAX_JSON_DEPTH).encode()
    assert limits.load_json(ok, "x.json") == eval(ok.decode())


def test_non_string_classes_in_model_json_are_one_line(tmp_path):
    def change(meta):
        meta["classes"] = [1, 2, 3]

    folder = _rewrite_meta(_small_model(tmp_path / "m"), change)
    with pytest.raises(ModelError) as error:
        load_model(folder)
    assert "classes" in one_line(error)


# ----- class 11: links that leave the model folder -------------------------------


def _tfjs_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "tfjs"
    folder.mkdir()
    for name in ("model.json", "group1-shard1of1.bin"):
        shutil.copyfile(CNN_EXPLAINER / name, folder / name)
    return folder


@needs_tinyvgg
def test_a_tfjs_shard_linked_to_etc_passwd_is_refused_without_reading_it(tmp_path):
    folder = _tfjs_copy(tmp_path)
    (folder / "group1-shard1of1.bin").unlink()
    (folder / "group1-shard1of1.bin").symlink_to("/etc/passwd")
    with pytest.raises(ModelError) as error:
        import_file(folder / "model.json")
    message = one_line(error)
    assert "leaves the model folder" in message
    assert str(Path("/etc/passwd").stat().st_size) not in message  # nothing about the target is disclosed


@needs_tinyvgg
def test_a_tfjs_shard_linked_inside_the_folder_still_loads(tmp_path):
    folder = _tfjs_copy(tmp_path)
    (folder / "weights").mkdir()
    (folder / "group1-shard1of1.bin").rename(folder / "weights" / "real.bin")
    (folder / "group1-shard1of1.bin").symlink_to("weights/real.bin")
    assert import_file(folder / "model.json").input_spec.shape == (3, 64, 64)


@pytest.mark.parametrize("member", [MODEL_JSON, WEIGHTS])
def test_a_model_folder_member_linked_outside_is_refused(tmp_path, member):
    folder = _small_model(tmp_path / "m")
    outside = tmp_path / "outside"
    outside.mkdir()
    (folder / member).rename(outside / member)
    (folder / member).symlink_to(outside / member)
    with pytest.raises(ModelError) as error:
        load_model(folder)
    assert "leaves the model folder" in one_line(error)


# ----- fuzz: mutated files end in success or one line ----------------------------

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def _loads_or_one_line(load, path: Path) -> None:
    """The property: loading ``path`` succeeds or raises a one-line ConvScopeError, nothing else."""
    try:
        load(path)
    except ConvScopeError as exc:
        assert str(exc) and "\n" not in str(exc), str(exc)


_HUGE = st.one_of(st.integers(1, 16), st.integers(10**6, 10**12), st.integers(-5, 0))
_FIELDS = ("in_channels", "out_channels", "in_features", "out_features")


@FUZZ
@given(
    layer=st.integers(0, len(SMALL_LAYERS) - 1),
    field=st.sampled_from((*_FIELDS, "kernel", "stride", "padding")),
    value=st.one_of(
        _HUGE,
        st.lists(_HUGE, min_size=0, max_size=3),
        st.text(max_size=5),
        st.none(),
        st.booleans(),
        st.floats(),
        st.sampled_from([float("inf"), float("-inf"), float("nan"), 1e308, [float("inf"), 3]]),
    ),
    side=st.one_of(st.integers(1, 64), st.integers(10**4, 10**9)),
)
def test_fuzz_declared_sizes_in_model_json_load_or_fail_in_one_line(tmp_path, layer, field, value, side):
    folder = Path(tempfile.mkdtemp(dir=tmp_path)) / "m"
    _small_model(folder)

    def change(meta):
        meta["architecture"]["layers"][layer][field] = value
        meta["input_spec"].update(height=side, width=side)

    _rewrite_meta(folder, change)
    _loads_or_one_line(load_model, folder)


def _mutate(data: bytes, rng: random.Random) -> bytes:
    """One random edit: flip bytes, cut the end, duplicate or delete a slice."""
    data = bytearray(data)
    kind = rng.randrange(4)
    if kind == 0:
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif kind == 1:
        del data[rng.randrange(len(data)) :]
    elif kind == 2:
        start = rng.randrange(len(data))
        data[start:start] = data[start : start + rng.randint(1, 200)] * rng.randint(1, 50)
    else:
        start = rng.randrange(len(data))
        del data[start : start + rng.randint(1, 200)]
    return bytes(data)


@pytest.mark.parametrize("seed", range(3))
def test_fuzz_mutated_model_zips_load_or_fail_in_one_line(tmp_path, seed):
    rng = random.Random(seed)
    original = _small_model(tmp_path / "m.zip", zip=True).read_bytes()
    for i in range(80):
        path = tmp_path / f"mutant{i}.zip"
        path.write_bytes(_mutate(original, rng))
        _loads_or_one_line(load_model, path)


@pytest.mark.parametrize("seed", range(3))
def test_fuzz_mutated_model_json_loads_or_fails_in_one_line(tmp_path, seed):
    rng = random.Random(seed)
    folder = _small_model(tmp_path / "m")
    original = (folder / MODEL_JSON).read_bytes()
    for _ in range(300):
        (folder / MODEL_JSON).write_bytes(_mutate(original, rng))
        _loads_or_one_line(load_model, folder)


def _mutate_manifest(document: dict, rng: random.Random) -> dict:
    group = document["weightsManifest"][0]
    choice = rng.randrange(6)
    if choice == 0:
        group["paths"] = group["paths"] * rng.randint(2, 5000)
    elif choice == 1:
        entry = rng.choice(group["weights"])
        entry["shape"] = [rng.choice([0, -1, 3, 10**6, 10**9, "x", None]) for _ in range(rng.randint(0, 5))]
    elif choice == 2:
        rng.choice(group["weights"])["dtype"] = rng.choice(["float64", "int8", "float16", "uint8", None, 3])
    elif choice == 3:
        group["paths"] = [rng.choice(["../x.bin", "/etc/passwd", "", ".", "group1-shard1of1.bin", 7])]
    elif choice == 4:
        rng.choice(group["weights"])["quantization"] = rng.choice(
            [{"dtype": "uint8", "scale": 1, "min": 0}, {}, None, 5]
        )
    else:
        document["weightsManifest"] = rng.choice([[], [{}], {}, None, [group, group]])
    return document


@needs_tinyvgg
@pytest.mark.parametrize("seed", range(3))
def test_fuzz_mutated_tfjs_manifests_import_or_fail_in_one_line(tmp_path, seed):
    rng = random.Random(seed)
    folder = _tfjs_copy(tmp_path)
    original = json.loads((folder / "model.json").read_text())
    for _ in range(40):
        document = _mutate_manifest(json.loads(json.dumps(original)), rng)
        (folder / "model.json").write_text(json.dumps(document))
        _loads_or_one_line(import_file, folder / "model.json")


@needs_tinyvgg
@FUZZ
@given(
    target=st.sampled_from(
        ["/etc/passwd", "/etc", "../outside.bin", "loop.bin", "weights/real.bin", "/nonexistent", "."]
    )
)
def test_fuzz_shard_links_load_only_when_they_stay_inside(tmp_path, target):
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    shutil.copyfile(CNN_EXPLAINER / "model.json", folder / "model.json")
    (folder / "weights").mkdir()
    shutil.copyfile(CNN_EXPLAINER / "group1-shard1of1.bin", folder / "weights" / "real.bin")
    shutil.copyfile(CNN_EXPLAINER / "group1-shard1of1.bin", folder.parent / "outside.bin")
    (folder / "loop.bin").symlink_to("loop.bin")
    (folder / "group1-shard1of1.bin").symlink_to(target)
    try:
        import_file(folder / "model.json")
        loaded = True
    except ConvScopeError as exc:
        assert "\n" not in str(exc)
        loaded = False
    assert loaded == (target == "weights/real.bin")


def test_bounded_build_refuses_on_the_meta_device_without_allocating():
    def build():
        return nn.Sequential(nn.Conv2d(3, 50_000, 3), nn.Flatten(), nn.Linear(50_000 * 62 * 62, 10))

    with pytest.raises(ModelError, match="parameters"):
        limits.bounded_build(build, (3, 64, 64), "huge")
    limits.bounded_build(lambda: nn.Conv2d(3, 4, 3), (3, 8, 8), "small")  # passes


def test_layer_params_agree_with_pytorch():
    from convscope.formats.layerlist import make_module, normalize_layers

    layers = normalize_layers([
        {"name": "c", "type": "conv2d", "inputs": ["input"], "in_channels": 4, "out_channels": 6, "kernel": [3, 5], "groups": 2},
        {"name": "b", "type": "batchnorm2d", "inputs": ["c"], "num_features": 6},
        {"name": "f", "type": "flatten", "inputs": ["b"]},
        {"name": "l", "type": "linear", "inputs": ["f"], "in_features": 7, "out_features": 3, "bias": False},
    ])  # fmt: skip
    for layer in layers:
        module = make_module(layer)
        assert limits.layer_params(layer) == sum(
            t.numel() for t in module.state_dict().values() if t.dtype != torch.long
        )


def test_read_h5_array_checks_before_reading(tmp_path):
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "x.h5", "w") as handle:
        handle.create_dataset("small", data=np.ones((2, 3), dtype="f4"))
        handle.create_dataset("huge", shape=(10**6, 10**6), dtype="f4")
    with h5py.File(tmp_path / "x.h5", "r") as handle:
        assert limits.read_h5_array(handle["small"]).shape == (2, 3)
        with pytest.raises(ModelError, match="/huge"):
            limits.read_h5_array(handle["huge"])


def test_resolving_a_model_folder_with_an_outside_link_says_so(tmp_path):
    from convscope.formats import resolve_model

    folder = _small_model(tmp_path / "m")
    (tmp_path / "elsewhere.json").write_bytes((folder / MODEL_JSON).read_bytes())
    (folder / MODEL_JSON).unlink()
    (folder / MODEL_JSON).symlink_to(tmp_path / "elsewhere.json")
    with pytest.raises(ModelError, match="leaves the model folder"):
        resolve_model(str(folder))


@needs_tinyvgg
def test_a_tfjs_folder_whose_model_json_links_out_is_refused(tmp_path):
    folder = _tfjs_copy(tmp_path)
    (folder / "model.json").rename(tmp_path / "model.json")
    (folder / "model.json").symlink_to(tmp_path / "model.json")
    with pytest.raises(ModelError, match="leaves the model folder"):
        import_file(folder)


@pytest.mark.parametrize(
    ("op", "inputs"),
    [
        ("ConstantOfShape", [np.array([100_000, 100_000, 100], dtype=np.int64)]),
        ("Expand", [np.ones(1, dtype=np.float32), np.array([100_000, 100_000, 100], dtype=np.int64)]),
        ("Tile", [np.ones((10, 10), dtype=np.float32), np.array([100_000, 100_000], dtype=np.int64)]),
        ("Range", [np.array(0.0, dtype=np.float32), np.array(1e12, dtype=np.float32), np.array(1.0, dtype=np.float32)]),
    ],
)
def test_an_onnx_constant_node_asking_for_terabytes_is_refused_before_computing(tmp_path, op, inputs):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    names = [f"c{i}" for i in range(len(inputs))]
    graph = helper.make_graph(
        [helper.make_node(op, names, ["big"], name="amplifier"), helper.make_node("Relu", ["x"], ["y"])],
        "amplified",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 4, 4])],
        initializer=[numpy_helper.from_array(v, n) for v, n in zip(inputs, names, strict=True)],
    )
    path = tmp_path / "amplified.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    with pytest.raises(ModelError) as error:
        import_file(path)
    assert op in one_line(error) and "ConvScope computes at most" in str(error.value)  # refused, not attempted


def test_many_h5_datasets_each_under_the_limit_are_refused_in_sum(tmp_path):
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "x.h5", "w") as handle:
        for i in range(8):  # 8 × 2²⁷ float32 = 4 GiB declared, none written
            handle.create_dataset(f"w{i}", shape=(2**27,), dtype="f4")
    with h5py.File(tmp_path / "x.h5", "r") as handle:
        with pytest.raises(ModelError, match="HDF5 datasets declare"):
            limits.check_h5_file(handle, "x.h5")


@pytest.mark.parametrize("value", [float("inf"), float("nan"), -(10**30), "3", [3, 3]])
def test_non_finite_or_malformed_layer_fields_are_one_line(tmp_path, value):
    def change(meta):
        meta["architecture"]["layers"][0]["in_channels"] = value

    folder = _rewrite_meta(_small_model(tmp_path / "m"), change)
    with pytest.raises(ModelError) as error:
        load_model(folder)
    assert "in_channels" in one_line(error) or "positive" in str(error.value)


def test_h5_datasets_kept_in_another_file_are_refused(tmp_path):
    h5py = pytest.importorskip("h5py")
    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.arange(16, dtype="f4").tobytes())
    with h5py.File(tmp_path / "external.h5", "w") as handle:
        handle.create_dataset("kernel", shape=(16,), dtype="f4", external=[(str(secret), 0, 64)])
    with h5py.File(tmp_path / "linked.h5", "w") as handle:
        handle["kernel"] = h5py.ExternalLink(str(tmp_path / "external.h5"), "/kernel")
    for name, words in (("external.h5", "keeps its data in another file"), ("linked.h5", "links to another file")):
        with h5py.File(tmp_path / name, "r") as handle:
            with pytest.raises(ModelError, match=words):
                limits.check_h5_file(handle, name)


def test_an_h5_group_linked_into_itself_is_walked_once(tmp_path):
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "cycle.h5", "w") as handle:
        group = handle.create_group("a")
        group["self"] = group  # a hard link to its own parent
        group.create_dataset("w", data=np.ones(3, dtype="f4"))
    with h5py.File(tmp_path / "cycle.h5", "r") as handle:
        limits.check_h5_file(handle, "cycle.h5")  # returns
