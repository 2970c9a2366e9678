"""The ``cosim`` command-line front end.

Every subcommand lives in :mod:`cosim.commands`. This module only wires them
into :mod:`argparse` and enforces the error contract: bad input gives one
``error: ...`` line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from collections.abc import Sequence
from typing import NoReturn

from cosim import __version__
from cosim.commands import COMMANDS
from cosim.errors import EXIT_FAILURE, EXIT_USAGE, CosimInputError, printable


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors follow the one-line contract."""

    def error(self, message: str) -> NoReturn:
        _fail(f"{self.prog}: {message}")


EXIT_BROKEN_PIPE = 141
STOP_SIGNALS = ("SIGTERM", "SIGHUP")
"""Signals that stop a command the way Ctrl-C (SIGINT) does."""


class Stopped(KeyboardInterrupt):
    """Raised in the main thread by SIGTERM or SIGHUP, like KeyboardInterrupt by SIGINT.

    Being a KeyboardInterrupt, it unwinds through the same cleanup: a study
    stops its pool workers, commits nothing half-written, releases its lock.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_stopped(signum: int, frame: object) -> None:
    raise Stopped(signum)


def _handle_stop_signals() -> None:
    for name in STOP_SIGNALS:
        sig = getattr(signal, name, None)
        # A signal ignored on entry (nohup) stays ignored.
        if sig is not None and signal.getsignal(sig) is not signal.SIG_IGN:
            signal.signal(sig, _raise_stopped)


def _fail(message: str, status: int = EXIT_USAGE) -> NoReturn:
    line = printable(" ".join(str(message).split()))
    sys.stderr.write(f"error: {line}\n")
    sys.exit(status)


def _chosen_command(argv: Sequence[str]) -> str | None:
    """The command named by ``argv``, if its first word is one; ``None`` otherwise."""
    return argv[0] if argv and argv[0] in COMMANDS else None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Build the parser with one subparser per command module.

    Parameters
    ----------
    command : str, optional
        When given, only this command's module is imported and given its
        options; the other commands get empty subparsers. Command modules may
        import heavy libraries at module level (``train`` pulls in the training
        stack and scipy), so this keeps ``cosim dac`` from paying for them.
        ``None`` imports every command, for ``cosim --help`` and usage errors.
    """
    parser = _Parser(
        prog="cosim",
        description="Cryogenic control-stack co-design simulator.",
    )
    parser.add_argument("--version", action="version", version=f"cosim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        if command is not None and name != command:
            sub.add_parser(name)
            continue
        module = importlib.import_module(f"cosim.commands.{name}")
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_chosen_command(argv))
    args = parser.parse_args(argv)
    if getattr(args, "_module", None) is None:
        _fail("cosim: a COMMAND is required, one of " + ", ".join(COMMANDS) + " (see cosim --help)")
    _handle_stop_signals()
    try:
        status = int(args._module.run(args) or 0)
        sys.stdout.flush()  # inside the try: a closed pipe surfaces here, not at exit
        return status
    except BrokenPipeError:
        return _stdout_closed()
    except CosimInputError as exc:
        _fail(str(exc), exc.status)
    except (ValueError, FileNotFoundError) as exc:
        # Library code validates its own keyword arguments and names them.
        _fail(str(exc))
    except KeyboardInterrupt as exc:
        # The shell's convention: a command ended by signal N exits with 128 + N.
        signum = getattr(exc, "signum", int(signal.SIGINT))
        _fail(f"interrupted by {signal.Signals(signum).name}; what was finished is kept "
              "(a study resumes when run again)", 128 + signum)
    except Exception as exc:  # noqa: BLE001 - the contract forbids tracebacks
        if os.environ.get("COSIM_DEBUG"):
            raise
        _fail(f"internal: {type(exc).__name__}: {exc} (set COSIM_DEBUG=1 for a traceback)",
              EXIT_FAILURE)


def _stdout_closed() -> int:
    """End quietly when the reader of stdout went away (``cosim dac --json | head -c 10``).

    As the Python documentation advises for SIGPIPE: point stdout at devnull,
    so that the flush at exit cannot raise again, and exit with the status a
    process killed by SIGPIPE has, 128 + 13.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
