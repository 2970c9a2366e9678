"""INL yield Monte Carlo, analytic sizing checked against it, and Pelgrom area."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from hardware_models.dac import ARCHITECTURES, DACSpec
from hardware_models.mismatch import inl_yield, pelgrom_unit_area_m2, required_unit_sigma

MSBS = {"binary": 0, "unary": 0, "segmented": 4}


def _spec(arch: str, sigma: float, bits: int = 8) -> DACSpec:
    return DACSpec(bits=bits, architecture=arch, unary_msbs=MSBS[arch], mismatch_sigma=sigma)


def test_van_den_bosch_formula_by_hand() -> None:
    # Y = 0.997 -> C = Phi^-1(0.9985) ~ 2.968 ; 10 bits: 1 / (2 * 2.968 * 32)
    c = norm.ppf(0.5 + 0.997 / 2)
    assert required_unit_sigma(10, yield_target=0.997) == pytest.approx(1 / (2 * c * 32))
    assert required_unit_sigma(10, yield_target=0.997, inl_limit_lsb=1.0) == pytest.approx(
        1 / (c * 32))


def test_required_sigma_halves_every_two_bits() -> None:
    s = [required_unit_sigma(n) for n in range(1, 17)]
    assert np.all(np.diff(s) < 0)
    assert s[9] / s[11] == pytest.approx(2.0)


def test_zero_sigma_always_yields() -> None:
    assert inl_yield(_spec("binary", 0.0), n_trials=5).fraction == 1.0


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_yield_falls_as_sigma_rises(arch: str) -> None:
    sigmas = [0.01, 0.03, 0.05, 0.08]
    fractions = [inl_yield(_spec(arch, s), n_trials=300, rng=i).fraction
                 for i, s in enumerate(sigmas)]
    # Expected roughly 1, 0.85, 0.3, 0.03: far apart compared with the binomial spread.
    assert fractions[0] > 0.97 and fractions[-1] < 0.15
    assert np.all(np.diff(fractions) < 0)


def test_same_seed_same_estimate() -> None:
    a = inl_yield(_spec("binary", 0.04), n_trials=50, rng=9)
    b = inl_yield(_spec("binary", 0.04), n_trials=50, rng=np.random.default_rng(9))
    assert a == b and 0 < a.fraction < 1


@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize("target", [0.9, 0.99])
def test_van_den_bosch_sizing_meets_target_by_monte_carlo(arch: str, target: float) -> None:
    sigma = required_unit_sigma(8, yield_target=target)
    est = inl_yield(_spec(arch, sigma), n_trials=1000, rng=1)
    # Conservative in this high-yield regime: the MC yield is at least the target.
    assert est.fraction >= target - 3 * math.sqrt(target * (1 - target) / est.n_trials)


@pytest.mark.parametrize("seed", range(3))
def test_kolmogorov_sizing_predicts_unary_yield(seed: int) -> None:
    """Endpoint INL of a unary DAC is a Brownian bridge: the yield is the Kolmogorov CDF."""
    for target in (0.5, 0.9):
        sigma = required_unit_sigma(8, yield_target=target, method="kolmogorov")
        est = inl_yield(_spec("unary", sigma), n_trials=1000, rng=seed)
        # The discrete bridge (255 steps) peaks slightly below the continuous one: the
        # MC yield lies a little above the target, never far from it.
        assert target - 3 * est.stderr <= est.fraction <= target + 0.1


def test_pelgrom_area_by_hand() -> None:
    # A_beta = 1 %um, A_VT = 3 mV um, V_ov = 0.2 V: A^2 = 1e-16 + 4 * 9e-18 / 0.04 = 1e-15 m^2
    area = pelgrom_unit_area_m2(0.01, a_beta_m=1e-8, a_vt_v_m=3e-9, overdrive_v=0.2)
    assert area == pytest.approx(1e-15 / 1e-4)  # 10 um^2
    assert pelgrom_unit_area_m2(0.005, a_beta_m=1e-8) == pytest.approx(4e-12)


def test_validation() -> None:
    with pytest.raises(ValueError, match="^yield_target: must be in"):
        required_unit_sigma(8, yield_target=1.0)
    with pytest.raises(ValueError, match="^method: must be one of van_den_bosch, kolmogorov"):
        required_unit_sigma(8, method="guess")
    with pytest.raises(ValueError, match="^bits: must be an integer 1..16"):
        required_unit_sigma(0)
    with pytest.raises(ValueError, match="^n_trials: must be"):
        inl_yield(_spec("binary", 0.01), n_trials=0)
    with pytest.raises(ValueError, match="^sigma_unit: must be"):
        pelgrom_unit_area_m2(0.0, a_beta_m=1e-8)
