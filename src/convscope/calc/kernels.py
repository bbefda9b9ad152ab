"""Classic kernels a learner can pick by name, and typed kernels.

A kernel is an integer-friendly weight matrix and a divisor: the output of one
window is ``(Σ value·weight)/divisor``. Blurs keep their textbook form (the
Gaussian as ``[[1, 2, 1], [2, 4, 2], [1, 2, 1]]/16``) so every product can be
checked by hand; the divisor is 1 for every other kernel.

Convolution in PyTorch (and in CNNs generally) does not flip the kernel: it
slides it as written, which mathematicians call cross-correlation. The signs
below are for that sliding.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from convscope.calc.parse import parse_matrix
from convscope.calc.result import Matrix
from convscope.errors import ConvScopeError


@dataclass(frozen=True)
class Kernel:
    """Weights to slide over a matrix; ``name`` is None for a typed kernel."""

    weights: Matrix
    divisor: int = 1
    name: str | None = None
    #: What the kernel responds to or does, in one sentence.
    detects: str = ""

    @property
    def size(self) -> tuple[int, int]:
        """``(K_h, K_w)``."""
        return (len(self.weights), len(self.weights[0]))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "weights": [list(row) for row in self.weights],
            "divisor": self.divisor,
            "size": list(self.size),
            "detects": self.detects,
        }


def _classic(name: str, rows: list[list[int]], detects: str, divisor: int = 1) -> Kernel:
    return Kernel(
        weights=tuple(tuple(float(v) for v in row) for row in rows), divisor=divisor, name=name, detects=detects
    )


#: The classic 3×3 kernels, by the names ``--kernel`` takes.
CLASSIC_KERNELS: dict[str, Kernel] = {
    k.name: k  # type: ignore[misc]
    for k in (
        # Sobel: a central difference across the columns, smoothed down the rows with weights 1, 2, 1.
        _classic(
            "sobel-x",
            [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
            "responds to vertical edges: positive where brightness rises from left to right, negative where it falls",
        ),
        # The same difference taken down the rows.
        _classic(
            "sobel-y",
            [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
            "responds to horizontal edges: positive where brightness rises from top to bottom, negative where it falls",
        ),
        # The 4-neighbour Laplacian (the 8-neighbour variant has −8 in the centre and 1 all around).
        _classic(
            "laplacian",
            [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
            "responds to edges in every direction (the 4-neighbour Laplacian): 0 on flat or evenly sloping areas, "
            "large where brightness bends, as at a line or a spot",
        ),
        # Every pixel of the window counts the same.
        _classic(
            "box-blur",
            [[1, 1, 1], [1, 1, 1], [1, 1, 1]],
            "blurs: each output is the plain average of its 3×3 window",
            divisor=9,
        ),
        # The binomial 1-2-1 weights on both axes, the usual 3×3 stand-in for a Gaussian.
        _classic(
            "gaussian-blur",
            [[1, 2, 1], [2, 4, 2], [1, 2, 1]],
            "blurs: each output is a weighted average of its window, the centre counting most",
            divisor=16,
        ),
        # The identity plus the negated 4-neighbour Laplacian: the centre is pushed away from its neighbours.
        _classic(
            "sharpen",
            [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
            "sharpens: keeps each pixel and adds how much it differs from its four neighbours",
        ),
        # Ones on both diagonals, −1 elsewhere (weights summing to 1). For pixels between 0 and 1,
        # the largest response, 5, comes from an exact X: the diagonals at 1, every other pixel at 0.
        _classic(
            "x-detector",
            [[1, -1, 1], [-1, 1, -1], [1, -1, 1]],
            "responds to an X shape: bright pixels on both diagonals and dark ones between them",
        ),
    )
}

_NAME = re.compile(r"[a-z][a-z_-]*")


def resolve_kernel(value: str | Sequence[Sequence[float]] | Kernel) -> Kernel:
    """A classic kernel by name, or a typed matrix (same syntax as a matrix input).

    Raises:
        ConvScopeError: an unknown name (the valid ones are listed) or a bad matrix.

    Example:
        >>> resolve_kernel("gaussian-blur").divisor, resolve_kernel("1 0; 0 -1").weights
        (16, ((1.0, 0.0), (0.0, -1.0)))
    """
    if isinstance(value, Kernel):
        return value
    if isinstance(value, str):
        name = value.strip().lower()
        if _NAME.fullmatch(name) and name not in ("nan", "inf", "infinity"):
            if name.replace("_", "-") in CLASSIC_KERNELS:
                return CLASSIC_KERNELS[name.replace("_", "-")]
            raise ConvScopeError(
                f"unknown kernel {value.strip()!r}; use one of {', '.join(CLASSIC_KERNELS)}, "
                "or type a matrix such as '1 0; 0 -1'"
            )
    return Kernel(weights=parse_matrix(value, "kernel"))
