"""Angle grid, rounding kernels, post-training quantization and encoding quantization.

Analytic checks of the kernels first, then statistical checks of the random
draws against those formulas, then hypothesis invariants, then validation.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware_models.dac import DAC, DACSpec
from qnn.device import DACConfig
from qnn.gateset import IdealGateSet, rotation
from qnn.quantization import (
    ROUNDINGS,
    AngleGrid,
    nearest_codes,
    p_round_up,
    quantize_parameters,
    round_to_grid,
    rounding_moments,
)

SEEDS = (0, 1, 2)
N_DRAWS = 20_000


def _wrap(a: np.ndarray) -> np.ndarray:
    """Wrap angles into [-pi, pi)."""
    return (np.asarray(a) + np.pi) % (2 * np.pi) - np.pi


# -- the Q_T kernel: closed forms ------------------------------------------------------


@given(f=st.floats(min_value=0.0, max_value=1.0, exclude_max=True))
def test_unit_temperature_is_exactly_unbiased(f: float) -> None:
    assert p_round_up(f, 1.0) == f
    bias, var = rounding_moments(f, 1.0)
    assert bias == 0.0
    assert var == pytest.approx(f * (1 - f), abs=1e-15)


@given(f=st.floats(min_value=0.0, max_value=1.0, exclude_max=True))
def test_zero_temperature_is_nearest(f: float) -> None:
    assert p_round_up(f, 0.0) == (1.0 if f >= 0.5 else 0.0)
    bias, var = rounding_moments(f, 0.0)
    assert bias == pytest.approx(math.floor(f + 0.5) - f)
    assert var == 0.0


@given(
    f=st.floats(min_value=1e-3, max_value=1 - 1e-3),
    t_lo=st.floats(min_value=0.05, max_value=20.0),
    factor=st.floats(min_value=1.01, max_value=10.0),
)
def test_p_up_is_monotone_in_f_and_moves_towards_a_coin_with_t(
    f: float, t_lo: float, factor: float
) -> None:
    t_hi = t_lo * factor
    p_lo, p_hi = p_round_up(f, t_lo), p_round_up(f, t_hi)
    # Raising T pulls p towards 1/2 from whichever side it is on.
    assert abs(p_hi - 0.5) <= abs(p_lo - 0.5) + 1e-12
    assert (p_hi - 0.5) * (f - 0.5) >= 0
    # Symmetry p(1 - f) = 1 - p(f): up and down are treated alike.
    assert p_round_up(1 - f, t_lo) == pytest.approx(1 - p_lo, abs=1e-12)
    # Monotone in f at fixed T.
    assert p_round_up(min(f + 1e-3, 0.999), t_lo) >= p_lo


def test_large_temperature_approaches_a_fair_coin() -> None:
    f = np.linspace(0.01, 0.99, 99)
    assert np.max(np.abs(p_round_up(f, 1e6) - 0.5)) < 1e-5
    bias, var = rounding_moments(f, 1e6)
    np.testing.assert_allclose(bias, 0.5 - f, atol=1e-5)
    np.testing.assert_allclose(var, 0.25, atol=1e-9)
    # Values on the grid stay there at every temperature.
    assert p_round_up(0.0, 1e6) == 0.0


# -- the Q_T kernel: draws against the closed forms --------------------------------------


@pytest.mark.parametrize("x", [0.1, 0.25, 0.5, 0.73, 0.97, -3.4, 17.62])
def test_stochastic_rounding_is_unbiased_at_t1(x: float) -> None:
    draws = np.concatenate(
        [
            round_to_grid(np.full(N_DRAWS, x), "stochastic", temperature=1.0, rng=seed)
            for seed in SEEDS
        ]
    )
    f = x - math.floor(x)
    sigma = math.sqrt(f * (1 - f) / draws.size)
    assert abs(draws.mean() - x) < 3 * sigma
    assert set(np.unique(draws)) <= {math.floor(x), math.floor(x) + 1}


@pytest.mark.parametrize("temperature", [0.3, 0.5, 2.0, 5.0])
@pytest.mark.parametrize("f", [0.1, 0.3, 0.8])
def test_stochastic_draws_follow_p_up(temperature: float, f: float) -> None:
    x = 4.0 + f
    draws = np.concatenate(
        [round_to_grid(np.full(N_DRAWS, x), "stochastic", temperature=temperature, rng=s)
         for s in SEEDS]
    )
    p = float(p_round_up(f, temperature))
    sigma = math.sqrt(max(p * (1 - p), 1e-12) / draws.size)
    bias, _ = rounding_moments(f, temperature)
    assert abs((draws.mean() - x) - bias) < 3 * sigma + 1e-12
    if temperature != 1.0:
        # The same sample size resolves the bias: the unbiasedness test has power.
        assert abs(bias) > 6 * sigma


@given(
    u=st.floats(min_value=-1e3, max_value=1e3),
    temperature=st.sampled_from([1e-3, 1e-2]),
    seed=st.integers(min_value=0, max_value=2**31),
)
def test_small_temperature_equals_nearest_rounding(u: float, temperature: float, seed: int) -> None:
    f = u - math.floor(u)
    if abs(f - 0.5) < 0.05:
        # Within 0.05 LSB of a tie the limit is approached slowly; skip those.
        return
    nearest = round_to_grid(u, "nearest")
    assert round_to_grid(u, "stochastic", temperature=temperature, rng=seed) == nearest
    assert round_to_grid(u, "boltzmann", temperature=temperature, rng=seed) == nearest
    assert round_to_grid(u, "stochastic", temperature=0.0) == nearest


# -- the Boltzmann kernel ----------------------------------------------------------------


@pytest.mark.parametrize(("temperature", "m"), [(0.5, 1), (1.0, 1), (1.0, 2), (4.0, 3)])
def test_boltzmann_draws_match_exact_moments(temperature: float, m: int) -> None:
    for f in (0.0, 0.2, 0.45):
        x = -2.0 + f
        draws = np.concatenate(
            [round_to_grid(np.full(N_DRAWS, x), "boltzmann", temperature=temperature,
                           rng=s, neighbours=m) for s in SEEDS]
        ).astype(float)
        bias, var = rounding_moments(f, temperature, kernel="boltzmann", neighbours=m)
        assert abs(draws.mean() - x - bias) < 3 * math.sqrt(var / draws.size)
        centred = draws - draws.mean()
        se_var = math.sqrt(np.mean(centred**4) - np.mean(centred**2) ** 2) / math.sqrt(draws.size)
        assert abs(np.mean(centred**2) - var) < 5 * se_var
        centre = math.floor(x + 0.5)
        assert draws.min() >= centre - m and draws.max() <= centre + m


def test_wide_boltzmann_window_is_a_discrete_gaussian() -> None:
    # With the window wide enough to ignore truncation (e^{-m^2/T} negligible),
    # the kernel is a discrete Gaussian with weights exp(-(x - j)^2 / T). By
    # Poisson summation its partition function is, up to a constant,
    # Z(f) = 1 + 2 sum_k q^(k^2) cos(2 pi k f) with q = exp(-pi^2 T), and
    # E[j] - x = (T/2) (log Z)',  Var[j] = (T/2) (1 + (T/2) (log Z)'').
    f = np.linspace(0.0, 0.95, 20)
    k = np.arange(1, 6)[:, None]
    for temperature in (0.5, 1.0, 2.0):
        q = np.exp(-np.pi**2 * temperature * k**2)
        z = 1 + 2 * np.sum(q * np.cos(2 * np.pi * k * f), axis=0)
        dz = -4 * np.pi * np.sum(k * q * np.sin(2 * np.pi * k * f), axis=0)
        d2z = -8 * np.pi**2 * np.sum(k**2 * q * np.cos(2 * np.pi * k * f), axis=0)
        dlog, d2log = dz / z, d2z / z - (dz / z) ** 2
        bias, var = rounding_moments(f, temperature, kernel="boltzmann", neighbours=12)
        np.testing.assert_allclose(bias, temperature / 2 * dlog, atol=1e-12)
        np.testing.assert_allclose(var, temperature / 2 * (1 + temperature / 2 * d2log), atol=1e-12)


def test_boltzmann_large_t_is_uniform_over_the_window() -> None:
    for m in (1, 2, 4):
        bias, var = rounding_moments(np.array([0.1, 0.7]), 1e7, kernel="boltzmann", neighbours=m)
        np.testing.assert_allclose(bias, [-0.1, 0.3], atol=1e-5)
        np.testing.assert_allclose(var, m * (m + 1) / 3, rtol=1e-5)


# -- the angle grid ------------------------------------------------------------------------


@settings(deadline=None, max_examples=60)
@given(
    bits=st.integers(min_value=1, max_value=12),
    theta=st.lists(st.floats(min_value=-50.0, max_value=50.0), min_size=1, max_size=20),
    rounding=st.sampled_from(ROUNDINGS),
    temperature=st.floats(min_value=0.0, max_value=5.0),
    seed=st.integers(min_value=0, max_value=2**31),
)
def test_quantized_angles_lie_on_the_grid(
    bits: int, theta: list[float], rounding: str, temperature: float, seed: int
) -> None:
    grid = AngleGrid(bits)
    codes = grid.to_code(theta, rounding, rng=seed, temperature=temperature, neighbours=2)
    assert codes.dtype == np.int64
    assert np.all((codes >= 0) & (codes < 2**bits))
    angles = grid.quantize(theta, rounding, rng=seed, temperature=temperature, neighbours=2)
    k = angles / grid.lsb_rad
    np.testing.assert_allclose(k, np.round(k), atol=1e-9)
    assert np.all((angles >= 0) & (angles < 2 * np.pi))
    if rounding == "nearest":
        assert np.all(np.abs(_wrap(angles - np.asarray(theta))) <= grid.lsb_rad / 2 + 1e-12)


@settings(deadline=None, max_examples=50)
@given(
    bits=st.integers(min_value=1, max_value=16),
    theta=st.lists(st.floats(min_value=-20.0, max_value=20.0), min_size=1, max_size=10),
)
def test_nearest_codes_agree_with_the_dac(bits: int, theta: list[float]) -> None:
    grid = AngleGrid(bits)
    dac_codes = grid.dac.to_code(np.asarray(theta), "nearest", wrap=True)
    np.testing.assert_array_equal(grid.to_code(theta), dac_codes)
    np.testing.assert_array_equal(nearest_codes(np.asarray(theta), bits), dac_codes)


def test_grid_constants() -> None:
    grid = AngleGrid(5)
    assert grid.n_codes == 32 and grid.lsb_rad == pytest.approx(2 * np.pi / 32)
    np.testing.assert_allclose(grid.nominal_angles, np.arange(32) * 2 * np.pi / 32)
    np.testing.assert_array_equal(grid.realized_angles, grid.nominal_angles)
    assert grid.to_code(2 * np.pi - 1e-9) == 0  # wraps to the first code
    assert grid.to_angle(33) == grid.to_angle(1)


@pytest.mark.parametrize("architecture", ["binary", "unary"])
def test_inl_dac_realized_angles_differ_from_nominal_by_its_inl(architecture: str) -> None:
    bits, sigma, seed = 6, 0.05, 3
    grid = AngleGrid(DACConfig(bits=bits, mismatch_sigma=sigma, chip_seed=seed,
                               architecture=architecture))
    dac = DAC(
        DACSpec(bits=bits, full_scale=2 * np.pi, architecture=architecture,
                mismatch_sigma=sigma),
        rng=seed,
    )
    codes = np.arange(-5, 70)
    inl = dac.levels - dac.ideal_levels
    np.testing.assert_allclose(
        grid.to_angle(codes) - grid.nominal_angle(codes), inl[codes % 64], atol=1e-15
    )
    np.testing.assert_allclose(grid.inl_rad, inl, atol=1e-15)
    assert np.max(np.abs(grid.inl_rad)) > 0
    # Code 0 has no cell switched on, so no INL: the mismatch only enters through cells.
    assert grid.inl_rad[0] == 0.0


# -- post-training quantization and encoding -----------------------------------------------


@settings(deadline=None, max_examples=40)
@given(
    bits=st.integers(min_value=1, max_value=16),
    theta=st.lists(st.floats(min_value=-10.0, max_value=10.0), min_size=1, max_size=16),
)
def test_ptq_error_is_at_most_half_an_lsb(bits: int, theta: list[float]) -> None:
    q = quantize_parameters(np.asarray(theta), bits)
    assert np.all(np.abs(_wrap(q - np.asarray(theta))) <= np.pi / 2**bits + 1e-12)


def test_ptq_with_inl_reads_the_dac_levels() -> None:
    rng = np.random.default_rng(11)
    theta = rng.uniform(-np.pi, np.pi, 48)
    q = quantize_parameters(theta, DACConfig(bits=6, mismatch_sigma=0.03, chip_seed=5))
    dac = DAC(DACSpec(bits=6, full_scale=2 * np.pi, mismatch_sigma=0.03), rng=5)
    np.testing.assert_array_equal(q, dac.levels[nearest_codes(theta, 6)])
    np.testing.assert_array_equal(quantize_parameters(theta, math.inf), theta)


def test_parameter_codes_drive_the_ideal_gate_set() -> None:
    theta = np.linspace(-3.0, 9.0, 13)
    codes = nearest_codes(theta, 7)
    np.testing.assert_allclose(
        IdealGateSet(7).unitaries("x", codes), rotation("x", quantize_parameters(theta, 7))
    )


@pytest.mark.parametrize(("field", "value"), [("gain_error", 0.05), ("offset_rad", 0.02)])
def test_gain_error_and_offset_move_the_realized_angles(field: str, value: float) -> None:
    # L_k = k * LSB * (1 + gain_error) + offset on an otherwise ideal DAC.
    theta = np.random.default_rng(2).uniform(0, 2 * np.pi, 40)
    codes = nearest_codes(theta, 6)
    q = quantize_parameters(theta, DACConfig(bits=6, **{field: value}))
    gain = 1 + (value if field == "gain_error" else 0.0)
    offset = value if field == "offset_rad" else 0.0
    np.testing.assert_allclose(q, codes * (2 * np.pi / 64) * gain + offset, atol=1e-12)


# -- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: AngleGrid(0), "bits: must be an integer 1..16 or inf, got 0"),
        (lambda: AngleGrid(17), "bits: must be an integer 1..16 or inf, got 17"),
        (lambda: AngleGrid(True), "bits: must be an integer 1..16 or inf, got True"),
        (lambda: AngleGrid(math.inf), "bits: a DAC spec needs an integer resolution"),
        (lambda: DACConfig(bits=4, mismatch_sigma=-0.1),
         "mismatch_sigma: must be a finite number >= 0"),
        (lambda: quantize_parameters(np.zeros(2), 0),
         "bits: must be an integer 1..16 or inf, got 0"),
        (lambda: quantize_parameters(np.zeros(2), 2.5), "bits: must be an integer 1..16 or inf"),
        (lambda: quantize_parameters([np.nan], 4), "theta: must be finite"),
        (lambda: round_to_grid(0.3, "x"),
         "rounding: must be one of nearest, stochastic, boltzmann, got 'x'"),
        (lambda: round_to_grid(0.3, "stochastic"), "rng: must be a seed or numpy Generator"),
        (lambda: round_to_grid(0.3, "stochastic", temperature=-1, rng=0),
         "temperature: must be >= 0, got -1"),
        (lambda: round_to_grid(0.3, "boltzmann", rng=0, neighbours=0),
         "neighbours: must be an integer >= 1, got 0"),
        (lambda: p_round_up(0.3, math.inf), "temperature: must be a finite number >= 0"),
        (lambda: rounding_moments(0.3, 1.0, kernel="x"), "kernel: must be one of tilt, boltzmann"),
        (lambda: rounding_moments(1.0, 1.0), "f: must lie in [0, 1)"),
    ],
)
def test_bad_arguments_name_the_parameter(call, message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        call()
