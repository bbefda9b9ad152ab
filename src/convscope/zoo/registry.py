"""The model registry: each entry is a builder plus the metadata that travels with it.

Builders are keyword-only functions returning an ``nn.Module``; an entry also
knows the input spec for a given configuration, its class names and the
parameter count its paper (or reference implementation) publishes.

Example:
    >>> from convscope.zoo import get_entry
    >>> get_entry("tinyvgg").input_spec().shape
    (3, 64, 64)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from torch import nn

from convscope import limits
from convscope.errors import ConvScopeError, NotFoundError
from convscope.inputs import InputSpec

Builder = Callable[..., nn.Module]
SpecFor = Callable[[dict[str, Any]], InputSpec]


@dataclass(frozen=True)
class ModelEntry:
    """One registered architecture."""

    name: str
    builder: Builder
    #: Input spec for a configuration (the builder's keyword arguments).
    spec_for: SpecFor
    #: Class names for a configuration; ``None`` means ``class 0 … class N-1``.
    classes_for: Callable[[dict[str, Any]], tuple[str, ...] | None]
    #: Parameter count published for the default configuration, if any.
    published_params: int | None
    description: str

    def options(self) -> dict[str, Any]:
        """The builder's options with their defaults."""
        signature = inspect.signature(self.builder)
        return {name: p.default for name, p in signature.parameters.items() if p.kind is p.KEYWORD_ONLY}

    def check_options(self, cfg: dict[str, Any]) -> None:
        unknown = sorted(set(cfg) - set(self.options()))
        if unknown:
            known = ", ".join(self.options()) or "none"
            raise ConvScopeError(f"model '{self.name}' takes no option {', '.join(unknown)}; its options are: {known}")
        defaults = self.options()
        for option, value in cfg.items():
            _check_type(self.name, option, value, defaults[option])
            _check_range(self.name, option, value)

    def build(self, **cfg: Any) -> nn.Module:
        self.check_options(cfg)
        # Sizes first, on the meta device: filters=10⁹ must be refused, not allocated.
        limits.bounded_build(lambda: self.builder(**cfg), self.input_spec(**cfg).shape, f"model '{self.name}'")
        return self.builder(**cfg)

    def input_spec(self, **cfg: Any) -> InputSpec:
        self.check_options(cfg)
        return self.spec_for({**self.options(), **cfg})

    def classes(self, **cfg: Any) -> tuple[str, ...] | None:
        self.check_options(cfg)
        return self.classes_for({**self.options(), **cfg})

    def to_dict(self) -> dict[str, Any]:
        """What a listing of the zoo shows: name, description, options, input spec, parameter count."""
        return {
            "name": self.name,
            "description": self.description,
            "options": self.options(),
            "input_spec": self.input_spec().to_dict(),
            "published_params": self.published_params,
        }


def _check_type(model: str, option: str, value: Any, default: Any) -> None:
    """Options arrive from JSON and command lines: refuse a value of the wrong type early."""
    if isinstance(default, bool):  # before int: bool is a subclass of int
        ok, expected = isinstance(value, bool), "true or false"
    elif isinstance(default, int):
        ok, expected = isinstance(value, int) and not isinstance(value, bool), "an integer"
    elif isinstance(default, float):
        ok, expected = isinstance(value, int | float) and not isinstance(value, bool), "a number"
    elif isinstance(default, str):
        ok, expected = isinstance(value, str), "a string"
    else:
        return
    if not ok:
        raise ConvScopeError(f"option {option}={value!r} of model '{model}' is not valid; give {expected}")


#: The largest whole-number option (filters, classes, sizes); the size limits then bound the model itself.
MAX_OPTION = limits.MAX_COUNT
#: Options that may be zero (every other whole-number option counts something and must be positive).
_MAY_BE_ZERO = frozenset({"padding"})


def _check_range(model: str, option: str, value: Any) -> None:
    """Refuse values no builder can use: ``filters=-5``, ``dropout=2``, ``input_size=10**9``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return
    if option == "dropout" or isinstance(value, float):
        if not 0 <= value < 1:
            raise ConvScopeError(f"option {option}={value!r} of model '{model}' is not valid; give a number in [0, 1)")
        return
    lowest = 0 if option in _MAY_BE_ZERO else 1
    if not lowest <= value <= MAX_OPTION:
        raise ConvScopeError(
            f"option {option}={value!r} of model '{model}' is not valid; give a whole number from {lowest} to {MAX_OPTION:,}"
        )


_REGISTRY: dict[str, ModelEntry] = {}


def register_model(
    name: str,
    *,
    input_spec: InputSpec | SpecFor,
    classes: tuple[str, ...] | Callable[[dict[str, Any]], tuple[str, ...] | None] | None = None,
    published_params: int | None = None,
    description: str = "",
) -> Callable[[Builder], Builder]:
    """Register a keyword-only builder under ``name``.

    ``input_spec`` and ``classes`` may be fixed values or functions of the
    builder's options (a dict with every option filled in).
    """

    def decorate(builder: Builder) -> Builder:
        spec_for = input_spec if callable(input_spec) else (lambda cfg, _s=input_spec: _s)
        classes_for = classes if callable(classes) else (lambda cfg, _c=classes: _c)
        _REGISTRY[name] = ModelEntry(name, builder, spec_for, classes_for, published_params, description)
        return builder

    return decorate


def list_models() -> list[str]:
    """Names of every registered architecture, sorted."""
    return sorted(_REGISTRY)


def get_entry(name: str) -> ModelEntry:
    """The registered entry for ``name``; unknown names raise :class:`NotFoundError`."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise NotFoundError(f"unknown model '{name}'; choose one of: {', '.join(list_models())}") from None


def get_model(name: str, **cfg: Any) -> nn.Module:
    """Build a registered architecture with random weights."""
    return get_entry(name).build(**cfg)


def check_choice(model: str, option: str, value: Any, choices: tuple[Any, ...]) -> None:
    """Raise a one-line :class:`ConvScopeError` unless ``value`` is one of ``choices``.

    Args:
        model: the model's registered name, for the message.
        option: the option's name.
        value: what the user gave.
        choices: the values the builder accepts.

    Example:
        >>> check_choice("lenet5", "input_size", 28, (32, 28))  # passes silently
    """
    if value not in choices:
        listed = ", ".join(str(c) for c in choices)
        raise ConvScopeError(f"option {option}={value!r} of model '{model}' is not valid; choose one of: {listed}")


def check_min_size(model: str, input_size: int, minimum: int) -> None:
    """Raise a one-line :class:`ConvScopeError` when the maps would shrink to nothing.

    Example:
        >>> check_min_size("vgg16", 224, 32)  # passes silently
    """
    if input_size < minimum:
        raise ConvScopeError(
            f"option input_size={input_size} of model '{model}' is too small; its maps shrink to nothing "
            f"below {minimum}, give input_size >= {minimum}"
        )
