"""The sandbox page's payloads: the calculators it offers, and one typed request run through ``convscope.calc``.

The page builds its form from :func:`catalog` (operations, their fields, defaults and
a short explanation each), so the browser holds no list of operations of its own.
:func:`calculate` reads each field, names the field a refusal is about (the page
shows the message beside it), and returns ``Calculation.to_dict()`` unchanged.

Example:
    >>> calculate("dense", {"in": "1690", "out": 10})["output"]["params"]
    16910
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from convscope import calc
from convscope.calc.flatten import ORDERS
from convscope.calc.pool import MODES
from convscope.errors import ConvScopeError

#: Whole numbers the fields take: up to nine digits (a dense layer of a billion inputs).
_WHOLE = re.compile(r"\s*([+-]?\d{1,9})\s*")


class FieldError(ConvScopeError):
    """A refusal about one field of the request (``field`` None: about the combination)."""

    def __init__(self, message: str, field: str | None) -> None:
        super().__init__(message)
        self.field = field


@contextmanager
def _about(field: str | None) -> Iterator[None]:
    try:
        yield
    except FieldError:
        raise
    except ConvScopeError as exc:
        raise FieldError(str(exc), field) from exc


def _optional_whole(fields: Mapping[str, Any], name: str, label: str) -> int | None:
    value = fields.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None  # an empty box: the calculator's default
    with _about(name):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**9:
            return value
        match = _WHOLE.fullmatch(value) if isinstance(value, str) else None
        if match is None:
            raise ConvScopeError(f"the {label} takes a whole number such as 2, got {value!r}")
        return int(match.group(1))


def _whole(fields: Mapping[str, Any], name: str, label: str, default: int) -> int:
    value = _optional_whole(fields, name, label)
    return default if value is None else value


def _text(fields: Mapping[str, Any], name: str, default: str = "") -> str:
    value = fields.get(name)
    return default if value is None else value


def _flag(fields: Mapping[str, Any], name: str) -> bool:
    value = fields.get(name)
    return True if value is None else bool(value)


def _conv(f: Mapping[str, Any]) -> calc.Calculation:
    with _about("input"):
        grid = calc.parse_matrix(_text(f, "input"), "input")
    with _about("kernel"):
        kernel = calc.resolve_kernel(_text(f, "kernel"))
    stride = _whole(f, "stride", "stride S", 1)
    padding = _whole(f, "padding", "padding P", 0)
    dilation = _whole(f, "dilation", "dilation D", 1)
    with _about(None):
        return calc.convolve(grid, kernel, stride=stride, padding=padding, dilation=dilation)


def _relu(f: Mapping[str, Any]) -> calc.Calculation:
    with _about("input"):
        return calc.relu(_text(f, "input"))


def _pool(f: Mapping[str, Any]) -> calc.Calculation:
    with _about("input"):
        grid = calc.parse_matrix(_text(f, "input"), "input")
    size = _whole(f, "kernel_size", "window size K", 2)
    stride = _optional_whole(f, "stride", "stride S")
    padding = _whole(f, "padding", "padding P", 0)
    mode = _text(f, "mode", "max")
    with _about("mode" if mode not in MODES else "kernel_size" if not 1 <= size <= calc.MAX_SIDE else None):
        return calc.pool(
            grid, kernel_size=size, stride=stride, padding=padding, mode=mode,
            count_include_pad=_flag(f, "count_include_pad"),
        )  # fmt: skip


def _flatten(f: Mapping[str, Any]) -> calc.Calculation:
    with _about("shape"):
        shape = calc.parse_shape(_text(f, "shape"))
    order = _text(f, "order", "chw")
    with _about("order" if order not in ORDERS else "input"):
        return calc.flatten(_text(f, "input"), shape, order=order)


def _softmax(f: Mapping[str, Any]) -> calc.Calculation:
    with _about("logits"):
        return calc.softmax(_text(f, "logits"))


def _dense(f: Mapping[str, Any]) -> calc.Calculation:
    # An empty box reads as 0, which dense_count refuses with its own message.
    inputs = _whole(f, "in", "number of inputs", 0)
    outputs = _whole(f, "out", "number of outputs", 0)
    with _about("in" if inputs < 1 else "out"):
        return calc.dense_count(inputs, outputs, bias=_flag(f, "bias"))


#: Each operation's calculator, by the id the page and the route use.
CALCULATORS: dict[str, Callable[[Mapping[str, Any]], calc.Calculation]] = {
    "conv": _conv, "relu": _relu, "pool": _pool, "flatten": _flatten, "softmax": _softmax, "dense": _dense,
}  # fmt: skip


def calculate(operation: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Run one calculator on the typed fields (named as the API's body names them); ``Calculation.to_dict()``.

    Raises:
        FieldError: the library's one-line refusal, with the field it is about.
    """
    return CALCULATORS[operation](fields).to_dict()


# ------------------------------------------------------------------ the form


def _field(name: str, label: str, kind: str, default: Any, help_text: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "label": label, "type": kind, "default": default, "help": help_text, **extra}


_MATRIX_HELP = "rows separated by ';' or new lines, values by spaces or commas; up to 12×12"

#: The operations in the order the page shows them; every explanation is ours, for a first reading.
OPERATIONS: list[dict[str, Any]] = [
    {
        "id": "conv",
        "title": "Convolution",
        "summary": "A small kernel slides over the matrix. At every position each value under the kernel is "
        "multiplied by the weight on top of it and the products are added: that sum is one output value. "
        "Stride S is how far the kernel moves between positions, padding P puts rings of zeros around the input.",
        "formula": "out(y, x) = Σ_i Σ_j in(y·S + i − P, x·S + j − P) · w(i, j)",
        "fields": [
            _field("input", "Input matrix", "matrix", "3 0 1 2; 1 5 8 9; 2 7 2 5; 0 1 3 1", _MATRIX_HELP),
            _field("kernel", "Kernel", "kernel", "sobel-x", "a classic kernel, or choose custom and type its rows"),
            _field("stride", "Stride S", "whole", 1, "how many cells the kernel moves each step"),
            _field("padding", "Padding P", "whole", 0, "rings of zeros around the input"),
            _field("dilation", "Dilation D", "whole", 1, "gap between the cells the kernel reads (1: none)"),
        ],
    },
    {
        "id": "relu",
        "title": "ReLU",
        "summary": "ReLU looks at one value at a time: a positive value passes unchanged, a negative one becomes 0. "
        "The output has the same shape as the input.",
        "formula": "out = max(0, x)",
        "fields": [
            _field(
                "input", "Values", "matrix", "-2 0.5 3; 1 -1.5 0", "one row for a vector, or a matrix; " + _MATRIX_HELP
            )
        ],
    },
    {
        "id": "pool",
        "title": "Pooling",
        "summary": "A K×K window slides over the matrix and each window becomes one number: its largest value "
        "(max pooling) or its average (average pooling). With the stride equal to K, as by default, the "
        "windows do not overlap and each side shrinks by a factor of K.",
        "formula": "max: out = max(window)\naverage: out = Σ window / cells counted",
        "fields": [
            _field("input", "Input matrix", "matrix", "1 3 2 4; 5 6 1 2; 7 2 9 0; 3 4 1 8", _MATRIX_HELP),
            _field(
                "mode",
                "Mode",
                "choice",
                "max",
                "which value a window gives",
                choices=[{"value": "max", "label": "max"}, {"value": "avg", "label": "average"}],
            ),
            _field("kernel_size", "Window K", "whole", 2, "the window is K×K"),
            _field("stride", "Stride S", "whole", "", "empty: the window size, as in PyTorch"),
            _field("padding", "Padding P", "whole", 0, "at most K/2"),
            _field(
                "count_include_pad",
                "Average counts padding zeros",
                "bool",
                True,
                "PyTorch's default; unticked, the average is over input cells only",
            ),
        ],  # fmt: skip
    },
    {
        "id": "flatten",
        "title": "Flatten",
        "summary": "Flatten lays a C×H×W stack of maps out as one long vector, so a fully connected layer can "
        "read it. PyTorch reads channel by channel; Keras and TensorFlow read pixel by pixel, all channels "
        "of a pixel together. The same values end up at different unit numbers.",
        "formula": "C×H×W: unit = c·H·W + y·W + x\nH×W×C: unit = (y·W + x)·C + c",
        "fields": [
            _field(
                "input",
                "Values",
                "matrix",
                "1 2; 3 4 | 5 6; 7 8",
                "C·H·W numbers, channel by channel, row by row; ';' and '|' may separate rows and channels",
            ),
            _field("shape", "Shape C,H,W", "text", "2,2,2", "channels, height and width, e.g. 2,3,3"),
            _field(
                "order",
                "Order",
                "choice",
                "chw",
                "how the units are numbered",
                choices=[{"value": "chw", "label": "C×H×W (PyTorch)"}, {"value": "hwc", "label": "H×W×C (Keras)"}],
            ),
        ],  # fmt: skip
    },
    {
        "id": "softmax",
        "title": "Softmax",
        "summary": "Softmax turns class scores (logits) into probabilities: take exp of every score, add the "
        "terms up, and divide each term by that sum. Every probability is positive and together they add to 1; "
        "the largest score gets the largest share.",
        "formula": "p_i = exp(z_i) / Σ_j exp(z_j)",
        "fields": [_field("logits", "Logits", "vector", "2.0 1.0 0.1", "one row of numbers, e.g. 2.0 1.0 0.1")],
    },
    {
        "id": "dense",
        "title": "Dense layer",
        "summary": "A dense (fully connected) layer connects every input to every output. Each connection has "
        "one weight and each output one bias, so the layer learns inputs × outputs weights plus outputs biases.",
        "formula": "weights = in · out\nbiases = out\nparameters = in · out + out",
        "fields": [
            _field("in", "Inputs", "whole", 1690, "e.g. 1690, a flattened 10×13×13"),
            _field("out", "Outputs", "whole", 10, "e.g. 10 classes"),
            _field("bias", "With biases", "bool", True, "unticked: a layer without biases"),
        ],
    },
]


def kernels() -> list[dict[str, Any]]:
    """The classic kernels: name, weights, divisor, size and what each detects."""
    return [k.to_dict() for k in calc.CLASSIC_KERNELS.values()]


def catalog() -> dict[str, Any]:
    """Everything the sandbox page builds its form from."""
    return {"operations": OPERATIONS, "kernels": kernels(), "max_side": calc.MAX_SIDE}
