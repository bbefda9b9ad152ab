"""Sample images that belong to a model: ``samples/`` inside a model folder.

``samples/samples.json`` lists the images in gallery order, each with its file
name, true label and class index::

    {"samples": [{"file": "espresso_1.jpeg", "label": "espresso", "class_index": 6}]}

:func:`collect_samples` reads a user's folder of images: labelled by a
``samples.json`` there, or by the name of the sub-folder each image lies in
(``pizza/1.jpg`` is a pizza), or unlabelled when loose.

Example:
    >>> [s.label for s in collect_samples("my-images", ["cat", "dog"])]
    ['cat', 'dog', 'dog']
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from convscope.errors import ConvScopeError

#: The folder inside a model folder, and the listing inside it.
SAMPLES = "samples"
LISTING = "samples.json"
#: Image files a sample folder may hold.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp")


@dataclass(frozen=True)
class SampleImage:
    """One sample: its file name in ``samples/``, where its bytes are, its label and class index."""

    file: str
    path: Path
    label: str
    class_index: int | None

    @property
    def id(self) -> str:
        """The sample's id in the server's gallery: its file name without the suffix."""
        return Path(self.file).stem

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()

    def record(self) -> dict:
        return {"file": self.file, "label": self.label, "class_index": self.class_index}


def samples_dir_of(model_path: str | Path) -> Path | None:
    """The ``samples/`` folder of a model folder when it has a listing; ``None`` otherwise (older models too)."""
    folder = Path(model_path) / SAMPLES
    return folder if (folder / LISTING).is_file() else None


def class_index_of(label: str, classes: Sequence[str] | None) -> int | None:
    """The index of ``label`` among ``classes`` (exact, then ignoring case and ``_``/``-``)."""
    if not classes or not label:
        return None
    if label in classes:
        return list(classes).index(label)
    norm = _normal(label)
    matches = [i for i, name in enumerate(classes) if _normal(name) == norm]
    return matches[0] if len(matches) == 1 else None


def _normal(text: str) -> str:
    return text.lower().replace("_", " ").replace("-", " ").strip()


def collect_samples(folder: str | Path, classes: Sequence[str] | None = None) -> list[SampleImage]:
    """The images of a user's folder with their labels (see the module docstring).

    Raises:
        ConvScopeError: the folder is missing, holds no images, or its listing is broken.
    """
    root = Path(folder)
    if not root.is_dir():
        raise ConvScopeError(f"samples folder {root} does not exist; give a folder of images")
    if (root / LISTING).is_file():
        samples = _from_listing(root, classes)
    else:
        samples = _from_tree(root, classes)
    if not samples:
        raise ConvScopeError(
            f"{root} holds no images ({', '.join(IMAGE_SUFFIXES)}); put images in it, in sub-folders named by label"
        )
    return samples


def _from_listing(root: Path, classes: Sequence[str] | None) -> list[SampleImage]:
    try:
        listing = json.loads((root / LISTING).read_text(encoding="utf-8"))
        records = listing["samples"] if isinstance(listing, dict) else listing
        samples = []
        for record in records:
            file = str(record["file"])
            path = (root / file).resolve()
            if root.resolve() not in path.parents:
                raise ValueError(f"sample file {file!r} lies outside the folder")
            if not path.is_file():
                raise ValueError(f"sample file {file!r} is missing")
            label = str(record.get("label", ""))
            index = next((record[k] for k in ("class_index", "index", "class") if isinstance(record.get(k), int)), None)
            samples.append(
                SampleImage(path.name, path, label, index if index is not None else class_index_of(label, classes))
            )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConvScopeError(f"{root / LISTING} cannot be read as a sample listing ({exc})") from exc
    return _unique(samples)


def _from_tree(root: Path, classes: Sequence[str] | None) -> list[SampleImage]:
    samples = [SampleImage(p.name, p, "", None) for p in _images(root)]
    for sub in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        label = sub.name
        samples += [SampleImage(p.name, p, label, class_index_of(label, classes)) for p in _images(sub)]
    return _unique(samples)


def _images(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")
    )


def _unique(samples: Iterable[SampleImage]) -> list[SampleImage]:
    """Give every sample a distinct file name: ids are file stems, so ``cat/1.png`` and ``dog/1.png`` get prefixes."""
    out: list[SampleImage] = []
    seen: set[str] = set()
    for s in samples:
        file = s.file
        if Path(file).stem in seen:
            file = f"{s.label or 'sample'}-{file}".replace("/", "-")
        n = 2
        while Path(file).stem in seen:
            file, n = f"{Path(s.file).stem}-{n}{Path(s.file).suffix}", n + 1
        seen.add(Path(file).stem)
        out.append(SampleImage(file, s.path, s.label, s.class_index))
    return out


def sample_members(samples: Sequence[SampleImage], extra: dict | None = None) -> dict[str, bytes]:
    """The files a model folder stores for ``samples``: each image and the listing, under ``samples/``."""
    try:
        members = {f"{SAMPLES}/{s.file}": s.read_bytes() for s in samples}
    except OSError as exc:
        raise ConvScopeError(f"cannot read sample image {exc.filename}: {exc.strerror or exc}") from exc
    listing = {**(extra or {}), "samples": [s.record() for s in samples]}
    members[f"{SAMPLES}/{LISTING}"] = json.dumps(listing, indent=2).encode()
    return members


__all__ = [
    "IMAGE_SUFFIXES",
    "LISTING",
    "SAMPLES",
    "SampleImage",
    "class_index_of",
    "collect_samples",
    "sample_members",
    "samples_dir_of",
]
