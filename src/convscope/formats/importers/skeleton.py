"""What the Keras and ONNX converters share: a layer list grown one checked entry at a time.

Both walk another tool's graph, hand each operation to one method per operation
type (``_Conv2D``, ``_MaxPool`` …) and write the same channels-first entries for
the operations they have in common: a convolution whose padding may be uneven
(a ``<name>_pad`` zeropad2d layer in front of it), an addition, pooling with a
sliding window or over the whole map. Only reading the source format differs.

Example:
    >>> builder = LayerListBuilder("demo.onnx", used={"input"})
    >>> builder.shapes["input"] = (1, 4, 4)
    >>> weight = np.zeros((2, 1, 2, 2), np.float32)
    >>> builder.conv("conv", "input", weight, None, kernel=[2, 2], stride=[1, 1],
    ...              pads=[(0, 1), (0, 1)], dilation=[1, 1], groups=1)   # TensorFlow-style "same"
    'conv'
    >>> [(layer["name"], layer["type"]) for layer in builder.spec], builder.shapes["conv"]
    ([('conv_pad', 'zeropad2d'), ('conv', 'conv2d')], (2, 4, 4))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from convscope.errors import ConvScopeError, ModelError
from convscope.formats.importers.channels_last import same_padding
from convscope.formats.importers.common import append_layer, fresh_name

#: ``[(top, bottom), (left, right)]``: the padding on each side of the two spatial axes.
Pads = list[tuple[int, int]]


class LayerListBuilder:
    """The layer list, output shapes and channels-first weights of one file being imported.

    Args:
        label: the file, named in every error.
        used: layer names already taken (the file's own, made module-safe); new
            helper layers such as ``conv_pad`` get names not in it.
    """

    def __init__(self, label: str, used: set[str]) -> None:
        self.label = label
        self.used = used
        self.spec: list[dict[str, Any]] = []
        self.shapes: dict[str, tuple[int, ...]] = {}
        #: State-dict key (``conv.weight``) → array, channels-first.
        self.tensors: dict[str, np.ndarray] = {}

    def dispatch(self, op: str, *args: Any) -> None:
        """Convert one operation with the method named after its type (``_Conv2D``, ``_MaxPool`` …).

        A setting :mod:`convscope.arithmetic` refuses (a stride of 0, say) is
        reported as a ModelError that names the file.
        """
        try:
            getattr(self, f"_{op}")(*args)
        except ModelError:
            raise
        except ConvScopeError as exc:
            raise ModelError(f"{self.label}: {exc}") from None

    def append(self, entry: dict[str, Any]) -> str:
        """Check ``entry``, record its output shape and add it; returns its name."""
        return append_layer(self.spec, self.shapes, entry, self.label)["name"]

    def maps(self, source: str, what: str) -> tuple[int, int, int]:
        """The ``(C, H, W)`` shape of ``source``, or a ModelError saying ``what`` needs maps."""
        shape = self.shapes[source]
        if len(shape) != 3:
            raise ModelError(f"{self.label}: {what} needs feature maps (C, H, W) but gets shape {shape}")
        return shape

    def same_pads(
        self, source: str, what: str, kernel: Sequence[int], stride: Sequence[int], dilation: Sequence[int]
    ) -> Pads:
        """TensorFlow's "same" padding of ``source``'s height and width (any extra pixel after)."""
        _, height, width = self.maps(source, what)
        return [
            same_padding(size, k, s, d)
            for size, k, s, d in zip((height, width), kernel, stride, dilation, strict=False)
        ]

    # -- the operations both formats have -------------------------------------------

    def conv(
        self,
        name: str,
        source: str,
        weight: np.ndarray,
        bias: np.ndarray | None,
        *,
        kernel: list[int],
        stride: list[int],
        pads: Pads,
        dilation: list[int],
        groups: int,
    ) -> str:
        """A conv2d layer with weights ``(C_out, C_in/groups, K_h, K_w)``.

        PyTorch pads both sides alike; uneven ``pads`` become a zeropad2d layer
        ``<name>_pad`` in front of an unpadded convolution.
        """
        padding = [pads[0][0], pads[1][0]]
        if any(before != after for before, after in pads):
            pad = {"name": fresh_name(f"{name}_pad", self.used), "type": "zeropad2d", "inputs": [source],
                   "padding": [*pads[0], *pads[1]]}  # fmt: skip
            source, padding = self.append(pad), [0, 0]
        self.append(
            {
                "name": name,
                "type": "conv2d",
                "inputs": [source],
                "in_channels": self.shapes[source][0],
                "out_channels": int(weight.shape[0]),
                "kernel": kernel,
                "stride": stride,
                "padding": padding,
                "dilation": dilation,
                "groups": groups,
                "bias": bias is not None,
            }
        )
        self.tensors[f"{name}.weight"] = weight
        if bias is not None:
            self.tensors[f"{name}.bias"] = bias
        return name

    def add(self, name: str, sources: list[str]) -> str:
        """An element-wise sum of the ``sources`` (a residual connection)."""
        return self.append({"name": name, "type": "add", "inputs": sources})

    def pool(self, name: str, kind: str, source: str, *, kernel: list[int], stride: list[int],
             padding: list[int], ceil_mode: bool, **extra: Any) -> str:  # fmt: skip
        """A ``maxpool2d`` or ``avgpool2d`` layer; ``extra`` holds ``dilation`` or ``count_include_pad``."""
        entry = {"name": name, "type": kind, "inputs": [source], "kernel": kernel, "stride": stride,
                 "padding": padding, "ceil_mode": ceil_mode, **extra}  # fmt: skip
        return self.append(entry)

    def global_pool(self, name: str, kind: str, source: str) -> str:
        """A ``global_avgpool`` or ``global_maxpool`` layer: ``(C, H, W)`` → ``(C, 1, 1)``."""
        return self.append({"name": name, "type": kind, "inputs": [source]})
