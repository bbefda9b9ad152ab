"""The JSON form of top-k results: per channel, each example's dataset index, value, position and box."""

from __future__ import annotations

from typing import Any

from convscope.insight.receptive import ReceptiveFields
from convscope.insight.topk import LayerTop


def layer_report(
    layer: str, top: LayerTop, fields: ReceptiveFields, channels: list[int] | None = None
) -> dict[str, Any]:
    """``{"layer", "channels": [{"channel", "top": [{"index", "value", "y", "x", "box"}]}]}``.

    ``box`` is the unit's receptive field ``[top, left, bottom, right]`` in input
    pixels (bottom and right exclusive), not clipped: parts outside the image are padding.
    """
    wanted = range(top.values.shape[0]) if channels is None else channels
    out = []
    for c in wanted:
        rows = []
        for value, index, y, x in zip(
            top.values[c].tolist(), top.index[c].tolist(), top.y[c].tolist(), top.x[c].tolist(), strict=True
        ):
            rows.append({"index": index, "value": value, "y": y, "x": x, "box": list(fields.box(layer, y, x))})
        out.append({"channel": c, "top": rows})
    return {"layer": layer, "channels": out}
