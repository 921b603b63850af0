"""Exceptions and warnings raised by derand.

The library raises these; the command line catches them, prints
``error: <message>`` and exits non-zero, without a traceback.
"""

from __future__ import annotations

import math
from os import PathLike

__all__ = ["DerandError", "InputError", "OptionError", "DistributedError", "DerandWarning", "check_option",
           "check_integer", "check_seconds", "is_integer"]


class DerandError(Exception):
    """Base class of every error derand raises on purpose."""


class InputError(DerandError):
    """A file (or in-memory input) that cannot be used, located as precisely as possible.

    The message reads ``path:line: what is wrong`` when the line is known,
    ``path: what is wrong`` otherwise, like a compiler's.
    """

    def __init__(self, message: str, *, path: str | PathLike | None = None, line: int | None = None):
        self.path = None if path is None else str(path)
        self.line = line
        self.reason = message
        where = ""
        if self.path is not None:
            where = self.path + (f":{line}" if line is not None else "") + ": "
        elif line is not None:
            where = f"line {line}: "
        super().__init__(where + message)


class OptionError(DerandError, ValueError):
    """A parameter outside its allowed range, named as the user spelled it."""


class DistributedError(DerandError):
    """A process group that cannot start or a rank that cannot go on (see :mod:`solver.distributed`)."""


class DerandWarning(UserWarning):
    """Odd but legal input or a result that did not fully converge."""


def check_option(ok: bool, name: str, allowed: str, got: object) -> None:
    """Raise :class:`OptionError` unless ``ok``, in scikit-learn's wording.

    >>> check_option(True, "rank", "an integer >= 2", 3)
    """
    if not ok:
        raise OptionError(f"The '{name}' parameter must be {allowed}. Got {got!r} instead.")


def check_seconds(name: str, value: object) -> None:
    """Raise :class:`OptionError` unless ``value`` is ``None`` or a positive, finite number of seconds.

    >>> check_seconds("time_limit", 2.5)
    """
    ok = value is None or (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
                           and value > 0)
    check_option(ok, name, "a positive number of seconds", value)


def is_integer(value: object) -> bool:
    """A Python int that is not a bool (True is an int to Python, not to a user)."""
    return isinstance(value, int) and not isinstance(value, bool)


def check_integer(name: str, value: object, *, minimum: int | None = None) -> None:
    """Raise :class:`OptionError` unless ``value`` is an integer of at least ``minimum``.

    >>> check_integer("rank", 3, minimum=1)
    """
    allowed = ("an integer" if minimum is None else "a positive integer" if minimum == 1
               else "a non-negative integer" if minimum == 0 else f"an integer >= {minimum}")
    check_option(is_integer(value) and (minimum is None or value >= minimum), name, allowed, value)
