"""Errors a user can cause and fix.

Every error raised for bad input derives from :class:`ConvScopeError`; its message
is one line that says what is wrong and what to do. The CLI prints it and exits
with status 2, the server answers it with a 4xx status.
"""


class ConvScopeError(Exception):
    """Bad input from the user: a one-line message, no traceback needed."""

    #: HTTP status the server answers with.
    status = 400


class NotFoundError(ConvScopeError, KeyError):
    """An unknown model, layer, trace or image id."""

    status = 404

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class InvalidImageError(ConvScopeError):
    """Bytes that are not an image we can read safely."""

    status = 422


class ModelError(ConvScopeError):
    """A module or model file ConvScope cannot read as a CNN."""

    status = 422


def first_line(exc: BaseException, limit: int = 200) -> str:
    """The first line of an exception's message, cut to ``limit`` characters, for a one-line error.

    Errors from libraries (fx, h5py, onnx) often span many lines; ConvScope's own
    messages quote only their first, and the exception's type when it has no text.

    Example:
        >>> first_line(ValueError("bad shape\\n  traceback detail")), first_line(KeyError())
        ('bad shape', 'KeyError')
    """
    lines = str(exc).strip().splitlines()
    return lines[0][:limit] if lines else type(exc).__name__
