"""Per-channel power and area: hand calculations and monotonicity in bits."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from hardware_models.costs import (
    BOLTZMANN_J_PER_K,
    channel_area,
    channel_area_m2,
    channel_power,
    channel_power_w,
    thermal_floor_power_w,
)
from hardware_models.mismatch import required_unit_sigma
from hardware_models.presets import TechnologyPreset, list_presets

TECHS = list_presets()["technology"]

ROUND = TechnologyPreset(
    name="round", description="round numbers for hand checks", node_nm=28.0,
    temperature_k=4.0, vdd_v=1.0, full_scale_current_a=1e-3, switched_cap_per_bit_f=100e-15,
    activity=0.5, clock_cap_f=200e-15, overhead_power_w=0.4e-3, a_beta_m=1e-8,
    a_vt_v_m=3e-9, overdrive_v=0.2, min_unit_area_m2=0.05e-12, layout_factor=3.0,
    overhead_area_m2=0.02e-6,
)


def test_power_by_hand() -> None:
    p = channel_power(bits=8, sample_rate_hz=1e9, tech=ROUND)
    assert p.static_w == pytest.approx(1e-3)                                   # 1 V * 1 mA
    assert p.dynamic_w == pytest.approx(1e9 * 1.0 * (0.5 * 100e-15 * 8 + 200e-15))  # 0.6 mW
    assert p.thermal_floor_w == pytest.approx(6 * BOLTZMANN_J_PER_K * 4.0 * 1e9 * 4**8)
    assert p.total_w == pytest.approx(2.0e-3)


def test_thermal_floor_takes_over_at_high_resolution() -> None:
    # 16 bits at 300 K, 1 GS/s: 6 kT fs 4^16 = 0.107 W, far above the 1 mW bias.
    p = channel_power(bits=16, sample_rate_hz=1e9, tech=ROUND, temperature_k=300.0)
    floor = 6 * BOLTZMANN_J_PER_K * 300.0 * 1e9 * 4.0**16
    assert p.thermal_floor_w == pytest.approx(floor)
    assert floor == pytest.approx(0.1067, rel=1e-3)
    assert p.total_w == pytest.approx(floor + p.dynamic_w + p.overhead_w)


def test_thermal_floor_scaling() -> None:
    base = thermal_floor_power_w(bits=8, sample_rate_hz=1e9, temperature_k=4.0)
    assert thermal_floor_power_w(bits=9, sample_rate_hz=1e9, temperature_k=4.0) == (
        pytest.approx(4 * base))
    assert thermal_floor_power_w(bits=8, sample_rate_hz=2e9, temperature_k=4.0) == (
        pytest.approx(2 * base))
    assert thermal_floor_power_w(bits=8, sample_rate_hz=1e9, temperature_k=300.0) == (
        pytest.approx(75 * base))


def test_area_by_hand() -> None:
    a = channel_area(bits=8, tech=ROUND)
    sigma = required_unit_sigma(8, yield_target=0.997)
    wl = (1e-16 + 4 * 9e-18 / 0.04) / sigma**2
    assert a.unit_sigma == pytest.approx(sigma)
    assert a.unit_area_m2 == pytest.approx(wl)
    assert a.total_m2 == pytest.approx(255 * wl * 3.0 + 0.02e-6)


def test_minimum_device_area_applies_at_low_resolution() -> None:
    # 1 bit needs sigma 0.119 -> 0.07 um^2, below a 1 um^2 minimum device.
    tech = dataclasses.replace(ROUND, min_unit_area_m2=1e-12)
    a = channel_area(bits=1, tech=tech)
    assert a.unit_area_m2 == 1e-12
    assert a.total_m2 == pytest.approx(1e-12 * 3.0 + 0.02e-6)


@pytest.mark.parametrize("tech", [*TECHS, ROUND])
@pytest.mark.parametrize("rate", [1e6, 1e9, 5e9])
def test_power_rises_strictly_with_bits(tech: str | TechnologyPreset, rate: float) -> None:
    powers = [channel_power_w(bits=n, sample_rate_hz=rate, tech=tech) for n in range(1, 17)]
    assert np.all(np.diff(powers) > 0)


@pytest.mark.parametrize("tech", [*TECHS, ROUND])
def test_area_rises_strictly_with_bits(tech: str | TechnologyPreset) -> None:
    areas = [channel_area_m2(bits=n, tech=tech) for n in range(1, 17)]
    assert np.all(np.diff(areas) > 0)


def test_power_rises_with_sample_rate_and_tighter_yield_costs_area() -> None:
    assert channel_power_w(bits=8, sample_rate_hz=2e9, tech=ROUND) > channel_power_w(
        bits=8, sample_rate_hz=1e9, tech=ROUND)
    assert channel_area_m2(bits=10, tech=ROUND, yield_target=0.999) > channel_area_m2(
        bits=10, tech=ROUND, yield_target=0.9)


def test_validation() -> None:
    with pytest.raises(ValueError, match="^bits: must be an integer 1..16"):
        channel_power_w(bits=17, sample_rate_hz=1e9, tech=ROUND)
    with pytest.raises(ValueError, match="^sample_rate_hz: must be"):
        channel_power_w(bits=8, sample_rate_hz=0, tech=ROUND)
    with pytest.raises(ValueError, match="^preset: must be one of"):
        channel_area_m2(bits=8, tech="tsmc_1nm")
    with pytest.raises(ValueError, match="^activity: must be in"):
        dataclasses.replace(ROUND, activity=0.0)
