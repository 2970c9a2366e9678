"""``cosim validate``: not built yet (issue #6)."""

from __future__ import annotations

import argparse

from cosim.errors import NotBuiltError

HELP = "Check a YAML study scenario without running it."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No arguments until the command is built."""
    parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    raise NotBuiltError("cosim validate is not built yet (issue #6)")
