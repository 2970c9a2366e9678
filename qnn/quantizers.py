"""Angle grids on a DAC and the rounding kernels that map angles onto them.

The angle DAC has ``n = 2**bits`` codes over a full turn: code ``k`` nominally
means ``k * LSB`` with ``LSB = 2*pi / 2**bits`` rad, and codes wrap mod ``n``
(a rotation by ``theta + 2*pi`` differs from one by ``theta`` only by a global
phase, so wrapping never changes a circuit's expectation values). Rounding is
always against the *nominal* grid, since the controller only knows codes; the
circuit then sees the *realized* level of the code through the DAC transfer
(:class:`hardware_models.dac.DAC`), which carries the INL/DNL of a mismatched
DAC.

Rounding kernels (``u`` is the angle in LSB units, ``f = u - floor(u)``):

* ``nearest``: ``floor(u + 1/2)`` (ties round up; :func:`qnn.vocabulary.nearest_codes`).
* ``stochastic``: the temperature-controlled kernel ``Q_T``; rounds up with
  probability ``p_T(f) = f**(1/T) / (f**(1/T) + (1 - f)**(1/T))``
  ``= expit(logit(f) / T)``. ``T = 0`` is nearest rounding, ``T = 1`` is
  unbiased stochastic rounding (``p = f``), ``T -> inf`` a fair coin.
* ``boltzmann``: picks among the ``2m + 1`` levels ``nearest(u) + j``,
  ``|j| <= m``, with probability proportional to ``exp(-(u - level)**2 / T)``.

See ``docs/quantization.md`` for the derivation of their bias and variance.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import expit, logit

from hardware_models.dac import DAC
from hardware_models.validation import as_generator
from qnn.vocabulary import DEFAULT_KERNEL, KERNELS, lsb_rad, nearest_codes

if TYPE_CHECKING:
    from qnn.device import DACConfig

#: Rounding kernels of :func:`round_to_grid`. (The stochastic store's default
#: kernel is the two-level ``Q_T``: the Boltzmann kernel moves on-grid codes
#: too, which at 4 bits costs far more accuracy; docs/quantization.md.)
ROUNDINGS = ("nearest", "stochastic", "boltzmann")

SeedLike = int | np.random.Generator


def check_temperature(temperature: object, *, name: str = "temperature") -> float:
    """Validate a rounding temperature (finite, >= 0)."""
    ok = isinstance(temperature, (int, float, np.floating, np.integer))
    if not ok or isinstance(temperature, bool) or not math.isfinite(temperature):  # type: ignore[arg-type]
        raise ValueError(f"{name}: must be a finite number >= 0, got {temperature!r}")
    if temperature < 0:  # type: ignore[operator]
        raise ValueError(f"{name}: must be >= 0, got {temperature!r}")
    return float(temperature)  # type: ignore[arg-type]


def check_neighbours(neighbours: object) -> int:
    """Validate the half-width ``m`` of the Boltzmann window (integer >= 1)."""
    ok = isinstance(neighbours, (int, np.integer)) and not isinstance(neighbours, bool)
    if not ok or int(neighbours) < 1:  # type: ignore[call-overload]
        raise ValueError(f"neighbours: must be an integer >= 1, got {neighbours!r}")
    return int(neighbours)  # type: ignore[call-overload]


def _finite_array(name: str, values: object) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: must be finite, got non-finite values")
    return arr


def _generator(rng: SeedLike | None, rounding: str) -> np.random.Generator:
    if rng is None:
        # Never fall back to a global or fresh-entropy stream: results must be
        # reproducible from the arguments alone.
        raise ValueError(
            f"rng: must be a seed or numpy Generator for {rounding} rounding, got None"
        )
    return as_generator(rng)


def p_round_up(f: np.ndarray | float, temperature: float) -> np.ndarray:
    """Probability that ``Q_T`` rounds up, given the fractional part ``f``.

    ``p_T(f) = f**(1/T) / (f**(1/T) + (1 - f)**(1/T)) = expit(logit(f) / T)``.

    Parameters
    ----------
    f : array_like
        Fractional part of the angle in LSB units, in ``[0, 1]``.
    temperature : float
        ``T >= 0``. ``T = 0`` returns the nearest-rounding indicator
        ``f >= 1/2``; ``T = 1`` returns ``f`` exactly.

    Returns
    -------
    ndarray
        ``p_T(f)``, same shape as ``f``. ``p_T(0) = 0`` for every ``T``, so
        values already on the grid are never moved.
    """
    t = check_temperature(temperature)
    f = np.asarray(f, dtype=float)
    if t == 0.0:
        return (f >= 0.5).astype(float)
    if t == 1.0:
        # Exactly p = f, not expit(logit(f)), which is only equal to ~1 ulp.
        return f.copy()
    # logit(0 or 1) is -/+inf, and a tiny T overflows the ratio to +/-inf; expit
    # maps both to 0 or 1, i.e. exactly the nearest-rounding limit.
    with np.errstate(divide="ignore", over="ignore"):
        return expit(logit(f) / t)


def _boltzmann_weights(u: np.ndarray, temperature: float, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Candidate levels ``nearest(u) + j`` (|j| <= m) and their probabilities."""
    centre = np.floor(u + 0.5)
    offsets = np.arange(-m, m + 1, dtype=float)
    levels = centre[..., None] + offsets
    energy = (u[..., None] - levels) ** 2
    # Subtract the minimum energy before exponentiating so small T cannot
    # underflow every weight to zero.
    # A tiny T overflows the other levels to -inf, which exp maps to weight 0:
    # the limit T -> 0 (nearest rounding) is exactly what is wanted.
    with np.errstate(over="ignore"):
        logw = -(energy - energy.min(axis=-1, keepdims=True)) / temperature
    w = np.exp(logw)
    return levels, w / w.sum(axis=-1, keepdims=True)


def round_to_grid(
    u: np.ndarray | float,
    rounding: str = "nearest",
    *,
    temperature: float = 1.0,
    rng: SeedLike | None = None,
    neighbours: int = 1,
) -> np.ndarray:
    """Round values given in LSB units to integer grid indices (not wrapped).

    Parameters
    ----------
    u : array_like
        Values in units of one LSB (finite).
    rounding : {"nearest", "stochastic", "boltzmann"}, default="nearest"
        Kernel (see the module docstring).
    temperature : float, default=1.0
        Temperature ``T >= 0`` of the ``stochastic`` and ``boltzmann`` kernels;
        ``T = 0`` makes both equal to ``nearest`` and draws no random numbers.
    rng : int, Generator or None
        Seed or generator; required by ``stochastic`` and ``boltzmann`` when
        ``T > 0``.
    neighbours : int, default=1
        Half-width ``m`` of the ``boltzmann`` window.

    Returns
    -------
    ndarray of int64
        Grid indices, same shape as ``u``.
    """
    if rounding not in ROUNDINGS:
        raise ValueError(f"rounding: must be one of {', '.join(ROUNDINGS)}, got {rounding!r}")
    u = _finite_array("u", u)
    t = check_temperature(temperature)
    m = check_neighbours(neighbours)
    if rounding == "nearest" or t == 0.0:
        return np.floor(u + 0.5).astype(np.int64)
    gen = _generator(rng, rounding)
    if rounding == "stochastic":
        lower = np.floor(u)
        up = gen.random(u.shape) < p_round_up(u - lower, t)
        return (lower + up).astype(np.int64)
    levels, probs = _boltzmann_weights(u, t, m)
    # Inverse-CDF draw; the clip guards against the last cumulative sum being
    # a hair below 1 in floating point.
    pick = (gen.random(u.shape)[..., None] > np.cumsum(probs, axis=-1)).sum(axis=-1)
    pick = np.minimum(pick, 2 * m)
    return np.take_along_axis(levels, pick[..., None], axis=-1)[..., 0].astype(np.int64)


def rounding_moments(
    f: np.ndarray | float,
    temperature: float,
    *,
    kernel: str = DEFAULT_KERNEL,
    neighbours: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact bias ``E[Q(x)] - x`` and variance ``Var[Q(x)]`` of a kernel, in LSB units.

    Parameters
    ----------
    f : array_like
        Position of ``x`` inside its cell, ``x - floor(x)`` in ``[0, 1)``.
    temperature : float
        ``T >= 0``.
    kernel : {"tilt", "boltzmann"}, default=DEFAULT_KERNEL
        ``tilt`` is the ``stochastic`` rounding ``Q_T``; ``boltzmann`` the
        multi-level kernel with window half-width ``neighbours``.
    neighbours : int, default=1
        Half-width ``m`` of the Boltzmann window.

    Returns
    -------
    bias : ndarray
        ``E[Q(x)] - x`` in LSB. For ``tilt``: ``p_T(f) - f``.
    variance : ndarray
        ``Var[Q(x)]`` in LSB**2. For ``tilt``: ``p_T(f) (1 - p_T(f))``.
    """
    if kernel not in KERNELS:
        raise ValueError(f"kernel: must be one of {', '.join(KERNELS)}, got {kernel!r}")
    f = np.asarray(f, dtype=float)
    if np.any((f < 0) | (f >= 1)):
        raise ValueError("f: must lie in [0, 1)")
    t = check_temperature(temperature)
    if kernel == "tilt":
        p = p_round_up(f, t)
        return p - f, p * (1.0 - p)
    m = check_neighbours(neighbours)
    if t == 0.0:
        q = np.floor(f + 0.5)
        return q - f, np.zeros_like(f)
    levels, probs = _boltzmann_weights(f, t, m)
    mean = (levels * probs).sum(axis=-1)
    var = ((levels - mean[..., None]) ** 2 * probs).sum(axis=-1)
    return mean - f, var


class AngleGrid:
    """The ``2**bits``-code angle grid of one DAC chip over a full turn.

    Rounding is against the nominal grid (``k * LSB``, ``LSB = 2*pi / 2**bits``,
    :func:`qnn.vocabulary.lsb_rad`); the circuit sees the realized level of
    each code through the chip's transfer (mismatch, gain error, offset).

    Parameters
    ----------
    dac : DACConfig, hardware_models.dac.DAC or int
        The angle DAC: a description (its chip is drawn from its chip seed),
        a built DAC whose full scale is ``2*pi`` rad, or a resolution for an
        ideal DAC.
    virtual : array of bool, optional
        For a vector of parameters, which are virtual rotations (RZ, see
        :meth:`qnn.architectures.Architecture.virtual_params`): their codes
        realize the nominal angle ``k * LSB`` (the phase register of
        ``bits`` bits), not the chip's level. :meth:`to_angle` then takes
        arrays whose last axis is the parameter vector.

    Attributes
    ----------
    bits : int
    dac : hardware_models.dac.DAC
        The chip, with ``full_scale = 2*pi``.
    """

    def __init__(self, dac: DACConfig | DAC | int, virtual: np.ndarray | None = None) -> None:
        from qnn.device import as_dac

        if not isinstance(dac, DAC):
            config = as_dac(dac)
            dac = DAC(config.spec(), rng=config.rng())
        if not math.isclose(dac.spec.full_scale, 2.0 * np.pi, rel_tol=1e-12):
            raise ValueError(f"dac: full_scale must be 2*pi rad, got {dac.spec.full_scale!r}")
        self.dac = dac
        self.bits = dac.spec.bits
        self._levels = np.asarray(dac.levels, dtype=float)
        self._levels.setflags(write=False)
        self.virtual = None if virtual is None else np.asarray(virtual, dtype=bool)

    def for_parameters(self, virtual: np.ndarray | tuple[bool, ...]) -> AngleGrid:
        """This chip's grid for a parameter vector whose ``virtual`` entries are RZ."""
        return AngleGrid(self.dac, virtual=np.asarray(virtual, dtype=bool))

    def __repr__(self) -> str:
        return f"AngleGrid({self.dac.spec!r})"

    @property
    def n_codes(self) -> int:
        """Number of codes, ``2**bits``."""
        return 1 << self.bits

    @property
    def lsb_rad(self) -> float:
        """Nominal angle step, rad."""
        return lsb_rad(self.bits)

    @property
    def nominal_angles(self) -> np.ndarray:
        """Nominal angle of every code, ``k * LSB`` rad, shape ``(2**bits,)``."""
        return np.arange(self.n_codes) * self.lsb_rad

    @property
    def realized_angles(self) -> np.ndarray:
        """Realized angle of every code through the DAC transfer (rad), read-only."""
        return self._levels

    @property
    def inl_rad(self) -> np.ndarray:
        """Realized minus nominal angle of every code (rad): the DAC's INL."""
        return self._levels - self.nominal_angles

    def to_code(
        self,
        theta: np.ndarray | float,
        rounding: str = "nearest",
        *,
        rng: SeedLike | None = None,
        temperature: float = 1.0,
        neighbours: int = 1,
    ) -> np.ndarray:
        """Codes (``0 .. 2**bits - 1``, wrapped) of angles ``theta`` (rad).

        Rounding is against the nominal grid; see :func:`round_to_grid` for
        ``rounding``, ``rng``, ``temperature`` and ``neighbours``.
        """
        theta = _finite_array("theta", theta)
        if rounding == "nearest":
            return nearest_codes(theta, self.bits)
        u = theta / self.lsb_rad
        k = round_to_grid(u, rounding, temperature=temperature, rng=rng, neighbours=neighbours)
        return np.mod(k, self.n_codes)

    def nominal_angle(self, codes: np.ndarray | int) -> np.ndarray:
        """Nominal angle ``(k mod 2**bits) * LSB`` of integer codes (rad)."""
        return np.mod(np.asarray(codes, dtype=np.int64), self.n_codes) * self.lsb_rad

    def to_angle(self, codes: np.ndarray | int) -> np.ndarray:
        """Realized angle of integer codes through the DAC transfer (rad); codes wrap.

        Virtual parameters (see ``virtual``) realize their nominal angle.
        """
        k = np.mod(np.asarray(codes, dtype=np.int64), self.n_codes)
        if self.virtual is None:
            return self._levels[k]
        return np.where(self.virtual, k * self.lsb_rad, self._levels[k])

    def quantize(
        self,
        theta: np.ndarray | float,
        rounding: str = "nearest",
        *,
        rng: SeedLike | None = None,
        temperature: float = 1.0,
        neighbours: int = 1,
    ) -> np.ndarray:
        """Realized angles of ``theta`` after rounding to the grid (rad)."""
        return self.to_angle(
            self.to_code(
                theta, rounding, rng=rng, temperature=temperature, neighbours=neighbours
            )
        )


def quantize_parameters(theta: np.ndarray, dac: DACConfig | int | float,
                        virtual: np.ndarray | tuple[bool, ...] | None = None) -> np.ndarray:
    """Post-training quantization: the angles the DAC ``dac`` realizes for ``theta``.

    Parameters
    ----------
    theta : array_like
        Float-trained angles (rad).
    dac : DACConfig, int or inf
        The angle DAC (its chip from its chip seed; a bare resolution is an
        ideal DAC); ``bits=inf`` returns a copy.
    virtual : array of bool, optional
        Which parameters are RZ (:meth:`qnn.architectures.Architecture.virtual_params`):
        they realize their nominal angle, not the chip's level.

    Returns
    -------
    ndarray
        Realized angles (rad) in about ``[0, 2*pi)``: nearest code, wrapped,
        through the DAC transfer.
    """
    from qnn.device import as_dac

    theta = _finite_array("theta", theta)
    dac = as_dac(dac)
    if dac.is_float:
        return theta.copy()
    grid = dac.grid() if virtual is None else dac.grid().for_parameters(virtual)
    return grid.quantize(theta, "nearest")
