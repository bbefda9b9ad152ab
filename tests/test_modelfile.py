"""Model files: folder or zip, safetensors weights, atomic writes, clear errors."""

from __future__ import annotations

import json
import zipfile

import pytest
import torch

from convscope.errors import ModelError, NotFoundError
from convscope.formats import resolve_model, save_model
from convscope.formats.modelfile import load_model, read_metadata
from convscope.inputs import InputSpec
from convscope.zoo import get_entry

ARCH = {"zoo": "tinyvgg", "options": {"in_channels": 1, "input_size": 28, "filters": 4, "padding": 1}}


def _module():
    torch.manual_seed(3)
    return get_entry("tinyvgg").build(**ARCH["options"])


def _save(path, **kwargs):
    return save_model(
        path,
        _module(),
        architecture=ARCH,
        input_spec=InputSpec(1, 28, 28),
        classes=[str(i) for i in range(10)],
        provenance={"seed": 3},
        **kwargs,
    )


@pytest.mark.parametrize("as_zip", [False, True])
def test_saved_model_loads_with_identical_outputs(tmp_path, as_zip):
    path = _save(tmp_path / ("m.zip" if as_zip else "m"), zip=as_zip)
    network = load_model(path)
    x = torch.rand(1, 1, 28, 28)
    with torch.no_grad():
        torch.testing.assert_close(network.module(x), _module()(x), rtol=0, atol=0)
    assert network.class_names == tuple(str(i) for i in range(10))
    assert network.provenance == {"seed": 3}
    assert resolve_model(str(path)).total_params == network.total_params


def test_weights_are_safetensors_not_pickle(tmp_path):
    path = _save(tmp_path / "m")
    raw = (path / "weights.safetensors").read_bytes()
    header_len = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + header_len])
    assert "conv_1_1.weight" in header
    assert read_metadata(path)["format"] == "convscope-model"


def test_overwriting_a_model_replaces_it_whole(tmp_path):
    path = _save(tmp_path / "m")
    (path / "stale.txt").write_text("old")
    _save(path)
    assert sorted(p.name for p in path.iterdir()) == ["model.json", "weights.safetensors"]
    assert [p.name for p in tmp_path.iterdir()] == ["m"]  # no temporary folders left behind


def test_missing_weights_file_is_named(tmp_path):
    path = _save(tmp_path / "m")
    (path / "weights.safetensors").unlink()
    with pytest.raises(ModelError, match="missing weights.safetensors"):
        load_model(path)


def test_mismatched_weights_are_reported_with_the_key(tmp_path):
    path = _save(tmp_path / "m")
    meta = json.loads((path / "model.json").read_text())
    meta["architecture"]["options"]["filters"] = 5
    (path / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match=r"weight 'conv_1_1.weight' has shape \(4, 1, 3, 3\)"):
        load_model(path)


def test_truncated_weights_and_bad_json_are_clear_errors(tmp_path):
    path = _save(tmp_path / "m")
    weights = path / "weights.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(ModelError, match="damaged"):
        load_model(path)
    (path / "model.json").write_text("{not json")
    with pytest.raises(ModelError, match="not valid JSON"):
        load_model(path)


def test_zip_without_weights_is_refused(tmp_path):
    path = tmp_path / "m.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("model.json", json.dumps({"format": "convscope-model"}))
    with pytest.raises(ModelError, match="no weights.safetensors"):
        load_model(path)


def test_unknown_model_name_lists_the_zoo():
    with pytest.raises(NotFoundError, match="unknown model 'nope'.*tinyvgg"):
        resolve_model("nope")


def test_zoo_models_resolve_with_repeatable_seeded_weights():
    a, b = resolve_model("tinyvgg"), resolve_model("tinyvgg")
    torch.testing.assert_close(a.module.conv_1_1.weight, b.module.conv_1_1.weight)
    assert resolve_model("tinyvgg", filters=4).layer("conv_1_1").output_shape == (4, 62, 62)
