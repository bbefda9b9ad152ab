"""Pydantic models for every JSON body the API sends: the OpenAPI schema is built from these."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ErrorDetail(BaseModel):
    """Every 4xx answer: one line saying what is wrong and what to do."""

    detail: str


class InputSpecInfo(BaseModel):
    channels: int
    height: int
    width: int
    channel_names: list[str]
    channel_tints: list[Literal["red", "green", "blue", "gray"]] = Field(
        description="The colour each channel is drawn in (InputSpec.channel_tints)"
    )
    mean: list[float]
    std: list[float]
    resize: int | None = Field(
        None, description="Shorter side scaled to this before the centre H x W crop (absent: fit)"
    )


class ModelSummary(BaseModel):
    id: str = Field(description="Use in /api/models/{model_id}/…")
    name: str
    input_spec: InputSpecInfo
    classes: list[str]
    total_params: int
    total_mults: int
    provenance: dict[str, Any]
    notice: str | None = Field(
        None, description="A warning the page shows with the model, e.g. that its weights are random"
    )


class ConnectivityInfo(BaseModel):
    """Which input channels feed output channel c (convscope.layer_views.Connectivity)."""

    mode: Literal["none", "all", "one_to_one", "grouped", "stacked", "unrolled"] = Field(
        description="none: reads nothing (the input); all: every channel of every input; one_to_one: channel c of "
        "every input; grouped: the in_per_group channels of group c // out_per_group; stacked (concat): channel c − offset of "
        "the input with the last offset ≤ c; unrolled (flatten): unit c is one value of one input channel"
    )
    groups: int | None = None
    in_per_group: int | None = None
    out_per_group: int | None = None
    offsets: list[int] | None = Field(
        None, description="stacked: where each input's channels start, in the order of inputs"
    )


class FactInfo(BaseModel):
    """One layer fact in words, written for both shape orders."""

    label: str
    chw: str = Field(description="Shapes written C×H×W (PyTorch)")
    hwc: str = Field(description="Shapes written H×W×C (Keras, most courses)")


class LayerInfo(BaseModel):
    name: str
    kind: str
    inputs: list[str] = Field(description="Layers whose outputs feed this one (several for add/concat)")
    output_shape: list[int] = Field(description="(C, H, W) or (F,), without the batch dimension")
    hyper: dict[str, Any]
    params: int
    mults: int
    mult_formula: str
    other_ops: dict[str, int]
    other_formula: str
    view: Literal["conv", "activation", "pool", "batchnorm", "add", "linear", "softmax", "step"] | None = Field(
        description="The detail view that explains the layer's values; null when there is none"
    )
    display: Literal["input", "hidden", "values"] = Field(
        description="input: the image (gray, channel names); hidden: not drawn in the overview, looked through; values: drawn"
    )
    signed: bool = Field(description="Its values can be negative: drawn on a scale centred on zero")
    connectivity: ConnectivityInfo
    block: str | None = Field(None, description="The block (module) the layer belongs to; null at the top level")
    fold_into: str | None = Field(None, description="The layer whose column it folds into in compact mode")
    facts: list[FactInfo] = Field(description="The numbers a course asks about this layer (convscope.teaching.facts)")


class BlockInfo(BaseModel):
    """A block of the module hierarchy (convscope.layer_blocks.Block)."""

    name: str
    kind: str = Field(description="The module's class name")
    layers: list[str]
    output: str = Field(description="The layer that hands the block's result on: its column when collapsed")
    inputs: list[str] = Field(description="Layers outside the block that feed it")


class OverviewDefaults(BaseModel):
    compact: bool = Field(description="Open with BatchNorm and activation columns folded into the conv they follow")
    collapsed: bool = Field(description="Open with every block collapsed to its output column")


class ModelDetail(ModelSummary):
    output_layer: str
    logits_layer: str = Field(description="The layer whose output is the class scores before softmax")
    traced_with: str
    fallback_reason: str | None
    layers: list[LayerInfo]
    blocks: list[BlockInfo] = Field(default_factory=list)
    overview: OverviewDefaults | None = None


class SampleInfo(BaseModel):
    id: str
    label: str = Field(description="The true label")
    class_index: int | None
    url: str


class TraceSource(BaseModel):
    width: int
    height: int
    mode: str = Field(description="Pillow mode of the decoded image")
    notes: list[str] = Field(description="Conversions applied on the way in")


class Prediction(BaseModel):
    index: int
    label: str
    probability: float


class LayerRange(BaseModel):
    name: str
    shape: list[int]
    min: float
    max: float
    channel_ranges: list[list[float]] = Field(description="(min, max) per channel; one pair for (F,) layers")
    channel_order: list[int] = Field(
        description="Channel indices, most active (largest max |value|) first; ties by index"
    )


class TraceInfo(BaseModel):
    model: str
    image: str = Field(description="A sample id or the SHA-256 of uploaded bytes")
    source: TraceSource
    prediction: Prediction
    probabilities: list[float]
    ranking: list[int] = Field(description="Every class index, most probable first (Network.ranked_classes)")
    logits: list[float]
    layers: list[LayerRange]
    trace_ms: float = Field(description="Server time to decode, preprocess, run and summarise the image")
    image_url: str = Field(description="The image as the network sees it (PNG)")
    layers_url: str = Field(description="Prefix of per-layer binary activations: append the layer name")


# ---- detail views: step explanations (see convscope.explain.steps) and the explorer.
# Steps differ per layer kind; the fields every step shares are declared and the
# rest travel as extra fields, exactly as Step.to_dict() writes them.


class StepInfo(BaseModel):
    """One output value and the parts it is made of (``step`` names the family: conv, pool, …)."""

    model_config = ConfigDict(extra="allow")

    step: str = Field(
        description="conv, activation, pool, batchnorm, linear, softmax, add, concat, flatten or passthrough"
    )
    layer: str
    kind: str
    position: dict[str, int] = Field(description="{channel, y, x} for maps, {index} for vectors")
    output: float | None = Field(description="The traced value")
    computed: float | None = Field(description="The same value re-added from the parts shown")
    scale: float | None
    formula: str


class QuotedNumber(BaseModel):
    """A number in a worked line: as shown, its full value, and the payload field it was read from."""

    text: str
    value: float | int
    field: str = Field(description="Dotted path into the explain payload (terms.0.sum), or a report field")


class PanelInfo(BaseModel):
    """An explanation panel (convscope.teaching): what you see, how to read it, the rule, this case."""

    view: str
    title: str
    seeing: str
    reading: str
    formula: str
    worked: list[list[str | QuotedNumber]] = Field(description="Lines of plain text and quoted numbers")
    notes: list[str] = Field(description="Rounding and overflow remarks")


class WindowTaps(BaseModel):
    """Where each window of a sliding layer reads, per axis; indices outside 0…size−1 are padding."""

    rows: list[list[int]] = Field(description="For each output row y: the input rows its K_h taps read")
    cols: list[list[int]] = Field(description="For each output column x: the input columns its K_w taps read")


class ArithInfo(BaseModel):
    """What the hyperparameter explorer shows for one combination."""

    report: dict[str, Any] = Field(description="convscope.arithmetic.arithmetic_report(...).to_dict()")
    padded: list[int] = Field(description="Padded input (H, W)")
    windows: WindowTaps


# ---- the sandbox: calculators for the learner's own numbers (convscope.calc, server/calc_payload.py).


class QuizFocus(BaseModel):
    """Where the app shows a question's answer: a layer and a unit of it, an image, or the explorer's settings."""

    layer: str | None
    channel: int | None
    y: int | None
    x: int | None
    image: str | None = Field(description="The sample image the question is about (open it for the hint)")
    explorer: dict[str, Any] | None = Field(description="size, kernel, stride, padding and mode of the explorer")


class QuizQuestion(BaseModel):
    """A question as the page shows it: never its answer."""

    id: str
    topic: str
    text: str
    answer_type: Literal["numeric", "list", "truefalse", "essay"] = Field(
        description="How it is answered (the question's kind; the page keeps 'kind' for layers)"
    )
    unit: str = Field(description="What the number counts (weights, values…); empty for sizes and values")
    tolerance: float | None = Field(description="Accepted absolute difference; 0 for exact counts")
    view: str = Field(description="The view of the app that shows the answer")
    focus: QuizFocus
    needs_human_grader: bool


class QuizInfo(BaseModel):
    """A quiz about one model (and the image on screen): the same request always gives the same questions."""

    model: str
    seed: int
    difficulty: str
    count: int | None
    image: str | None
    topics: list[str] = Field(description="The topics asked for (empty: all)")
    questions: list[QuizQuestion]
    skipped: list[dict[str, str]] = Field(description="Topics that do not apply to this model, with why")
    valid_topics: list[dict[str, str]] = Field(description="Every topic: name and summary")


class QuizAnswer(BaseModel):
    """One typed answer to one question of the quiz the other fields identify (as in GET …/quiz)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(max_length=80, description="The question's id")
    answer: str = Field("", max_length=2000, description="What the learner typed")
    reveal: bool = Field(False, description="Send the answer and its explanation whether or not this one is right")
    seed: int | str | None = Field(None, description="As in GET …/quiz")
    topics: str | None = Field(None, max_length=2000)
    difficulty: str | None = Field(None, max_length=16)
    count: int | str | None = None
    image: str | None = Field(None, max_length=200)


class QuizVerdict(BaseModel):
    id: str
    correct: bool | None = Field(description="null: the answer could not be read, or a person grades it")
    message: str
    answer: str | None = Field(description="The library's answer: only once right, or when reveal was asked")
    explanation: str | None


#: A whole-number field: a number, or the text typed into the page's box.
_Whole = int | str | None


class CalcRequest(BaseModel):
    """Typed numbers for one calculator, in the CLI's syntax; fields an operation does not use are ignored."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    input: str | None = Field(
        None, max_length=20_000, description="A matrix '3 0 1; 1 5 8' (conv, relu, pool) or C·H·W values (flatten)"
    )
    kernel: str | None = Field(
        None, max_length=20_000, description="conv: a classic kernel's name (sobel-x, …) or a matrix"
    )
    stride: _Whole = Field(None, description="S (conv: 1; pool: the window size when absent)")
    padding: _Whole = Field(None, description="P zeros on every side (0 when absent)")
    dilation: _Whole = Field(None, description="conv: D (1 when absent)")
    kernel_size: _Whole = Field(None, description="pool: the window size K (2 when absent)")
    mode: str | None = Field(None, max_length=16, description="pool: max or avg")
    count_include_pad: bool | None = Field(
        None, description="pool, avg: padding zeros count in the divisor (true when absent)"
    )
    shape: str | None = Field(None, max_length=64, description="flatten: C,H,W")
    order: str | None = Field(None, max_length=16, description="flatten: chw (PyTorch) or hwc (Keras)")
    logits: str | None = Field(None, max_length=20_000, description="softmax: one row of numbers")
    in_features: _Whole = Field(None, alias="in", description="dense: inputs")
    out_features: _Whole = Field(None, alias="out", description="dense: outputs")
    bias: bool | None = Field(None, description="dense: with biases (true when absent)")


class CalcErrorDetail(ErrorDetail):
    """A refused calculation: the one-line message and the field it is about (null: the combination)."""

    field: str | None = Field(
        None, description="The request field the message is about: the page shows it beside that box"
    )


class CalcStep(BaseModel):
    """One intermediate step; window, value and term steps carry their numbers as extra fields."""

    model_config = ConfigDict(extra="allow")

    step: str = Field(description="note, window, value or term")
    text: str = Field(description="The step in words, with its numbers")


class CalcResult(BaseModel):
    """``convscope.calc.Calculation.to_dict()``: the result under ``output``, every step under ``steps``."""

    model_config = ConfigDict(extra="allow")

    operation: str
    input: Any
    settings: dict[str, Any]
    output: Any
    shape: list[int]
    steps: list[CalcStep]


class KernelInfo(BaseModel):
    name: str | None
    weights: list[list[float]]
    divisor: int
    size: list[int]
    detects: str


class CalcCatalog(BaseModel):
    """What the sandbox page builds its form from."""

    operations: list[dict[str, Any]] = Field(description="id, title, summary, formula and fields of each calculator")
    kernels: list[KernelInfo]
    max_side: int


class VisualizeBody(BaseModel):
    """A feature visualisation to start: a layer and channel, or a class (``convscope.insight.visualize``)."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    layer: str | None = Field(
        None, max_length=200, description="The layer of the channel (conv, activation or pooling)"
    )
    channel: int | None = Field(None, ge=-(2**31), le=2**31, description="The channel to excite")
    target: int | None = Field(
        None, alias="class", ge=-(2**31), le=2**31, description="Or the class whose score to raise"
    )
    steps: int = Field(64, ge=1, le=512, description="Optimisation steps (the page's bound; the CLI allows more)")
    seed: int = Field(0, ge=0, le=2**32 - 1, description="The starting noise and every random transformation")
    parametrisation: Literal["fourier", "pixels"] = "fourier"


class SnapshotInfo(BaseModel):
    step: int
    pixels: list[list[list[float]]] = Field(description="The image (C, H, W) in 0…1 after this step")


class VisualizeJobInfo(BaseModel):
    """A visualisation job: its settings, its progress and, once done, the image."""

    id: str = Field(description="Use in /api/insight/jobs/{job_id}")
    model: str
    layer: str | None
    channel: int | None
    target: int | None = Field(alias="class")
    steps: int
    seed: int
    parametrisation: str
    status: Literal["running", "done", "stopped", "failed"]
    step: int = Field(description="Steps taken so far")
    curve: list[float] = Field(description="The objective at each step so far")
    final: float | None = Field(description="The objective on the final, untransformed image (when done)")
    snapshots_from: int = Field(0, description="The number of the first snapshot listed (earlier ones were asked away)")
    snapshots: list[SnapshotInfo] = Field(description="The image every few steps (small inputs only)")
    pixels: list[list[list[float]]] | None = Field(description="The final image (C, H, W) in 0…1 (when done)")
    message: str | None = Field(description="Why a stopped or failed job ended")
    joined: bool = Field(False, description="The request joined a job that was already there")
