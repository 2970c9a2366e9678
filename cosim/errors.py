"""The error contract shared by every ``cosim`` command.

Bad input is answered with exactly one line on stderr that starts with
``error:`` and names the argument or YAML key path and what is allowed, with
exit status 2 and no traceback.
"""

from __future__ import annotations

import reprlib
from typing import Any

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


class CosimInputError(ValueError):
    """Bad user input: a CLI argument or a scenario key.

    Parameters
    ----------
    where : str
        The argument (``--bits``) or key path (``dac.bits``) at fault.
    message : str
        What is allowed and what was given, e.g. ``must be an integer 1..16, got 0``.
    """

    #: Exit status of the command that stops on this error.
    status = EXIT_USAGE

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}")


class CosimRunError(CosimInputError):
    """A run that cannot go on for a reason outside its input: a lost Dask scheduler.

    Reported like bad input (one ``error:`` line naming the argument at
    fault), but with exit status 1: the input was fine, what the run needed
    went away. What was computed stays stored; a plain rerun resumes.
    """

    status = EXIT_FAILURE


_SHOWN = reprlib.Repr()
_SHOWN.maxstring = _SHOWN.maxother = 60
_SHOWN.maxlist = _SHOWN.maxtuple = _SHOWN.maxset = _SHOWN.maxdict = 6
_SHOWN.maxlevel = 3


def shown(value: Any) -> str:
    """``repr(value)`` cut to a few dozen characters, for error messages.

    A scenario value may be a list of a hundred thousand items; quoting it
    whole would bury the message (or, expanded from YAML aliases, fill memory).
    """
    return _SHOWN.repr(value)


def printable(text: str) -> str:
    """``text`` with every non-printable character escaped (``\\x1b``, ``\\u202e``).

    Messages quote names from scenario files and arguments; an escape sequence
    in one must not reach the terminal, where it could rewrite what is shown.
    """
    return "".join(c if c.isprintable() or c == " " else ascii(c)[1:-1] for c in text)
