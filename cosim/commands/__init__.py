"""One module per ``cosim`` subcommand.

Each module exposes ``HELP`` (one line), ``add_arguments(parser)`` and
``run(args) -> int``. The CLI front end in :mod:`cosim.cli` wires them up and
applies the error contract, so a command only raises
:class:`cosim.errors.CosimInputError` (or ``ValueError`` from the libraries) on
bad input.
"""

COMMANDS = ("dac", "gate", "schedule", "train", "run", "search", "validate")
