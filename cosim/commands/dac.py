"""``cosim dac``: not built yet (issue #2)."""

from __future__ import annotations

import argparse

from cosim.errors import NotBuiltError

HELP = "Model an N-bit DAC: transfer, INL/DNL, SQNR/ENOB, power and area."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No arguments until the command is built."""
    parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    raise NotBuiltError("cosim dac is not built yet (issue #2)")
