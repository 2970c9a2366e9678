"""``cosim train``: not built yet (issue #4)."""

from __future__ import annotations

import argparse

from cosim.errors import NotBuiltError

HELP = "Train a QNN under finite DAC resolution."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No arguments until the command is built."""
    parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    raise NotBuiltError("cosim train is not built yet (issue #4)")
