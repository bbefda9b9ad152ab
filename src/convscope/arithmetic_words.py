"""``convscope arith`` in words: the output size by both rules, the counts, and why, step by step.

Every number here comes from :mod:`convscope.arithmetic` (its axes, sizes,
strict rule, "same" padding and counts); this module only puts them into
sentences. ``from convscope.arithmetic import arithmetic_report`` works too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from convscope.arithmetic import (
    Count,
    IntOrPair,
    Pair,
    ParamCount,
    SamePadding,
    StrictShape,
    _axes,
    _Axis,
    _fill_words,
    _n,
    _pair,
    _pool_floor,
    channels_per_group,
    conv_mults,
    conv_params,
    pool_ops,
    same_padding,
    strict_output_hw,
    window_inputs,
)
from convscope.errors import ConvScopeError

#: The sentences of the explorer's steps, with named slots filled by :func:`_say`. The
#: exported static site reads them (with :data:`convscope.arithmetic.WORDS`), so its
#: browser port words every step exactly as this module does.
STEP_WORDS: dict[str, str] = {
    "same_step": "'Same' padding: {top} on top, {bottom} on the bottom, {left} left, {right} right",
    "same_step_output": ", so the output is ceil(size/stride) = {height}×{width}",
    "same_step_reason": ". {reason}.",
    "same_step_end": ".",
    "where_square": "high and wide",
    "where_height": "high",
    "where_width": "wide",
    "effective_plain": "{kernel} pixels (no dilation)",
    "effective_dilated": "{dilation}·({kernel} − 1) + 1 = {effective} pixels (dilation {dilation} spreads the {kernel} taps apart)",
    "name_padded": "padded input",
    "name_effective": "effective kernel",
    "name_positions": "window positions",
    "name_positions_ceil": "window positions (ceil mode)",
    "padded_step": "{padded_text} = {padded} pixels {where}.",
    "effective_step": "{effective}.",
    "square_step": "{name}: {text}",
    "axis_step": "{label}, {name}: {text}",
    "starts_join": ", ",
    "starts_many": "0, {stride}, …, {last}",
    "floor_positions": (
        "the window can travel {padded} − {effective} = {span} pixels, {whole} whole steps of {stride}, so it starts at "
        "{starts}: floor(({padded} − {effective})/{stride}) + 1 = {out}."
    ),
    "ceil_count": "ceil(({padded} − {effective})/{stride}) + 1 = {rounded}",
    "ceil_dropped": (
        "{count}, but window {rounded} would start at {start}, in the right padding, so ceil mode drops it: {out}, "
        "starting at {starts}."
    ),
    "ceil_kept": "{count}, starting at {starts}{tail}.",
    "ceil_tail": "; the last one overhangs the padded input by {overhang} and pools only what it covers",
    "strict_valid": "Strict rule: valid, the windows tile the padded input exactly, so both rules give {height}×{width}.",
    "strict_invalid": "Strict rule: invalid: {reason}. PyTorch still gives {height}×{width}: {kept}.",
    "strict_kept_ceil": "ceil mode adds a window for them",
    "strict_kept_floor": "the floor rule ignores them",
    "ceil_not_pool": "ceil mode is an option of pooling layers; drop it or describe a pool",
    "output_plain": "Output: {height}×{width} per channel.",
    "output_pool": "Output: {height}×{width}×{channels}: pooling works on each of the {channels} channels on its own.",
    "output_conv": "Output: {height}×{width}×{channels}: each of the {channels} filters produces one {height}×{width} map.",
}


_say = partial(_fill_words, STEP_WORDS)


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class ArithmeticReport:
    """Everything ``convscope arith`` shows for one convolution or pooling layer."""

    pool: bool
    size: Pair
    kernel: Pair
    stride: Pair
    #: ``(top, bottom, left, right)``.
    padding: tuple[int, int, int, int]
    dilation: Pair
    groups: int
    ceil_mode: bool
    #: The size PyTorch gives (floor rule; ceil mode for pools when asked).
    output: Pair
    strict: StrictShape
    #: The "same" padding that was asked for, if it was.
    same: SamePadding | None
    in_channels: int | None
    #: Output channels: the filters of a convolution, the input channels of a pool.
    out_channels: int | None
    params: ParamCount | None
    #: Multiplications of a convolution, comparisons of a max pool.
    ops: Count | None
    steps: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        top, bottom, left, right = self.padding
        h, w = self.output
        shape = [h, w] if self.out_channels is None else [self.out_channels, h, w]  # (C, H, W) like Layer.output_shape
        return {
            "operation": "maxpool" if self.pool else "conv",
            "input": {"height": self.size[0], "width": self.size[1], "channels": self.in_channels},
            "kernel": list(self.kernel),
            "stride": list(self.stride),
            "padding": {"top": top, "bottom": bottom, "left": left, "right": right},
            "dilation": list(self.dilation),
            "groups": self.groups,
            "ceil_mode": self.ceil_mode,
            "same_padding": self.same.to_dict() if self.same else None,
            "output": {"height": h, "width": w, "channels": self.out_channels, "shape": shape},
            "floor_rule": list(self.strict.floor),
            "strict_rule": self.strict.to_dict(),
            **(self.params.to_dict() if self.params else {}),
            **({self.ops_name: self.ops.value, f"{self.ops_name}_formula": self.ops.formula} if self.ops else {}),
            "steps": list(self.steps),
        }

    @property
    def ops_name(self) -> str:
        return "comparisons" if self.pool else "mults"


def arithmetic_report(
    size: IntOrPair,
    kernel: IntOrPair,
    stride: IntOrPair | None = None,
    padding: Any = 0,
    dilation: IntOrPair = 1,
    *,
    in_channels: int | None = None,
    filters: int | None = None,
    groups: int = 1,
    pool: bool = False,
    ceil_mode: bool = False,
) -> ArithmeticReport:
    """Output size by both rules, the counts, and the reasoning step by step in words.

    Args:
        size, kernel, dilation: ints or ``(H, W)`` pairs.
        stride: ``None`` means 1 for a convolution and the kernel for a pool.
        padding: an int, an ``(H, W)`` pair, ``"same"`` or ``"valid"``.
        in_channels, filters: C_in and C_out of a convolution (give both); a pool
            takes only ``in_channels``.
        groups: channel groups of the convolution.
        pool: describe max pooling instead of a convolution.
        ceil_mode: the pool rounds up (PyTorch's ``ceil_mode``).

    Example:
        >>> r = arithmetic_report(227, 11, 4, 0, in_channels=3, filters=96)
        >>> r.output, r.params.weights.value, r.ops.value
        ((55, 55), 34848, 105415200)
    """
    if pool and filters is not None:
        raise ConvScopeError("a pooling layer has no filters; leave them out (pooling keeps the input channels)")
    if not pool and (in_channels is None) != (filters is None):
        raise ConvScopeError("in_channels and filters go together; give both to count weights and multiplications")
    if ceil_mode and not pool:
        raise ConvScopeError(_say("ceil_not_pool"))
    stride = (kernel if pool else 1) if stride is None else stride
    sizes, kernels = _pair(size, "input size"), _pair(kernel, "kernel")
    strides, dilations = _pair(stride, "stride"), _pair(dilation, "dilation")
    same = same_padding(kernels, strides, dilations, sizes) if padding == "same" else None
    height, width = _axes(sizes, kernels, strides, same or padding, dilations)
    if pool:
        output = (_pool_floor(height, ceil_mode), _pool_floor(width, ceil_mode))
    else:
        output = (height.floor(), width.floor())
    strict = strict_output_hw(sizes, kernels, strides, same or padding, dilations)
    out_channels = in_channels if pool else filters
    params = ops = None
    if in_channels is not None and out_channels is not None:
        if pool:
            ops = pool_ops(out_height=output[0], out_width=output[1], channels=in_channels, kernel=kernels)
        else:
            params = conv_params(in_channels=in_channels, out_channels=out_channels, kernel=kernels, groups=groups)
            ops = conv_mults(
                out_height=output[0], out_width=output[1], in_channels=in_channels,
                out_channels=out_channels, kernel=kernels, groups=groups,
            )  # fmt: skip
    report = ArithmeticReport(
        pool=pool, size=sizes, kernel=kernels, stride=strides,
        padding=(height.before, height.after, width.before, width.after), dilation=dilations,
        groups=groups, ceil_mode=ceil_mode, output=output, strict=strict, same=same,
        in_channels=in_channels, out_channels=out_channels, params=params, ops=ops, steps=(),
    )  # fmt: skip
    return _with_steps(report, height, width)


def _with_steps(report: ArithmeticReport, height: _Axis, width: _Axis) -> ArithmeticReport:
    steps: list[str] = []
    if report.same is not None:
        steps.append(_same_step(report.same))
    labels = (None,) if height == width else ("height", "width")
    for axis, label, out in zip((height, width), labels, report.output, strict=False):
        steps.extend(_axis_steps(axis, label, out, report.pool and report.ceil_mode))
    steps.append(_strict_step(report))
    steps.append(_output_step(report))
    if report.params is not None and report.ops is not None:
        steps.extend(_conv_count_steps(report, report.params, report.ops))
    elif report.ops is not None:
        window = window_inputs(kernel=report.kernel)
        one = pool_ops(out_height=1, out_width=1, channels=1, kernel=report.kernel)  # the comparisons of one output
        steps.append(
            f"Comparisons: each output is the largest of {window.formula} values, found with {one.value} "
            f"comparisons: {report.ops.formula}. Pooling has no weights or biases."
        )
    return replace(report, steps=tuple(steps))


def _same_step(same: SamePadding) -> str:
    text = _say("same_step", top=same.top, bottom=same.bottom, left=same.left, right=same.right)
    if same.output is not None:
        text += _say("same_step_output", height=same.output[0], width=same.output[1])
    return text + (_say("same_step_reason", reason=_first_upper(same.reason)) if same.reason else _say("same_step_end"))


def _axis_steps(axis: _Axis, label: str | None, out: int, ceil_mode: bool) -> list[str]:
    where = _say(f"where_{label or 'square'}")
    if axis.dilation == 1:
        effective = _say("effective_plain", kernel=axis.kernel)
    else:
        effective = _say("effective_dilated", dilation=axis.dilation, kernel=axis.kernel, effective=axis.effective)
    positions = _ceil_positions(axis, out) if ceil_mode else _floor_positions(axis, out)
    steps = [
        (_say("name_padded"), _say("padded_step", padded_text=axis.padded_text(), padded=axis.padded, where=where)),
        (_say("name_effective"), _say("effective_step", effective=effective)),
        (_say("name_positions_ceil" if ceil_mode else "name_positions"), positions),
    ]
    if label is None:
        return [_say("square_step", name=name.capitalize(), text=text) for name, text in steps]
    return [_say("axis_step", label=label.capitalize(), name=name, text=text) for name, text in steps]


def _starts(axis: _Axis, count: int) -> str:
    starts = [axis.start(s) for s in range(count)]
    return (
        _say("starts_join").join(map(str, starts))
        if count <= 4
        else _say("starts_many", stride=axis.stride, last=starts[-1])
    )


def _floor_positions(axis: _Axis, out: int) -> str:
    return _say(
        "floor_positions", padded=axis.padded, effective=axis.effective, span=axis.span, whole=axis.whole_steps,
        stride=axis.stride, starts=_starts(axis, out), out=out,
    )  # fmt: skip


def _ceil_positions(axis: _Axis, out: int) -> str:
    rounded = axis.ceil_count
    text = _say("ceil_count", padded=axis.padded, effective=axis.effective, stride=axis.stride, rounded=rounded)
    if rounded != out:
        start = axis.start(rounded - 1)
        return _say("ceil_dropped", count=text, rounded=rounded, start=start, out=out, starts=_starts(axis, out))
    overhang = axis.overhang(out)
    tail = _say("ceil_tail", overhang=overhang) if overhang else ""
    return _say("ceil_kept", count=text, starts=_starts(axis, out), tail=tail)


def _strict_step(report: ArithmeticReport) -> str:
    h, w = report.output
    if report.strict.valid:
        return _say("strict_valid", height=h, width=w)
    extra = report.output != report.strict.floor
    kept = _say("strict_kept_ceil" if extra else "strict_kept_floor")
    return _say("strict_invalid", reason=report.strict.reason, height=h, width=w, kept=kept)


def _output_step(report: ArithmeticReport) -> str:
    (h, w), c = report.output, report.out_channels
    if c is None:
        return _say("output_plain", height=h, width=w)
    return _say("output_pool" if report.pool else "output_conv", height=h, width=w, channels=c)


def _conv_count_steps(report: ArithmeticReport, params: ParamCount, mults: Count) -> list[str]:
    c_in, c_out, groups = report.in_channels or 0, report.out_channels or 0, report.groups
    kh, kw = report.kernel
    h, w = report.output
    window = window_inputs(kernel=report.kernel, in_channels=c_in, groups=groups)
    per_filter = channels_per_group(c_in, groups)
    seen = f"{per_filter}·{kh}·{kw} = {_n(window.value)}"
    channels = "input channel" if groups == 1 else f"input channel of its group ({c_in}/{groups} = {per_filter})"
    return [
        f"Weights: each filter holds one {kh}×{kw} kernel per {channels}, {seen} weights; "
        f"{c_out} filters hold {params.weights.formula} weights.",
        f"Biases: one per filter, {_n(params.biases.value)}; parameters: {params.formula}.",
        f"Multiplications: each of the {h}·{w}·{c_out} output values multiplies {seen} inputs by weights: "
        f"{mults.formula}.",
    ]
