"""Reconstruction filters at the DAC output: a waveform stage testable without a solver.

The DAC holds each sample for one period (zero-order hold); a reconstruction
filter then smooths the staircase. The filters here are analog low-passes
with unit gain at DC, given as a continuous state space ``x' = A x + B u``,
``y = C x + D u`` (from :mod:`scipy.signal`):

* ``rc``: first order, ``H(s) = 1 / (1 + s / w_c)``;
* ``chebyshev``: type-I Chebyshev of ``order`` with ``ripple_db`` of passband ripple;
* ``bessel``: Bessel (maximally flat group delay) of ``order``, phase-normalised.

The cutoff is ``cutoff_hz`` (the -3 dB point for ``rc``, the ripple band
edge for ``chebyshev``, the phase-normalised frequency for ``bessel``).

:func:`filter_samples` filters a zero-order-hold input exactly: the input is
constant on each sample, so the state at sub-sample edges follows from the
matrix exponential, and each sub-step's output is its exact time average
(an integrator state rides along). A single-axis rotation angle is the
integral of the drive, so sub-step averages keep it exact.

The filter starts at rest when the pulse starts and its output counts only
inside the pulse window: the tail after the window is cut off (the channel
moves on to its next pulse or qubit). :func:`window_area_s` is that area for
a unit step, in closed form from the state space.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hardware_models.validation import check_int
from qnn.vocabulary import FILTERS as FILTERS


@dataclass(frozen=True)
class FilterSpec:
    """A reconstruction filter at the DAC output.

    Parameters
    ----------
    kind : {"none", "rc", "chebyshev", "bessel"}, default="none"
    cutoff_hz : float or None, default=None
        Cutoff frequency in Hz, > 0; required unless ``kind`` is ``none``.
    order : int, default=3
        Order of the Chebyshev and Bessel filters (1..8); ``rc`` is first order.
    ripple_db : float, default=0.5
        Chebyshev passband ripple in dB (> 0).
    oversample : int, default=8
        Sub-steps per DAC sample on which the filtered drive is resolved (1..64).
    """

    kind: str = "none"
    cutoff_hz: float | None = None
    order: int = 3
    ripple_db: float = 0.5
    oversample: int = 8

    def __post_init__(self) -> None:
        if self.kind not in FILTERS:
            raise ValueError(f"filter: must be one of {', '.join(FILTERS)}, got {self.kind!r}")
        if self.kind != "none":
            c = self.cutoff_hz
            if (c is None or isinstance(c, bool) or not isinstance(c, (int, float, np.number))
                    or not math.isfinite(c) or c <= 0):
                raise ValueError(f"filter_cutoff_hz: must be a number > 0 for a {self.kind} "
                                 f"filter, got {c!r}")
        check_int("filter_order", self.order, 1, 8)
        if not (math.isfinite(self.ripple_db) and self.ripple_db > 0):
            raise ValueError(f"filter_ripple_db: must be a number > 0, got {self.ripple_db!r}")
        check_int("oversample", self.oversample, 1, 64)

    @property
    def active(self) -> bool:
        return self.kind != "none"


def state_space(spec: FilterSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(A, B, C, D)`` of the analog filter (time in s), scaled to unit DC gain."""
    from scipy import signal

    if not spec.active:
        raise ValueError("filter: 'none' has no state space")
    wc = 2 * np.pi * float(spec.cutoff_hz)
    if spec.kind == "rc":
        a, b, c, d = np.array([[-wc]]), np.array([[wc]]), np.array([[1.0]]), np.array([[0.0]])
    elif spec.kind == "chebyshev":
        a, b, c, d = signal.zpk2ss(*signal.cheby1(spec.order, spec.ripple_db, wc, analog=True,
                                                  output="zpk"))
    else:
        a, b, c, d = signal.zpk2ss(*signal.bessel(spec.order, wc, analog=True, norm="phase",
                                                  output="zpk"))
    dc = float((d - c @ np.linalg.solve(a, b))[0, 0])  # H(0) = D - C A^-1 B
    return a, b, c / dc, d / dc


def filter_samples(levels: np.ndarray, dt_s: float, spec: FilterSpec) -> np.ndarray:
    """Filter zero-order-hold samples; each output is a sub-step's exact time average.

    Parameters
    ----------
    levels : ndarray of shape (..., n)
        Held value of each sample (any unit; the filter is linear).
    dt_s : float
        Sample period in s.
    spec : FilterSpec

    Returns
    -------
    ndarray of shape (..., n * spec.oversample)
        The average filter output over each sub-step of ``dt_s / oversample``;
        the filter starts at rest. ``kind: none`` repeats each sample.
    """
    levels = np.asarray(levels, dtype=float)
    k = spec.oversample
    if not spec.active:
        return np.repeat(levels, k, axis=-1)
    a, b, c, d = state_space(spec)
    m = a.shape[0]
    h = dt_s / k
    # Augmented system z = (x, integral of x) driven by u: one exact ZOH step of length h.
    big = np.zeros((2 * m + 1, 2 * m + 1))
    big[:m, :m] = a
    big[:m, 2 * m] = b[:, 0]
    big[m : 2 * m, :m] = np.eye(m)
    from scipy.linalg import expm  # on use: `cosim gate` without a filter stays light

    e = expm(big * h)
    phi, gam = e[:m, :m], e[:m, 2 * m]  # x_{j+1} = phi x_j + gam u
    ia, ib = e[m : 2 * m, :m], e[m : 2 * m, 2 * m]  # integral over the step
    flat = levels.reshape(-1, levels.shape[-1])
    u = np.repeat(flat, k, axis=-1)
    x = np.zeros((flat.shape[0], m))
    out = np.empty_like(u)
    for j in range(u.shape[1]):
        uj = u[:, j]
        out[:, j] = (x @ ia.T + np.outer(uj, ib)) @ c[0] / h + d[0, 0] * uj
        x = x @ phi.T + np.outer(uj, gam)
    return out.reshape(levels.shape[:-1] + (u.shape[1],))


def window_area_s(spec: FilterSpec, duration_s: float) -> float:
    """``integral_0^T y(t) dt`` of the filter's unit-step response, in s.

    From the state space: ``x(t) = A^-1 (e^{At} - I) B``, so the area is
    ``C A^-1 (A^-1 (e^{AT} - I) - T I) B + D T``. For ``rc`` it is
    ``T - tau (1 - exp(-T / tau))`` with ``tau = 1 / (2 pi f_c)``. The area
    lost to the filter is ``T`` minus this.
    """
    if not spec.active:
        return float(duration_s)
    a, b, c, d = state_space(spec)
    ai = np.linalg.inv(a)
    eye = np.eye(a.shape[0])
    from scipy.linalg import expm

    inner = ai @ (expm(a * duration_s) - eye) - duration_s * eye
    return float((c @ ai @ inner @ b)[0, 0] + d[0, 0] * duration_s)
