"""ConvScope: see a convolutional neural network compute.

The two objects everything reads are :class:`Network` (a module plus its input
spec, class names and layer graph) and :class:`Trace` (one input run through it).
"""

from convscope.errors import ConvScopeError
from convscope.inputs import InputSpec
from convscope.network import Layer, Network
from convscope.summary import Summary
from convscope.trace import Trace

__all__ = ["ConvScopeError", "InputSpec", "Layer", "Network", "Summary", "Trace"]
__version__ = "0.1.0"
