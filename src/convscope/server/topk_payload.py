"""The JSON of "what excites this channel": the k dataset patches of one channel, with their numbers.

Each entry is :func:`convscope.insight.topk_report.layer_report`'s (dataset
index, activation value, position ``y, x`` in the map, receptive-field ``box``
``[top, left, bottom, right]`` in input pixels, bottom and right exclusive) plus
the ``clipped`` box (the part inside the image), ``padding`` (rows and columns of
the box outside the image on each side: top, left, bottom, right), the image's
true ``label`` and sample ``id`` where known, ``patch``: the clipped pixels as a
PNG data URL, as the network saw them, and ``image``: the whole image likewise,
so the view can show where the patch lies. The view draws the padding around the
patch as padding.
"""

from __future__ import annotations

from typing import Any

from convscope.display import png_data_url
from convscope.errors import ConvScopeError
from convscope.insight.topk import LayerTop, topk_layers
from convscope.insight.topk_report import layer_report
from convscope.network import Network
from convscope.server.topk_jobs import TopkJob, TopkResult


def check_channel(network: Network, layer: str, channel: int) -> None:
    """A one-line error unless ``layer`` has maps and ``channel`` is one of its channels."""
    topk_layers(network, [layer])  # an unknown layer is a 404; a layer without maps a 400
    channels = network.layer(layer).output_shape[0]
    if not 0 <= channel < channels:
        raise ConvScopeError(f"channel {channel} is out of range: layer '{layer}' has {channels}, 0 to {channels - 1}")


def receptive_words(result: TopkResult, layer: str) -> str:
    """ "each unit of conv_2_1 sees a 10×10 patch of the input", with the border case said."""
    rows, cols = result.fields.size(layer)
    h, w = result.fields.input_hw
    text = f"each unit of {layer} sees a {rows}×{cols} patch of the input"
    if rows >= h and cols >= w:
        text += f", as large as the whole {h}×{w} image or larger: every unit sees all of it"
    return text


def _first(top: LayerTop, k: int) -> LayerTop:
    return LayerTop(top.values[:, :k], top.index[:, :k], top.y[:, :k], top.x[:, :k])


def topk_payload(network: Network, result: TopkResult, layer: str, channel: int, k: int) -> dict[str, Any]:
    """The ``k`` best patches of ``channel`` in ``layer``, best first (ties: the lower dataset index)."""
    report = layer_report(layer, _first(result.tops[layer], k), result.fields, [channel])
    h, w = result.fields.input_hw
    entries = []
    for rank, entry in enumerate(report["channels"][0]["top"]):
        top, left, bottom, right = entry["box"]
        clipped = list(result.fields.clipped(layer, entry["y"], entry["x"]))
        whole = result.images[entry["index"]]  # (H, W, C)
        pixels = whole[clipped[0] : clipped[2], clipped[1] : clipped[3]]
        entries.append({
            **entry, "rank": rank + 1, "clipped": clipped,
            "padding": [clipped[0] - top, clipped[1] - left, bottom - clipped[2], right - clipped[3]],
            "label": result.labels[entry["index"]], "id": result.ids[entry["index"]],
            "patch": png_data_url(pixels), "image": png_data_url(whole),
        })  # fmt: skip
    rows, cols = result.fields.size(layer)
    return {
        "status": "ready",
        "layer": layer,
        "channel": channel,
        "channels": network.layer(layer).output_shape[0],
        "k": len(entries),
        "dataset": result.dataset,
        "stored": result.stored,
        "input": [h, w],
        "receptive_field": {"size": [rows, cols], "words": receptive_words(result, layer)},
        "top": entries,
    }


def progress_payload(job: TopkJob) -> dict[str, Any]:
    """While the pass runs: its stage, images done of the total, and the dataset."""
    return job.progress()
