"""The error contract shared by every ``cosim`` command.

Bad input is answered with exactly one line on stderr that starts with
``error:`` and names the argument or YAML key path and what is allowed, with
exit status 2 and no traceback.
"""

from __future__ import annotations

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

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}")

