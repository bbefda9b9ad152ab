"""Every docstring example in every public module of ``src/convscope`` runs and prints what it shows.

Modules are found on disk, not by importing the package, so a module that fails to
import fails its test instead of dropping out of the list. Examples of one explained
layer assume a network ``net`` and its ``trace`` (the package docstring of
``convscope.explain`` builds them); they come from :func:`namespace`, built once.

Every module's examples run in a fresh temporary folder holding the files they name
(:func:`example_files`): so ``write_atomic("out.bin", …)`` writes there, and
``import_onnx("small.onnx")`` reads a real file. ``CONVSCOPE_HOME`` is an empty
temporary cache, and the download example fetches from a mirror on 127.0.0.1.
"""

from __future__ import annotations

import doctest
import functools
import importlib
import io
import json
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from convscope.inputs import InputSpec
from convscope.network import Network
from tests.models import InceptionNet, ResidualNet
from tests.requirements import CNN_EXPLAINER

SRC = Path(__file__).resolve().parents[1] / "src"
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


def public_modules() -> list[str]:
    """Dotted names of every module under ``src/convscope`` without a ``_private`` part (``__init__`` counts as its package)."""
    names = []
    for path in (SRC / "convscope").rglob("*.py"):
        parts = path.relative_to(SRC).with_suffix("").parts
        parts = parts[:-1] if parts[-1] == "__init__" else parts
        if not any(part.startswith("_") for part in parts):
            names.append(".".join(parts))
    return sorted(names)


class ClassifierHead(nn.Module):
    """conv → flatten → dropout → linear → softmax: layers the TinyVGG examples lack."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 2, 3)
        self.flatten = nn.Flatten()
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(2 * 6 * 6, 4)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.softmax(self.fc(self.drop(self.flatten(self.conv(x)))))  # (N, 4)


#: Examples whose ``net`` is not the zoo's TinyVGG: they name layers of these networks.
NETWORK_OF_EXAMPLE = {
    "convscope.explain.add.explain_add": "residual",  # add of conv2 and the stem's relu
    "convscope.explain.add.explain_concat": "inception",  # cat of four 4-channel branches
    "convscope.explain.batchnorm.explain_batchnorm": "residual",
    "convscope.explain.passthrough.explain_passthrough": "head",
    "convscope.explain.softmax.explain_softmax": "head",
}


#: Modules whose examples download CNN Explainer's TinyVGG: served by ``tests.download_mirror``.
DOWNLOADS_FROM_THE_MIRROR = {"convscope.formats.download"}


@functools.cache
def namespace(network: str = "tinyvgg") -> dict[str, Any]:
    """``net``, a seeded ``trace`` of it, and the names the examples use without importing them."""
    from convscope.explain import explain
    from convscope.formats import zoo_network

    torch.manual_seed(0)
    net = {
        "tinyvgg": lambda: zoo_network("tinyvgg"),  # (3, 64, 64), as in convscope.explain's docstring
        "residual": lambda: Network(ResidualNet(), InputSpec(3, 16, 16)),
        "inception": lambda: Network(InceptionNet(), InputSpec(3, 16, 16)),
        "head": lambda: Network(ClassifierHead(), InputSpec(3, 8, 8)),
    }[network]()
    trace = net.run(torch.rand(1, *net.input_spec.shape))
    names: dict[str, Any] = {"net": net, "trace": trace, "explain": explain}
    if network == "tinyvgg":
        names["conv_layer"] = net.layer("conv_1_1")  # (10, 62, 62)
    return names


def _write_small_keras(path: Path) -> None:
    """conv (relu) → flatten → dense as Keras 3 saves it: ``config.json`` + ``model.weights.h5`` in a zip.

    Written by hand so the doctests need ``h5py`` (the ``formats`` extra), not ``keras`` itself.
    """
    import h5py
    import numpy as np

    def layer(class_name: str, **config: Any) -> dict[str, Any]:
        return {"class_name": class_name, "config": config}

    config = layer("Sequential", name="small", layers=[
        layer("InputLayer", name="input", batch_shape=[None, 8, 8, 3]),
        layer("Conv2D", name="conv2d", filters=2, kernel_size=[3, 3], strides=[1, 1], padding="valid",
              data_format="channels_last", dilation_rate=[1, 1], activation="relu", use_bias=True),
        layer("Flatten", name="flatten", data_format="channels_last"),
        layer("Dense", name="dense", units=2, activation="linear", use_bias=True),
    ])  # fmt: skip
    weights = io.BytesIO()
    rng = np.random.default_rng(0)
    with h5py.File(weights, "w") as handle:
        for name, shapes in (("conv2d", [(3, 3, 3, 2), (2,)]), ("dense", [(6 * 6 * 2, 2), (2,)])):
            group = handle.create_group(f"layers/{name}/vars")
            for i, shape in enumerate(shapes):
                group[str(i)] = rng.standard_normal(shape).astype(np.float32)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.h5", weights.getvalue())


def _png(path: Path, mode: str, size: tuple[int, int], shade: int) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, shade).save(path)


@pytest.fixture(scope="session")
def example_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with every file the examples name, made once and copied for each module."""
    from convscope.formats import DEFAULT_MODEL
    from convscope.formats.onnx_export import export_onnx

    root = tmp_path_factory.mktemp("example-files")
    (root / "cnn-explainer-tinyvgg").mkdir()
    for name in ("model.json", "group1-shard1of1.bin"):  # TinyVGG as CNN Explainer ships it (copied: read-only)
        shutil.copyfile(CNN_EXPLAINER / name, root / "cnn-explainer-tinyvgg" / name)
    shutil.copyfile(DEFAULT_MODEL / "samples" / "00000-ankle-boot.png", root / "boot.png")  # a Fashion-MNIST test image
    for label, count in (("circle", 2), ("square", 2)):  # convscope.data.folders: two classes, four images
        for i in range(1, count + 1):
            _png(root / "shapes" / label / f"{i}.png", "L", (28, 28), 60 * i)
    for label, count in (("cat", 1), ("dog", 2)):  # convscope.formats.samples: labelled by sub-folder
        for i in range(1, count + 1):
            _png(root / "my-images" / label / f"{i}.jpg", "RGB", (32, 32), 80 * i)
    torch.manual_seed(0)
    small = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 30 * 30, 2))
    export_onnx(small, InputSpec(3, 32, 32), root / "small.onnx")
    _write_small_keras(root / "small.keras")
    return root


def run_examples(name: str) -> tuple[doctest.TestResults, str, set[str]]:
    """Run the examples of module ``name``: (results, the failure report, the docstrings seen)."""
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report: list[str] = []
    seen = set()
    for test in doctest.DocTestFinder(exclude_empty=True).find(module, name):
        seen.add(test.name)
        for key, value in namespace(NETWORK_OF_EXAMPLE.get(test.name, "tinyvgg")).items():
            test.globs.setdefault(key, value)  # the module's own names come first
        runner.run(test, out=report.append)
    return doctest.TestResults(runner.failures, runner.tries), "".join(report), seen


def test_public_modules_are_found_on_disk() -> None:
    modules = public_modules()
    assert {"convscope", "convscope.arithmetic", "convscope.explain.conv", "convscope.server.app"} <= set(modules)
    assert not [m for m in modules if "__main__" in m]


@pytest.mark.parametrize("name", public_modules())
def test_docstring_examples_run(
    name: str, example_files: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    shutil.copytree(example_files, tmp_path, dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)  # examples write files (out.bin, runs/tiny/model) here, never into the checkout
    request.getfixturevalue("download_home")  # an empty cache in tmp_path, not the user's
    if name in DOWNLOADS_FROM_THE_MIRROR:
        request.getfixturevalue("cnn_mirror")  # ensure_model("cnn-explainer") fetches from 127.0.0.1
    results, report, _ = run_examples(name)
    assert results.failed == 0, report


def test_every_network_named_for_an_example_is_for_an_example_that_exists() -> None:
    modules = {name.rpartition(".")[0] for name in NETWORK_OF_EXAMPLE}
    seen = set().union(*(run_examples(module)[2] for module in modules))
    assert set(NETWORK_OF_EXAMPLE) <= seen, f"stale entries: {sorted(set(NETWORK_OF_EXAMPLE) - seen)}"


def test_every_skipped_example_says_why_it_cannot_run() -> None:
    # "+SKIP" alone hides a stale example for good; a reason lets a reader judge it.
    skipped = [
        f"{path.relative_to(SRC)}:{number}"
        for path in sorted((SRC / "convscope").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "doctest: +SKIP" in line and not re.search(r"#\s*\w[^#]*#\s*doctest: \+SKIP", line)
    ]
    assert not skipped, f"give a reason before the directive ('# needs the internet  # doctest: +SKIP'): {skipped}"
