"""Argument checks shared by every layer of cosim.

Each check raises ``ValueError("name: must be ..., got X")``, naming the
parameter and what is allowed, which the CLI turns into its one-line error.
This module sits at the bottom of the import graph so ``qnn`` and ``cosim``
can use it too.
"""

from __future__ import annotations

import math

import numpy as np


def check_finite(name: str, value: float) -> float:
    """Return ``value`` as a float if it is a finite real number."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name}: must be a finite number, got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{name}: must be a finite number, got {value!r}")
    return x


def check_positive(name: str, value: float, *, allow_zero: bool = False) -> float:
    """Return ``value`` if it is finite and ``> 0`` (``>= 0`` with ``allow_zero``)."""
    bound = ">= 0" if allow_zero else "> 0"
    try:
        x = check_finite(name, value)
    except ValueError:
        raise ValueError(f"{name}: must be a finite number {bound}, got {value!r}") from None
    if x < 0 or (x == 0 and not allow_zero):
        raise ValueError(f"{name}: must be a finite number {bound}, got {value!r}")
    return x


def check_int(name: str, value: int, lo: int, hi: int | None = None) -> int:
    """Return ``value`` if it is an integer (not a bool) in ``[lo, hi]``."""
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if not ok or value < lo or (hi is not None and value > hi):
        allowed = f"an integer {lo}..{hi}" if hi is not None else f"an integer >= {lo}"
        raise ValueError(f"{name}: must be {allowed}, got {value!r}")
    return int(value)


def as_generator(rng: int | np.random.Generator | None, name: str = "rng") -> np.random.Generator:
    """Return a numpy Generator for an int seed or an existing Generator.

    Parameters
    ----------
    rng : int or numpy.random.Generator
        A non-negative seed or a Generator (returned unchanged).
    name : str, default="rng"
        Parameter name used in the error message.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise ValueError(f"{name}: must be a non-negative int seed or numpy Generator, got {rng!r}")
