"""Helpers shared by the explanation tests: tolerances, positions, and CNN Explainer's trained TinyVGG."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from convscope.network import Layer, Network
from convscope.zoo import get_entry
from tests import requirements

REPO = Path(__file__).resolve().parents[1]
CNN_EXPLAINER = requirements.CNN_EXPLAINER

#: The invariant: parts re-add to the traced value within this relative tolerance.
REL = 1e-5


def assert_readds(computed: float, traced: float, scale: float, what: str = "") -> None:
    """|computed − traced| ≤ 1e-5 · max(|traced|, Σ|parts|).

    Relative to the parts' magnitude as well as the result: a float32 sum of large
    parts that nearly cancel is only that accurate.
    """
    bound = REL * max(abs(traced), scale) + 1e-37
    assert math.isfinite(computed), what
    assert abs(computed - traced) <= bound, f"{what}: computed {computed!r} vs traced {traced!r} (bound {bound:.3g})"


def sample_positions(layer: Layer, count: int = 6, seed: int = 0) -> list[dict[str, int]]:
    """Corners (where padding bites) plus ``count`` seeded random positions of a layer's output."""
    rng = random.Random(seed)
    shape = layer.output_shape
    if len(shape) == 1:
        picks = {0, shape[0] - 1} | {rng.randrange(shape[0]) for _ in range(count)}
        return [{"index": i} for i in sorted(picks)]
    c, h, w = shape
    picks = {(0, 0, 0), (c - 1, h - 1, w - 1), (0, 0, w - 1), (c - 1, h - 1, 0)}
    picks |= {(rng.randrange(c), rng.randrange(h), rng.randrange(w)) for _ in range(count)}
    return [{"channel": k, "y": y, "x": x} for k, y, x in sorted(picks)]


def cnn_explainer_dir() -> Path:
    return requirements.cnn_explainer()


def trained_tinyvgg() -> Network:
    """CNN Explainer's trained TinyVGG, read from its TF.js weights into our zoo architecture.

    Conv kernels are stored HWIO (→ OIHW); the dense kernel's rows follow Keras's
    channels-last flatten (h, w, c) and are permuted to PyTorch's (c, h, w).
    """
    folder = cnn_explainer_dir()
    manifest = json.loads((folder / "model.json").read_text())["weightsManifest"][0]
    blob = (folder / manifest["paths"][0]).read_bytes()
    arrays: dict[str, np.ndarray] = {}
    offset = 0
    for spec in manifest["weights"]:
        count = math.prod(spec["shape"])
        arrays[spec["name"]] = np.frombuffer(blob, "<f4", count, offset).reshape(spec["shape"])
        offset += 4 * count
    entry = get_entry("tinyvgg")
    module = entry.build()
    state = {}
    for name, value in arrays.items():
        layer, kind = name.split("/")
        tensor = torch.from_numpy(value.copy())
        if kind == "kernel" and tensor.dim() == 4:
            tensor = tensor.permute(3, 2, 0, 1)  # HWIO → OIHW
        elif kind == "kernel":
            tensor = tensor.reshape(13, 13, 10, -1).permute(3, 2, 0, 1).reshape(tensor.shape[1], -1)  # (K, C·H·W)
        state[f"{layer}.{'weight' if kind == 'kernel' else 'bias'}"] = tensor.contiguous()
    module.load_state_dict(state)
    return Network(module, entry.input_spec(), entry.classes(), name="tinyvgg-trained")


def cnn_explainer_image(name: str) -> torch.Tensor:
    """One fixture image as CNN Explainer feeds it: RGB, no resize, divided by 255, ``(1, 3, 64, 64)``."""
    with Image.open(cnn_explainer_dir() / "images" / name) as img:
        pixels = np.asarray(img.convert("RGB"), dtype=np.float32) / 255.0  # (H, W, C)
    return torch.from_numpy(pixels).permute(2, 0, 1).unsqueeze(0).contiguous()


def expected_probabilities(name: str) -> list[float]:
    data = json.loads((cnn_explainer_dir() / "expected.json").read_text())
    return data["images"][name]["probabilities"]
