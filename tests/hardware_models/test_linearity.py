"""INL/DNL definitions: hand examples, identities, then hypothesis properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hardware_models.dac import ARCHITECTURES, DAC, DACSpec
from hardware_models.linearity import (
    dnl_lsb,
    dnl_max_lsb,
    inl_lsb,
    inl_max_lsb,
    is_monotonic,
    reference_line,
)


def test_hand_example_endpoint() -> None:
    # Levels 0, 1.5, 2, 3 -> LSB_ep = 1, steps 1.5, 0.5, 1.
    levels = np.array([0.0, 1.5, 2.0, 3.0])
    np.testing.assert_allclose(dnl_lsb(levels), [0.5, -0.5, 0.0])
    np.testing.assert_allclose(inl_lsb(levels), [0.0, 0.5, 0.0, 0.0])
    assert inl_max_lsb(levels) == pytest.approx(0.5)
    assert dnl_max_lsb(levels) == pytest.approx(0.5)


def test_hand_example_best_fit() -> None:
    # y = 0, 1.5, 2, 3 ; least squares over k = 0..3 gives slope 0.95, offset 0.2.
    levels = np.array([0.0, 1.5, 2.0, 3.0])
    a, lsb = reference_line(levels, "best")
    assert (a, lsb) == pytest.approx((0.2, 0.95))
    expected = (levels - (0.2 + 0.95 * np.arange(4))) / 0.95
    np.testing.assert_allclose(inl_lsb(levels, "best"), expected)
    assert inl_lsb(levels, "best").sum() == pytest.approx(0.0, abs=1e-12)


def test_gain_and_offset_do_not_change_inl() -> None:
    base = DAC(DACSpec(bits=6, mismatch_sigma=0.05), rng=2)
    skew = DAC(DACSpec(bits=6, mismatch_sigma=0.05, gain_error=0.1, offset=0.3), rng=2)
    for fit in ("endpoint", "best"):
        np.testing.assert_allclose(inl_lsb(skew.levels, fit), inl_lsb(base.levels, fit),
                                   atol=1e-10)


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_ideal_dac_has_zero_inl_and_dnl(arch: str) -> None:
    dac = DAC(DACSpec(bits=10, architecture=arch, unary_msbs=5 if arch == "segmented" else 0))
    for fit in ("endpoint", "best"):
        assert inl_max_lsb(dac.levels, fit) < 1e-9
        assert dnl_max_lsb(dac.levels, fit) < 1e-9
    assert is_monotonic(dac.levels)


@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize("seed", range(4))
def test_cumulative_dnl_equals_endpoint_inl(arch: str, seed: int) -> None:
    spec = DACSpec(bits=8, architecture=arch, unary_msbs=3 if arch == "segmented" else 0,
                   mismatch_sigma=0.05)
    levels = DAC(spec, rng=seed).levels
    inl = inl_lsb(levels)
    assert inl[0] == 0.0 and inl[-1] == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(np.cumsum(dnl_lsb(levels)), inl[1:], atol=1e-10)


def test_non_monotonic_detected() -> None:
    assert not is_monotonic([0.0, 1.0, 0.9, 3.0])
    assert not is_monotonic([0.0, 1.0, 1.0, 3.0])
    assert dnl_lsb([0.0, 1.0, 0.9, 3.0])[1] < -1


def test_validation() -> None:
    with pytest.raises(ValueError, match="^fit: must be one of endpoint, best"):
        inl_lsb([0.0, 1.0], "median")
    with pytest.raises(ValueError, match="^levels: must be a 1-D array"):
        dnl_lsb([1.0])
    with pytest.raises(ValueError, match="^levels: must increase overall"):
        inl_lsb([1.0, 0.0])


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, st.integers(2, 64), elements=st.floats(0.05, 2.0)))
def test_cumulative_dnl_is_inl_for_any_rising_staircase(steps: np.ndarray) -> None:
    levels = np.concatenate(([0.0], np.cumsum(steps)))
    for fit in ("endpoint", "best"):
        inl = inl_lsb(levels, fit)
        np.testing.assert_allclose(np.cumsum(dnl_lsb(levels, fit)), inl[1:] - inl[0],
                                   atol=1e-8)
    assert is_monotonic(levels)
    assert dnl_lsb(levels).sum() == pytest.approx(0.0, abs=1e-9)
