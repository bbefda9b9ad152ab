"""ConvScope: see a convolutional neural network compute.

The two objects everything reads are :class:`Network` (a module plus its input
spec, class names and layer graph) and :class:`Trace` (one input run through it).
"""

from __future__ import annotations

from typing import Any

from convscope.errors import ConvScopeError
from convscope.inputs import InputSpec
from convscope.network import Layer, Network
from convscope.run_input import RunInput
from convscope.summary import Summary
from convscope.trace import Trace

__all__ = ["ConvScopeError", "InputSpec", "Layer", "Network", "Summary", "Trace", "widget"]


def widget(network: Network, image: RunInput, **state: Any) -> Any:
    """The app's overview of ``image`` in a notebook cell (needs ``pip install 'convscope[notebook]'``).

    Returns a :class:`convscope.server.widget.ConvScopeWidget` (annotated ``Any`` so that
    ``import convscope`` and ``typing.get_type_hints`` never need the optional anywidget).
    See :func:`convscope.server.widget.widget`; it is imported on first use.
    """
    from convscope.server.widget import widget as make

    return make(network, image, **state)


__version__ = "0.1.0"
