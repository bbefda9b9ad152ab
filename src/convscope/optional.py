"""Parts of ConvScope that need packages outside the base install.

The explainer, training and TF.js import need only the base dependencies;
reading ONNX and Keras files and writing ONNX need ``onnx`` and ``h5py``,
installed with the ``formats`` extra (``pip install 'convscope[formats]'``).
A missing one is a one-line error that names the extra, not a traceback.

Example:
    >>> with needs_extra("Keras import"):
    ...     from convscope.formats.importers.keras import import_keras
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from convscope.errors import ModelError

#: The extra that brings the packages for other tools' model files.
FORMATS_EXTRA = "formats"
#: Packages the extra provides (a missing module outside these is a real bug and is not hidden).
_PROVIDED = frozenset({"onnx", "h5py"})


class MissingExtraError(ModelError):
    """A model file whose format needs optional packages that are not installed."""


@contextmanager
def needs_extra(feature: str) -> Iterator[None]:
    """Turn ``ModuleNotFoundError`` for an extra's package into a one-line :class:`MissingExtraError`."""
    try:
        yield
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in _PROVIDED:
            raise
        raise MissingExtraError(
            f"{feature} needs the Python package {exc.name}; install it with: pip install 'convscope[{FORMATS_EXTRA}]'"
        ) from None


__all__ = ["FORMATS_EXTRA", "MissingExtraError", "needs_extra"]
