"""A hand-written TF.js layers model: Keras 2 functional topology, two shards, quantised weights.

The expected output is computed independently in NumPy, channels-last, the
way TF.js computes it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from convscope.errors import ModelError
from convscope.formats.importers import import_file

H, W, C = 5, 6, 2


def _layer(name: str, class_name: str, inbound: list[str], **config) -> dict:
    return {
        "name": name,
        "class_name": class_name,
        "config": {"name": name, **config},
        "inbound_nodes": [[[source, 0, 0, {}] for source in inbound]] if inbound else [],
    }


def _weights(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {
        "conv/kernel": rng.normal(size=(3, 3, C, 3)).astype(np.float32),
        "conv/bias": rng.normal(size=3).astype(np.float32),
        "skip/kernel": rng.normal(size=(1, 1, C, 3)).astype(np.float32),
        "out/kernel": rng.normal(size=(H * W * 3, 4)).astype(np.float32),
        "out/bias": rng.normal(size=4).astype(np.float32),
    }


def _write_model(folder: Path, weights: dict[str, np.ndarray]) -> tuple[Path, dict[str, np.ndarray]]:
    """Write model.json + two shards; return the path and the weights as TF.js will decode them."""
    conv = {"kernel_size": [3, 3], "strides": [1, 1], "dilation_rate": [1, 1], "data_format": "channels_last"}
    topology = {
        "class_name": "Model",
        "config": {
            "name": "hand",
            "layers": [
                _layer("input_1", "InputLayer", [], batch_input_shape=[None, H, W, C]),
                _layer(
                    "conv", "Conv2D", ["input_1"], filters=3, padding="same", activation="relu", use_bias=True, **conv
                ),
                _layer(
                    "skip",
                    "Conv2D",
                    ["input_1"],
                    filters=3,
                    padding="valid",
                    activation="linear",
                    use_bias=False,
                    **{**conv, "kernel_size": [1, 1]},
                ),
                _layer("sum", "Add", ["conv", "skip"]),
                _layer("flat", "Flatten", ["sum"], data_format="channels_last"),
                _layer("out", "Dense", ["flat"], units=4, activation="linear", use_bias=True),
            ],
            "input_layers": [["input_1", 0, 0]],
            "output_layers": [["out", 0, 0]],
        },
    }
    decoded, manifest, chunks = {}, [], []
    for name, array in weights.items():
        entry = {"name": name, "shape": list(array.shape), "dtype": "float32"}
        if name == "conv/kernel":  # TF.js's affine uint8 quantisation
            low, scale = float(array.min()), float(array.max() - array.min()) / 255
            q = np.round((array - low) / scale).astype(np.uint8)
            entry["quantization"] = {"dtype": "uint8", "min": low, "scale": scale}
            decoded[name] = q.astype(np.float32) * np.float32(scale) + np.float32(low)
            chunks.append(q.tobytes())
        elif name == "out/kernel":  # float16 quantisation
            entry["quantization"] = {"dtype": "float16"}
            decoded[name] = array.astype(np.float16).astype(np.float32)
            chunks.append(array.astype("<f2").tobytes())
        else:
            decoded[name] = array
            chunks.append(array.astype("<f4").tobytes())
        manifest.append(entry)
    data = b"".join(chunks)
    (folder / "a.bin").write_bytes(data[:100])
    (folder / "b.bin").write_bytes(data[100:])
    document = {
        "format": "layers-model",
        "generatedBy": "hand",
        "convertedBy": "test",
        "modelTopology": topology,
        "weightsManifest": [{"paths": ["a.bin", "b.bin"], "weights": manifest}],
    }
    (folder / "model.json").write_text(json.dumps(document))
    return folder / "model.json", decoded


def _reference(x: np.ndarray, w: dict[str, np.ndarray]) -> np.ndarray:
    """TF.js's computation, channels-last: x (H, W, C) → (4,)."""
    padded = np.pad(x, ((1, 1), (1, 1), (0, 0)))
    conv = sum(padded[i : i + H, j : j + W] @ w["conv/kernel"][i, j] for i in range(3) for j in range(3))
    conv = np.maximum(conv + w["conv/bias"], 0)  # (H, W, 3)
    skip = x @ w["skip/kernel"][0, 0]  # (H, W, 3)
    return (conv + skip).reshape(-1) @ w["out/kernel"] + w["out/bias"]


def test_functional_quantised_two_shard_model_matches_a_channels_last_reference(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    path, decoded = _write_model(tmp_path, _weights(rng))
    imported = import_file(tmp_path)
    assert [layer["name"] for layer in imported.layers] == ["conv", "conv_relu", "skip", "sum", "flat", "out"]
    assert imported.layers[3]["inputs"] == ["conv_relu", "skip"]
    x = rng.random((H, W, C)).astype(np.float32)
    with torch.no_grad():
        out = imported.module(torch.from_numpy(x).permute(2, 0, 1).unsqueeze(0))[0].numpy()
    np.testing.assert_allclose(out, _reference(x, decoded), atol=1e-4)


def test_second_shard_missing_is_named(tmp_path: Path) -> None:
    path, _ = _write_model(tmp_path, _weights(np.random.default_rng(1)))
    (tmp_path / "b.bin").unlink()
    with pytest.raises(ModelError, match=r"weight shard b\.bin is missing"):
        import_file(path)
