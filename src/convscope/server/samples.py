"""Sample images bundled with the default model, listed by ``samples.json``.

``samples.json`` is a list (or ``{"samples": [...]}``) of records with the
image ``file`` (relative to the folder), its true ``label`` and the class
index (``class_index``, ``index`` or ``class``). A missing folder or listing
means no samples: the page then offers upload only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from convscope.errors import NotFoundError

log = logging.getLogger(__name__)

#: Where ``convscope serve`` looks for samples by default.
SAMPLES_DIR = Path(__file__).resolve().parent.parent / "assets" / "samples"


@dataclass(frozen=True)
class Sample:
    """One sample image: ``id`` is the file's stem, unique within the set."""

    id: str
    path: Path
    label: str
    class_index: int | None

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()


class SampleSet:
    """The samples of one folder, in listing order."""

    def __init__(self, samples: list[Sample]) -> None:
        self.samples = samples
        self._by_id = {s.id: s for s in samples}

    @classmethod
    def from_dir(cls, folder: Path | None) -> SampleSet:
        """Read ``folder/samples.json``; an absent or unreadable listing gives an empty set (logged)."""
        if folder is None or not (folder / "samples.json").is_file():
            return cls([])
        try:
            listing = json.loads((folder / "samples.json").read_text(encoding="utf-8"))
            records = listing["samples"] if isinstance(listing, dict) else listing
            samples = [_sample(folder, record) for record in records]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring sample listing %s: %s", folder / "samples.json", exc)
            return cls([])
        return cls([s for s in samples if s.path.is_file()])

    def __iter__(self) -> Iterator[Sample]:
        return iter(self.samples)

    def __len__(self) -> int:
        return len(self.samples)

    def __contains__(self, sample_id: str) -> bool:
        return sample_id in self._by_id

    def get(self, sample_id: str) -> Sample:
        try:
            return self._by_id[sample_id]
        except KeyError:
            raise NotFoundError(f"unknown sample '{sample_id}'; list samples at /api/samples") from None


def _sample(folder: Path, record: dict) -> Sample:
    file = str(record["file"])
    index = next((record[k] for k in ("class_index", "index", "class") if isinstance(record.get(k), int)), None)
    path = (folder / file).resolve()
    if folder.resolve() not in path.parents:  # a listing must not point outside its folder
        raise ValueError(f"sample file {file!r} lies outside {folder}")
    return Sample(id=Path(file).stem, path=path, label=str(record.get("label", "")), class_index=index)
