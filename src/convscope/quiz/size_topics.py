"""Output sizes, the strict rule, "same" padding and pooling: the sliding-window arithmetic.

Every size comes from :mod:`convscope.arithmetic` (the floor rule PyTorch uses,
the strict rule, ``same_padding``, ``pool_output_hw``); questions about the
model's own layers also read the shape the network recorded.
"""

from __future__ import annotations

from convscope import arithmetic
from convscope.errors import ConvScopeError
from convscope.network import Layer
from convscope.quiz.layers import (
    WINDOW_POOLS,
    a,
    conv_sides,
    convs,
    input_shape,
    of_kind,
    padding_text,
    shape_text,
    window_text,
)
from convscope.quiz.question import Context, Draft, Focus, NotApplicable

#: The floor rule in words, for explanations (the numbers come from arithmetic).
FLOOR_RULE = "out = floor((H + 2P − D(K − 1) − 1)/S) + 1"


def conv_output_size(ctx: Context) -> Draft:
    """Half the variants ask about one of the model's conv layers, half about made-up numbers."""
    if ctx.rng.random() < 0.5:
        return _model_conv_size(ctx)
    return _made_up_conv_size(ctx)


def _model_conv_size(ctx: Context) -> Draft:
    layer = ctx.pick(convs(ctx.network), "convolution layer")
    hyper = layer.hyper
    _, h, w = input_shape(ctx.network, layer)
    strict = arithmetic.strict_output_hw((h, w), hyper["kernel"], hyper["stride"], conv_sides(layer), hyper["dilation"])
    out = list(layer.output_shape[1:])
    dilation = f", dilation {window_text(hyper['dilation'])}" if hyper["dilation"] != (1, 1) else ""
    return Draft(
        text=f"Layer '{layer.name}' convolves {h}×{w} maps with {a(hyper['kernel'][0])} {window_text(hyper['kernel'])} kernel, stride "
        f"{window_text(hyper['stride'])}, {padding_text(layer)}{dilation}. What is the height and width of its "
        "output (give H then W)?",
        answer=out,
        tolerance=0,
        kind="list",
        view="conv",
        focus=Focus(layer=layer.name),
        explanation=f"By the floor rule {FLOOR_RULE}: height {strict.height.fraction} → {strict.height.floor}, width "
        f"{strict.width.fraction} → {strict.width.floor}; the model records {shape_text(layer.output_shape)}.",
    )


def _made_up(ctx: Context) -> tuple[int, int, int, int]:
    """An input size, kernel, stride and padding that give at least one output."""
    while True:
        size = ctx.rng.choice(ctx.level((5, 6, 7, 8), (13, 16, 28, 32, 64), (29, 57, 100, 224, 227)))
        kernel = ctx.rng.choice(ctx.level((2, 3), (3, 5), (3, 5, 7, 11)))
        stride = ctx.rng.choice(ctx.level((1, 2), (1, 2, 3), (2, 3, 4)))
        padding = ctx.rng.choice(ctx.level((0, 1), (0, 1, 2), (0, 1, 2, 3)))
        try:
            arithmetic.conv_output_size(size, kernel, stride, padding)
        except ConvScopeError:
            continue
        return size, kernel, stride, padding


def _explorer(size: int, kernel: int, stride: int, padding: int, mode: str = "conv") -> Focus:
    """The explorer set to a question's numbers (it shows the output size and the strict rule's verdict)."""
    return Focus(explorer={"size": size, "kernel": kernel, "stride": stride, "padding": padding, "mode": mode})


def _made_up_conv_size(ctx: Context) -> Draft:
    size, kernel, stride, padding = _made_up(ctx)
    out = arithmetic.conv_output_size(size, kernel, stride, padding)
    strict = arithmetic.strict_output_size(size, kernel, stride, padding)
    return Draft(
        text=f"A convolution with {a(kernel)} {kernel}×{kernel} kernel, stride {stride} and padding {padding} reads "
        f"{a(size)} {size}×{size} input. How many pixels wide is its output, as PyTorch computes it?",
        answer=out,
        view="explorer",
        unit="pixels",
        focus=_explorer(size, kernel, stride, padding),
        explanation=f"{FLOOR_RULE}: {strict.fraction}, rounded down: {out}.",
    )


def strict_rule(ctx: Context) -> Draft:
    want_valid = ctx.rng.random() < 0.5
    for _ in range(200):  # about half of all combinations are valid, so this ends after a few tries
        size, kernel, stride, padding = _made_up(ctx)
        strict = arithmetic.strict_output_size(size, kernel, stride, padding)
        if strict.valid == want_valid and stride > 1:
            break
    why = (
        f"(padded − K)/S + 1 = {strict.fraction} is a whole number: the windows tile the padded input exactly"
        if strict.valid
        else f"{strict.reason}. PyTorch still computes floor of it, {strict.floor}, and drops what is left over"
    )
    return Draft(
        text=f"True or false: {a(kernel)} {kernel}×{kernel} window with stride {stride} and padding {padding} on "
        f"{a(size)} {size}×{size} input is valid under the strict rule (the windows cover the padded input exactly, "
        "nothing left over).",
        answer="true" if strict.valid else "false",
        tolerance=None,
        kind="truefalse",
        view="explorer",
        focus=_explorer(size, kernel, stride, padding),
        explanation=f"{'True' if strict.valid else 'False'}: {why}.",
    )


def same_padding(ctx: Context) -> Draft:
    odd = ctx.rng.choice(ctx.level((3, 5), (3, 5, 7), (5, 7, 9, 11)))
    if ctx.difficulty == "hard" and ctx.rng.random() < 0.5:
        even = odd - 1
        same = arithmetic.same_padding(even)
        return Draft(
            text=f"With stride 1, {a(even)} {even}×{even} kernel needs how many zero rows in total (top plus bottom) to keep "
            "the output the same size as the input?",
            answer=same.top + same.bottom,
            view="explorer",
            unit="rows",
            focus=_explorer(8, even, 1, same.top),
            explanation=f"{same.reason}. 'Same' padding puts {same.top} row(s) on top and {same.bottom} at the "
            "bottom, as TensorFlow does.",
        )
    same = arithmetic.same_padding(odd)
    return Draft(
        text=f"With stride 1, how many zeros P on each side keep the output of {a(odd)} {odd}×{odd} convolution the same "
        "size as its input?",
        answer=same.top,
        view="explorer",
        unit="zeros",
        focus=_explorer(8, odd, 1, same.top),
        explanation=f"With stride 1 the output is H + 2P − K + 1, so 2P = K − 1 = {odd - 1} and P = (K − 1)/2 = "
        f"{same.top}.",
    )


def _pools(ctx: Context) -> list[Layer]:
    return of_kind(ctx.network, *WINDOW_POOLS)


def _pool_layer(ctx: Context) -> tuple[Layer, tuple[int, ...]]:
    layer = ctx.pick(_pools(ctx), "max or average pooling layer")
    return layer, input_shape(ctx.network, layer)


def pool_output_size(ctx: Context) -> Draft:
    layer, (c, h, w) = _pool_layer(ctx)
    hyper = layer.hyper
    out = arithmetic.pool_output_hw(
        (h, w), hyper["kernel"], hyper["stride"], hyper["padding"], hyper["dilation"], ceil_mode=hyper["ceil_mode"]
    )
    strict = arithmetic.strict_output_hw((h, w), hyper["kernel"], hyper["stride"], hyper["padding"], hyper["dilation"])
    pad = f", padding {window_text(hyper['padding'])}" if hyper["padding"] != (0, 0) else ""
    return Draft(
        text=f"Layer '{layer.name}' is {hyper['pool']} pooling with {a(hyper['kernel'][0])} {window_text(hyper['kernel'])} window and "
        f"stride {window_text(hyper['stride'])}{pad}, reading {c}×{h}×{w} maps. What are the height and width of "
        "its output (give H then W)?",
        answer=list(out),
        kind="list",
        view="pool",
        focus=Focus(layer=layer.name),
        explanation=f"Pooling follows the same rule as a convolution: height {strict.height.fraction}, width "
        f"{strict.width.fraction}, rounded {'up' if hyper['ceil_mode'] else 'down'}: {out[0]}×{out[1]}; the channels "
        f"stay {c}.",
    )


def _strides_giving(size: int, kernel: int, padding: int, out: int) -> list[int]:
    """Every stride at which the window turns ``size`` into ``out`` (by the arithmetic, not by hand)."""
    found = []
    for stride in range(1, size + 1):
        try:
            if arithmetic.pool_output_size(size, kernel, stride, padding) == out:
                found.append(stride)
        except ConvScopeError:
            continue
    return found


def pool_stride(ctx: Context) -> Draft:
    """Ask for the stride of a model's pooling layer when its shapes pin it down, else of a made-up one."""
    candidates: list[tuple[str, int, int, int, int, int, str | None]] = []
    for layer in _pools(ctx):
        _, h, _ = input_shape(ctx.network, layer)
        kernel, stride, padding = layer.hyper["kernel"][0], layer.hyper["stride"][0], layer.hyper["padding"][0]
        out = layer.output_shape[1]
        if not layer.hyper["ceil_mode"] and _strides_giving(h, kernel, padding, out) == [stride]:
            candidates.append((f"Layer '{layer.name}' pools", h, kernel, padding, out, stride, layer.name))
    if not candidates and not _pools(ctx):
        raise NotApplicable("the model has no max or average pooling layer")
    if not candidates or ctx.rng.random() < 0.3:
        while True:
            h = ctx.rng.choice(ctx.level((8, 16, 32), (28, 32, 56, 64), (55, 57, 112, 113)))
            kernel = ctx.rng.choice((2, 3))
            stride = ctx.rng.choice((2, 3))
            out = arithmetic.pool_output_size(h, kernel, stride)
            if _strides_giving(h, kernel, 0, out) == [stride]:
                candidates = [("A pooling layer turns", h, kernel, 0, out, stride, None)]
                break
    who, h, kernel, padding, out, stride, name = ctx.rng.choice(candidates)
    pad = f" with padding {padding}" if padding else ""
    strict = arithmetic.strict_output_size(h, kernel, stride, padding)
    return Draft(
        text=f"{who} {h}×{h} maps with a {kernel}×{kernel} window{pad} into {out}×{out} maps. What is its stride?",
        answer=stride,
        view="pool" if name else "explorer",
        # the explorer starts at stride 1: the learner tries strides until the output size matches
        focus=Focus(layer=name) if name else _explorer(h, kernel, 1, padding, "pool"),
        explanation=f"Only stride {stride} gives {out}: (padded − K)/S + 1 = {strict.fraction}, rounded down "
        f"{strict.floor}; any other stride gives a different size.",
    )
