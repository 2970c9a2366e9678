"""Mismatch: INL yield by Monte Carlo, the unit-cell sigma a yield target needs, and its area.

Sizing follows the current-steering DAC literature:

* Van den Bosch et al., "A 10-bit 1-GSample/s Nyquist current-steering CMOS
  D/A converter", IEEE JSSC 36(3), 2001 (yield model of Van den Bosch et al.,
  ISCAS 2000): the INL yield ``Y`` (fraction of DACs with ``max |INL| < 0.5 LSB``)
  is met when ``sigma_u <= 1 / (2 C sqrt(2**N))`` with
  ``C = Phi^-1(0.5 + Y / 2)``. We generalise the 0.5 LSB limit to
  ``inl_limit_lsb``: ``sigma_u <= inl_limit_lsb / (C sqrt(2**N))``.
  It bounds the INL of the full-scale code relative to the ideal line, so it is
  conservative for an endpoint-fit INL.
* ``"kolmogorov"``: for a unary DAC with endpoint fit the INL is a discrete
  Brownian bridge of ``2**N - 1`` steps with step std ``sigma_u``, so
  ``P(max |INL| < x) -> K(x / (sigma_u sqrt(2**N - 1)))`` with Kolmogorov's
  distribution ``K``. Inverting gives the sigma at which the yield is the target
  (not a bound); the Monte Carlo of :func:`inl_yield` checks it in the tests.

Area follows Pelgrom's law, written for a saturated unit current source as in
Van den Bosch 2001: ``sigma(I)/I = sqrt(A_beta**2 + 4 A_VT**2 / V_ov**2) / sqrt(W L)``,
so ``W L = (A_beta**2 + 4 A_VT**2 / V_ov**2) / sigma_u**2``
(Pelgrom et al., IEEE JSSC 24(5), 1989).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from statistics import NormalDist

import numpy as np

from hardware_models.dac import DAC, DACSpec, as_generator
from hardware_models.linearity import FITS, inl_lsb
from hardware_models.validation import check_int, check_positive

SIZING_METHODS = ("van_den_bosch", "kolmogorov")


@dataclass(frozen=True)
class YieldEstimate:
    """Monte Carlo INL yield.

    Attributes
    ----------
    fraction : float
        Passing fraction ``n_pass / n_trials``.
    n_pass : int
    n_trials : int
    inl_limit_lsb : float
        The pass criterion ``max |INL| < inl_limit_lsb``.
    """

    fraction: float
    n_pass: int
    n_trials: int
    inl_limit_lsb: float

    @property
    def stderr(self) -> float:
        """Binomial standard error of :attr:`fraction`."""
        p = self.fraction
        return math.sqrt(max(p * (1.0 - p), 0.0) / self.n_trials)


def _check_yield(yield_target: float) -> float:
    y = float(yield_target)
    if not 0.0 < y < 1.0:
        raise ValueError(f"yield_target: must be in (0, 1), got {yield_target!r}")
    return y




def inl_yield(
    spec: DACSpec,
    *,
    n_trials: int = 500,
    inl_limit_lsb: float = 0.5,
    fit: str = "endpoint",
    rng: int | np.random.Generator = 0,
) -> YieldEstimate:
    """Fraction of DAC instances of ``spec`` with ``max |INL| < inl_limit_lsb``.

    Parameters
    ----------
    spec : DACSpec
        The DAC design; ``spec.mismatch_sigma`` sets the unit-cell spread.
    n_trials : int, default=500
        Number of independent instances (each draws its own mismatch).
    inl_limit_lsb : float, default=0.5
        Pass threshold, LSB.
    fit : {"endpoint", "best"}, default="endpoint"
        INL reference line.
    rng : int or numpy.random.Generator, default=0
        Seed or generator; the same seed gives the same estimate.

    Returns
    -------
    YieldEstimate
    """
    if not isinstance(spec, DACSpec):
        raise ValueError(f"spec: must be a DACSpec, got {type(spec).__name__}")
    if isinstance(n_trials, bool) or not isinstance(n_trials, (int, np.integer)) or n_trials < 1:
        raise ValueError(f"n_trials: must be an integer >= 1, got {n_trials!r}")
    limit = check_positive("inl_limit_lsb", inl_limit_lsb)
    if fit not in FITS:
        raise ValueError(f"fit: must be one of {', '.join(FITS)}, got {fit!r}")
    gen = as_generator(rng)
    # Gain, offset and output noise do not change the fitted INL; drop them.
    static = replace(spec, gain_error=0.0, offset=0.0, noise_rms=0.0)
    n_pass = 0
    for child in gen.spawn(int(n_trials)):
        levels = DAC(static, rng=child).levels
        try:
            worst = np.max(np.abs(inl_lsb(levels, fit)))
        except ValueError:  # a transfer that does not rise at all fails by definition
            continue
        n_pass += int(worst < limit)
    return YieldEstimate(
        fraction=n_pass / n_trials, n_pass=n_pass, n_trials=int(n_trials), inl_limit_lsb=limit
    )


def required_unit_sigma(
    bits: int,
    *,
    yield_target: float = 0.997,
    inl_limit_lsb: float = 0.5,
    method: str = "van_den_bosch",
) -> float:
    """Largest relative unit-cell sigma that meets an INL yield target.

    Parameters
    ----------
    bits : int
        Resolution N, 1..16.
    yield_target : float, default=0.997
        Target fraction of DACs with ``max |INL| < inl_limit_lsb``, in (0, 1).
    inl_limit_lsb : float, default=0.5
        INL limit, LSB.
    method : {"van_den_bosch", "kolmogorov"}, default="van_den_bosch"
        See the module docstring.

    Returns
    -------
    float
        ``sigma(I)/I`` of one unit cell (dimensionless).
    """
    n = check_int("bits", bits, 1, 16)
    y = _check_yield(yield_target)
    limit = check_positive("inl_limit_lsb", inl_limit_lsb)
    if method == "van_den_bosch":
        # The standard library's inverse normal CDF agrees with scipy.special.ndtri to
        # ~1e-15 and keeps scipy (~0.2 s to import) out of `cosim dac`.
        c = NormalDist().inv_cdf(0.5 + y / 2.0)
        return limit / (c * math.sqrt(2.0**n))
    if method == "kolmogorov":
        from scipy.optimize import brentq
        from scipy.special import kolmogorov

        # kolmogorov(x) is the survival function 1 - K(x); solve K(lam) = y.
        lam = brentq(lambda x: (1.0 - kolmogorov(x)) - y, 1e-3, 20.0)
        return limit / (lam * math.sqrt(2.0**n - 1.0))
    raise ValueError(f"method: must be one of {', '.join(SIZING_METHODS)}, got {method!r}")


def pelgrom_unit_area_m2(
    sigma_unit: float,
    *,
    a_beta_m: float,
    a_vt_v_m: float = 0.0,
    overdrive_v: float = 0.2,
) -> float:
    """Gate area ``W L`` of a unit current source with relative current std ``sigma_unit``.

    Parameters
    ----------
    sigma_unit : float
        Required ``sigma(I)/I`` (dimensionless, > 0).
    a_beta_m : float
        Current-factor matching coefficient ``A_beta`` in (fraction * m),
        e.g. 1 %·µm = 0.01 * 1e-6 m = 1e-8 m.
    a_vt_v_m : float, default=0.0
        Threshold matching coefficient ``A_VT`` in V·m, e.g. 2 mV·µm = 2e-9 V·m.
    overdrive_v : float, default=0.2
        Gate overdrive ``V_GS - V_T`` of the current source, V.

    Returns
    -------
    float
        Gate area, m².
    """
    s = check_positive("sigma_unit", sigma_unit)
    ab = check_positive("a_beta_m", a_beta_m)
    avt = float(a_vt_v_m)
    if not (math.isfinite(avt) and avt >= 0):
        raise ValueError(f"a_vt_v_m: must be a finite number >= 0, got {a_vt_v_m!r}")
    vov = check_positive("overdrive_v", overdrive_v)
    a_sq = ab**2 + 4.0 * avt**2 / vov**2
    return a_sq / s**2
