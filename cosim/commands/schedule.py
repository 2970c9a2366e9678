"""``cosim schedule``: not built yet (issue #3)."""

from __future__ import annotations

import argparse

from cosim.errors import NotBuiltError

HELP = "Schedule a QNN circuit on a SimPy control stack with shared DAC channels."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No arguments until the command is built."""
    parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    raise NotBuiltError("cosim schedule is not built yet (issue #3)")
