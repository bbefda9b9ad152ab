"""``convscope export-site``: the app as a folder any static web server can host.

Precomputing every explain step costs about 216 MB per image for the default
model, so the export holds what the server sends for the overview (the model
payload, each image's trace JSON and every layer's float32 binary, as the
server's routes build them) plus the weights and per-layer rules the explain
steps need. ``web/js/static/runtime.js`` builds the ``/explain``,
``/probabilities``, ``/intermediate`` and ``/padded-input`` payloads from them in
the browser. Everything a rule decides that is not plain float32 arithmetic is
decided here, in Python: which explainer a layer has (or why it has none), the
rows and columns every window reads (``arithmetic.window_taps``), the divisor
of each average, the softmax's shown digits (``teaching.softmax_shown``) and the
explanation panels of the first position of the layers ``web/js/static/panels.js``
does not word itself (none of today's step families). That module builds the panels
of every position from the runtime's steps, worded from ``data/panels.json``
(:mod:`convscope.server.static_panels`). The hyperparameter explorer's answers are
computed by ``web/js/static/arith.js`` and worded from ``data/arith.json``
(:mod:`convscope.server.static_arith`).

The server lives in this package because these are its payloads; the library
below never imports it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import torch
from torch import nn

from convscope import arithmetic
from convscope.atomic import write_folder
from convscope.errors import ConvScopeError
from convscope.explain import EXPLAINERS, NoExplanationError, explain
from convscope.explain.activation import RULES, parameters
from convscope.explain.add import concat_spans
from convscope.explain.conv import conv_module
from convscope.explain.flatten import flattened_source
from convscope.explain.passthrough import PADDING_NOTES, PASS_NOTES
from convscope.explain.pool import POOLS, PoolSettings
from convscope.explain.softmax import class_axis
from convscope.explain.steps import ConcatStep, FlattenStep, PassThroughStep
from convscope.formats.samples import SampleImage
from convscope.network import Layer, Network
from convscope.server.explain_payload import finite, layer_windows
from convscope.server.payload import layer_message, model_detail, model_summary
from convscope.server.registry import ModelRegistry, load_models
from convscope.server.samples import ModelSamples, SampleSet
from convscope.server.static_arith import arith_words
from convscope.server.static_panels import covered, layer_slots, panel_words
from convscope.server.tensor_codec import encode_tensor
from convscope.server.tracing import TracedImage, TraceService
from convscope.teaching.explanations import overview_panel, step_panel
from convscope.teaching.softmax_shown import softmax_shown
from convscope.trace import Trace
from convscope.types import LayerKind

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
#: Where the exported payloads live, relative to the site's index.html.
DATA = "data"
#: Panels exported per layer whose family ``static/panels.js`` does not build: the first position, in both shape orders.
ORDERS = ("chw", "hwc")
#: Class scores exported per image for such layers' panels: the predicted class and the next ones.
CLASS_PANELS = 10


@dataclass(frozen=True)
class SiteReport:
    """What an export wrote: the folder, its models and images, and its size in bytes."""

    out: Path
    models: list[str]
    images: dict[str, list[str]]
    files: int
    bytes: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "out": str(self.out),
            "models": self.models,
            "images": self.images,
            "files": self.files,
            "bytes": self.bytes,
        }


def check_target(out: Path, force: bool) -> None:
    """Refuse a target that is a file, or a folder with files in it unless ``force``."""
    if out.exists() and not out.is_dir():
        raise ConvScopeError(f"--out {out} is a file; give a folder for the site")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ConvScopeError(f"--out {out} exists and is not empty; choose another folder or add --force to replace it")


def _dumps(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode("utf-8")


def _weights(layer: Layer, module: nn.Module) -> bytes:
    """A layer's weight tensor, its bias in the header (the float32 values as numbers)."""
    weight = module.weight.detach().float().numpy()  # type: ignore[operator]
    bias = getattr(module, "bias", None)
    header = {"layer": layer.name, "bias": None if bias is None else bias.detach().float().tolist()}
    return encode_tensor(weight, dtype="float32", header=header)


def _first_position(layer: Layer) -> dict[str, int]:
    return {"index": 0} if len(layer.output_shape) == 1 else {"channel": 0, "y": 0, "x": 0}


def _pool_windows(layer: Layer, in_shape: Sequence[int]) -> dict[str, Any]:
    pool, adaptive = POOLS[layer.kind]
    _, h, w = in_shape
    _, ho, wo = layer.output_shape
    if adaptive:
        rows = [list(range(*arithmetic.adaptive_window(y, h, ho))) for y in range(ho)]
        cols = [list(range(*arithmetic.adaptive_window(x, w, wo))) for x in range(wo)]
        counts = {"rows": [len(r) for r in rows], "cols": [len(c) for c in cols]}
        return {"pool": pool, "adaptive": True, "rows": rows, "cols": cols, "counts": counts,
                "divisor_override": None, "settings": {"output_size": [ho, wo]}}  # fmt: skip
    s = PoolSettings.of(layer)
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = s.kernel, s.stride, s.padding, s.dilation
    rows = [arithmetic.window_taps(y, kh, sh, ph, dh) for y in range(ho)]
    cols = [arithmetic.window_taps(x, kw, sw, pw, dw) for x in range(wo)]
    include = s.count_include_pad
    counts = {
        "rows": [arithmetic.average_taps(r, h, ph, count_include_pad=include) for r in rows],
        "cols": [arithmetic.average_taps(c, w, pw, count_include_pad=include) for c in cols],
    }
    return {"pool": pool, "adaptive": False, "rows": rows, "cols": cols, "counts": counts,
            "divisor_override": s.divisor_override, "settings": s.to_dict()}  # fmt: skip


def _batchnorm_rule(layer: Layer) -> dict[str, Any]:
    """Per-channel running statistics and affine parameters, as ``explain_batchnorm`` reads them."""
    module = layer.module
    if not isinstance(module, nn.BatchNorm2d):
        raise NoExplanationError(
            f"layer '{layer.name}' is not an nn.BatchNorm2d module; only module batchnorm is explained"
        )
    tracked = layer.hyper.get("track_running_stats", True)
    if not tracked or module.running_mean is None or module.running_var is None:
        raise NoExplanationError(
            f"layer '{layer.name}' normalises with each image's own statistics; the exported site explains running ones only"
        )
    channels = module.num_features
    gamma = module.weight.detach().tolist() if module.weight is not None else [1.0] * channels
    beta = module.bias.detach().tolist() if module.bias is not None else [0.0] * channels
    return {"mean": module.running_mean.tolist(), "var": module.running_var.tolist(), "eps": float(layer.hyper["eps"]),
            "gamma": gamma, "beta": beta, "statistics": "running"}  # fmt: skip


def _concat_rule(network: Network, layer: Layer) -> dict[str, Any]:
    """The slice of the concatenated axis each input fills, and the formula naming them (``explain_concat``)."""
    axis, spans = concat_spans(network, layer)
    where = "channels" if len(layer.output_shape) == 3 and axis == 0 else f"axis {axis}"
    formula = f"inputs stacked along {where}: " + ", ".join(f"{n} → {a}…{b - 1}" for n, a, b in spans)
    return {"step": ConcatStep.step, "axis": axis, "spans": spans, "formula": formula}


def layer_rule(
    network: Network, layer: Layer, files: dict[str, bytes], base: str, probe: Trace | None = None
) -> dict[str, Any]:
    """What the browser runtime needs to explain ``layer``: its explainer's name and settings.

    Weight tensors go into ``files`` (path → bytes) under ``base``; the rule names them.
    A layer the runtime cannot explain gets ``refusal``: the message ``explain`` gives for
    it on ``probe`` (an exported image's trace), or the runtime's own reason.
    """
    if probe is not None:
        try:
            explain(probe, layer.name, **_first_position(layer))
        except ConvScopeError as exc:
            return {"refusal": str(exc)}
    explainer = EXPLAINERS.get(layer.kind)
    if explainer is None:
        return {"refusal": f"layer '{layer.name}' ({layer.kind}) has no step-by-step explanation"}
    rule: dict[str, Any] = {"explainer": explainer.__name__, "inputs": list(layer.inputs)}
    kind = layer.kind
    try:
        if kind is LayerKind.CONV2D:
            module = conv_module(layer)
            path = f"{base}/weights/{layer.name}.bin"
            files[path] = _weights(layer, module)
            # The padded input's size comes from the one rule that computes it, not from the browser.
            _, in_h, in_w = network.layer(layer.inputs[0]).output_shape
            top, bottom, left, right = layer.hyper["padding_sides"]
            padded = arithmetic.padded_hw((in_h, in_w), (top, bottom, left, right))
            rule.update(weights=path, windows=layer_windows(layer), hyper=layer.hyper, padded_hw=list(padded))
        elif kind in RULES:
            params = parameters(layer)
            rule.update(formula=RULES[kind](0.0, params).formula, parameters=params)
        elif kind in POOLS:
            rule.update(_pool_windows(layer, network.layer(layer.inputs[0]).output_shape))
        elif kind is LayerKind.LINEAR:
            if not isinstance(layer.module, nn.Linear):
                return {
                    "refusal": f"layer '{layer.name}' is not an nn.Linear module; only module linear layers are explained"
                }
            path = f"{base}/weights/{layer.name}.bin"
            files[path] = _weights(layer, layer.module)
            source = flattened_source(network, layer.inputs[0]) if len(layer.inputs) == 1 else None
            labels = list(network.class_names) if network.logits_layer == layer.name else None
            rule.update(weights=path, labels=labels, source_layer=source.name if source else None,
                        source_shape=list(source.output_shape) if source else None)  # fmt: skip
        elif kind in (LayerKind.SOFTMAX, LayerKind.LOG_SOFTMAX):
            source = network.layer(layer.inputs[0]) if len(layer.inputs) == 1 else None
            if source is None or len(source.output_shape) != 1 or class_axis(layer) != 0:
                return {
                    "refusal": f"the exported site explains softmax over one vector only; serve '{layer.name}' with convscope serve"
                }
            size = source.output_shape[0]
            labels = (
                list(network.class_names)
                if network.logits_layer == source.name and network.num_classes == size
                else None
            )
            rule.update(log=kind is LayerKind.LOG_SOFTMAX, labels=labels)
        elif kind is LayerKind.BATCHNORM2D:
            rule.update(_batchnorm_rule(layer))
        elif kind is LayerKind.ADD:
            if any(list(network.layer(n).output_shape) != list(layer.output_shape) for n in layer.inputs):
                return {
                    "refusal": f"the exported site explains adds of same-shaped inputs only; serve '{layer.name}' with convscope serve"
                }
            rule.update(formula=" + ".join(layer.inputs))
        elif kind is LayerKind.CONCAT:
            rule.update(_concat_rule(network, layer))
        elif kind in PASS_NOTES:
            rule.update(step=PassThroughStep.step, note=PASS_NOTES[kind])
        elif kind is LayerKind.ZEROPAD2D:
            padding = layer.hyper.get("padding")
            if padding is None:
                return {"refusal": f"layer '{layer.name}' pads through F.pad, whose mode and amounts are not recorded"}
            notes = list(PADDING_NOTES)
            rule.update(step=PassThroughStep.step, left=padding[0], top=padding[2], notes=notes)
        elif kind is LayerKind.FLATTEN:
            # The step's family name is also a kind name, which the browser never spells itself.
            rule.update(step=FlattenStep.step, input_shape=list(network.layer(layer.inputs[0]).output_shape))
        else:
            return {
                "refusal": f"the exported site cannot explain layer '{layer.name}' ({layer.kind}); use convscope serve"
            }
    except ConvScopeError as exc:
        return {"refusal": str(exc)}
    return rule


def probabilities_rule(network: Network) -> dict[str, Any]:
    """The fields of ``explain_probabilities`` that depend on the network only."""
    out = network.layer(network.output_layer)
    return {"layer": out.name, "kind": str(LayerKind.SOFTMAX), "input_layer": network.logits_layer,
            "labels": list(network.class_names)}  # fmt: skip


#: The key of the panel shown for positions whose panel was not exported.
NOT_EXPORTED = "not-exported"


def not_exported_panel() -> dict[str, Any]:
    """What the panel says at a position the export carries no panel for (the view's numbers are still there)."""
    return {
        "view": NOT_EXPORTED,
        "title": "Explanation",
        "seeing": (
            "For this kind of layer, this exported site carries the worded explanation of the position each "
            f"view opens at: channel 0 at (y 0, x 0), unit 0, or the predicted class and the next {CLASS_PANELS - 1}."
        ),
        "reading": "The numbers beside it are computed for every position; for this position's words, run convscope serve.",
        "formula": "",
        "worked": [],
        "notes": [],
    }


def _panel_positions(network: Network, layer: Layer, info: dict[str, Any]) -> Iterable[dict[str, int]]:
    """The positions a view opens at: channel 0 at (0, 0), unit 0, or the top class scores."""
    shape = layer.output_shape
    if len(shape) == 3:
        yield {"channel": 0, "y": 0, "x": 0}
    elif len(shape) == 1 and layer.name == network.logits_layer:
        yield from ({"index": i} for i in info["ranking"][:CLASS_PANELS])
    elif len(shape) == 1:
        yield {"index": 0}


def trace_panels(network: Network, entry: TracedImage) -> dict[str, Any]:
    """Explanation panels keyed as ``core/explain.panelUrl`` names them after the trace's base URL.

    Only for layers whose panels ``static/panels.js`` does not build from the step itself (:func:`covered`).
    """
    panels: dict[str, Any] = {}
    trace = entry.trace
    info = entry.info  # parsed from the entry's JSON body: once, not per layer
    for layer in network.layers:
        if layer.kind not in EXPLAINERS:
            continue
        for position in _panel_positions(network, layer, info):
            try:
                step = finite(explain(trace, layer.name, **position).to_dict())
            except ConvScopeError:
                break
            if covered(step):
                break
            query = "&".join(f"{k}={v}" for k, v in position.items())
            for order in ORDERS:
                key = f"layers/{quote(layer.name, safe='')}/explanation?{query}&order={order}"
                panels[key] = step_panel(network, step, order=order).to_dict()
    return panels


def shown_softmax(network: Network, entry: TracedImage) -> dict[str, Any]:
    """``teaching.softmax_shown`` of every vector a softmax step reads, by the layer it comes from."""
    trace = entry.trace
    shown = {network.logits_layer: softmax_shown(trace.logits[0].double().tolist())}
    for layer in network.layers:
        if layer.kind in (LayerKind.SOFTMAX, LayerKind.LOG_SOFTMAX) and len(layer.inputs) == 1:
            values = trace.outputs[layer.inputs[0]][0]
            if values.dim() == 1:
                shown[layer.inputs[0]] = softmax_shown(values.double().tolist())
    return shown


def _image_set(images: Sequence[str], samples: SampleSet) -> SampleSet:
    """The images ``--images`` names: sample ids keep those samples only; files are added."""
    if not images:
        return samples
    kept: list[SampleImage] = []
    files: list[Path] = []
    for item in images:
        if item in samples:
            kept.append(samples.get(item))
        elif Path(item).is_file():
            files.append(Path(item))
        else:
            known = ", ".join(s.id for s in list(samples)[:3])
            raise ConvScopeError(f"--images {item}: no such image file or sample id (samples are named like {known})")
    ids = {s.id for s in samples}
    for path in files:
        sample = SampleImage(file=path.name, path=path, label="", class_index=None)
        if sample.id in ids:
            raise ConvScopeError(f"--images {path}: its name clashes with the sample '{sample.id}'; rename the file")
        kept.append(sample)
        ids.add(sample.id)
    return SampleSet(kept)


def _index_html() -> bytes:
    """The app's page, reading the exported files: server-only controls hidden, uploads off."""
    html = (WEB_DIR / "index.html").read_text(encoding="utf-8")
    html = html.replace('<html lang="en">', '<html lang="en" data-source="static">', 1)
    html = html.replace("</head>", '  <link rel="stylesheet" href="static/css/static-site.css">\n</head>', 1)
    return html.encode("utf-8")


def _web_files() -> dict[str, bytes]:
    files = {"index.html": _index_html()}
    for path in sorted(WEB_DIR.rglob("*")):
        if path.is_file() and path.suffix != ".html" and "__pycache__" not in path.parts:
            files[f"static/{path.relative_to(WEB_DIR).as_posix()}"] = path.read_bytes()
    return files


def _export_image(
    service: TraceService, model_id: str, sample: SampleImage, base: str, files: dict[str, bytes]
) -> TracedImage:
    entry = service.compute(model_id, sample.id, sample.path.read_bytes())
    network = entry.trace.network
    folder = f"{base}/traces/{sample.id}"
    info = {**entry.info, "image_url": f"{quote(folder)}/image.png", "layers_url": f"{quote(folder)}/layers/"}
    files[f"{folder}/trace.json"] = _dumps(info)
    files[f"{folder}/image.png"] = entry.png
    files[f"{folder}/softmax.json"] = _dumps(shown_softmax(network, entry))
    files[f"{folder}/panels.json"] = _dumps(trace_panels(network, entry))
    for layer in network.layers:
        files[f"{folder}/layers/{layer.name}.bin"] = layer_message(entry.trace, layer.name, dtype="float32")
    return entry


def site_files(networks: Mapping[str, Network], samples: ModelSamples, images: Sequence[str] = ()) -> dict[str, bytes]:
    """Every file of the site by its path: the app, then each model's payloads, weights and traces."""
    files = _web_files()
    service = TraceService(ModelRegistry(networks), samples, cache_size=1)
    listing = []
    for model_id, network in networks.items():
        base = f"{DATA}/models/{model_id}"
        listing.append(model_summary(model_id, network))
        chosen = _image_set(images, samples.of(model_id))
        gallery = []
        probe = None
        for sample in chosen:
            entry = _export_image(service, model_id, sample, base, files)
            probe = entry.trace if probe is None else probe  # any exported image shows what explain refuses
            ext = sample.path.suffix.lower()
            image_path = f"{base}/samples/{sample.id}{ext}"
            files[image_path] = sample.path.read_bytes()
            gallery.append(
                {"id": sample.id, "label": sample.label, "class_index": sample.class_index, "url": quote(image_path)}
            )
        rules = {layer.name: layer_rule(network, layer, files, base, probe) for layer in network.layers}
        files[f"{base}/model.json"] = _dumps(model_detail(model_id, network))
        files[f"{base}/samples.json"] = _dumps(gallery)
        files[f"{base}/rules.json"] = _dumps({"layers": rules, "probabilities": probabilities_rule(network)})
        files[f"{base}/panels.json"] = _dumps(
            {NOT_EXPORTED: not_exported_panel()}
            | {f"explanation?order={o}": overview_panel(network, order=o).to_dict() for o in ORDERS}
            # The layer-only slots of the panels static/panels.js builds (a layer's name, its input, a rule).
            | {"slots": layer_slots(network, probe) if probe is not None else {}}
        )
    files[f"{DATA}/models.json"] = _dumps(listing)
    files[f"{DATA}/arith.json"] = _dumps(arith_words())  # the explorer's words and limits (static/arith.js)
    files[f"{DATA}/panels.json"] = _dumps(panel_words())  # the panels' words and decimals (static/panels.js)
    return files


def export_site(
    models: Sequence[str],
    out: str | Path,
    *,
    samples_dir: str | Path | None = None,
    images: Sequence[str] = (),
    force: bool = False,
    classes: list[str] | None = None,
) -> SiteReport:
    """Write the static site for ``models`` to ``out`` (the folder is replaced as a whole).

    Args:
        models: ``MODEL`` specs as ``convscope serve`` takes them; the first is shown first.
        out: the site's folder; it must be missing or empty unless ``force``.
        samples_dir: a folder of images added to every model's samples (as ``serve --samples``).
        images: sample ids to keep (the others are left out) and image files to add.
        force: replace a folder that has files in it.
        classes: class names for model files that carry none.

    Example:
        >>> export_site(["default"], "site", images=["00000-ankle-boot"]).images
        {'default': ['00000-ankle-boot']}
    """
    check_target(Path(out), force)
    networks = load_models(models, classes=classes)
    return export_networks(networks, out, samples_dir=samples_dir, images=images, force=force)


def export_networks(
    networks: Mapping[str, Network],
    out: str | Path,
    *,
    samples_dir: str | Path | None = None,
    images: Sequence[str] = (),
    force: bool = False,
) -> SiteReport:
    """:func:`export_site` for networks already loaded, by model id (``create_app`` takes the same)."""
    out = Path(out)
    check_target(out, force)
    samples = ModelSamples.for_models(networks, Path(samples_dir) if samples_dir is not None else None)
    with torch.no_grad():
        files = site_files(networks, samples, images)
    write_folder(out, files)
    listed = {
        m: [p.split("/")[-2] for p in files if p.startswith(f"{DATA}/models/{m}/traces/") and p.endswith("/trace.json")]
        for m in networks
    }
    return SiteReport(
        out=out, models=list(networks), images=listed, files=len(files), bytes=sum(len(b) for b in files.values())
    )


__all__ = ["SiteReport", "check_target", "export_networks", "export_site", "layer_rule", "site_files"]
