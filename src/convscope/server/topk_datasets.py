"""The datasets a served model's top-k pass may run over, and how each is read.

Three kinds, offered per model: the Fashion-MNIST test split (Debian's
``dataset-fashion-mnist``; for one-channel models, and the first choice of a
model with Fashion-MNIST's classes), each class-per-folder image set given to
``convscope serve --data DIR``, and the model's own samples (its gallery, e.g. a
downloaded CNN Explainer's pictures). Every image is fitted to the model's input
spec exactly as a traced upload is, so a patch shows what the network saw.

Example:
    >>> from convscope.formats import resolve_model
    >>> [d.id for d in offered_datasets(resolve_model("default"), SampleSet([]), {})]
    ['fashion-mnist']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from convscope.data.fashion_mnist import CLASSES as FASHION_CLASSES
from convscope.data.fashion_mnist import DEFAULT_ROOT, has_fashion_mnist
from convscope.data.imageset import ImageSet
from convscope.data.sources import load_dataset
from convscope.errors import ConvScopeError
from convscope.inputs import InputSpec, decode_image
from convscope.network import Network
from convscope.server.samples import SampleSet

FASHION = "fashion-mnist"
SAMPLES = "samples"


@dataclass(frozen=True)
class LoadedData:
    """Images fitted to the model, with each image's true label and sample id (``None`` where unknown)."""

    data: ImageSet
    labels: list[str | None]
    ids: list[str | None]


@dataclass(frozen=True)
class TopkDataset:
    """One dataset on offer: its id in the API, its name in words, and how to read it."""

    id: str
    name: str
    kind: str
    #: Images before the pass, when known without reading them.
    size: int | None
    read: Callable[[InputSpec], LoadedData]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "kind": self.kind, "size": self.size}


def _labelled(data: ImageSet) -> LoadedData:
    names = [data.classes[i] for i in data.labels.tolist()]
    return LoadedData(data, list(names), [None] * len(data))


def _fashion(spec: InputSpec) -> LoadedData:
    return _labelled(load_dataset(FASHION, split="test", spec=spec))


def _folder(path: Path) -> Callable[[InputSpec], LoadedData]:
    return lambda spec: _labelled(load_dataset(str(path), split="test", spec=spec))


def _samples(samples: SampleSet) -> Callable[[InputSpec], LoadedData]:
    def read(spec: InputSpec) -> LoadedData:
        pixels: list[np.ndarray] = []
        labels: list[str | None] = []
        ids: list[str | None] = []
        for sample in samples:
            fitted = spec.fit_image(decode_image(sample.read_bytes()))  # as a traced sample is fitted
            pixels.append(np.asarray(fitted).reshape(spec.height, spec.width, spec.channels))
            labels.append(sample.label or None)
            ids.append(sample.id)
        if not pixels:
            raise ConvScopeError("this model has no sample images to look through; start serve with --data DIR")
        images = torch.from_numpy(np.stack(pixels).transpose(0, 3, 1, 2).copy())  # (N, C, H, W)
        return LoadedData(ImageSet(images, torch.zeros(len(pixels), dtype=torch.long), ("",)), labels, ids)

    return read


def offered_datasets(network: Network, samples: SampleSet, folders: Mapping[str, Path]) -> list[TopkDataset]:
    """What this model's pass may read, the default first (see the module docstring)."""
    offered = []
    fashion_fits = network.input_spec.channels == 1 and has_fashion_mnist(DEFAULT_ROOT)
    if fashion_fits:
        offered.append(TopkDataset(FASHION, "the Fashion-MNIST test split", FASHION, 10000, _fashion))
    offered += [
        TopkDataset(name, f"the image folder {name}", "folder", None, _folder(path)) for name, path in folders.items()
    ]
    if len(samples):
        offered.append(TopkDataset(SAMPLES, "this model's samples", SAMPLES, len(samples), _samples(samples)))
    if fashion_fits and tuple(network.class_names) != FASHION_CLASSES and len(samples):
        offered.append(offered.pop(0))  # a model of other classes looks through its own pictures first
    return offered


def choose_dataset(offered: list[TopkDataset], wanted: str | None, network: Network) -> TopkDataset:
    """The dataset ``wanted`` names (the default when ``None``), or a one-line reason it cannot be used."""
    if not offered:
        raise ConvScopeError(
            "this model has no dataset to look through: no sample images, no Fashion-MNIST for its input, "
            "no serve --data folder"
        )
    if wanted is None:
        return offered[0]
    for dataset in offered:
        if dataset.id == wanted:
            return dataset
    if wanted == FASHION:
        c, h, w = network.input_spec.shape
        if c != 1:
            raise ConvScopeError(
                f"Fashion-MNIST holds grey images but this model takes {c}×{h}×{w} ({c} channels); "
                f"choose one of: {', '.join(d.id for d in offered)}"
            )
        raise ConvScopeError("Fashion-MNIST is not installed on this server (apt-get install dataset-fashion-mnist)")
    raise ConvScopeError(f"unknown dataset '{wanted[:80]}'; this model offers: {', '.join(d.id for d in offered)}")


def folder_datasets(folders: list[str | Path] | tuple[str | Path, ...]) -> dict[str, Path]:
    """``serve --data`` folders by the name the Train page gives them (the folder's own name)."""
    return {Path(f).resolve().name: Path(f).resolve() for f in folders if Path(f).is_dir()}
