"""Worked lines with the loaded model's numbers, one builder per step family.

Each builder reads the step exactly as the server sends it (``Step.to_dict()``),
so every number quoted is a payload value, named by its field path. Parts that
are added are shown at the fewest decimals where they visibly re-add
(:func:`convscope.teaching.numbers.readding_decimals`); when none does, a note says so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from convscope.teaching.numbers import fixed, readding_decimals
from convscope.teaching.panel import Line
from convscope.teaching.words import line_words as _w

Step = dict[str, Any]
#: Worked lines and notes.
Worked = tuple[list[Line], list[str]]

#: Channels listed one by one in a convolution's worked line; more are summarised.
LISTED_CHANNELS = 4
#: Window cells listed one by one in a pooling line.
LISTED_CELLS = 9
#: Decimals of the window values and weights written beside each product.
FACTOR_DECIMALS = 3
#: Products listed in a fully connected unit's line.
LISTED_PRODUCTS = 3
#: A max pool's step's ``pool`` field (``explain.pool``).
MAX_POOL = "max"
#: Decimals of a single value quoted on its own (an input, an output, a window cell).
VALUE_DECIMALS = 4


def _rounding_note(decimals: int) -> str:
    return _w("rounding_note", decimals=decimals)


def _plus(line: Line, value: float, path: str, decimals: int, first: bool) -> None:
    """Append ``+ value`` (a negative one in brackets), or the bare value for the first term."""
    if first:
        line.num(value, path, decimals)
    elif fixed(value, decimals).startswith("−"):
        line.say(_w("plus_open")).num(value, path, decimals).say(_w("close"))
    else:
        line.say(_w("plus")).num(value, path, decimals)


def conv(step: Step) -> Worked:
    terms, bias, output = step["terms"], step["bias"], step["output"]
    pos = step["position"]
    parts = [t["sum"] for t in terms] + ([bias] if bias is not None else [])
    lines, notes = [], []
    # The channel that contributes most, by magnitude: a dead channel's 0 teaches nothing.
    n = max(range(len(terms)), key=lambda i: abs(terms[i]["sum"]))
    first = terms[n]
    size = _w("size", rows=len(first["products"]), cols=len(first["products"][0]))
    line = Line().say(_w("conv_largest", channel=first["input_channel"], size=size))
    lines.append(line.num(first["sum"], f"terms.{n}.sum", VALUE_DECIMALS).say(_w("conv_click")))
    d, ok = readding_decimals(parts, output)
    line = Line().say(_w("conv_output", y=pos["y"], x=pos["x"]))
    line.num(output, "output", d).say(_w("equals"))
    if len(terms) <= LISTED_CHANNELS:
        for n, t in enumerate(terms):
            _plus(line, t["sum"], f"terms.{n}.sum", d, n == 0)
            line.say(_w("conv_channel", channel=t["input_channel"]))
        if bias is not None:
            line.say(_w("conv_bias")).num(bias, "bias", d)
        if not ok:
            notes.append(_rounding_note(d))
    else:
        line.say(_w("conv_many", count=len(terms)))
        if bias is not None:
            line.say(_w("conv_many_bias")).num(bias, "bias", d)
    lines.append(line)
    return lines, notes


def formula(step: Step, input_channel: int) -> Worked:
    index = next((n for n, t in enumerate(step["terms"]) if t["input_channel"] == input_channel), 0)
    term = step["terms"][index]
    rows, cols = len(term["products"]), len(term["products"][0])
    flat = [term["products"][i][j] for i in range(rows) for j in range(cols)]
    d, ok = readding_decimals(flat, term["sum"])
    line = Line()
    for n in range(rows * cols):
        i, j = divmod(n, cols)
        if n:
            line.say(_w("plus"))
        field = f"terms.{index}.receptive_field.{i}.{j}"
        line.num(term["receptive_field"][i][j], field, FACTOR_DECIMALS).say(_w("times"))
        line.num(term["kernel"][i][j], f"terms.{index}.kernel.{i}.{j}", FACTOR_DECIMALS)
    line.say(_w("approx")).num(term["sum"], f"terms.{index}.sum", d)
    products = Line().say(_w("formula_products"))
    for n, v in enumerate(flat):
        _plus(products, v, f"terms.{index}.products.{n // cols}.{n % cols}", d, n == 0)
    products.say(_w("equals")).num(term["sum"], f"terms.{index}.sum", d)
    return [line, products], [] if ok else [_rounding_note(d)]


def activation(step: Step) -> Worked:
    line = Line().say(_w("activation_input")).num(step["input"], "input", VALUE_DECIMALS).say(_w("activation_arrow"))
    line.say(step["worked"]).say(_w("activation_output")).num(step["output"], "output", VALUE_DECIMALS)
    return [line], []


def pool(step: Step) -> Worked:
    window, mask = step["window"], step["padding_mask"]
    cells = [(i, j) for i in range(len(window)) for j in range(len(window[0])) if not mask[i][j]]
    size = _w("size", rows=len(window), cols=len(window[0]))
    divisor = 0 if float(step["divisor"] or 0).is_integer() else VALUE_DECIMALS
    if len(cells) > LISTED_CELLS:  # a big (adaptive) window: its total, not every cell
        line = Line().say(_w("pool_big", size=size))
        if step["pool"] == MAX_POOL:
            r, c = step["winner"]
            line.say(_w("pool_big_max", row=r, col=c)).num(step["output"], "output", VALUE_DECIMALS)
        else:
            line.say(_w("pool_big_sum")).num(step["sum"], "sum", VALUE_DECIMALS)
            line.say(_w("divided")).num(step["divisor"], "divisor", divisor)
            line.say(_w("equals")).num(step["output"], "output", VALUE_DECIMALS)
        return [line], []
    if step["pool"] == MAX_POOL:
        line = Line().say(_w("pool_max_open"))
        for n, (i, j) in enumerate(cells):
            line.say(_w("list_separator") if n else "").num(window[i][j], f"window.{i}.{j}", VALUE_DECIMALS)
        line.say(_w("pool_max_close")).num(step["output"], "output", VALUE_DECIMALS)
        r, c = step["winner"]
        line.say(_w("pool_winner", row=r, col=c))
        return [line], []
    d, ok = readding_decimals([window[i][j] for i, j in cells], step["sum"])
    line = Line().say(_w("pool_avg_open"))
    for n, (i, j) in enumerate(cells):
        _plus(line, window[i][j], f"window.{i}.{j}", d, n == 0)
    line.say(_w("pool_avg_close")).num(step["divisor"], "divisor", divisor)
    line.say(_w("equals")).num(step["sum"], "sum", d).say(_w("divided")).num(step["divisor"], "divisor", divisor)
    line.say(_w("equals")).num(step["output"], "output", VALUE_DECIMALS)
    return [line], [] if ok else [_rounding_note(d)]


def batchnorm(step: Step) -> Worked:
    v = VALUE_DECIMALS
    line = Line().say(_w("batchnorm_open")).num(step["input"], "input", v).say(_w("batchnorm_minus"))
    line.num(step["mean"], "mean", v).say(_w("batchnorm_root")).num(step["var"], "var", v)
    line.say(_w("batchnorm_epsilon")).num(step["normalised"], "normalised", v)
    again = Line().num(step["normalised"], "normalised", v).say(_w("batchnorm_gamma")).num(step["gamma"], "gamma", v)
    again.say(_w("batchnorm_beta")).num(step["beta"], "beta", v).say(_w("equals")).num(step["output"], "output", v)
    return [line, again], []


def add(step: Step) -> Worked:
    values = [t["value"] for t in step["terms"]]
    d, ok = readding_decimals(values, step["output"])
    line = Line()
    for n, t in enumerate(step["terms"]):
        _plus(line, t["value"], f"terms.{n}.value", d, n == 0)
        line.say(_w("add_term", layer=t["layer"]))
    line.say(_w("equals")).num(step["output"], "output", d)
    return [line], [] if ok else [_rounding_note(d)]


def concat(step: Step) -> Worked:
    src = step["source"]
    line = Line().say(_w("concat_source", channel=step["position"].get("channel", ""), source=src.get("channel", "")))
    line.say(_w("concat_layer", layer=step["source_layer"])).num(step["output"], "output", VALUE_DECIMALS)
    return [line], []


def flatten(step: Step, order: str) -> Worked:
    c, h, w = step["input_shape"]
    src = step["source"]
    at = {"channel": src["channel"], "y": src["y"], "x": src["x"]}
    lines = [
        Line()
        .say(_w("flatten_chw", index=step["position"]["index"]))
        .say(_w("flatten_chw_terms", height=h, width=w, **at)),
        Line()
        .say(_w("flatten_hwc", hwc_index=step["hwc_index"]))
        .say(_w("flatten_hwc_terms", width=w, channels=c, **at)),
        Line().say(_w("flatten_value", layer=step["input_layer"], **at)).num(step["output"], "output", VALUE_DECIMALS),
    ]
    if order == "hwc":
        lines[0], lines[1] = lines[1], lines[0]
    return lines, []


def passthrough(step: Step) -> Worked:
    if step.get("source") is None:
        return [Line().say(_w("passthrough_padding")).num(step["output"], "output", VALUE_DECIMALS)], []
    return [Line().say(_w("passthrough_value")).num(step["output"], "output", VALUE_DECIMALS)], []


def linear(step: Step, order: str = "chw") -> Worked:
    top = step["top"][:LISTED_PRODUCTS]
    line = Line().say(_w("linear_largest"))
    for n, c in enumerate(top):
        hwc = order == "hwc" and c.get("hwc_index") is not None
        name = _w("linear_input_hwc", index=c["hwc_index"]) if hwc else _w("linear_input", index=c["input_index"])
        line.say(_w("linear_separator") if n else "").say(name).say(_w("linear_colon"))
        line.num(c["input"], f"top.{n}.input", VALUE_DECIMALS).say(_w("linear_times")).num(
            c["weight"], f"top.{n}.weight", VALUE_DECIMALS
        )
        line.say(_w("equals")).num(c["product"], f"top.{n}.product", VALUE_DECIMALS)
    total = Line().say(_w("linear_total", count=len(step["inputs"])))
    if step["bias"] is not None:
        total.say(_w("linear_bias")).num(step["bias"], "bias", VALUE_DECIMALS)
    total.say(_w("equals")).num(step["computed"], "computed", VALUE_DECIMALS)
    total.say(_w("linear_traced")).num(step["output"], "output", VALUE_DECIMALS).say(_w("close"))
    return [line, total], []


#: Builders taking only the step.
BUILDERS: dict[str, Callable[[Step], Worked]] = {
    "conv": conv,
    "activation": activation,
    "pool": pool,
    "batchnorm": batchnorm,
    "add": add,
    "concat": concat,
    "passthrough": passthrough,
}
