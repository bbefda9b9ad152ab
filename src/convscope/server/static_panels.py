"""The words the exported site's explanation panels (``web/js/static/panels.js``) need: ``data/panels.json``.

The browser builds a panel for any position from the step payload ``runtime.js``
computes, but words nothing of its own: each view's prose comes from
:data:`convscope.teaching.words.WORDS`, every worked line's words from
:data:`convscope.teaching.words.LINE_WORDS`, the counts and decimals from
:mod:`convscope.teaching.worked`, and the slots that depend on the layer alone
(its name, its input, an activation's rule in words) from
:func:`convscope.teaching.explanations.panel_slots`, per model.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from convscope.errors import ConvScopeError
from convscope.explain import EXPLAINERS, explain
from convscope.network import Network
from convscope.server.explain_payload import finite
from convscope.teaching import worked
from convscope.teaching.explanations import panel_slots
from convscope.teaching.numbers import DECIMALS
from convscope.teaching.softmax_shown import LOGIT_DECIMALS
from convscope.teaching.words import LINE_WORDS, WORDS
from convscope.trace import Trace

#: Step families whose panel ``panels.js`` builds: its builder, the view it names, and the
#: key of its words in ``WORDS`` (``{pool}`` is filled from the step). Other families keep
#: the panels exported for their first position.
FAMILIES: dict[str, dict[str, Any]] = {
    "conv": {
        "builder": "worked.conv",
        "view": "conv",
        "words": "conv",
        # With an input channel chosen, the conv step is explained in the formula view.
        "input_view": {"builder": "worked.formula", "view": "formula", "words": "formula"},
    },
    "activation": {"builder": "worked.activation", "view": "activation", "words": "activation"},
    "pool": {"builder": "worked.pool", "view": "pool", "words": "pool_{pool}"},
    # ``slots``: the slots panels.js fills from the step (the unit's name and input count, the input's shape).
    "flatten": {"builder": "worked.flatten", "view": "flatten", "words": "flatten", "slots": "slots.shape"},
    "linear": {"builder": "worked.linear", "view": "linear", "words": "linear", "slots": "slots.unit"},
    "batchnorm": {"builder": "worked.batchnorm", "view": "batchnorm", "words": "batchnorm"},
    "add": {"builder": "worked.add", "view": "add", "words": "add", "slots": "slots.terms"},
    "concat": {"builder": "worked.concat", "view": "concat", "words": "concat"},
    "passthrough": {"builder": "worked.passthrough", "view": "step", "words": "step"},
}
#: The softmax view's panel (``explanations.softmax_panel``), also for a softmax layer's own step (its ``family``).
SOFTMAX = {"family": "softmax", "view": "softmax", "words": "softmax"}


def panel_words() -> dict[str, Any]:
    """Everything ``panels.js`` words panels with, and the numbers' decimals and list lengths."""
    return {
        "views": {key: asdict(w) for key, w in WORDS.items()},
        "lines": dict(LINE_WORDS),
        "families": FAMILIES,
        "softmax": SOFTMAX,
        # worked.pool's test for a max pool's step (its ``pool`` field).
        "max_pool": worked.MAX_POOL,
        "limits": {
            "listed_channels": worked.LISTED_CHANNELS,
            "listed_cells": worked.LISTED_CELLS,
            "listed_products": worked.LISTED_PRODUCTS,
            "factor_decimals": worked.FACTOR_DECIMALS,
            "value_decimals": worked.VALUE_DECIMALS,
            "logit_decimals": LOGIT_DECIMALS,
            "decimals": list(DECIMALS),
        },
    }


def layer_slots(network: Network, trace: Trace) -> dict[str, dict[str, object]]:
    """``panel_slots`` of every layer whose family ``panels.js`` covers, read from its first position's step."""
    slots: dict[str, dict[str, object]] = {}
    for layer in network.layers:
        if layer.kind not in EXPLAINERS:
            continue
        position = {"index": 0} if len(layer.output_shape) == 1 else {"channel": 0, "y": 0, "x": 0}
        try:
            step = finite(explain(trace, layer.name, **position).to_dict())
        except ConvScopeError:
            continue
        if step["step"] in FAMILIES:
            slots[layer.name] = panel_slots(network, step)
    return slots


def covered(step: dict[str, Any]) -> bool:
    """Whether ``panels.js`` builds the panel of ``step`` (so the export need not carry it)."""
    return step["step"] in FAMILIES or step["step"] == SOFTMAX["family"]
