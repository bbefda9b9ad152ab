"""The words and limits the exported site's explorer (``web/js/static/arith.js``) needs: ``data/arith.json``.

The browser port computes the explorer's answer (:func:`explain_payload.arith_payload`)
itself, but words nothing of its own: the sentence templates come from
:data:`convscope.arithmetic.WORDS` and :data:`convscope.arithmetic_words.STEP_WORDS`,
the query's bounds from ``GET /api/arith``'s own declaration, and the refusal
messages from pydantic (asked with out-of-range values) and the server's 422 handler.
"""

from __future__ import annotations

import inspect
import re
from typing import Annotated, Any, get_type_hints

import annotated_types
from fastapi.params import Query
from pydantic import Field, TypeAdapter, ValidationError, create_model
from pydantic_core import PydanticUndefined

from convscope.arithmetic import WORDS
from convscope.arithmetic_words import STEP_WORDS
from convscope.server.app import VALIDATION_WORDS
from convscope.server.explain_payload import MAX_PADDING, PADDING_WORDS
from convscope.server.routes.explain import get_arith

#: A bound no real limit equals, replaced by the ``{limit}`` slot in pydantic's message.
_PROBE = 987_654_321
#: The same for a string's length (a short one: the probe string is one longer).
_SHORT_PROBE = 37
#: Spellings pydantic might take for a boolean; the ones it does take are written out.
_BOOL_SPELLINGS = ("1", "0", "on", "off", "t", "f", "true", "false", "y", "n", "yes", "no", "", "2", "maybe")


def _message(annotation: Any, value: Any) -> str:
    try:
        TypeAdapter(annotation).validate_python(value)
    except ValidationError as error:
        return str(error.errors()[0]["msg"])
    raise AssertionError(f"pydantic took {value!r} as {annotation}")  # pragma: no cover - a probe that passed


def _templated(annotation: Any, value: Any, probe: int = _PROBE) -> str:
    return re.sub(rf"\b{probe}\b", "{limit}", _message(annotation, value))


def _missing() -> str:
    try:
        create_model("Probe", value=(int, ...)).model_validate({})
    except ValidationError as error:
        return str(error.errors()[0]["msg"])
    raise AssertionError("pydantic took a missing field")  # pragma: no cover


def _bools(truth: bool) -> list[str]:
    adapter = TypeAdapter(bool)
    taken = []
    for text in _BOOL_SPELLINGS:
        try:
            if adapter.validate_python(text) is truth:
                taken.append(text)
        except ValidationError:
            pass
    return taken


def _query() -> dict[str, dict[str, Any]]:
    """Each query parameter of ``GET /api/arith``, in declaration order: its type, bounds and default."""
    out: dict[str, dict[str, Any]] = {}
    hints = get_type_hints(get_arith)
    for name, param in inspect.signature(get_arith).parameters.items():
        query = param.default
        assert isinstance(query, Query), name
        kind = {int: "int", int | None: "int", bool: "bool", str: "str"}[hints[name]]
        entry: dict[str, Any] = {"type": kind, "required": query.default is PydanticUndefined}
        entry["default"] = None if query.default is PydanticUndefined else query.default
        for bound in query.metadata:
            if isinstance(bound, annotated_types.Ge):
                entry["ge"] = bound.ge
            elif isinstance(bound, annotated_types.Le):
                entry["le"] = bound.le
            elif isinstance(bound, annotated_types.MaxLen):
                entry["max_length"] = bound.max_length
        if kind == "bool":
            entry["true"], entry["false"] = _bools(True), _bools(False)
        out[name] = entry
    return out


def arith_words() -> dict[str, Any]:
    """``data/arith.json``: templates with named slots, the query's bounds and the refusal messages."""
    messages = {
        **VALIDATION_WORDS,
        **PADDING_WORDS,
        "missing": _missing(),
        "int_parsing": _message(int, "x"),
        "bool_parsing": _message(bool, "maybe"),
        "ge": _templated(Annotated[int, Field(ge=_PROBE)], _PROBE - 1),
        "le": _templated(Annotated[int, Field(le=_PROBE)], _PROBE + 1),
        "max_length": _templated(
            Annotated[str, Field(max_length=_SHORT_PROBE)], "x" * (_SHORT_PROBE + 1), _SHORT_PROBE
        ),
    }
    return {"reasons": WORDS, "steps": STEP_WORDS, "messages": messages, "query": _query(), "max_padding": MAX_PADDING}
