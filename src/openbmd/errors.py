"""Errors that mean "the input is wrong", as opposed to bugs.

The CLI turns any :class:`InputError` into one line on stderr and exit code 2.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping


class InputError(ValueError):
    """Bad user input: a malformed value, an unknown name or impossible geometry.

    ``argument`` names the offending argument or field when known.
    """

    def __init__(self, message: str, argument: str | None = None) -> None:
        super().__init__(message)
        self.argument = argument

    def __str__(self) -> str:
        msg = super().__str__()
        if self.argument and not msg.startswith(self.argument):
            return f"{self.argument}: {msg}"
        return msg


class UnknownNameError(InputError, LookupError):
    """A catalog name that does not exist; the message lists the closest names."""


class OutOfRangeError(InputError):
    """A target beyond a missile's or interceptor's reach."""


@contextlib.contextmanager
def renamed_arguments(by_argument: Mapping[str | None, str]) -> Iterator[None]:
    """Re-raise an :class:`InputError` whose ``argument`` is a key of ``by_argument`` under its new name
    (the key ``None`` catches errors that name no argument): callers name faults in their own terms."""
    try:
        yield
    except InputError as exc:
        if exc.argument in by_argument:
            exc.argument = by_argument[exc.argument]
        raise
