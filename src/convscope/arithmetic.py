"""Convolution arithmetic: output sizes, "same" padding, windows, parameter and multiplication counts.

The one place these numbers are computed: the layer graph, the layer-list
importers, the zoo, the explainers and the server call these functions instead
of writing their own formulas (``tests/test_rules_written_once.py`` greps the
tree for copies). Along each spatial axis the output size follows PyTorch's floor rule

    out = floor((H + 2P − D(K − 1) − 1)/S) + 1,

which is ``(padded − effective kernel)/S + 1`` rounded down. The strict rule calls a
combination invalid when that division leaves a remainder: the windows do not tile
the padded input and PyTorch silently drops the rows or columns left over.

Sizes, kernels, strides, paddings and dilations are ints or ``(H, W)`` pairs. The
worded, step-by-step report of ``convscope arith`` lives in
:mod:`convscope.arithmetic_words` (and is importable from here too); it words
these numbers and computes none of its own.
"""

from __future__ import annotations

import math
import operator
from dataclasses import asdict, dataclass
from fractions import Fraction
from functools import partial
from typing import Any

from convscope.errors import ConvScopeError

#: ``(H, W)``; one int means the same value on both axes.
Pair = tuple[int, int]
IntOrPair = int | tuple[int, int]


# ---------------------------------------------------------------- checking input


def _whole(value: Any, name: str) -> int:
    if not isinstance(value, bool):  # True is an int to Python, never a size to a user
        try:
            return operator.index(value)
        except TypeError:
            pass
    raise ConvScopeError(f"{name} must be a whole number, got {value!r}; give an int such as 3")


def _pair(value: Any, name: str) -> Pair:
    """``3`` → ``(3, 3)``; ``(3, 2)`` → ``(3, 2)``."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ConvScopeError(f"{name} must be a number or an (H, W) pair, got {value!r}; give one or two numbers")
        return (_whole(value[0], name), _whole(value[1], name))
    whole = _whole(value, name)
    return (whole, whole)


def _at_least(value: int, low: int, name: str, why: str) -> int:
    if value < low:
        bound = "0 or more" if low == 0 else f"at least {low}"
        raise ConvScopeError(f"{name} must be {bound}, got {value}; {why}")
    return value


def _positive(value: Any, name: str, why: str) -> int:
    return _at_least(_whole(value, name), 1, name, why)


def _channels(value: Any, name: str) -> int:
    return _positive(value, name, "a layer has at least one channel")


def _kernel_hw(kernel: Any) -> Pair:
    why = "a kernel covers at least one pixel"
    kh, kw = _pair(kernel, "kernel")
    return (_at_least(kh, 1, "kernel", why), _at_least(kw, 1, "kernel", why))


def _out_hw(out_height: Any, out_width: Any) -> Pair:
    return (
        _positive(out_height, "out_height", "a layer outputs at least one row"),
        _positive(out_width, "out_width", "a layer outputs at least one column"),
    )


def _check_groups(in_channels: int, out_channels: int, groups: int) -> int:
    groups = _at_least(_whole(groups, "groups"), 1, "groups", "1 means an ordinary convolution")
    for name, channels in (("in_channels", in_channels), ("out_channels", out_channels)):
        if channels % groups:
            raise ConvScopeError(
                f"{name} {channels} is not divisible by groups {groups}; choose groups that divide both channel counts"
            )
    return groups


def _n(value: int) -> str:
    return f"{value:,}"


#: The sentences (and their parts) this module's reasons are made of, with named slots
#: filled by :func:`_say`. The exported static site reads them from here, so its
#: browser port of the explorer's arithmetic (``web/js/static/arith.js``) words every
#: reason exactly as Python does without typing a word again.
WORDS: dict[str, str] = {
    "too_small": (
        "the effective kernel {effective}{dilated} is bigger than the padded input {padded} ({padded_text}); "
        "use a smaller kernel or dilation, more padding or a larger input"
    ),
    "too_small_dilated": " (a {kernel}-tap kernel with dilation {dilation})",
    "padded_even": "{size} + 2·{before}",
    "padded_uneven": "{size} + {before} + {after}",
    "fraction": "({padded} − {effective})/{stride} + 1 = {value}",
    "fraction_approx": "{numerator}/{denominator} ≈ {approx}",
    "pool_padding": (
        "pooling padding {padding} is more than half the kernel size {kernel}; PyTorch pools with at most "
        "{half} {pixels} of padding here: pad less or widen the window"
    ),
    "pixel": "pixel",
    "pixels": "pixels",
    "strict_reason": (
        "the {window} with stride {stride} does not tile the {where} exactly: {fraction}; {leftover} {unit} "
        "would be left over"
    ),
    "square_window": "{kernel}×{kernel} window",
    "square_spanning": " (spanning {effective}×{effective} with dilation {dilation})",
    "square_where": "{padded}×{padded} {padded_word}input",
    "square_unit": "column/row",
    "square_units": "columns/rows",
    "axis_window": "{kernel}-pixel-{tall} window{spanning}",
    "axis_spanning": " (spanning {effective} pixels with dilation {dilation})",
    "axis_where": "{padded}-pixel {padded_word}{label}",
    "padded_word": "padded ",
    "height": "height",
    "width": "width",
    "height_tall": "tall",
    "width_tall": "wide",
    "height_unit": "row",
    "height_units": "rows",
    "width_unit": "column",
    "width_units": "columns",
    "reason_join": "; ",
    "same_reason": (
        "'same' padding needs {total} {pixels} in total {along} ({why}), an odd number that cannot be split "
        "evenly: pad {before_pad} on the {before} and {after_pad} on the {after} (TensorFlow's split)"
    ),
    "same_why_kernel": "effective kernel {effective} − 1",
    "same_why_stride": "({out} − 1)·{stride} + {effective} − {size}",
    "square_along": "along each axis",
    "square_before": "top/left",
    "square_after": "bottom/right",
    "height_along": "along the height",
    "height_before": "top",
    "height_after": "bottom",
    "width_along": "along the width",
    "width_before": "left",
    "width_after": "right",
}


def _fill_words(words: dict[str, str], key: str, **slots: object) -> str:
    """``words[key]`` with its named slots filled: the templates here and in ``arithmetic_words.STEP_WORDS``."""
    return words[key].format(**slots)


_say = partial(_fill_words, WORDS)


# ------------------------------------------------------------------- one axis


@dataclass(frozen=True)
class _Axis:
    """One spatial axis of a sliding window, checked."""

    size: int
    kernel: int
    stride: int
    before: int  # padding on the top / left
    after: int  # padding on the bottom / right
    dilation: int

    @classmethod
    def checked(cls, size: Any, kernel: Any, stride: Any, padding: Any, dilation: Any) -> _Axis:
        before, after = _pair(padding, "padding")
        for side in (before, after):
            _at_least(side, 0, "padding", "negative padding would crop the input; crop before the layer instead")
        return cls(
            size=_at_least(_whole(size, "input size"), 1, "input size", "an input has at least one pixel"),
            kernel=_at_least(_whole(kernel, "kernel"), 1, "kernel", "a kernel covers at least one pixel"),
            stride=_at_least(_whole(stride, "stride"), 1, "stride", "the window moves by at least one pixel"),
            before=before,
            after=after,
            dilation=_at_least(_whole(dilation, "dilation"), 1, "dilation", "1 means taps on neighbouring pixels"),
        )

    @property
    def padded(self) -> int:
        return self.size + self.before + self.after

    @property
    def effective(self) -> int:
        """Pixels one window spans: dilation spreads the K taps D pixels apart."""
        return self.dilation * (self.kernel - 1) + 1

    @property
    def span(self) -> int:
        """Pixels the window's start can travel: padded − effective kernel."""
        return self.padded - self.effective

    def too_small(self) -> ConvScopeError:
        dilated = _say("too_small_dilated", kernel=self.kernel, dilation=self.dilation) if self.dilation > 1 else ""
        return ConvScopeError(
            _say(
                "too_small",
                effective=self.effective,
                dilated=dilated,
                padded=self.padded,
                padded_text=self.padded_text(),
            )
        )

    def padded_text(self) -> str:
        if self.before == self.after:
            return _say("padded_even", size=self.size, before=self.before)
        return _say("padded_uneven", size=self.size, before=self.before, after=self.after)

    @property
    def whole_steps(self) -> int:
        """Whole strides the window's start can move: ``floor(span/S)``."""
        return self.span // self.stride

    @property
    def ceil_count(self) -> int:
        """Windows by the ceil rule before PyTorch drops one starting in the right padding."""
        return -(-self.span // self.stride) + 1

    def start(self, position: int) -> int:
        """Where window ``position`` starts in the padded input (0 = the first padded pixel)."""
        return position * self.stride

    def overhang(self, count: int) -> int:
        """Pixels the last of ``count`` windows reaches past the padded input (ceil mode), else 0."""
        return max(self.start(count - 1) + self.effective - self.padded, 0)

    def floor(self) -> int:
        if self.span < 0:
            raise self.too_small()
        return self.whole_steps + 1

    def exact(self) -> Fraction:
        return Fraction(self.span, self.stride) + 1

    def fraction_text(self) -> str:
        return _say(
            "fraction", padded=self.padded, effective=self.effective, stride=self.stride, value=_fraction(self.exact())
        )


def _fraction(value: Fraction) -> str:
    """``55`` → "55"; ``7/2`` → "3.5"; ``10/3`` → "10/3 ≈ 3.333"."""
    if value.denominator == 1:
        return _n(value.numerator)
    if (value * 1000).denominator == 1:
        return f"{float(value):g}"
    return _say(
        "fraction_approx", numerator=value.numerator, denominator=value.denominator, approx=f"{float(value):.3f}"
    )


# ----------------------------------------------------------------- output size


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int | Pair = 0, dilation: int = 1) -> int:
    """Output size along one axis by the floor rule, exactly as ``nn.Conv2d`` computes it.

    Args:
        size: input pixels along the axis (H or W).
        kernel: kernel taps K along the axis.
        stride: step S between window positions.
        padding: zeros P added on each side, or ``(before, after)`` for uneven padding.
        dilation: spacing D between kernel taps.

    Raises:
        ConvScopeError: an argument is out of range, or the effective kernel
        D(K − 1) + 1 is bigger than the padded input.

    Example:
        >>> conv_output_size(227, 11, stride=4)  # AlexNet conv1: floor((227 − 11)/4) + 1
        55
    """
    return _Axis.checked(size, kernel, stride, padding, dilation).floor()


def conv_output_hw(
    size: IntOrPair, kernel: IntOrPair, stride: IntOrPair = 1, padding: Any = 0, dilation: IntOrPair = 1
) -> Pair:
    """Output ``(H_out, W_out)`` of a 2-D convolution by the floor rule.

    Args:
        size: input ``H`` and ``W`` (an int for a square input).
        kernel, stride, dilation: ints or ``(H, W)`` pairs.
        padding: an int, an ``(H, W)`` pair, ``"same"``, ``"valid"`` or a :class:`SamePadding`.

    Example:
        >>> conv_output_hw((32, 48), 3, stride=2, padding=1)
        (16, 24)
    """
    height, width = _axes(size, kernel, stride, padding, dilation)
    return (height.floor(), width.floor())


def pool_output_size(
    size: int,
    kernel: int,
    stride: int | None = None,
    padding: int | Pair = 0,
    dilation: int = 1,
    *,
    ceil_mode: bool = False,
) -> int:
    """Output size along one axis of ``nn.MaxPool2d`` / ``nn.AvgPool2d``.

    Same formula as a convolution, and the same rules PyTorch enforces: the stride
    defaults to the kernel, padding is at most half the kernel size, and with
    ``ceil_mode`` the division rounds up but the last window must start inside the
    input or the left padding (a window starting in the right padding would see
    only padding).

    Args:
        size, kernel, padding, dilation: as for :func:`conv_output_size`.
        stride: step S; ``None`` means the kernel size, as in PyTorch.
        ceil_mode: round the division up instead of down.

    Example:
        >>> pool_output_size(5, 2), pool_output_size(5, 2, ceil_mode=True)
        (2, 3)
    """
    axis = _Axis.checked(size, kernel, kernel if stride is None else stride, padding, dilation)
    return _pool_floor(axis, ceil_mode)


def pool_output_hw(
    size: IntOrPair,
    kernel: IntOrPair,
    stride: IntOrPair | None = None,
    padding: Any = 0,
    dilation: IntOrPair = 1,
    *,
    ceil_mode: bool = False,
) -> Pair:
    """Output ``(H_out, W_out)`` of 2-D max or average pooling (see :func:`pool_output_size`).

    Example:
        >>> pool_output_hw(55, 3, stride=2)  # AlexNet's overlapping pooling
        (27, 27)
    """
    height, width = _axes(size, kernel, kernel if stride is None else stride, padding, dilation)
    return (_pool_floor(height, ceil_mode), _pool_floor(width, ceil_mode))


def _pool_floor(axis: _Axis, ceil_mode: bool) -> int:
    # PyTorch's CPU pooling allows padding up to half the kernel size K, not half the
    # (larger) dilated window, so that is the limit to enforce.
    half = axis.kernel // 2
    if max(axis.before, axis.after) > half:
        pixels = _say("pixel" if half == 1 else "pixels")
        raise ConvScopeError(
            _say("pool_padding", padding=max(axis.before, axis.after), kernel=axis.kernel, half=half, pixels=pixels)
        )
    out = axis.ceil_count if ceil_mode else axis.whole_steps + 1
    if ceil_mode and axis.start(out - 1) >= axis.size + axis.before:
        out -= 1  # that window would start in the right padding and see no input pixel
    if out < 1:
        raise axis.too_small()
    return out


def _axes(size: Any, kernel: Any, stride: Any, padding: Any, dilation: Any) -> tuple[_Axis, _Axis]:
    """Check 2-D arguments and split them into the height and width axes."""
    sizes, kernels = _pair(size, "input size"), _pair(kernel, "kernel")
    strides, dilations = _pair(stride, "stride"), _pair(dilation, "dilation")
    pads = _padding_hw(padding, sizes, kernels, strides, dilations)
    height, width = (_Axis.checked(sizes[i], kernels[i], strides[i], pads[i], dilations[i]) for i in (0, 1))
    return height, width


def _padding_hw(padding: Any, size: Pair, kernel: Pair, stride: Pair, dilation: Pair) -> tuple[Pair, Pair]:
    """Any padding spelling → ``((top, bottom), (left, right))``."""
    if isinstance(padding, SamePadding):
        return (padding.top, padding.bottom), (padding.left, padding.right)
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0), (0, 0)
        if padding == "same":
            return _padding_hw(same_padding(kernel, stride, dilation, size), size, kernel, stride, dilation)
        raise ConvScopeError(f"padding {padding!r} is not understood; use a number, an (H, W) pair, 'same' or 'valid'")
    ph, pw = _pair(padding, "padding")
    return (ph, ph), (pw, pw)


# ------------------------------------------------------------------ strict rule


@dataclass(frozen=True)
class StrictSize:
    """Output size along one axis by the strict rule, with the floor rule beside it."""

    valid: bool
    #: ``(padded − effective kernel)/S + 1`` without rounding.
    exact: float
    #: The same division with the numbers, e.g. ``"(227 − 11)/4 + 1 = 55"``.
    fraction: str
    #: What PyTorch computes (the floor rule).
    floor: int
    #: Rows or columns at the end of the padded input no window reaches.
    leftover: int
    padded: int
    effective_kernel: int
    #: Why the combination is invalid, in words; ``None`` when valid.
    reason: str | None


def strict_output_size(
    size: int, kernel: int, stride: int = 1, padding: int | Pair = 0, dilation: int = 1, *, axis: str | None = None
) -> StrictSize:
    """Output size along one axis by the strict rule: windows must tile the padded input exactly.

    Args:
        size, kernel, stride, padding, dilation: as for :func:`conv_output_size`.
        axis: ``"height"`` or ``"width"`` to word the reason for one axis of a
            rectangular window; ``None`` words it for a square K×K window.

    Raises:
        ConvScopeError: as :func:`conv_output_size` (no output by either rule).

    Example:
        >>> r = strict_output_size(8, 3, stride=2)
        >>> r.valid, r.exact, r.floor, r.leftover
        (False, 3.5, 3, 1)
        >>> r.reason  # doctest: +NORMALIZE_WHITESPACE
        'the 3×3 window with stride 2 does not tile the 8×8 input exactly:
         (8 − 3)/2 + 1 = 3.5; 1 column/row would be left over'
    """
    return _strict(_Axis.checked(size, kernel, stride, padding, dilation), axis)


def _strict(axis: _Axis, label: str | None) -> StrictSize:
    floor = axis.floor()
    leftover = axis.span % axis.stride
    return StrictSize(
        valid=leftover == 0,
        exact=float(axis.exact()),
        fraction=axis.fraction_text(),
        floor=floor,
        leftover=leftover,
        padded=axis.padded,
        effective_kernel=axis.effective,
        reason=_strict_reason(axis, label, leftover) if leftover else None,
    )


def _strict_reason(axis: _Axis, label: str | None, leftover: int) -> str:
    k, e, d = axis.kernel, axis.effective, axis.dilation
    padded = _say("padded_word") if axis.padded != axis.size else ""
    side = "square" if label is None else label
    unit = _say(f"{side}_unit" if leftover == 1 else f"{side}_units")
    if label is None:
        window = _say("square_window", kernel=k) + (_say("square_spanning", effective=e, dilation=d) if e != k else "")
        where = _say("square_where", padded=axis.padded, padded_word=padded)
    else:
        spanning = _say("axis_spanning", effective=e, dilation=d) if e != k else ""
        window = _say("axis_window", kernel=k, tall=_say(f"{label}_tall"), spanning=spanning)
        where = _say("axis_where", padded=axis.padded, padded_word=padded, label=_say(label))
    fraction = axis.fraction_text()
    return _say(
        "strict_reason", window=window, stride=axis.stride, where=where, fraction=fraction, leftover=leftover, unit=unit
    )


@dataclass(frozen=True)
class StrictShape:
    """The strict rule on both axes of a 2-D window."""

    height: StrictSize
    width: StrictSize

    @property
    def valid(self) -> bool:
        return self.height.valid and self.width.valid

    @property
    def floor(self) -> Pair:
        return (self.height.floor, self.width.floor)

    @property
    def exact(self) -> tuple[float, float]:
        return (self.height.exact, self.width.exact)

    @property
    def reason(self) -> str | None:
        reasons = dict.fromkeys(r for r in (self.height.reason, self.width.reason) if r)  # a square says it once
        return _say("reason_join").join(reasons) or None

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "height": asdict(self.height), "width": asdict(self.width), "reason": self.reason}


def strict_output_hw(
    size: IntOrPair, kernel: IntOrPair, stride: IntOrPair = 1, padding: Any = 0, dilation: IntOrPair = 1
) -> StrictShape:
    """The strict rule for a 2-D window (arguments as for :func:`conv_output_hw`).

    Example:
        >>> strict_output_hw(227, 11, stride=4).valid
        True
    """
    height, width = _axes(size, kernel, stride, padding, dilation)
    if height == width:  # a square: word it as K×K once
        return StrictShape(_strict(height, None), _strict(width, None))
    return StrictShape(_strict(height, "height"), _strict(width, "width"))


# -------------------------------------------------------------- "same" padding


@dataclass(frozen=True)
class SamePadding:
    """Zeros on each side that keep ``out = ceil(size/S)``; extra on the bottom/right, as TensorFlow does."""

    top: int
    bottom: int
    left: int
    right: int
    #: ``(H_out, W_out)`` when the input size was given.
    output: Pair | None
    #: Why symmetric padding cannot do it, in words; ``None`` when it can.
    reason: str | None

    @property
    def symmetric(self) -> bool:
        return self.top == self.bottom and self.left == self.right

    @property
    def padding(self) -> Pair | None:
        """``(P_h, P_w)`` for ``nn.Conv2d(padding=...)``, or ``None`` when the split is uneven."""
        return (self.top, self.left) if self.symmetric else None

    @property
    def pad(self) -> tuple[int, int, int, int]:
        """``(left, right, top, bottom)``, the order ``F.pad`` and ``nn.ZeroPad2d`` take."""
        return (self.left, self.right, self.top, self.bottom)

    def to_dict(self) -> dict[str, Any]:
        fields = asdict(self)
        fields["output"] = list(self.output) if self.output else None
        return {**fields, "symmetric": self.symmetric}


def same_padding(
    kernel: IntOrPair, stride: IntOrPair = 1, dilation: IntOrPair = 1, size: IntOrPair | None = None
) -> SamePadding:
    """The padding for "same" output: ``ceil(size/S)`` positions along each axis.

    The total along an axis is ``(out − 1)·S + effective kernel − size`` (at least 0);
    with stride 1 that is ``effective kernel − 1``, so an even effective kernel needs
    an odd total that no symmetric padding gives.

    Args:
        kernel, stride, dilation: ints or ``(H, W)`` pairs.
        size: the input ``H``, ``W``; needed when a stride is above 1, since the
            total then depends on it.

    Example:
        >>> same_padding(4).pad  # total 3 on each axis: 1 before, 2 after
        (1, 2, 1, 2)
    """
    kernels, strides, dilations = _pair(kernel, "kernel"), _pair(stride, "stride"), _pair(dilation, "dilation")
    if size is None and strides != (1, 1):
        raise ConvScopeError(
            f"'same' padding with stride {_hw_text(strides)} depends on the input size; give the size as well"
        )
    sizes = (None, None) if size is None else _pair(size, "input size")
    axes: list[tuple[_Axis, int | None, int]] = []
    for i in (0, 1):
        # Checked with the input size (or one window, when the size is unknown) and no padding.
        probe = _Axis.checked(sizes[i] or 1, kernels[i], strides[i], 0, dilations[i])
        out = None if sizes[i] is None else -(-probe.size // probe.stride)
        total = probe.effective - 1 if out is None else max((out - 1) * probe.stride + probe.effective - probe.size, 0)
        axes.append((probe, out, total))
    (_, h_out, h_total), (_, w_out, w_total) = axes
    labels = (None, None) if axes[0] == axes[1] else ("height", "width")  # a square says it once
    reasons = [_same_reason(*axis, label) for axis, label in zip(axes, labels, strict=True) if axis[2] % 2]
    return SamePadding(
        top=h_total // 2,
        bottom=h_total - h_total // 2,
        left=w_total // 2,
        right=w_total - w_total // 2,
        output=None if h_out is None or w_out is None else (h_out, w_out),
        reason=_say("reason_join").join(dict.fromkeys(reasons)) or None,
    )


def _same_reason(axis: _Axis, out: int | None, total: int, label: str | None) -> str:
    if out is None or axis.stride == 1:
        why = _say("same_why_kernel", effective=axis.effective)
    else:
        why = _say("same_why_stride", out=out, stride=axis.stride, effective=axis.effective, size=axis.size)
    side = "square" if label is None else label
    return _say(
        "same_reason", total=total, pixels=_say("pixel" if total == 1 else "pixels"), along=_say(f"{side}_along"),
        why=why, before_pad=total // 2, before=_say(f"{side}_before"), after_pad=total - total // 2,
        after=_say(f"{side}_after"),
    )  # fmt: skip


def _hw_text(pair: Pair) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}×{pair[1]}"


# ------------------------------------------------------------------- windows


def window_taps(position: int, kernel: int, stride: int = 1, before: int = 0, dilation: int = 1) -> list[int]:
    """Input indices one window reads along an axis; indices outside ``0…size−1`` are padding.

    Window ``o`` starts at ``S·o − P_before`` and its ``K`` taps are ``D`` apart —
    the rule convolution and pooling share, and the explanations and views use.

    Args:
        position: the output index ``o`` along the axis.
        kernel, stride, dilation: K, S, D along the axis.
        before: padding before the first pixel (top or left).

    Example:
        >>> window_taps(1, 3, stride=2, before=1)
        [1, 2, 3]
    """
    start = position * stride - before
    return [start + i * dilation for i in range(kernel)]


def average_taps(taps: list[int], size: int, before: int, *, count_include_pad: bool = True) -> int:
    """How many of a window's taps along one axis average pooling divides by.

    PyTorch counts the taps inside the input and, with ``count_include_pad``,
    the padding too, but only up to ``H + P``: a ceil-mode window reaching past
    the right padding does not count the cells beyond it.

    Args:
        taps: the input indices the window reads (see :func:`window_taps`).
        size: input pixels H along the axis.
        before: padding P before the first pixel (PyTorch pads both sides alike).
        count_include_pad: whether padding cells count, as in ``nn.AvgPool2d``.

    Example:
        >>> average_taps([-1, 0, 1], 4, 1), average_taps([-1, 0, 1], 4, 1, count_include_pad=False)
        (3, 2)
    """
    if count_include_pad:
        return sum(1 for t in taps if t < size + before)
    return sum(1 for t in taps if 0 <= t < size)


def adaptive_window(position: int, size: int, out: int) -> tuple[int, int]:
    """The input rows (or columns) ``start…end − 1`` adaptive pooling reduces for one output.

    ``nn.AdaptiveAvgPool2d`` and ``nn.AdaptiveMaxPool2d`` split an axis of ``H``
    pixels into ``H_out`` windows: window ``i`` runs from ``floor(i·H/H_out)`` up to
    ``ceil((i + 1)·H/H_out)``, so windows may differ in size and overlap by a pixel.

    Args:
        position: the output index ``i`` along the axis, ``0…out − 1``.
        size: input pixels ``H`` along the axis.
        out: output pixels ``H_out`` along the axis.

    Example:
        >>> [adaptive_window(i, 5, 3) for i in range(3)]  # 5 pixels into 3 windows of 2
        [(0, 2), (1, 4), (3, 5)]
    """
    size = _positive(size, "input size", "an input has at least one pixel")
    out = _positive(out, "output size", "a pool outputs at least one pixel")
    position = _whole(position, "position")
    if not 0 <= position < out:
        raise ConvScopeError(f"position {position} is outside the {out} outputs; choose 0 to {out - 1}")
    return (position * size // out, -(-(position + 1) * size // out))


def padded_hw(size: IntOrPair, sides: tuple[int, int, int, int]) -> Pair:
    """``(H, W)`` of the input once padded with ``(top, bottom, left, right)`` pixels: what the windows slide over.

    Example:
        >>> padded_hw((28, 30), (1, 2, 0, 3))
        (31, 33)
    """
    (h, w), (top, bottom, left, right) = _pair(size, "input size"), sides
    return (_Axis.checked(h, 1, 1, (top, bottom), 1).padded, _Axis.checked(w, 1, 1, (left, right), 1).padded)


# ------------------------------------------------------------ receptive fields


@dataclass(frozen=True)
class ReceptiveAxis:
    """The input pixels each output position along one axis depends on: ``lo[o] … hi[o] − 1``.

    Intervals are not clipped to the image: a window reaching into the padding
    gives ``lo < 0`` or ``hi`` past the input, so a view can draw that part as
    padding. ``jump`` is the input pixels between neighbouring positions (the
    product of the strides so far), used to extend the intervals to positions
    outside ``0 … len − 1`` — the padding of the layer these positions feed.

    Example:
        >>> axis = ReceptiveAxis.of_input(5).through_window(5, kernel=3, stride=1, before=1)
        >>> axis.interval(0), axis.size
        ((-1, 2), 3)
    """

    lo: tuple[int, ...]
    hi: tuple[int, ...]
    jump: int = 1

    @classmethod
    def of_input(cls, size: int) -> ReceptiveAxis:
        """Each input pixel depends on itself."""
        size = _positive(size, "input size", "an input has at least one pixel")
        return cls(tuple(range(size)), tuple(range(1, size + 1)), 1)

    def __len__(self) -> int:
        return len(self.lo)

    def interval(self, position: int) -> tuple[int, int]:
        """``(lo, hi)`` of one position; positions outside the axis extend the first or last by ``jump``."""
        last = len(self.lo) - 1
        if position < 0:
            return (self.lo[0] + position * self.jump, self.hi[0] + position * self.jump)
        if position > last:
            return (self.lo[last] + (position - last) * self.jump, self.hi[last] + (position - last) * self.jump)
        return (self.lo[position], self.hi[position])

    @property
    def size(self) -> int:
        """The widest interval: the receptive field size along this axis, padding included."""
        return max(h - lo for lo, h in zip(self.lo, self.hi, strict=True))

    def through_window(
        self, out: int, kernel: int, stride: int = 1, before: int = 0, dilation: int = 1
    ) -> ReceptiveAxis:
        """After a convolution or pooling window: output ``o`` reads the taps :func:`window_taps` gives."""
        out = _positive(out, "output size", "a layer outputs at least one position")
        lo, hi = [], []
        for o in range(out):
            taps = window_taps(o, kernel, stride, before, dilation)
            lo.append(self.interval(taps[0])[0])
            hi.append(self.interval(taps[-1])[1])
        return ReceptiveAxis(tuple(lo), tuple(hi), self.jump * stride)

    def through_adaptive(self, out: int) -> ReceptiveAxis:
        """After adaptive pooling: output ``i`` reads the rows :func:`adaptive_window` gives."""
        windows = [adaptive_window(i, len(self), out) for i in range(out)]
        lo = tuple(self.lo[start] for start, _ in windows)
        hi = tuple(self.hi[end - 1] for _, end in windows)
        return ReceptiveAxis(lo, hi, self.jump * -(-len(self) // out))

    def shifted(self, before: int, after: int) -> ReceptiveAxis:
        """After zero padding: ``before`` new positions at the start and ``after`` at the end (padding only)."""
        positions = range(-before, len(self) + after)
        lo = tuple(self.interval(p)[0] for p in positions)
        hi = tuple(self.interval(p)[1] for p in positions)
        return ReceptiveAxis(lo, hi, self.jump)

    def merged(self, other: ReceptiveAxis) -> ReceptiveAxis:
        """Where two paths meet (an addition, a concatenation): the hull of both intervals."""
        if len(self) != len(other):
            raise ConvScopeError(f"cannot merge receptive fields of {len(self)} and {len(other)} positions")
        lo = tuple(min(a, b) for a, b in zip(self.lo, other.lo, strict=True))
        hi = tuple(max(a, b) for a, b in zip(self.hi, other.hi, strict=True))
        return ReceptiveAxis(lo, hi, max(self.jump, other.jump))


# ---------------------------------------------------------------------- counts


@dataclass(frozen=True)
class Count:
    """A count with the formula that gives it."""

    value: int
    #: The formula with the numbers put in, e.g. ``"55·55·96·3·11·11 = 105,415,200"``.
    formula: str
    #: The formula in letters, e.g. ``"H_out·W_out·C_out·(C_in/groups)·K_h·K_w"``.
    rule: str

    def __int__(self) -> int:
        return self.value


def _product(terms: list[tuple[str, int]], rule: str) -> Count:
    """Multiply ``(shown as, value)`` terms; a group term shows as ``"(32/4)"`` and counts as 8."""
    value = math.prod(v for _, v in terms)
    return Count(value=value, formula=f"{'·'.join(t for t, _ in terms)} = {_n(value)}", rule=rule)


def _term(value: int) -> tuple[str, int]:
    return (_n(value), value)


@dataclass(frozen=True)
class ParamCount:
    """Learned parameters of one layer: weights and biases separately."""

    weights: Count
    biases: Count

    @property
    def total(self) -> int:
        return self.weights.value + self.biases.value

    @property
    def formula(self) -> str:
        return f"{_n(self.weights.value)} + {_n(self.biases.value)} = {_n(self.total)}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "weights": self.weights.value,
            "weights_formula": self.weights.formula,
            "biases": self.biases.value,
            "biases_formula": self.biases.formula,
            "params": self.total,
            "params_formula": self.formula,
        }


def _per_group(in_channels: int, groups: int) -> tuple[str, int]:
    """``C_in/groups`` as a formula term: the plain number unless groups split the channels."""
    if groups == 1:
        return _term(in_channels)
    return (f"({_n(in_channels)}/{groups})", in_channels // groups)


def channels_per_group(in_channels: int, groups: int = 1) -> int:
    """``C_in/groups``: the input channels each filter of a grouped convolution reads.

    Example:
        >>> channels_per_group(32, 4)
        8
    """
    c_in = _channels(in_channels, "in_channels")
    return c_in // _check_groups(c_in, c_in, groups)


def group_inputs(channel: int, *, in_channels: int, out_channels: int, groups: int = 1) -> tuple[int, range]:
    """The group of output ``channel`` of a grouped convolution, and the input channels it reads.

    Output channels split into ``groups`` equal runs, input channels too; output
    channel ``k`` reads only the input run of its own group.

    Example:
        >>> group_inputs(5, in_channels=4, out_channels=6, groups=2)  # channels 3…5 form group 1
        (1, range(2, 4))
    """
    c_in, c_out = _channels(in_channels, "in_channels"), _channels(out_channels, "out_channels")
    groups = _check_groups(c_in, c_out, groups)
    channel = _whole(channel, "channel")
    if not 0 <= channel < c_out:
        raise ConvScopeError(f"channel {channel} is outside the {c_out} output channels; choose 0 to {c_out - 1}")
    group = channel // (c_out // groups)
    per_group = c_in // groups
    return group, range(group * per_group, (group + 1) * per_group)


def window_inputs(*, kernel: IntOrPair, in_channels: int = 1, groups: int = 1) -> Count:
    """Inputs one output value reads: ``(C_in/groups)·K_h·K_w`` (a pool window: ``K_h·K_w``).

    It is also the weights one filter holds, since each input it reads has its own weight.

    Example:
        >>> window_inputs(kernel=3, in_channels=32, groups=4).formula
        '(32/4)·3·3 = 72'
    """
    c_in = _channels(in_channels, "in_channels")
    groups = _check_groups(c_in, c_in, groups)
    kh, kw = _kernel_hw(kernel)
    if c_in == 1:
        return _product([_term(kh), _term(kw)], "K_h·K_w")
    return _product([_per_group(c_in, groups), _term(kh), _term(kw)], "(C_in/groups)·K_h·K_w")


def conv_params(
    *, in_channels: int, out_channels: int, kernel: IntOrPair, groups: int = 1, bias: bool = True
) -> ParamCount:
    """Weights ``C_out·(C_in/groups)·K_h·K_w`` and biases ``C_out`` of ``nn.Conv2d``.

    Args:
        in_channels: C_in.
        out_channels: C_out, the number of filters.
        kernel: K, an int or ``(K_h, K_w)``.
        groups: channel groups; both channel counts must divide by it.
        bias: whether the layer has one bias per filter.

    Example:
        >>> conv_params(in_channels=3, out_channels=96, kernel=11).weights.formula
        '96·3·11·11 = 34,848'
    """
    c_in, c_out = _channels(in_channels, "in_channels"), _channels(out_channels, "out_channels")
    groups = _check_groups(c_in, c_out, groups)
    kh, kw = _kernel_hw(kernel)
    weights = _product([_term(c_out), _per_group(c_in, groups), _term(kh), _term(kw)], "C_out·(C_in/groups)·K_h·K_w")
    return ParamCount(weights=weights, biases=_biases(c_out, bias, "C_out"))


def linear_params(*, in_features: int, out_features: int, bias: bool = True) -> ParamCount:
    """Weights ``in·out`` and biases ``out`` of ``nn.Linear``.

    Example:
        >>> linear_params(in_features=1690, out_features=10).total
        16910
    """
    f_in, f_out = _channels(in_features, "in_features"), _channels(out_features, "out_features")
    return ParamCount(weights=_product([_term(f_in), _term(f_out)], "in·out"), biases=_biases(f_out, bias, "out"))


def _biases(count: int, bias: bool, rule: str) -> Count:
    if not bias:
        return Count(value=0, formula="0 (no bias)", rule="0")
    return Count(value=count, formula=_n(count), rule=rule)


def conv_mults(
    *, out_height: int, out_width: int, in_channels: int, out_channels: int, kernel: IntOrPair, groups: int = 1
) -> Count:
    """Multiplications of one convolution: ``H_out·W_out·C_out·(C_in/groups)·K_h·K_w``.

    Each output value multiplies one window of ``(C_in/groups)·K_h·K_w`` inputs by
    the weights; adding the bias is an addition, not counted.

    Example:
        >>> conv_mults(out_height=55, out_width=55, in_channels=3, out_channels=96, kernel=11).formula
        '55·55·96·3·11·11 = 105,415,200'
    """
    h_out, w_out = _out_hw(out_height, out_width)
    c_in, c_out = _channels(in_channels, "in_channels"), _channels(out_channels, "out_channels")
    groups = _check_groups(c_in, c_out, groups)
    kh, kw = _kernel_hw(kernel)
    terms = [_term(h_out), _term(w_out), _term(c_out), _per_group(c_in, groups), _term(kh), _term(kw)]
    return _product(terms, "H_out·W_out·C_out·(C_in/groups)·K_h·K_w")


def linear_mults(*, in_features: int, out_features: int, positions: int = 1) -> Count:
    """Multiplications of ``nn.Linear``: ``in·out`` per position (per row of a batch of one).

    Args:
        in_features, out_features: the layer's sizes.
        positions: how many vectors one input holds (the product of the leading
            dimensions besides the batch); 1 for a flattened CNN head.

    Example:
        >>> linear_mults(in_features=1690, out_features=10).formula
        '1,690·10 = 16,900'
    """
    f_in, f_out = _channels(in_features, "in_features"), _channels(out_features, "out_features")
    positions = _positive(positions, "positions", "a linear layer sees at least one vector")
    if positions == 1:
        return _product([_term(f_in), _term(f_out)], "in·out")
    return _product([_term(positions), _term(f_in), _term(f_out)], "positions·in·out")


def pool_ops(*, out_height: int, out_width: int, channels: int, kernel: IntOrPair) -> Count:
    """Comparisons of max pooling (or additions of average pooling): ``H_out·W_out·C·(K_h·K_w − 1)``.

    Every output reduces one window of ``K_h·K_w`` values, which takes one
    operation fewer than the window holds (padded positions included).

    Example:
        >>> pool_ops(out_height=27, out_width=27, channels=96, kernel=3).formula
        '27·27·96·(3·3 − 1) = 559,872'
    """
    h_out, w_out = _out_hw(out_height, out_width)
    c = _channels(channels, "channels")
    kh, kw = _kernel_hw(kernel)
    value = h_out * w_out * c * (kh * kw - 1)
    formula = f"{_n(h_out)}·{_n(w_out)}·{_n(c)}·({kh}·{kw} − 1) = {_n(value)}"
    return Count(value=value, formula=formula, rule="H_out·W_out·C·(K_h·K_w − 1)")


def batchnorm_mults(*, channels: int, height: int = 1, width: int = 1) -> Count:
    """Multiplications of batch normalisation in eval mode: ``C·H·W``, one per value.

    In eval mode ``(x − μ)/√(σ² + ε)·γ + β`` is ``x·scale + shift`` with one
    ``scale = γ/√(σ² + ε)`` and one shift per channel (worked out once, as PyTorch
    does), so each value is multiplied once; subtracting and adding are not counted.

    Example:
        >>> batchnorm_mults(channels=64, height=112, width=112).formula  # ResNet-18's bn1
        '64·112·112 = 802,816'
    """
    c = _channels(channels, "channels")
    h, w = _out_hw(height, width)
    return _product([_term(c), _term(h), _term(w)], "C·H·W")


# ------------------------------------------------------------------ bottleneck


@dataclass(frozen=True)
class BottleneckComparison:
    """A direct K×K convolution against a 1×1 reduction to B channels followed by the K×K one."""

    direct_mults: Count
    direct_params: ParamCount
    #: The 1×1 convolution C_in → B.
    reduce_mults: Count
    reduce_params: ParamCount
    #: The K×K convolution B → C_out after it.
    spatial_mults: Count
    spatial_params: ParamCount

    @property
    def bottleneck_mults(self) -> int:
        return self.reduce_mults.value + self.spatial_mults.value

    @property
    def bottleneck_params(self) -> int:
        return self.reduce_params.total + self.spatial_params.total

    @property
    def mult_ratio(self) -> float:
        """Bottleneck multiplications ÷ direct ones (below 1: the bottleneck is cheaper)."""
        return self.bottleneck_mults / self.direct_mults.value

    @property
    def param_ratio(self) -> float:
        return self.bottleneck_params / self.direct_params.total

    def to_dict(self) -> dict[str, Any]:
        def path(mults: Count, params: ParamCount) -> dict[str, Any]:
            return {"mults": mults.value, "mults_formula": mults.formula, **params.to_dict()}

        return {
            "direct": path(self.direct_mults, self.direct_params),
            "reduce": path(self.reduce_mults, self.reduce_params),
            "spatial": path(self.spatial_mults, self.spatial_params),
            "bottleneck_mults": self.bottleneck_mults,
            "bottleneck_params": self.bottleneck_params,
            "mult_ratio": self.mult_ratio,
            "param_ratio": self.param_ratio,
        }


def bottleneck_cost(
    *, size: IntOrPair, in_channels: int, bottleneck: int, out_channels: int, kernel: IntOrPair, bias: bool = True
) -> BottleneckComparison:
    """Cost of a K×K convolution C_in → C_out with and without a 1×1 bottleneck to B channels.

    Both paths keep the spatial size (as GoogLeNet's inception branches do), so
    every convolution has ``H×W`` output positions.

    Args:
        size: the output ``H``, ``W`` of both paths.
        in_channels, out_channels: C_in and C_out.
        bottleneck: B, the channels the 1×1 convolution reduces to.
        kernel: K of the spatial convolution.
        bias: whether each convolution has biases.

    Example:
        >>> c = bottleneck_cost(size=28, in_channels=192, bottleneck=16, out_channels=32, kernel=5)
        >>> c.direct_mults.value, c.bottleneck_mults, round(c.mult_ratio, 3)
        (120422400, 12443648, 0.103)
    """
    h, w = (_at_least(s, 1, "size", "a map has at least one pixel") for s in _pair(size, "size"))

    def conv(c_in: int, c_out: int, k: IntOrPair) -> tuple[Count, ParamCount]:
        mults = conv_mults(out_height=h, out_width=w, in_channels=c_in, out_channels=c_out, kernel=k)
        return mults, conv_params(in_channels=c_in, out_channels=c_out, kernel=k, bias=bias)

    direct = conv(in_channels, out_channels, kernel)
    reduce = conv(in_channels, bottleneck, 1)
    spatial = conv(bottleneck, out_channels, kernel)
    return BottleneckComparison(
        direct_mults=direct[0],
        direct_params=direct[1],
        reduce_mults=reduce[0],
        reduce_params=reduce[1],
        spatial_mults=spatial[0],
        spatial_params=spatial[1],
    )


def __getattr__(name: str) -> Any:
    """``ArithmeticReport`` and ``arithmetic_report`` live in :mod:`convscope.arithmetic_words`.

    Imported on first use, since that module builds on this one.
    """
    if name in ("ArithmeticReport", "arithmetic_report"):
        from convscope import arithmetic_words

        return getattr(arithmetic_words, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
