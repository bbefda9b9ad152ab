"""Every model ConvScope can download by name, with what is needed to trust and read it.

Each file is pinned by URL, size and SHA-256. CNN Explainer's files are pinned to
one commit of its repository; their digests were computed from copies
byte-identical to that commit. The PyTorch (torchvision) checkpoints are named
``<arch>-<first 8 hex digits of their SHA-256>.pth``; where the full digest is
recorded here it comes from independent public records whose first eight
digits match the file name, and where it is not (GoogLeNet) only the prefix in
the published name is checked: :attr:`RemoteFile.verified_by` says which.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from convscope.inputs import InputSpec
from convscope.zoo.imagenet import IMAGENET_MEAN, IMAGENET_STD
from convscope.zoo.tinyvgg import CNN_EXPLAINER_CLASSES

#: CNN Explainer (Wang et al. 2020, poloclub/cnn-explainer, MIT licence), pinned to one commit.
_CNN_EXPLAINER = "https://raw.githubusercontent.com/poloclub/cnn-explainer/d0971f9447ed9806022a3d47587b62394682bc51"
_TORCHVISION = "https://download.pytorch.org/models"
_ASSETS = Path(__file__).resolve().parent.parent.parent / "assets"


@dataclass(frozen=True)
class RemoteFile:
    """One file to fetch: where, how big, and its SHA-256 (all 64 hex digits, or a published prefix)."""

    url: str
    size: int | None
    sha256: str

    @property
    def name(self) -> str:
        """The file name: the URL's last path segment."""
        return Path(urlsplit(self.url).path).name

    @property
    def verified_by(self) -> str:
        """``sha256`` when the whole digest is checked, ``sha256 prefix`` when only the published prefix is."""
        return "sha256" if len(self.sha256) == 64 else "sha256 prefix"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, **asdict(self), "verified_by": self.verified_by}


@dataclass(frozen=True)
class SampleFile:
    """A sample image published with a model, and its true label ("" for none)."""

    file: RemoteFile
    label: str


@dataclass(frozen=True)
class Downloadable:
    """A named model: its files, how to read them, and what travels with the result.

    ``kind`` says how the files become a ConvScope model: ``tfjs`` (the TF.js
    importer reads ``model.json`` and its shard) or ``torch-state-dict`` (a
    ``.pth`` read with ``torch.load(weights_only=True)``, keys mapped onto the
    zoo architecture ``zoo`` built with ``zoo_options``).
    """

    name: str
    description: str
    licence: str
    homepage: str
    kind: str
    files: tuple[RemoteFile, ...]
    classes: tuple[str, ...]
    input_spec: InputSpec
    zoo: str | None = None
    zoo_options: dict[str, Any] = field(default_factory=dict)
    samples: tuple[SampleFile, ...] = ()
    licence_file: RemoteFile | None = None

    def all_files(self) -> tuple[RemoteFile, ...]:
        """Model files, then the licence text, then sample images: everything a download fetches."""
        extra = (self.licence_file,) if self.licence_file else ()
        return self.files + extra + tuple(s.file for s in self.samples)

    @property
    def size(self) -> int:
        """Bytes to download (files of unknown size count as 0)."""
        return sum(f.size or 0 for f in self.all_files())

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "licence": self.licence,
            "homepage": self.homepage,
            "kind": self.kind,
            "zoo": self.zoo,
            "classes": len(self.classes),
            "input_spec": self.input_spec.to_dict(),
            "size": self.size,
            "files": [f.to_dict() for f in self.all_files()],
        }


@cache
def imagenet_classes() -> tuple[str, ...]:
    """The 1,000 ImageNet-1k class names in the standard index order (``assets/imagenet/classes.txt``)."""
    text = (_ASSETS / "imagenet" / "classes.txt").read_text(encoding="utf-8")
    return tuple(line for line in text.splitlines() if line)


def _cnn_explainer() -> Downloadable:
    data, img = f"{_CNN_EXPLAINER}/public/assets/data", f"{_CNN_EXPLAINER}/public/assets/img"
    images = (  # file, size, sha256, label (CNN Explainer's own class for each picture)
        ("boat_1.jpeg", 1567, "767cd685408cfd255c3486edb017bd75ab4097beb478826f780617f4f603d75f", "lifeboat"),
        ("bug_1.jpeg", 1781, "02f52ceeb1e5edc8f7b1162966021b9d157ea6f83277de54b9586f7a8354f938", "ladybug"),
        ("bug_3.jpeg", 2037, "ad4cdbde1c63db2edbf287501e50fef41c7036d092addaa5527e305dfa79f060", "ladybug"),
        ("bus_1.jpeg", 2276, "ff7ccbdb78b5da7c791378f02d3cc6d3e79d9bb4dc47d68898234da55376ec14", "school bus"),
        ("bus_2.jpeg", 2455, "5e3ed877d90c2a4771de7020a0305ee6ee5dc86c8a54bcd165ff396781444aba", "school bus"),
        ("car_1.jpeg", 1816, "469384feee8381213dc8b52503fc42ab4708cdf452bcf219335538f5a03647d7", "sport car"),
        ("espresso_1.jpeg", 1716, "9307c85667470cdb22557ebcf77a573dac5df83e360b6e339f47627b5871b3df", "espresso"),
        ("koala_1.jpeg", 2029, "7d159407825f48c16bcd5293d21ed5064306c4d32dfcda64c52b3a3bc5b20365", "koala"),
        ("koala_2.jpeg", 1787, "774b0ed1a6f34f882c6bad788879bfebd0f771282ff5440e9d1ed2ccfd2f36c9", "koala"),
        ("koala_3.jpeg", 2294, "de99125be09f333a4fa57535375b9defc6d661acce1c9aefaaa302dc9326cb07", "koala"),
        ("orange_1.jpeg", 1665, "ac1e3266da220b12f62098f91146a7b22417f3b32bdc3547c091cb82721cf5d8", "orange"),
        ("orange_3.jpeg", 1804, "e25ba8f59e051b7e9ed7b6b12316b81735c447e07ab58575c5dd2d69e9912b4f", "orange"),
        ("panda_1.jpeg", 2459, "aa027684fb8ca5c3faf6dfcf0152bdeb06865aa4eb5da7e18004ba4d344d6273", "red panda"),
        ("panda_2.jpeg", 1980, "b9f78292b29df2ecb13d5bebf3f4d4f73c87957ee63eb812ec6bcd3e8d174077", "red panda"),
        ("panda_3.jpeg", 1347, "41314470054cf09e7f91ab07b8d1b7a55cf138edcf523538f574054bce8afc55", "red panda"),
        ("panda_5.jpeg", 1753, "b4e4d4403bdc9f65553aa85d12aeb46d258cff97d76b031846cbc03fa1651a99", "red panda"),
        ("pepper_1.jpeg", 1503, "074afc1c4b93b7b9e6489e320d9f4656f8f00e12ef4a2f2157f61c8668a0e25e", "bell pepper"),
        ("pepper_2.jpeg", 2180, "5e24a9b9f9f2ea58def8a04f395cf7abd26e06c9007d33d00f9ec00886fe68f3", "bell pepper"),
        ("pizza_1.jpeg", 2162, "2508a03666aea814c2e51ec82265388c14e430773da7a6e43e7256b4162922d3", "pizza"),
        ("pizza_2.jpeg", 3231, "6adeb1124e2ec3b726a1ce6951ff0457fdd1306521443679cc88ec28f1870303", "pizza"),
        ("white.jpeg", 380, "30dd3c58e707a9af2ac513200c85d0db2bfc60b334cffca5d9b0780dc0c33e51", ""),  # a blank image
    )
    return Downloadable(
        name="cnn-explainer",
        description="CNN Explainer's TinyVGG: 64x64 RGB, 10 Tiny ImageNet classes (TF.js, 19,920 parameters)",
        licence="MIT, Copyright (c) 2020 Polo Club of Data Science (the LICENSE file travels with the model)",
        homepage="https://github.com/poloclub/cnn-explainer",
        kind="tfjs",
        files=(
            RemoteFile(f"{data}/model.json", 4695, "85706d2d99841eb6270ddbf912bcf43c4d1bf76bc68a0a56af49561a69589627"),
            RemoteFile(
                f"{data}/group1-shard1of1.bin",
                79680,
                "306666f2a1cc2a0a8f7b3422617daac5ecdca20c707ab44b721522be1fe3f630",
            ),
        ),
        classes=CNN_EXPLAINER_CLASSES,
        # CNN Explainer feeds its 64x64 images unresized, divided by 255.
        input_spec=InputSpec(3, 64, 64),
        licence_file=RemoteFile(
            f"{_CNN_EXPLAINER}/LICENSE", 1082, "0951ebd5bda4f3a0f37f78a4770466301a9c8205b693d20e7b412ff2c13256cb"
        ),
        samples=tuple(SampleFile(RemoteFile(f"{img}/{f}", size, digest), label) for f, size, digest, label in images),
    )


_TORCHVISION_LICENCE = (
    "published by the PyTorch project with torchvision (BSD-3-Clause); trained on ImageNet-1k, "
    "whose terms of access limit use to non-commercial research and education"
)


#: torchvision's ImageNet-1k checkpoints (IMAGENET1K_V1), served as ``{zoo}-imagenet``: the zoo
#: architecture, the file, its size and sha256, the description, and zoo options or scaling beyond
#: the usual ImageNet ones.
#: Full sha256 and size where independent records agree on them (VGG-16, ResNet-18); elsewhere the
#: 8-digit prefix the published file name carries, which is what torchvision itself checks.
_IMAGENET: tuple[tuple[str, str, int | None, str, str, dict[str, Any]], ...] = (
    ("vgg16", "vgg16-397923af.pth", 553_433_881, "397923af8e79cdbb6a7127f12361acd7a2f83e06b05044ddf496e83de57a5bf0",
     "VGG-16 trained on ImageNet-1k (torchvision IMAGENET1K_V1, 71.6 % top-1)", {}),
    # torchvision's AlexNet pads its first convolution by 2 on a 224x224 input.
    ("alexnet", "alexnet-owt-7be5be79.pth", None, "7be5be79",
     "AlexNet (one-GPU variant) trained on ImageNet-1k (torchvision IMAGENET1K_V1, 56.5 % top-1)",
     {"conv1_padding": 2}),
    ("resnet18", "resnet18-f37072fd.pth", 46_830_571, "f37072fd47e89c5e827621c5baffa7500819f7896bbacec160b1a16c560e07ec",
     "ResNet-18 trained on ImageNet-1k (torchvision IMAGENET1K_V1, 69.8 % top-1)", {}),
    ("resnet34", "resnet34-b627a593.pth", None, "b627a593",
     "ResNet-34 trained on ImageNet-1k (torchvision IMAGENET1K_V1, 73.3 % top-1)", {}),
    # Ported from TensorFlow: torchvision's transform_input turns ImageNet-scaled input back into
    # (p - 0.5) / 0.5, so reading pixels that way directly is the same computation.
    ("googlenet", "googlenet-1378be20.pth", None, "1378be20",
     "GoogLeNet trained on ImageNet-1k (torchvision IMAGENET1K_V1, 69.8 % top-1; auxiliary heads dropped)",
     {"mean": (0.5, 0.5, 0.5), "std": (0.5, 0.5, 0.5)}),
)  # fmt: skip


def _imagenet(
    zoo: str, file: str, size: int | None, sha256: str, description: str, spec: dict[str, Any]
) -> Downloadable:
    options = dict(spec)
    mean, std = options.pop("mean", IMAGENET_MEAN), options.pop("std", IMAGENET_STD)
    return Downloadable(
        name=f"{zoo}-imagenet",
        description=description,
        licence=_TORCHVISION_LICENCE,
        homepage="https://pytorch.org/vision/stable/models.html",
        kind="torch-state-dict",
        files=(RemoteFile(f"{_TORCHVISION}/{file}", size, sha256),),
        classes=imagenet_classes(),
        # torchvision evaluates these checkpoints on Resize(256) + CenterCrop(224) with ImageNet scaling.
        input_spec=InputSpec(3, 224, 224, mean=mean, std=std, resize=256),
        zoo=zoo,
        zoo_options={"input_size": 224, **options},
    )


@cache
def downloads() -> dict[str, Downloadable]:
    """Every downloadable model by name, in listing order."""
    entries = [_cnn_explainer(), *(_imagenet(*row) for row in _IMAGENET)]
    return {entry.name: entry for entry in entries}


def list_downloads() -> list[str]:
    """Names of every downloadable model, in listing order."""
    return list(downloads())


__all__ = ["Downloadable", "RemoteFile", "SampleFile", "downloads", "imagenet_classes", "list_downloads"]
