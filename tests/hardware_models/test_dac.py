"""DAC transfer: analytic checks, architecture signatures, then hypothesis properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware_models.dac import ARCHITECTURES, DAC, DACSpec
from hardware_models.linearity import dnl_lsb, is_monotonic

SEEDS = range(5)


def _spec(arch: str, bits: int, **kw: float) -> DACSpec:
    msbs = max(1, bits // 2) if arch == "segmented" else 0
    return DACSpec(bits=bits, architecture=arch, unary_msbs=msbs, **kw)


# --- analytic ---------------------------------------------------------------------------


@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize("bits", [1, 3, 8, 16])
def test_ideal_dac_reproduces_the_ideal_grid_exactly(arch: str, bits: int) -> None:
    dac = DAC(_spec(arch, bits, full_scale=2.0))
    assert dac.n_codes == 2**bits
    assert dac.lsb == 2.0 / 2**bits
    np.testing.assert_array_equal(dac.levels, np.arange(2**bits) * dac.lsb)
    np.testing.assert_array_equal(dac.ideal_levels, dac.levels)
    assert dac.levels[-1] == pytest.approx(2.0 - dac.lsb)


def test_gain_and_offset_map_levels_affinely() -> None:
    dac = DAC(DACSpec(bits=4, gain_error=0.01, offset=-0.1))
    np.testing.assert_allclose(dac.levels, dac.ideal_levels * 1.01 - 0.1, rtol=0, atol=1e-15)


@pytest.mark.parametrize("seed", SEEDS)
def test_architectures_wire_the_same_cells(seed: int) -> None:
    """Same seed: same cells, so the full-scale level (all cells on) is architecture-free."""
    tops = [DAC(_spec(a, 6, mismatch_sigma=0.05), rng=seed).levels[-1] for a in ARCHITECTURES]
    np.testing.assert_allclose(tops, tops[0], rtol=1e-12)


def test_binary_level_is_sum_of_its_set_bit_elements() -> None:
    dac = DAC(DACSpec(bits=5, mismatch_sigma=0.1), rng=7)
    u = dac.unit_currents
    elements = [u[2**i - 1 : 2 ** (i + 1) - 1].sum() for i in range(5)]
    for code in (0, 1, 6, 19, 31):
        expected = sum(e for i, e in enumerate(elements) if code >> i & 1) * dac.lsb
        assert dac.levels[code] == pytest.approx(expected, rel=1e-12)


def test_unary_level_is_prefix_sum_of_cells() -> None:
    dac = DAC(DACSpec(bits=4, architecture="unary", mismatch_sigma=0.1), rng=3)
    np.testing.assert_allclose(dac.levels[1:], np.cumsum(dac.unit_currents) * dac.lsb)


def test_same_seed_same_dac_and_generator_accepted() -> None:
    spec = DACSpec(bits=8, mismatch_sigma=0.03)
    np.testing.assert_array_equal(DAC(spec, rng=11).levels, DAC(spec, rng=11).levels)
    np.testing.assert_array_equal(DAC(spec, rng=np.random.default_rng(11)).levels,
                                  DAC(spec, rng=11).levels)
    assert not np.array_equal(DAC(spec, rng=11).levels, DAC(spec, rng=12).levels)


def test_unary_is_monotonic_for_any_positive_cells() -> None:
    for seed in SEEDS:
        assert is_monotonic(DAC(DACSpec(bits=8, architecture="unary", mismatch_sigma=0.2),
                                rng=seed).levels)


@pytest.mark.parametrize("bits", [6, 8])
def test_binary_worst_dnl_sits_at_the_msb_carry(bits: int) -> None:
    """DNL at code k -> k+1 with a j-bit carry has std sigma*sqrt(2**(j+1) - 1) LSB."""
    sigma, trials = 0.02, 200
    dnl = np.array([dnl_lsb(DAC(DACSpec(bits=bits, mismatch_sigma=sigma), rng=s).levels)
                    for s in range(trials)])
    msb = 2 ** (bits - 1) - 1
    std = dnl.std(axis=0)
    assert np.argmax(std) == msb
    assert std[msb] == pytest.approx(sigma * np.sqrt(2**bits - 1), rel=0.2)
    worst = np.argmax(np.abs(dnl), axis=1)
    # The MSB carry is the single most frequent worst code (about half the instances).
    assert np.bincount(worst).argmax() == msb
    assert np.mean(worst == msb) > 0.25


def test_unary_has_no_dnl_spike() -> None:
    sigma = 0.02
    dnl = np.array([dnl_lsb(DAC(DACSpec(bits=8, architecture="unary", mismatch_sigma=sigma),
                                rng=s).levels) for s in range(200)])
    std = dnl.std(axis=0)
    assert std.max() < 1.5 * np.median(std)
    assert np.median(std) == pytest.approx(sigma, rel=0.1)


def test_segmented_carries_are_at_unary_boundaries() -> None:
    sigma, bits, k = 0.02, 8, 4
    dnl = np.array([dnl_lsb(DAC(DACSpec(bits=bits, architecture="segmented", unary_msbs=k,
                                        mismatch_sigma=sigma), rng=s).levels)
                    for s in range(200)])
    std = dnl.std(axis=0)
    boundaries = np.arange(1, 2**k) * 2 ** (bits - k) - 1
    assert set(np.argsort(std)[-len(boundaries):]) == set(boundaries)


def test_sixteen_bit_unary_builds() -> None:
    dac = DAC(DACSpec(bits=16, architecture="unary", mismatch_sigma=0.01), rng=0)
    assert dac.levels.shape == (65536,)
    assert is_monotonic(dac.levels)


def test_to_code_rounding_modes_and_wrap() -> None:
    dac = DAC(DACSpec(bits=3, full_scale=8.0))  # lsb = 1
    v = np.array([-1.2, 0.49, 0.5, 2.7, 7.2, 9.0])
    np.testing.assert_array_equal(dac.to_code(v), [0, 0, 1, 3, 7, 7])
    np.testing.assert_array_equal(dac.to_code(v, rounding="floor"), [0, 0, 0, 2, 7, 7])
    np.testing.assert_array_equal(dac.to_code(v, wrap=True), [7, 0, 1, 3, 7, 1])
    assert dac.to_code(2.3).dtype == np.int64


def test_phase_wraps_modulo_two_pi() -> None:
    dac = DAC(DACSpec(bits=8, full_scale=2 * np.pi))
    assert dac.to_code(2 * np.pi, wrap=True) == 0
    assert dac.to_code(-dac.lsb, wrap=True) == 255


def test_to_value_noise_needs_rng_and_has_its_rms() -> None:
    dac = DAC(DACSpec(bits=4, noise_rms=0.01))
    codes = np.full(20000, 5)
    np.testing.assert_array_equal(dac.to_value(codes), dac.levels[codes])
    noisy = dac.to_value(codes, rng=1)
    assert np.std(noisy) == pytest.approx(0.01, rel=0.05)
    assert abs(np.mean(noisy) - dac.levels[5]) < 5 * 0.01 / np.sqrt(codes.size)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"bits": 0}, "bits"),
        ({"bits": 17}, "bits"),
        ({"bits": 8.0}, "bits"),
        ({"full_scale": 0.0}, "full_scale"),
        ({"architecture": "thermo"}, "architecture"),
        ({"architecture": "segmented", "unary_msbs": 0}, "unary_msbs"),
        ({"architecture": "segmented", "unary_msbs": 9}, "unary_msbs"),
        ({"unary_msbs": 2}, "unary_msbs"),
        ({"mismatch_sigma": -0.1}, "mismatch_sigma"),
        ({"mismatch_sigma": float("nan")}, "mismatch_sigma"),
        ({"gain_error": -1.0}, "gain_error"),
        ({"noise_rms": -1.0}, "noise_rms"),
    ],
)
def test_spec_validation_names_the_parameter(kwargs: dict, name: str) -> None:
    with pytest.raises(ValueError, match=f"^{name}: must"):
        DACSpec(**kwargs)


def test_call_validation() -> None:
    dac = DAC(DACSpec(bits=4))
    with pytest.raises(ValueError, match="^rounding: must be one of"):
        dac.to_code(0.1, rounding="up")
    with pytest.raises(ValueError, match="^rng: must be given"):
        dac.to_code(0.1, rounding="stochastic")
    with pytest.raises(ValueError, match="^values: must be finite"):
        dac.to_code(np.nan)
    with pytest.raises(ValueError, match="^codes: must be integers 0..15"):
        dac.to_value(16)
    with pytest.raises(ValueError, match="^codes: must be integers"):
        dac.to_value(1.5)
    with pytest.raises(ValueError, match="^rng: must be"):
        DAC(DACSpec(bits=4, mismatch_sigma=0.1), rng=None)


@pytest.mark.parametrize("seed", SEEDS)
def test_stochastic_rounding_mean_is_within_three_sigma(seed: int) -> None:
    dac = DAC(DACSpec(bits=6))
    rng = np.random.default_rng(seed)
    values = rng.uniform(0, 1 - dac.lsb, size=50)
    n = 4000
    codes = dac.to_code(np.repeat(values, n), rounding="stochastic", rng=rng).reshape(50, n)
    x = values / dac.lsb
    p = x - np.floor(x)
    z = (codes.mean(axis=1) - x) / np.sqrt(p * (1 - p) / n)
    # Pooled over 50 values the mean z-score has std 1/sqrt(50).
    assert abs(z.mean()) < 3 / np.sqrt(50)
    assert np.mean(np.abs(z) < 3) > 0.9


# --- properties ---------------------------------------------------------------------------

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    bits=st.integers(1, 16),
    values=st.lists(finite, min_size=1, max_size=20),
    rounding=st.sampled_from(["nearest", "floor", "stochastic"]),
    wrap=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_codes_always_in_range_and_round_trip_on_grid(
    bits: int, values: list[float], rounding: str, wrap: bool, seed: int
) -> None:
    dac = DAC(DACSpec(bits=bits, full_scale=3.0))
    codes = dac.to_code(np.array(values), rounding=rounding, rng=seed, wrap=wrap)
    assert codes.dtype == np.int64
    assert codes.min() >= 0 and codes.max() <= dac.n_codes - 1
    out = dac.to_value(codes)
    k = out / dac.lsb
    np.testing.assert_allclose(k, np.round(k), atol=1e-9)
    if not wrap and rounding == "nearest":
        inside = (np.array(values) >= 0) & (np.array(values) <= 3.0 - dac.lsb)
        assert np.all(np.abs(out[inside] - np.array(values)[inside]) <= dac.lsb / 2 + 1e-12)


@settings(max_examples=40, deadline=None)
@given(frac=st.floats(0.0, 0.999), base=st.integers(0, 200), seed=st.integers(0, 2**32 - 1))
def test_stochastic_rounding_is_unbiased(frac: float, base: int, seed: int) -> None:
    dac = DAC(DACSpec(bits=8, full_scale=256.0))  # lsb = 1
    n = 4000
    codes = dac.to_code(np.full(n, base + frac), rounding="stochastic", rng=seed)
    assert set(np.unique(codes)) <= {base, base + 1}
    sd = np.sqrt(frac * (1 - frac) / n)
    # 4 sigma per example keeps the false-alarm rate over all examples below 1e-3.
    assert abs(codes.mean() - (base + frac)) <= 4 * sd + 1e-12
