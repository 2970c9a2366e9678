"""Argument validators and output helpers shared by the subcommands."""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from cosim.errors import CosimInputError

T = TypeVar("T")


def check_int(value: int, where: str, lo: int, hi: int | None = None) -> int:
    """Return ``value`` if it is an integer in ``[lo, hi]``, else raise."""
    allowed = f"an integer {lo}..{hi}" if hi is not None else f"an integer >= {lo}"
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise CosimInputError(where, f"must be {allowed}, got {value!r}")
    if value < lo or (hi is not None and value > hi):
        raise CosimInputError(where, f"must be {allowed}, got {value}")
    return int(value)


def check_float(
    value: float,
    where: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
) -> float:
    """Return ``value`` if it is a finite number within the bounds, else raise."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise CosimInputError(where, f"must be a number, got {value!r}") from None
    if not math.isfinite(x):
        raise CosimInputError(where, f"must be a finite number, got {value!r}")
    if lo is not None and (x < lo or (lo_open and x == lo)):
        op = ">" if lo_open else ">="
        raise CosimInputError(where, f"must be {op} {lo:g}, got {x:g}")
    if hi is not None and x > hi:
        raise CosimInputError(where, f"must be <= {hi:g}, got {x:g}")
    return x


def check_choice(value: str, where: str, choices: tuple[str, ...] | list[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise."""
    if value not in choices:
        raise CosimInputError(where, f"must be one of {', '.join(choices)}, got {value!r}")
    return value


def build(factory: Callable[..., T], flags: Mapping[str, str], **fields: Any) -> T:
    """``factory(**fields)``, with its ``ValueError("field: ...")`` reported against the flag.

    Typed specs (:class:`qnn.device.DACConfig`, :class:`qnn.fit.TrainingRecipe`)
    validate themselves; ``flags`` maps each field to the option that spells it.
    """
    try:
        return factory(**fields)
    except ValueError as exc:
        field, _, message = str(exc).partition(": ")
        if field in flags and message:
            raise CosimInputError(flags[field], message) from None
        raise


PLOT_SUFFIXES = (".png", ".pdf", ".svg", ".svgz", ".eps", ".ps", ".jpg", ".jpeg", ".tif",
                 ".tiff", ".webp")
"""File types a ``--plot`` may have: formats matplotlib writes (a test checks it)."""


def check_plot_path(value: str | None, where: str = "--plot") -> Path | None:
    """Check an output figure path before any work: ``None`` passes through.

    The name must end in one of :data:`PLOT_SUFFIXES` and not be a
    directory; its directory must exist and be writable, and an existing file
    must be a writable regular file. So a long computation never ends in an
    error about where its figure should go.
    """
    if value is None:
        return None
    if not str(value).strip():
        raise CosimInputError(where, "must be a file name, got an empty string")
    path = Path(value)
    if path.suffix.lower() not in PLOT_SUFFIXES:
        allowed = ", ".join(PLOT_SUFFIXES[:-1]) + " or " + PLOT_SUFFIXES[-1]
        raise CosimInputError(where, f"must be a file name ending in {allowed}, "
                              f"got {str(value)!r}")
    if path.is_dir():
        raise CosimInputError(where, f"{str(path)!r} is a directory; give a file name")
    if path.exists() and not path.is_file():
        raise CosimInputError(where, f"{str(path)!r} exists and is not a regular file")
    _check_writable_dir(path.parent, where)
    if path.exists() and not os.access(path, os.W_OK):
        raise CosimInputError(where, f"{str(path)!r} is not writable")
    return path


def check_output_dir(value: str, where: str = "--out") -> Path:
    """Check a results directory before any work: a directory, or one that can be created.

    An existing path must be a writable directory; otherwise its nearest
    existing ancestor must be a writable directory.
    """
    if not str(value).strip():
        raise CosimInputError(where, "must name a directory, got an empty string")
    path = Path(value)
    if path.is_symlink():
        _check_linked_results(path, where)
    if path.exists():
        if not path.is_dir():
            kind = "a file" if path.is_file() else "not a directory"
            raise CosimInputError(where, f"must be a directory, but {str(path)!r} is {kind}")
        _check_writable_dir(path, where)
        return path
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise CosimInputError(where, f"cannot create {str(path)!r}: "
                              f"{str(ancestor)!r} is not a directory")
    _check_writable_dir(ancestor, where)
    return path


RESULTS_MARKERS = ("results.sqlite", ".cosim.lock")
"""Files whose presence makes a directory a cosim results directory."""


def _check_linked_results(path: Path, where: str) -> None:
    """A symlinked ``--out`` must lead to an empty directory or a cosim results directory.

    Otherwise a link planted where results go (``results/study -> ~``) would
    make a run write its database and outputs into an unrelated directory.
    """
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # dangling, or a loop
        raise CosimInputError(where, f"{str(path)!r} is a symlink that leads nowhere") from None
    if not target.is_dir():
        raise CosimInputError(where, f"{str(path)!r} is a symlink to {str(target)!r}, which is "
                              "not a directory")
    if any(target.iterdir()) and not any((target / m).exists() for m in RESULTS_MARKERS):
        raise CosimInputError(where, f"{str(path)!r} is a symlink to {str(target)!r}, which is "
                              "neither empty nor a cosim results directory")


def _check_writable_dir(directory: Path, where: str) -> None:
    if not directory.exists():
        raise CosimInputError(where, f"directory {str(directory)!r} does not exist")
    if not directory.is_dir():
        raise CosimInputError(where, f"{str(directory)!r} is not a directory")
    # os.access also answers EROFS for root on a read-only file system.
    if not os.access(directory, os.W_OK | os.X_OK):
        raise CosimInputError(where, f"directory {str(directory)!r} is not writable")


def to_jsonable(obj: Any) -> Any:
    """Convert numpy scalars/arrays (recursively) into plain JSON types."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        x = float(obj)
        return x if math.isfinite(x) else None
    if isinstance(obj, complex):
        return [obj.real, obj.imag]
    return obj


def emit_json(obj: dict[str, Any]) -> None:
    """Print exactly one JSON object on stdout."""
    sys.stdout.write(json.dumps(to_jsonable(obj)) + "\n")


def progress_enabled() -> bool:
    """Progress bars go to stderr, only when stderr is a terminal."""
    return sys.stderr.isatty()
