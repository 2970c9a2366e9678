"""SQNR / ENOB from the coherent full-scale sine test."""

from __future__ import annotations

import numpy as np
import pytest

from hardware_models.dac import DAC, DACSpec
from hardware_models.spectral import (
    default_record,
    enob,
    enob_from_sinad,
    ideal_sqnr_db,
    sine_test,
    sqnr_db,
)


def test_ideal_formula() -> None:
    assert ideal_sqnr_db(8) == pytest.approx(6.0206 * 8 + 1.7609, abs=1e-3)
    assert enob_from_sinad(ideal_sqnr_db(10)) == pytest.approx(10.0)


@pytest.mark.parametrize("bits", range(4, 17))
def test_ideal_dac_sqnr_matches_6n_plus_1p76(bits: int) -> None:
    dac = DAC(DACSpec(bits=bits))
    result = sine_test(dac)
    assert abs(result.sinad_db - ideal_sqnr_db(bits)) < 0.5
    assert result.enob == pytest.approx(bits, abs=0.1)
    # Full-scale sine: amplitude 2**(N-1) LSB = full_scale / 2, less the part of the
    # quantization error that correlates with the signal (under half an LSB).
    assert result.amplitude == pytest.approx(0.5, abs=dac.lsb / 2)


def test_formula_overestimates_tiny_resolutions() -> None:
    """At N <= 2 the error is correlated harmonics, not uniform noise: SQNR falls short."""
    shortfall = [ideal_sqnr_db(n) - sqnr_db(DAC(DACSpec(bits=n))) for n in (1, 2, 3, 4)]
    assert shortfall[0] > 1.0
    assert shortfall == sorted(shortfall, reverse=True)


@pytest.mark.parametrize("record", [(4096, 255), (8192, 1001), (65536, 4095)])
def test_sqnr_independent_of_record(record: tuple[int, int]) -> None:
    dac = DAC(DACSpec(bits=10))
    n, j = record
    assert sqnr_db(dac, n_samples=n, cycles=j) == pytest.approx(sqnr_db(dac), abs=0.05)


def test_mismatch_and_noise_cost_enob() -> None:
    ideal = enob(DAC(DACSpec(bits=10)))
    for seed in range(3):
        assert enob(DAC(DACSpec(bits=10, mismatch_sigma=0.05), rng=seed)) < ideal - 0.2
    noisy = DAC(DACSpec(bits=10, noise_rms=4 / 2**10))  # 4 LSB rms dwarfs quantization
    assert enob(noisy, rng=0) < ideal - 2
    assert enob(noisy) == pytest.approx(ideal)  # no rng: static levels only


def test_same_dac_same_result() -> None:
    dac = DAC(DACSpec(bits=8, mismatch_sigma=0.02), rng=4)
    assert sine_test(dac) == sine_test(dac)


def test_default_record_is_coherent() -> None:
    for bits in range(1, 17):
        n, j = default_record(bits)
        assert n & (n - 1) == 0 and j % 2 == 1 and np.gcd(n, j) == 1


def test_validation() -> None:
    dac = DAC(DACSpec(bits=8))
    with pytest.raises(ValueError, match="^n_samples: must be a power of two"):
        sine_test(dac, n_samples=1000)
    with pytest.raises(ValueError, match="^cycles: must be an odd integer"):
        sine_test(dac, cycles=16)
    with pytest.raises(ValueError, match="^cycles: must be < n_samples"):
        sine_test(dac, n_samples=64, cycles=33)
    with pytest.raises(ValueError, match="^dac: must be a DAC"):
        sine_test(DACSpec(bits=8))
