"""Reading and writing models: ConvScope model files, importers, export.

:func:`resolve_model` is how every ``MODEL`` argument (CLI, server, Python)
becomes a :class:`Network`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from convscope.errors import ConvScopeError, NotFoundError
from convscope.formats.modelfile import is_model_path, load_model, save_model
from convscope.network import Network

#: The bundled default model (a folder inside the package).
DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "assets" / "models" / "default"
#: What a page, a summary or a prediction says about a model nobody trained.
RANDOM_WEIGHTS_NOTICE = "random weights — predictions are meaningless until trained"


def has_random_weights(network: Network) -> bool:
    """True for a zoo architecture's seeded random weights (see :func:`zoo_network`)."""
    return network.provenance.get("weights") == "random"


def zoo_network(name: str, *, seed: int = 0, **options: Any) -> Network:
    """A zoo architecture with seeded random weights (same weights every time)."""
    from convscope.zoo import get_entry

    entry = get_entry(name)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        module = entry.build(**options)
    network = Network(module, entry.input_spec(**options), entry.classes(**options), name=name)
    network.architecture = {"zoo": name, "options": options}
    network.provenance = {"weights": "random", "seed": seed}
    return network


def resolve_model(spec: str | Path, *, classes: list[str] | None = None, **options: Any) -> Network:
    """Turn a ``MODEL`` argument into a Network.

    Args:
        spec: ``default``, a zoo name, a downloadable name (``cnn-explainer``,
            ``vgg16-imagenet``…: fetched once into the cache), a ConvScope model folder or
            zip, or a file another tool wrote (ONNX, Keras ``.h5``/``.keras``, TF.js ``model.json``).
        classes: class names for imported files that carry none.
        options: architecture options for a zoo name.

    Example:
        >>> resolve_model("tinyvgg").layers[1].name
        'conv_1_1'
    """
    text = str(spec)
    if text == "default":
        if not DEFAULT_MODEL.is_dir():
            raise ConvScopeError(f"the bundled default model is missing from {DEFAULT_MODEL}; reinstall ConvScope")
        return load_model(DEFAULT_MODEL)
    path = Path(text).expanduser()
    if path.exists():
        if is_model_path(path):
            return load_model(path)
        from convscope.formats.importers import detect_format, import_file

        if detect_format(path) is not None:
            imported = import_file(path, classes=classes)
            network = Network(imported.module, imported.input_spec, imported.classes, name=path.stem)
            network.architecture = {"layers": imported.layers}
            network.provenance = {"imported_from": imported.source}
            return network
        raise ConvScopeError(
            f"{path} is not a model ConvScope reads: expected a ConvScope model folder or zip, "
            "an ONNX file, a Keras .h5/.keras file or a TF.js model.json"
        )
    from convscope.formats.download import registry as downloadable
    from convscope.zoo import list_models

    if text in list_models():
        return zoo_network(text, **options)
    if text in downloadable.downloads():
        from convscope.formats.download import ensure_model

        if options:
            raise ConvScopeError(f"'{text}' is a trained model; it takes no -o options (they fit zoo names only)")
        return load_model(ensure_model(text))
    raise NotFoundError(
        f"unknown model '{text}': not a file and not a known name; use 'default', a model folder, "
        f"a zoo name ({', '.join(list_models())}) or a downloadable name ({', '.join(downloadable.downloads())})"
    )


__all__ = [
    "DEFAULT_MODEL",
    "RANDOM_WEIGHTS_NOTICE",
    "has_random_weights",
    "is_model_path",
    "load_model",
    "resolve_model",
    "save_model",
    "zoo_network",
]
