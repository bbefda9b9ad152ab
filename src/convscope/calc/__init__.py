"""Calculators for the learner's own numbers: every intermediate step of one operation.

Each calculator takes plain numbers (typed text such as ``"3 0 1; 1 5 8"`` or
nested lists) and returns a :class:`Calculation`: the output, the settings used and
every step that leads to it, each step with a worded line a learner can check by
hand. Window positions, output sizes and padding rules come from
:mod:`convscope.arithmetic`; nothing here works on a Network.

Example:
    >>> calc = convolve("3 0 1 2; 1 5 8 9; 2 7 2 5; 0 1 3 1", "sobel-x")
    >>> calc.output
    ((12.0, 8.0), (10.0, 0.0))
"""

from convscope.calc.conv import ConvWindow, convolve
from convscope.calc.dense import dense_count
from convscope.calc.flatten import FlattenEntry, flatten
from convscope.calc.kernels import CLASSIC_KERNELS, Kernel, resolve_kernel
from convscope.calc.parse import MAX_SIDE, parse_matrix, parse_shape, parse_values, parse_vector
from convscope.calc.pool import PoolWindow, pool
from convscope.calc.relu import relu
from convscope.calc.result import Calculation, Note, Step, num
from convscope.calc.softmax import softmax

__all__ = [
    "CLASSIC_KERNELS",
    "MAX_SIDE",
    "Calculation",
    "ConvWindow",
    "FlattenEntry",
    "Kernel",
    "Note",
    "PoolWindow",
    "Step",
    "convolve",
    "dense_count",
    "flatten",
    "num",
    "parse_matrix",
    "parse_shape",
    "parse_values",
    "parse_vector",
    "pool",
    "relu",
    "resolve_kernel",
    "softmax",
]
