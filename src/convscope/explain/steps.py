"""Step records: the numbers an explanation shows, and their JSON form.

Every step holds the traced value it explains (``output``), the total re-added
from the parts it shows (``computed``) and the parts' magnitude (``scale``, the
tolerance reference, see :func:`convscope.explain.base.readds`). Arrays stay
tensors in Python; :meth:`Step.to_dict` turns everything into plain lists,
floats, ints and strings for the server, so the browser never recomputes.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, ClassVar

import torch
from matplotlib.figure import Figure  # a real import: typing.get_type_hints resolves Step.plot

from convscope.explain.base import Position


def plain(value: Any) -> Any:
    """Turn tensors, tuples, enums and nested records into JSON-able values."""
    if isinstance(value, torch.Tensor):
        return value.tolist()
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN or infinity
    return value


def _record_dict(record: Any) -> dict[str, Any]:
    assert is_dataclass(record)
    return {f.name: plain(getattr(record, f.name)) for f in fields(record)}


@dataclass(frozen=True, kw_only=True, eq=False)
class Step:
    """One output value and the parts it is made of."""

    #: Which family of step this is, for the browser to pick a view.
    step: ClassVar[str] = "step"

    layer: str
    kind: str
    position: Position
    #: The traced value at ``position``.
    output: float
    #: The same value re-added from the parts this step shows.
    computed: float
    #: Sum of the parts' magnitudes: the re-addition is checked relative to it.
    scale: float
    #: The formula with letters, e.g. ``max(0, x)``.
    formula: str = ""

    def __repr__(self) -> str:
        from convscope.display import step_repr

        return step_repr(self)

    def _repr_html_(self) -> str:
        from convscope.display import step_html

        return step_html(self)

    def plot(self) -> Figure:
        """The step as a matplotlib Figure (conv: window × kernel = products → sum)."""
        from convscope.plots import plot_step

        return plot_step(self)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values, with ``step`` naming the family.

        Example:
            >>> explain(trace, "relu_1_1", channel=0, y=0, x=0).to_dict()["step"]
            'activation'
        """
        return {"step": self.step, **_record_dict(self)}


# ----- convolution -----------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ConvTerm:
    """One input channel's share of a convolution output."""

    #: Index of the channel in the input map.
    input_channel: int
    #: The K_h×K_w input values under the kernel; padding cells included (zeros for zero padding).
    receptive_field: torch.Tensor  # (K_h, K_w)
    kernel: torch.Tensor  # (K_h, K_w)
    products: torch.Tensor  # (K_h, K_w)
    sum: float

    def to_dict(self) -> dict[str, Any]:
        return _record_dict(self)


@dataclass(frozen=True, kw_only=True, eq=False)
class ConvStep(Step):
    step: ClassVar[str] = "conv"

    input_layer: str
    #: Which group of ``groups`` the output channel belongs to.
    group: int
    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    #: Padding before the first row and column (PyTorch may pad more after them).
    padding: tuple[int, int]
    padding_mode: str
    dilation: tuple[int, int]
    groups: int
    #: Input row of each kernel row, column of each kernel column; outside 0…H−1 is padding.
    rows: list[int]
    cols: list[int]
    #: True where the receptive-field cell lies in the padding.
    padding_mask: torch.Tensor  # (K_h, K_w)
    terms: list[ConvTerm]
    #: None when the layer has no bias.
    bias: float | None


@dataclass(frozen=True, kw_only=True, eq=False)
class IntermediateMaps:
    """Each input channel's kernel slid over that channel alone, for one output channel.

    ``maps.sum(0) + bias`` is the traced output map.
    """

    layer: str
    channel: int
    input_layer: str
    input_channels: list[int]
    maps: torch.Tensor  # (C_in/groups, H_out, W_out)
    bias: float | None
    output: torch.Tensor  # (H_out, W_out), the traced map

    def to_dict(self) -> dict[str, Any]:
        return {"step": "conv_intermediate", **_record_dict(self)}


# ----- element-wise ----------------------------------------------------------


@dataclass(frozen=True, kw_only=True, eq=False)
class ActivationStep(Step):
    step: ClassVar[str] = "activation"

    input_layer: str
    input: float
    #: The formula with the numbers put in, e.g. ``max(0, −0.5321) = 0``.
    worked: str
    #: Settings of the function, e.g. ``{"negative_slope": 0.01}``.
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, eq=False)
class BatchNormStep(Step):
    step: ClassVar[str] = "batchnorm"

    input_layer: str
    input: float
    mean: float
    var: float
    eps: float
    gamma: float
    beta: float
    #: √(σ² + ε)
    std: float
    #: (x − μ)/√(σ² + ε)
    normalised: float
    #: ``running`` (eval mode, the usual case) or ``batch`` (no running statistics kept).
    statistics: str
    worked: str


@dataclass(frozen=True, kw_only=True, eq=False)
class PassThroughStep(Step):
    """Dropout and identity in eval mode, and zero padding: a value copied or a zero."""

    step: ClassVar[str] = "passthrough"

    input_layer: str
    #: Where the value comes from, or None for a padding zero.
    source: Position | None
    note: str


# ----- pooling ---------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, eq=False)
class PoolStep(Step):
    step: ClassVar[str] = "pool"

    input_layer: str
    #: ``max`` or ``avg``.
    pool: str
    adaptive: bool
    #: Input row of each window row, column of each window column (outside 0…H−1: padding).
    rows: list[int]
    cols: list[int]
    #: Window values; padding cells hold 0 (max pooling ignores them).
    window: torch.Tensor  # (rows, cols)
    padding_mask: torch.Tensor  # (rows, cols)
    #: Input ``(row, col)`` of the largest value (max pooling), else None.
    winner: tuple[int, int] | None
    #: Sum of the window (average pooling), else None.
    sum: float | None
    #: Cells the average divides by before any override, else None.
    count: int | None
    divisor: float | None
    #: kernel, stride, padding, dilation, ceil_mode, count_include_pad as used.
    settings: dict[str, Any] = field(default_factory=dict)


# ----- vectors ---------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Contribution:
    """One input's product in a linear unit."""

    input_index: int
    input: float
    weight: float
    product: float
    #: ``(c, y, x)`` in the map that was flattened into this input, when there is one.
    source: tuple[int, int, int] | None
    #: The input's index in H×W×C (channels-last) order, when it comes from a flattened map.
    hwc_index: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return _record_dict(self)


@dataclass(frozen=True, kw_only=True, eq=False)
class LinearStep(Step):
    step: ClassVar[str] = "linear"

    input_layer: str
    #: The class name when this unit is a class score, else None.
    label: str | None
    inputs: torch.Tensor  # (F_in,)
    weights: torch.Tensor  # (F_in,)
    products: torch.Tensor  # (F_in,)
    bias: float | None
    #: The largest products by magnitude, largest first.
    top: list[Contribution]
    #: The spatial layer that was flattened into the input, and its shape, when there is one.
    source_layer: str | None
    source_shape: tuple[int, int, int] | None


@dataclass(frozen=True, kw_only=True, eq=False)
class SoftmaxStep(Step):
    step: ClassVar[str] = "softmax"

    input_layer: str
    #: True for log-softmax (the output is log p).
    log: bool
    labels: list[str] | None
    logits: torch.Tensor  # (K,)
    #: The largest logit, subtracted before exp so no term overflows.
    shift: float
    exp_terms: torch.Tensor  # (K,) exp(z_i − shift)
    exp_sum: float
    probabilities: torch.Tensor  # (K,)
    #: What the softmax view prints, at a precision where it re-adds (``teaching.softmax_shown``).
    shown: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class AddTerm:
    layer: str
    value: float

    def to_dict(self) -> dict[str, Any]:
        return _record_dict(self)


@dataclass(frozen=True, kw_only=True, eq=False)
class AddStep(Step):
    step: ClassVar[str] = "add"

    terms: list[AddTerm]


@dataclass(frozen=True, kw_only=True, eq=False)
class ConcatStep(Step):
    step: ClassVar[str] = "concat"

    #: Axis of one batch item's output the inputs are stacked along (0 = channels for maps).
    axis: int
    #: ``(layer, first, end)``: the slice of the axis each input fills.
    spans: list[tuple[str, int, int]]
    source_layer: str
    source: Position


@dataclass(frozen=True, kw_only=True, eq=False)
class FlattenStep(Step):
    step: ClassVar[str] = "flatten"

    input_layer: str
    input_shape: tuple[int, ...]
    #: ``(c, y, x)`` of the input map the unit was copied from.
    source: Position
    #: The unit's index had the maps been flattened channels-last (H×W×C, Keras order).
    hwc_index: int


def _keep_short_reprs(base: type[Step]) -> None:
    """``@dataclass`` writes a field-by-field ``__repr__`` into every subclass (thousands of
    characters of tensors for a conv step); put the one-line form back on each."""
    for cls in base.__subclasses__():
        setattr(cls, "__repr__", Step.__repr__)  # noqa: B010 - mypy refuses assigning a method
        _keep_short_reprs(cls)


_keep_short_reprs(Step)
