"""The notebook widget's answers to its detail views: the server's routes without HTTP.

The widget's front end (``web/js/core/kernelapi.js``) asks for what ``web/js/detailapi.js``
fetches from the server — a step explanation, the softmax, a conv's intermediate maps or
padded input, a layer's tensor, a teaching panel (named by the URL ``core/explain.panelUrl``
makes), the explorer's arithmetic — and :func:`answer` builds it with the same library
functions and payload builders those routes call, for the one trace the widget holds.

Example:
    >>> body = answer(trace, "explain", {"layer": "conv_1_2", "channel": 3, "y": 5, "x": 7})
    >>> body["output"] == float(trace.output("conv_1_2")[0, 3, 5, 7])
    True
    >>> from convscope.server.tensor_codec import decode_tensor
    >>> header, values = decode_tensor(answer(trace, "layer_tensor", {"layer": "relu_1_1", "channels": "0-1"}))
    >>> header["channels"], values.shape
    ([0, 1], (2, 62, 62))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from convscope.errors import ConvScopeError
from convscope.explain import explain, explain_probabilities
from convscope.server.explain_payload import arith_payload, finite, intermediate_message, padded_input_message
from convscope.server.layer_request import dedupe_channels
from convscope.server.payload import layer_message
from convscope.server.tensor_codec import Dtype
from convscope.teaching.explanations import explorer_panel, overview_panel, softmax_panel, step_panel
from convscope.trace import Trace

#: What an answer is: JSON for the page, or a binary tensor message (sent as a buffer).
Answer = dict[str, Any] | bytes


def _int(args: Mapping[str, Any], key: str, default: int | None = None) -> int | None:
    value = args.get(key, default)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise ConvScopeError(f"{key} must be a whole number, got {value!r}")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConvScopeError(f"{key} must be a whole number, got {str(value)[:40]!r}") from None


def _text(args: Mapping[str, Any], key: str) -> str | None:
    value = args.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConvScopeError(f"{key} must be text, got {type(value).__name__}")
    return value


def _dtype(args: Mapping[str, Any]) -> Dtype:
    value = args.get("dtype", "float32")
    if value not in ("float32", "float16"):
        raise ConvScopeError(f"dtype must be float32 or float16, not {str(value)[:20]!r}")
    return "float16" if value == "float16" else "float32"


def _layer(args: Mapping[str, Any]) -> str:
    name = _text(args, "layer")
    if not name:
        raise ConvScopeError("layer is missing; name a layer of the model")
    return name


def _step(trace: Trace, layer: str, args: Mapping[str, Any]) -> dict[str, Any]:
    channel, y, x, index = (_int(args, key) for key in ("channel", "y", "x", "index"))
    return dict(finite(explain(trace, layer, channel=channel, y=y, x=x, index=index).to_dict()))


def _explain(trace: Trace, args: Mapping[str, Any]) -> Answer:
    return _step(trace, _layer(args), args)


def _probabilities(trace: Trace, args: Mapping[str, Any]) -> Answer:
    return dict(finite(explain_probabilities(trace, index=_int(args, "index")).to_dict()))


def _intermediate(trace: Trace, args: Mapping[str, Any]) -> Answer:
    channel = _int(args, "channel")
    if channel is None:
        raise ConvScopeError("channel is missing; name the conv layer's output channel")
    picked = dedupe_channels(_text(args, "input_channels"), trace.network)
    return intermediate_message(trace, _layer(args), channel=channel, input_channels=picked, dtype=_dtype(args))


def _padded_input(trace: Trace, args: Mapping[str, Any]) -> Answer:
    return padded_input_message(trace, _layer(args), channels=_text(args, "channels"), dtype=_dtype(args))


def _layer_tensor(trace: Trace, args: Mapping[str, Any]) -> Answer:
    return layer_message(trace, _layer(args), dtype="float32", channels=_text(args, "channels"))


def _flag(values: Mapping[str, list[str]], key: str) -> bool:
    text = values.get(key, ["false"])[-1].lower()
    if text not in ("true", "false", "1", "0"):
        raise ConvScopeError(f"{key} must be true or false, not {text[:20]!r}")
    return text in ("true", "1")


def _arith_of(query: str) -> dict[str, Any]:
    """``/api/arith``'s answer for the query string ``core/explorer.arithQuery`` makes."""
    values = parse_qs(query, keep_blank_values=True)
    one = {key: found[-1] for key, found in values.items()}
    size = _int(one, "size")
    if size is None:
        raise ConvScopeError("size is missing; give the input's height H")
    return arith_payload(
        size=size,
        kernel=_int(one, "kernel", 3) or 3,
        stride=_int(one, "stride"),
        padding=one.get("padding", "0"),
        dilation=_int(one, "dilation", 1) or 1,
        pool=_flag(values, "pool"),
        ceil_mode=_flag(values, "ceil_mode"),
    )


def _arith(trace: Trace, args: Mapping[str, Any]) -> Answer:
    return _arith_of(_text(args, "query") or "")


def _order(values: Mapping[str, str]) -> str:
    order = values.get("order", "chw")
    if order not in ("chw", "hwc"):
        raise ConvScopeError(f"order must be chw or hwc, not {order[:20]!r}")
    return order


def _panel(trace: Trace, args: Mapping[str, Any]) -> Answer:
    """The teaching panel the app's routes under ``…/explanation`` send, for the URL the views name."""
    url = urlsplit(_text(args, "url") or "")
    parts = [unquote(p) for p in url.path.strip("/").split("/")]
    values = {key: found[-1] for key, found in parse_qs(url.query).items()}
    if parts[:2] == ["api", "explanation"] and parts[2:] == ["explorer"]:
        return explorer_panel(_arith_of(url.query)["report"]).to_dict()
    if len(parts) == 4 and parts[:2] == ["api", "models"] and parts[3] == "explanation":
        return overview_panel(trace.network, order=_order(values)).to_dict()
    if len(parts) >= 6 and parts[:2] == ["api", "models"] and parts[3] == "traces":
        rest = parts[5:]
        if rest == ["probabilities", "explanation"]:
            step = finite(explain_probabilities(trace, index=_int(values, "index")).to_dict())
            return softmax_panel(step).to_dict()
        if len(rest) == 3 and rest[0] == "layers" and rest[2] == "explanation":
            step = _step(trace, rest[1], values)
            return step_panel(trace.network, step, order=_order(values), input_channel=_int(values, "input")).to_dict()
    raise ConvScopeError(f"the widget has no panel at {url.path[:80]!r}")


CALLS: dict[str, Callable[[Trace, Mapping[str, Any]], Answer]] = {
    "explain": _explain,
    "probabilities": _probabilities,
    "intermediate": _intermediate,
    "padded_input": _padded_input,
    "layer_tensor": _layer_tensor,
    "panel": _panel,
    "arith": _arith,
}


def answer(trace: Trace, call: str, args: Mapping[str, Any]) -> Answer:
    """What the detail views asked for (``call`` names a ``detailapi.js`` function); ConvScopeError when it cannot be."""
    handler = CALLS.get(call)
    if handler is None:
        raise ConvScopeError(f"the widget answers {', '.join(CALLS)}; not {call[:40]!r}")
    if not isinstance(args, Mapping):
        raise ConvScopeError(f"the arguments of {call} must be an object, got {type(args).__name__}")
    return handler(trace, args)
