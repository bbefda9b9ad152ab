"""Independent answers for quiz questions: PyTorch on the module, hand formulas, parsed from the question text.

Each checker reads what the question asked (the layer it names, the numbers it
gives) and computes the answer without ConvScope's arithmetic: forward hooks
for shapes, ``numel()`` for weights, ``F.conv2d`` / ``F.max_pool2d`` on zeros
for sizes, ``torch.relu`` / ``torch.softmax`` for values.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from convscope.network import Network
from convscope.quiz import Question


@dataclass
class Recorded:
    """What one forward pass on zeros showed about every leaf module."""

    network: Network
    inputs: dict[str, tuple[int, ...]]
    outputs: dict[str, tuple[int, ...]]
    logits: int
    #: Probabilities another tool computed for the sample images, by file name (CNN Explainer's expected.json).
    expected_probabilities: dict[str, list[float]] | None = None
    #: The all-ones copy receptive fields are measured on, made once (a VGG-16 copy is not cheap).
    _probe: nn.Module | None = None

    def probe(self) -> nn.Module:
        if self._probe is None:
            self._probe = _probe(self.network.module)
        return self._probe

    def module(self, layer_name: str) -> nn.Module:
        return self.network.module.get_submodule(self.network.layer(layer_name).target)


def record(network: Network, expected_probabilities: dict[str, list[float]] | None = None) -> Recorded:
    inputs: dict[str, tuple[int, ...]] = {}
    outputs: dict[str, tuple[int, ...]] = {}
    handles = []
    for name, module in network.module.named_modules():
        if next(module.children(), None) is None and name:

            def hook(mod: nn.Module, args: tuple, out: torch.Tensor, name: str = name) -> None:
                inputs[name] = tuple(args[0].shape[1:])
                outputs[name] = tuple(out.shape[1:])

            handles.append(module.register_forward_hook(hook))
    network.module.eval()
    with torch.no_grad():
        out = network.module(torch.zeros(1, *network.input_spec.shape))
    for h in handles:
        h.remove()
    return Recorded(network, inputs, outputs, out.shape[-1], expected_probabilities)


def _layer(q: Question) -> str:
    return re.search(r"[Ll]ayer '([^']+)'", q.text).group(1)


def _ints(pattern: str, text: str) -> list[int]:
    return [int(v) for v in re.search(pattern, text).groups()]


def _floats(text: str) -> list[float]:
    inside = re.search(r"\[([^\]]+)\]", text).group(1)
    return [float(v) for v in inside.split(",")]


def _conv_out(size: int, kernel: int, stride: int, padding: int) -> int:
    x = torch.zeros(1, 1, size, size)
    return F.conv2d(x, torch.zeros(1, 1, kernel, kernel), stride=stride, padding=padding).shape[-1]


def _input(q: Question, r: Recorded) -> object:
    if "channels" in q.text and "How many channels" in q.text:
        first = next(m for m in r.network.module.modules() if isinstance(m, nn.Conv2d))
        return first.weight.shape[1]  # what the first convolution reads
    c, h, w = _ints(r"is (\d+)×(\d+)×(\d+)", q.text)
    assert (c, h, w) == tuple(r.network.input_spec.shape)
    return c * h * w


def _conv_size(q: Question, r: Recorded) -> object:
    if q.kind == "list":
        return list(r.outputs[r.network.layer(_layer(q)).target][1:])
    kernel, stride, padding, size = _ints(
        r"an? (\d+)×\d+ kernel, stride (\d+) and padding (\d+) reads an? (\d+)×", q.text
    )
    return _conv_out(size, kernel, stride, padding)


def _strict(q: Question, r: Recorded) -> object:
    kernel, stride, padding, size = _ints(
        r"an? (\d+)×\d+ window with stride (\d+) and padding (\d+) on an? (\d+)×", q.text
    )
    return "true" if (size + 2 * padding - kernel) % stride == 0 else "false"


def _conv(q: Question, r: Recorded) -> nn.Conv2d:
    module = r.module(_layer(q))
    assert isinstance(module, nn.Conv2d)
    return module


def _fc_alternative(q: Question, r: Recorded) -> object:
    target = r.network.layer(_layer(q)).target
    return math.prod(r.inputs[target]) * math.prod(r.outputs[target])


def _sharing(q: Question, r: Recorded) -> object:
    conv = _conv(q, r)
    c, h, w = _ints(r"read (\d+)×(\d+)×(\d+) maps", q.text)
    bigger = conv(torch.zeros(1, c, h, w))  # the same module runs on the larger maps with the same weights
    assert bigger.shape[1] == conv.out_channels
    return conv.weight.numel()


def _mults(q: Question, r: Recorded) -> object:
    conv = _conv(q, r)
    out = r.outputs[r.network.layer(_layer(q)).target]
    per_output = conv.weight.shape[1] * conv.weight.shape[2] * conv.weight.shape[3]
    return math.prod(out) * per_output


def _pool_size(q: Question, r: Recorded) -> object:
    return list(r.outputs[r.network.layer(_layer(q)).target][1:])


def _pool_stride(q: Question, r: Recorded) -> object:
    h, kernel, out = _ints(r"(\d+)×\d+ maps with a (\d+)×\d+ window.* into (\d+)×", q.text)
    padding = int(m.group(1)) if (m := re.search(r"padding (\d+)", q.text)) else 0
    shape = F.max_pool2d(torch.zeros(1, 1, h, h), kernel, stride=q.answer, padding=padding).shape[-1]
    assert shape == out, "the answer's stride gives the stated size"
    others = [
        s
        for s in range(1, h + 1)
        if s != q.answer and F.max_pool2d(torch.zeros(1, 1, h, h), kernel, s, padding).shape[-1] == out
    ]
    assert not others, f"strides {others} give the same size: the question would have two answers"
    if "Layer '" in q.text:
        return (
            r.module(_layer(q)).stride if isinstance(r.module(_layer(q)).stride, int) else r.module(_layer(q)).stride[0]
        )
    return q.answer


def _flatten(q: Question, r: Recorded) -> object:
    first = next(m for m in r.network.module.modules() if isinstance(m, nn.Linear))
    return first.weight.shape[1]


def _dense(q: Question, r: Recorded) -> object:
    module = r.module(_layer(q))
    assert isinstance(module, nn.Linear)
    return module.weight.numel()


def _same(q: Question, r: Recorded) -> object:
    kernel = _ints(r"an? (\d+)×\d+ (?:kernel|convolution)", q.text)[0]
    if "in total" in q.text:
        return kernel - 1
    (padding,) = [p for p in range(kernel) if _conv_out(20, kernel, 1, p) == 20]
    return padding


def _relu(q: Question, r: Recorded) -> object:
    return torch.relu(torch.tensor(_floats(q.text), dtype=torch.float64)).tolist()


def _softmax(q: Question, r: Recorded) -> object:
    index = _ints(r"to entry (\d+)", q.text)[0]
    return torch.softmax(torch.tensor(_floats(q.text), dtype=torch.float64), dim=0)[index].item()


def _probe(module: nn.Module) -> nn.Module:
    """A copy in which every unit's value grows with every input it reads: ones for weights, averages for maxima.

    With a positive input every activation is positive, so ReLU passes gradients, and average
    pooling sends a gradient to every tap of its window (max pooling only to the largest).
    """
    probe = copy.deepcopy(module).eval()
    for parent in list(probe.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.Conv2d):
                nn.init.ones_(child.weight)
                if child.bias is not None:
                    nn.init.zeros_(child.bias)
            elif isinstance(child, nn.BatchNorm2d):
                child.reset_parameters()
                child.reset_running_stats()
            elif isinstance(child, nn.MaxPool2d):
                setattr(parent, name, nn.AvgPool2d(child.kernel_size, child.stride, child.padding, child.ceil_mode))
            elif isinstance(child, nn.ReLU):
                child.inplace = False
    return probe


def _extent(mask: torch.Tensor) -> int:
    where = torch.nonzero(mask).flatten()
    return int(where.max() - where.min() + 1)


def _receptive(q: Question, r: Recorded) -> object:
    y, x = _ints(r"Unit \(row (\d+), column (\d+)\)", q.text)
    probe = r.probe()
    seen: list[torch.Tensor] = []
    target = probe.get_submodule(r.network.layer(_layer(q)).target)
    handle = target.register_forward_hook(lambda mod, args, out: seen.append(out))
    image = torch.ones(1, *r.network.input_spec.shape, requires_grad=True)
    probe(image)
    handle.remove()
    seen[0][0, 0, y, x].backward()
    grad = image.grad[0].abs().sum(dim=0)
    return [_extent(grad.sum(dim=1)), _extent(grad.sum(dim=0))]


def _matrices(text: str) -> list[torch.Tensor]:
    found = re.findall(r"\[([-\d. ;]+)\]", text)
    return [torch.tensor([[float(v) for v in row.split()] for row in m.split(";")], dtype=torch.float64) for m in found]


def _convolution(q: Question, r: Recorded) -> object:
    kernel, image = _matrices(q.text)
    stride, padding = _ints(r"stride (\d+) and padding (\d+)", q.text) if "stride" in q.text else (1, 0)
    out = F.conv2d(image[None, None], kernel[None, None], stride=stride, padding=padding)
    return out.flatten().tolist()


def _pool_values(q: Question, r: Recorded) -> object:
    (image,) = _matrices(q.text)
    pool = F.max_pool2d if " max pooling" in q.text else F.avg_pool2d
    return pool(image[None, None], 2).flatten().tolist()


def _sample_input(q: Question, r: Recorded) -> tuple[str, torch.Tensor]:
    from convscope.inputs import load_image

    file = re.search(r"sample image '([^']+)'", q.text).group(1)
    return file, r.network.input_spec.preprocess(load_image(str(r.network.samples_dir / file)))


def _traced_probability(q: Question, r: Recorded) -> object:
    file, x = _sample_input(q, r)
    index = r.network.class_names.index(re.search(r"the class '([^']+)'", q.text).group(1))
    if r.expected_probabilities is not None:
        return r.expected_probabilities[file][index]
    with torch.no_grad():
        return torch.softmax(r.network.module.eval()(x)[0].double(), dim=0)[index].item()


def _traced_conv(q: Question, r: Recorded) -> object:
    _, x = _sample_input(q, r)
    channel, y, col = _ints(r"at channel (\d+), row (\d+), column (\d+)", q.text)
    seen: list[torch.Tensor] = []
    handle = _conv(q, r).register_forward_hook(lambda mod, args, out: seen.append(out))
    with torch.no_grad():
        r.network.module.eval()(x)
    handle.remove()
    return seen[0][0, channel, y, col].item()


CHECKS: dict[str, Callable[[Question, Recorded], object]] = {
    "input": _input,
    "output-units": lambda q, r: r.logits,
    "conv-output-size": _conv_size,
    "strict-rule": _strict,
    "filters": lambda q, r: _conv(q, r).weight.shape[0],
    "kernels": lambda q, r: _conv(q, r).weight.shape[0] * _conv(q, r).weight.shape[1],
    "weights": lambda q, r: _conv(q, r).weight.numel(),
    "biases": lambda q, r: 0 if _conv(q, r).bias is None else _conv(q, r).bias.numel(),
    "dense-alternative": _fc_alternative,
    "parameter-sharing": _sharing,
    "convolution": _convolution,
    "relu": _relu,
    "pool-output-size": _pool_size,
    "pool-values": _pool_values,
    "pool-stride": _pool_stride,
    "flatten": _flatten,
    "dense-weights": _dense,
    "same-padding": _same,
    "multiplications": _mults,
    "receptive-field": _receptive,
    "softmax": _softmax,
    "traced-probability": _traced_probability,
    "traced-conv-value": _traced_conv,
}


def expected(q: Question, r: Recorded) -> object:
    return CHECKS[q.topic](q, r)


def matches(q: Question, want: object) -> bool:
    if isinstance(want, list):
        return (
            isinstance(q.answer, list)
            and len(q.answer) == len(want)
            and all(math.isclose(a, b, abs_tol=1e-9) for a, b in zip(q.answer, want, strict=True))
        )
    if isinstance(want, str):
        return q.answer == want
    return abs(q.answer - want) <= (q.tolerance or 0) + 1e-9
