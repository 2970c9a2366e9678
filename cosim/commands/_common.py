"""Argument validators and output helpers shared by the subcommands."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Mapping
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
