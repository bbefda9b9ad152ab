"""Every explanation panel's prose, in one place: what you see, how to read it, the rule.

Templates hold named slots (``{layer}``, ``{shape}``) filled from the layer record
or the step; no number is ever typed into the prose. The worked lines with the
loaded model's values are built in :mod:`convscope.teaching.worked`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Words:
    title: str
    seeing: str
    reading: str
    formula: str


WORDS: dict[str, Words] = {
    "overview": Words(
        title="How to use ConvScope",
        seeing=(
            "Each column is one layer of {model}, from the input image on the left to the class probabilities on "
            "the right. Every small picture is one channel: a map of the values that layer computed for this image."
        ),
        reading=(
            "Bright or strongly coloured cells are large values; on signed layers red is positive and blue negative. "
            "Hover a map to see which maps of the previous layer feed it. Click a layer's name (or Tab to it and "
            "press Enter) for its facts, click a map to see how one of its values was computed, and click a class "
            "to see the softmax. Choose another image above, or upload your own."
        ),
        formula="image (C×H×W) → conv → activation → pool → … → flatten → fully connected → softmax → probabilities",
    ),
    "conv": Words(
        title="Convolution",
        seeing=(
            "One output channel of {layer}: every input channel of {input} is slid over by its own kernel, the "
            "intermediate maps are added, and the bias is added."
        ),
        reading=(
            "The moving box shows the window the kernel reads for the output cell under the cursor; the numbers "
            "show each channel's share of that cell. Click an input or intermediate map for the window's products."
        ),
        formula="out[y, x] = b + Σ_c Σ_i Σ_j w[c, i, j] · in[c, y·S + i·D − P, x·S + j·D − P]",
    ),
    "formula": Words(
        title="One kernel on one window",
        seeing="The window of input channel {input_channel} of {input} that the kernel reads for one output cell of {layer}.",
        reading=(
            "Each cell of the window is multiplied by the kernel weight at the same place; the products are added. "
            "Padding cells (outside the image) hold zeros."
        ),
        formula="channel sum = Σ_i Σ_j w[i, j] · in[y·S + i·D − P, x·S + j·D − P]",
    ),
    "activation": Words(
        title="Activation",
        seeing="{layer} applies its function to every value of {input} on its own: same shape in, same shape out.",
        reading="Pick a cell of the output: the value it came from sits at the same place in the input.",
        formula="out = f(in), here f(x) = {rule}",
    ),
    "pool_max": Words(
        title="Max pooling",
        seeing="{layer} slides a window over each channel of {input} and keeps the largest value in each window.",
        reading=(
            "The box on the input is the window of the output cell under the cursor; the winner is marked. "
            "Each channel is pooled on its own, so the channel count stays and the maps shrink."
        ),
        formula="out[y, x] = max over i, j of in[y·S + i − P, x·S + j − P], i, j < K",
    ),
    "pool_avg": Words(
        title="Average pooling",
        seeing="{layer} slides a window over each channel of {input} and keeps the average of each window.",
        reading="The box on the input is the window of the output cell under the cursor; its values are added and divided.",
        formula="out[y, x] = (Σ of the window) / divisor",
    ),
    "batchnorm": Words(
        title="Batch normalisation",
        seeing="{layer} rescales each channel of {input} with statistics learned in training.",
        reading="Each value is shifted by the channel's mean, divided by its standard deviation, then scaled by γ and shifted by β.",
        formula="out = (x − μ) / √(σ² + ε) · γ + β",
    ),
    "add": Words(
        title="Residual add",
        seeing="{layer} adds its inputs ({inputs}) cell by cell: a skip connection lets the signal bypass layers.",
        reading="The same cell of every input is added; the shapes must match.",
        formula="out = {terms}",
    ),
    "concat": Words(
        title="Concatenation",
        seeing="{layer} stacks its inputs ({inputs}) one after another along the channels.",
        reading="Nothing is computed: each output channel is a channel of one of the inputs.",
        formula="out channel c = channel c − offset of the input whose channels start at offset",
    ),
    "flatten": Words(
        title="Flatten",
        seeing="{layer} lays the {shape} maps of {input} out as one long vector.",
        reading=(
            "PyTorch numbers the units channel by channel, row by row (C×H×W); Keras numbers them pixel by pixel "
            "with the channels innermost (H×W×C). The values are the same, only their order differs."
        ),
        formula="C×H×W: i = c·H·W + y·W + x · H×W×C: j = (y·W + x)·C + c",
    ),
    "step": Words(
        title="Pass-through",
        seeing="{layer} hands its input on: dropout is switched off when a trained network predicts.",
        reading="The output value equals the input value at the same place.",
        formula="out = in",
    ),
    "linear": Words(
        title="Fully connected",
        seeing="Unit {unit} of {layer} reads every one of the {inputs} values of {input}, each with its own weight.",
        reading=(
            "The strips show the inputs, the weights (red positive, blue negative) and their products; "
            "the table lists the products that matter most. Their sum plus the bias is the unit's value."
        ),
        formula="out[j] = Σ_i w[j, i] · x[i] + b[j]",
    ),
    "softmax": Words(
        title="Softmax",
        seeing="The {classes} class scores (logits z) of {layer} turned into probabilities that add to 1.",
        reading="Each score is put through exp, which makes it positive; each exp is divided by the sum of them all.",
        formula="p_i = exp(z_i) / Σ_j exp(z_j)",
    ),
    "explorer": Words(
        title="Hyperparameter explorer",
        seeing="A {size}×{size} input and the windows a {operation} with these settings reads.",
        reading=(
            "Change the kernel K, stride S, padding P and dilation D and watch where the windows land; "
            "the output size follows the floor rule PyTorch uses."
        ),
        formula="H_out = floor((H + 2P − D(K − 1) − 1) / S) + 1",
    ),
}

#: Activation rules in words, by layer kind (``f(x)`` in the formula line).
ACTIVATION_RULES: dict[str, str] = {
    "relu": "max(0, x): negatives become 0, positives pass unchanged",
    "relu6": "min(max(0, x), 6)",
    "leaky_relu": "x for x ≥ 0, a·x below",
    "elu": "x for x > 0, α·(eˣ − 1) below",
    "gelu": "x·Φ(x), the input times the chance a standard normal value is below it",
    "sigmoid": "1 / (1 + e⁻ˣ), squeezing any value into 0…1",
    "tanh": "tanh(x), squeezing any value into −1…1",
    "silu": "x · sigmoid(x)",
    "hardswish": "x · min(max(x + 3, 0), 6) / 6",
}


#: The worked lines' words (:mod:`convscope.teaching.worked`), by key, with named slots.
#: The exported site's ``web/js/static/panels.js`` builds the same lines from this table.
LINE_WORDS: dict[str, str] = {
    "rounding_note": "Shown to {decimals} decimals, the parts miss the total by one in the last digit: that is rounding.",
    "size": "{rows}×{cols}",
    "shape_separator": "×",
    "list_separator": ", ",
    "equals": " = ",
    "plus": " + ",
    "plus_open": " + (",
    "close": ")",
    "times": "×",
    "approx": " ≈ ",
    "conv_largest": "Channel {channel}, the largest share: its {size} products window × kernel add to ",
    "conv_click": " (click its map for each product)",
    "conv_output": "Output (y {y}, x {x}) ",
    "conv_channel": " (channel {channel})",
    "conv_bias": " + bias ",
    "conv_many": "the {count} channel sums added",
    "conv_many_bias": ", + bias ",
    "formula_products": "products: ",
    "activation_input": "Input ",
    "activation_arrow": " → ",
    "activation_output": " → output ",
    "pool_big": "The {size} window's ",
    "pool_big_max": "largest value, at input row {row}, column {col}, = ",
    "pool_big_sum": "sum ",
    "divided": " / ",
    "pool_max_open": "max(",
    "pool_max_close": ") = ",
    "pool_winner": ", at input row {row}, column {col}",
    "pool_avg_open": "(",
    "pool_avg_close": ") / ",
    "flatten_chw": "Unit {index} (C×H×W) = c·H·W + y·W + x = ",
    "flatten_chw_terms": "{channel}·{height}·{width} + {y}·{width} + {x}",
    "flatten_hwc": "The same value is unit {hwc_index} in H×W×C order: (y·W + x)·C + c = ",
    "flatten_hwc_terms": "({y}·{width} + {x})·{channels} + {channel}",
    "flatten_value": "value at channel {channel}, row {y}, column {x} of {layer}: ",
    "batchnorm_open": "(",
    "batchnorm_minus": " − ",
    "batchnorm_root": ") / √(",
    "batchnorm_epsilon": " + ε) = ",
    "batchnorm_gamma": " × γ ",
    "batchnorm_beta": " + β ",
    "add_term": " ({layer})",
    "concat_source": "Output channel {channel} is channel {source} of ",
    "concat_layer": "{layer}: ",
    "passthrough_padding": "This cell is padding: ",
    "passthrough_value": "out = in = ",
    "inputs_separator": ", ",
    "linear_unit": "{unit}",
    "linear_unit_class": "{unit} (class “{label}”)",
    "linear_largest": "Largest products: ",
    "linear_separator": "; ",
    "linear_input": "input {index}",
    "linear_input_hwc": "input {index} (H×W×C)",
    "linear_colon": ": ",
    "linear_times": " × ",
    "linear_total": "Σ of all {count} products",
    "linear_bias": " + bias ",
    "linear_traced": " (traced: ",
    "softmax_exp": "exp(z)",
    "softmax_exp_shifted": "exp(z − m)",
    "softmax_line": "p({label}) = {exp_of} / Σ = ",
    "softmax_label": "class {index}",
    "softmax_logit": "Its logit z = ",
    "softmax_shift": ", minus m = ",
    "softmax_exp_of": "; {exp_of} = ",
}


def line_words(key: str, **slots: object) -> str:
    """One of :data:`LINE_WORDS` with its slots filled.

    Example:
        >>> line_words("conv_output", y=2, x=3)
        'Output (y 2, x 3) '
    """
    return LINE_WORDS[key].format(**slots)


def words(view: str, **slots: object) -> Words:
    """The prose of ``view`` with its slots filled.

    Example:
        >>> words("activation", layer="relu_1", input="conv_1", rule="max(0, x)").formula
        'out = f(in), here f(x) = max(0, x)'
    """
    w = WORDS[view]
    return Words(*(text.format(**slots) for text in (w.title, w.seeing, w.reading, w.formula)))
