"""Sample images by model: each model's own ``samples/`` plus any folder the server was given.

A model folder's ``samples/samples.json`` (see :mod:`convscope.formats.samples`)
lists its images with their true labels; the bundled default carries its
Fashion-MNIST samples that way and a downloaded CNN Explainer its own pictures.
``convscope serve --samples DIR`` (``create_app(samples_dir=DIR)``) adds a folder
of images to every served model, labelled by a listing or by sub-folder names.
The gallery of a model shows only that model's samples, never another's.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from pathlib import Path

from convscope.errors import ConvScopeError, NotFoundError
from convscope.formats.samples import SampleImage, collect_samples
from convscope.network import Network

log = logging.getLogger(__name__)

#: The bundled default model's samples (also what benchmarks trace).
SAMPLES_DIR = Path(__file__).resolve().parent.parent / "assets" / "models" / "default" / "samples"


class SampleSet:
    """The samples of one model, in listing order."""

    def __init__(self, samples: list[SampleImage]) -> None:
        self.samples = samples
        self._by_id = {s.id: s for s in samples}

    @classmethod
    def from_dir(cls, folder: Path | None, classes: list[str] | tuple[str, ...] | None = None) -> SampleSet:
        """A model's own samples; an absent or unreadable folder gives an empty set (logged), so the model still serves."""
        if folder is None or not Path(folder).is_dir():
            return cls([])
        try:
            return cls(collect_samples(folder, classes))
        except ConvScopeError as exc:
            log.warning("ignoring samples in %s: %s", folder, exc)
            return cls([])

    def __add__(self, other: SampleSet) -> SampleSet:
        """This set, then ``other``'s samples whose ids are new (a model's own sample wins a clash)."""
        return SampleSet(self.samples + [s for s in other.samples if s.id not in self._by_id])

    def __iter__(self) -> Iterator[SampleImage]:
        return iter(self.samples)

    def __len__(self) -> int:
        return len(self.samples)

    def __contains__(self, sample_id: str) -> bool:
        return sample_id in self._by_id

    def get(self, sample_id: str) -> SampleImage:
        try:
            return self._by_id[sample_id]
        except KeyError:
            raise NotFoundError(
                f"unknown sample '{sample_id}'; list this model's samples at /api/models/{{id}}/samples"
            ) from None


class ModelSamples:
    """One :class:`SampleSet` per model id. Iterating, ``in`` and ``get`` read the default (first) model's."""

    def __init__(self, sets: Mapping[str, SampleSet], default_id: str) -> None:
        self._sets = dict(sets)
        self.default_id = default_id

    @classmethod
    def for_models(cls, networks: Mapping[str, Network], extra: Path | None = None) -> ModelSamples:
        """Each network's own samples (``network.samples_dir``), then the images of ``extra`` labelled for it.

        Raises:
            ConvScopeError: ``extra`` is given but is not a folder of images.
        """
        sets = {}
        for model_id, network in networks.items():
            classes = list(network.class_names)
            own = SampleSet.from_dir(network.samples_dir, classes)
            added = SampleSet(collect_samples(extra, classes)) if extra is not None else SampleSet([])
            sets[model_id] = own + added
        return cls(sets, next(iter(networks)))

    def add(self, model_id: str, samples: SampleSet) -> None:
        """The samples of a model offered after start-up."""
        self._sets[model_id] = samples

    def of(self, model_id: str) -> SampleSet:
        """The samples of ``model_id`` (empty for an id without any)."""
        return self._sets.get(model_id, SampleSet([]))

    def __iter__(self) -> Iterator[SampleImage]:
        return iter(self.of(self.default_id))

    def __len__(self) -> int:
        return len(self.of(self.default_id))

    def __contains__(self, sample_id: str) -> bool:
        return sample_id in self.of(self.default_id)

    def get(self, sample_id: str) -> SampleImage:
        return self.of(self.default_id).get(sample_id)
