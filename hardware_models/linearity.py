"""Static linearity of a DAC transfer: DNL, INL and monotonicity.

Both measures are in LSB of a reference line through the realized levels
``L_0..L_{M-1}`` (``M = 2**N``):

* ``fit="endpoint"``: the line through the first and last level, with
  ``LSB_ep = (L_{M-1} - L_0) / (M - 1)`` and
  ``INL_k = (L_k - (L_0 + k * LSB_ep)) / LSB_ep``.
* ``fit="best"``: the least-squares line ``a + b * k``; ``LSB = b`` and
  ``INL_k = (L_k - a - b * k) / b``.

``DNL_k = (L_{k+1} - L_k) / LSB - 1`` for ``k = 0..M-2``. Hence the cumulative
DNL equals the INL minus ``INL_0`` (which is 0 for the endpoint fit). Gain and
offset errors are removed by either fit by construction.
"""

from __future__ import annotations

import numpy as np

FITS = ("endpoint", "best")


def _levels(levels: np.ndarray) -> np.ndarray:
    arr = np.asarray(levels, dtype=float)
    if arr.ndim != 1 or arr.size < 2:
        raise ValueError(f"levels: must be a 1-D array of at least 2 levels, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("levels: must be finite numbers")
    return arr


def reference_line(levels: np.ndarray, fit: str = "endpoint") -> tuple[float, float]:
    """Offset and slope ``(a, lsb)`` of the reference line ``a + lsb * k``.

    Parameters
    ----------
    levels : array_like of shape (M,)
        Realized levels in output units.
    fit : {"endpoint", "best"}, default="endpoint"

    Returns
    -------
    (float, float)
        Offset (output units at code 0) and LSB (output units per code, > 0).
    """
    arr = _levels(levels)
    if fit not in FITS:
        raise ValueError(f"fit: must be one of {', '.join(FITS)}, got {fit!r}")
    k = np.arange(arr.size, dtype=float)
    if fit == "endpoint":
        a = arr[0]
        lsb = (arr[-1] - arr[0]) / (arr.size - 1)
    else:
        lsb, a = np.polyfit(k, arr, 1)
    if not lsb > 0:
        raise ValueError(f"levels: must increase overall (reference LSB > 0), got LSB {lsb:g}")
    return float(a), float(lsb)


def inl_lsb(levels: np.ndarray, fit: str = "endpoint") -> np.ndarray:
    """Integral nonlinearity of every code, in LSB of the reference line.

    Parameters
    ----------
    levels : array_like of shape (M,)
        Realized levels in output units.
    fit : {"endpoint", "best"}, default="endpoint"

    Returns
    -------
    numpy.ndarray of shape (M,)
    """
    arr = _levels(levels)
    a, lsb = reference_line(arr, fit)
    return (arr - (a + lsb * np.arange(arr.size))) / lsb


def dnl_lsb(levels: np.ndarray, fit: str = "endpoint") -> np.ndarray:
    """Differential nonlinearity of every code step, in LSB of the reference line.

    Parameters
    ----------
    levels : array_like of shape (M,)
        Realized levels in output units.
    fit : {"endpoint", "best"}, default="endpoint"

    Returns
    -------
    numpy.ndarray of shape (M - 1,)
        ``DNL_k`` for the step from code ``k`` to ``k + 1``.
    """
    arr = _levels(levels)
    _, lsb = reference_line(arr, fit)
    return np.diff(arr) / lsb - 1.0


def inl_max_lsb(levels: np.ndarray, fit: str = "endpoint") -> float:
    """``max |INL|`` in LSB."""
    return float(np.max(np.abs(inl_lsb(levels, fit))))


def dnl_max_lsb(levels: np.ndarray, fit: str = "endpoint") -> float:
    """``max |DNL|`` in LSB."""
    return float(np.max(np.abs(dnl_lsb(levels, fit))))


def is_monotonic(levels: np.ndarray) -> bool:
    """True when the levels strictly increase with code (every DNL > -1 LSB)."""
    return bool(np.all(np.diff(_levels(levels)) > 0))
