"""Per-channel power and area: hand calculations, scaling laws and architecture ordering."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from hardware_models.costs import (
    BOLTZMANN_J_PER_K,
    POWER_TERMS,
    channel_area,
    channel_area_m2,
    channel_power,
    channel_power_w,
    switch_counts,
    thermal_floor_power_w,
)
from hardware_models.dac import ARCHITECTURES
from hardware_models.mismatch import required_unit_sigma
from hardware_models.presets import TechnologyPreset, list_presets

TECHS = list_presets()["technology"]

ROUND = TechnologyPreset(
    name="round", description="round numbers for hand checks", node_nm=28.0,
    temperature_k=4.0, vdd_v=1.0, full_scale_current_a=1e-3, bias_power_w=0.0,
    switched_cap_per_bit_f=100e-15, activity=0.5, clock_cap_f=120e-15, latch_cap_f=10e-15,
    decoder_cap_f=4e-15, array_cap_per_area_f_m2=1e-6, output_stage_power_w=0.4e-3,
    a_beta_m=1e-8, a_vt_v_m=3e-9, overdrive_v=0.2, min_unit_area_m2=0.05e-12,
    layout_factor=3.0, latch_area_m2=10e-12, decoder_gate_area_m2=5e-12,
    overhead_area_m2=0.02e-6,
)
# (A_beta² + 4 A_VT²/V_ov²) of ROUND: 1e-16 + 4 * 9e-18 / 0.04 = 1e-15 m².
ROUND_A_SQ_M2 = 1e-15


def _wl(bits: int) -> float:
    return ROUND_A_SQ_M2 / required_unit_sigma(bits, yield_target=0.997) ** 2


def test_power_by_hand() -> None:
    p = channel_power(bits=8, sample_rate_hz=1e9, tech=ROUND)
    assert p.static_w == pytest.approx(1e-3)                                    # 1 V * 1 mA
    # 1e9 * 1 V² * (0.5*100 fF*8 + 120 fF + 10 fF*8 latches) = 0.6 mW
    assert p.digital_w == pytest.approx(0.6e-3)
    assert p.array_w == pytest.approx(1e9 * 0.5 * 1e-6 * 255 * _wl(8))
    assert p.thermal_w == pytest.approx(6 * BOLTZMANN_J_PER_K * 4.0 * 1e9 * 4**8)
    assert p.output_w == 0.4e-3
    assert p.power_w == pytest.approx(2.0e-3 + p.array_w + p.thermal_w)


def test_breakdown_sums_exactly_to_power() -> None:
    for tech in [*TECHS, ROUND]:
        for arch, k in (("binary", 0), ("unary", 0), ("segmented", 3)):
            for bits in (3, 8, 14):
                p = channel_power(bits=bits, sample_rate_hz=1e9, tech=tech, architecture=arch,
                                  unary_msbs=min(k, bits))
                assert tuple(p.power_breakdown_w) == POWER_TERMS
                assert sum(p.power_breakdown_w.values()) == p.power_w


def test_switch_counts() -> None:
    assert switch_counts(8, "binary") == (8, 0)
    assert switch_counts(8, "unary") == (255, 255)
    assert switch_counts(8, "segmented", 3) == (7 + 5, 7)
    with pytest.raises(ValueError, match="^unary_msbs: must be an integer 1..8"):
        switch_counts(8, "segmented", 0)
    with pytest.raises(ValueError, match="^unary_msbs: must be 0 unless"):
        switch_counts(8, "binary", 2)
    with pytest.raises(ValueError, match="^architecture: must be one of binary, unary"):
        switch_counts(8, "thermo")


def test_decoder_and_latches_cost_power_by_hand() -> None:
    binary = channel_power(bits=6, sample_rate_hz=1e9, tech=ROUND)
    unary = channel_power(bits=6, sample_rate_hz=1e9, tech=ROUND, architecture="unary")
    # 63 latches instead of 6, and 63 decoder outputs toggling half the time.
    extra = 1e9 * (10e-15 * (63 - 6) + 0.5 * 4e-15 * 63)
    assert unary.digital_w - binary.digital_w == pytest.approx(extra)
    assert unary.array_w == binary.array_w  # the same unit cells


def test_thermal_term_scales_as_four_to_the_bits() -> None:
    base = thermal_floor_power_w(bits=8, sample_rate_hz=1e9, temperature_k=4.0)
    for n in range(1, 17):
        p = channel_power(bits=n, sample_rate_hz=1e9, tech=ROUND).thermal_w
        assert p == pytest.approx(base * 4.0 ** (n - 8), rel=1e-12)
    assert thermal_floor_power_w(bits=8, sample_rate_hz=2e9, temperature_k=4.0) == (
        pytest.approx(2 * base))
    assert thermal_floor_power_w(bits=8, sample_rate_hz=1e9, temperature_k=300.0) == (
        pytest.approx(75 * base))
    # 16 bits at 300 K, 1 GS/s: 6 kT fs 4^16 = 0.107 W, and it is added, not max'ed.
    p = channel_power(bits=16, sample_rate_hz=1e9, tech=ROUND, temperature_k=300.0)
    assert p.thermal_w == pytest.approx(0.1067, rel=1e-3)
    assert p.power_w == pytest.approx(p.static_w + p.digital_w + p.array_w + p.thermal_w
                                      + p.output_w)


def test_array_term_follows_the_matching_sized_area() -> None:
    # Above the minimum device, WL ∝ 1/σ² ∝ 2^N, so the array term ∝ (2^N - 1) 2^N.
    a10 = channel_power(bits=10, sample_rate_hz=1e9, tech=ROUND).array_w
    a12 = channel_power(bits=12, sample_rate_hz=1e9, tech=ROUND).array_w
    assert a12 / a10 == pytest.approx((4095 * 4096) / (1023 * 1024), rel=1e-12)


def test_area_by_hand() -> None:
    a = channel_area(bits=8, tech=ROUND)
    sigma = required_unit_sigma(8, yield_target=0.997)
    assert a.unit_sigma == pytest.approx(sigma)
    assert a.unit_area_m2 == pytest.approx(_wl(8))
    assert a.switch_area_m2 == pytest.approx(8 * 10e-12)
    assert a.decoder_area_m2 == 0.0
    assert a.total_m2 == pytest.approx(255 * _wl(8) * 3.0 + 8 * 10e-12 + 0.02e-6)
    s = channel_area(bits=8, tech=ROUND, architecture="segmented", unary_msbs=4)
    assert s.switch_area_m2 == pytest.approx((15 + 4) * 10e-12)
    assert s.decoder_area_m2 == pytest.approx(15 * 5e-12)


def test_minimum_device_area_applies_at_low_resolution() -> None:
    # 1 bit needs sigma 0.119 -> 0.07 um^2, below a 1 um^2 minimum device.
    tech = dataclasses.replace(ROUND, min_unit_area_m2=1e-12)
    a = channel_area(bits=1, tech=tech)
    assert a.unit_area_m2 == 1e-12
    assert a.total_m2 == pytest.approx(1e-12 * 3.0 + 10e-12 + 0.02e-6)


@pytest.mark.parametrize("tech", [*TECHS, ROUND])
@pytest.mark.parametrize("bits", [4, 8, 12])
def test_area_ordering_by_architecture(tech: str | TechnologyPreset, bits: int) -> None:
    # Same bits and yield: unary decodes all 2^N - 1 elements, segmented 2^K - 1, binary none.
    area = {arch: channel_area(bits=bits, tech=tech, architecture=arch,
                               unary_msbs=bits // 2 if arch == "segmented" else 0)
            for arch in ARCHITECTURES}
    assert area["unary"].total_m2 > area["segmented"].total_m2 > area["binary"].total_m2
    assert area["unary"].decoder_area_m2 > area["segmented"].decoder_area_m2 > 0.0
    assert area["binary"].decoder_area_m2 == 0.0
    assert len({a.array_area_m2 for a in area.values()}) == 1


@pytest.mark.parametrize("tech", [*TECHS, ROUND])
@pytest.mark.parametrize("rate", [1e6, 1e9, 5e9])
def test_power_rises_strictly_with_bits(tech: str | TechnologyPreset, rate: float) -> None:
    for arch in ARCHITECTURES:
        powers = [channel_power_w(bits=n, sample_rate_hz=rate, tech=tech, architecture=arch,
                                  unary_msbs=max(1, n // 2) if arch == "segmented" else 0)
                  for n in range(1, 17)]
        assert np.all(np.diff(powers) > 0)


def test_fourteen_bits_cost_at_least_four_times_six_in_the_default_preset() -> None:
    p6, p14 = (channel_power_w(bits=n, sample_rate_hz=1e9, tech="cryo_cmos_28nm_bulk")
               for n in (6, 14))
    assert p14 / p6 >= 4.0
    # ... while 8 bits at 1 GS/s stays under the <2 mW per qubit of Bardin et al. 2019.
    assert channel_power_w(bits=8, sample_rate_hz=1e9, tech="cryo_cmos_28nm_bulk") < 2e-3


@pytest.mark.parametrize("tech", [*TECHS, ROUND])
def test_area_rises_strictly_with_bits(tech: str | TechnologyPreset) -> None:
    areas = [channel_area_m2(bits=n, tech=tech) for n in range(1, 17)]
    assert np.all(np.diff(areas) > 0)


def test_power_rises_with_sample_rate_and_tighter_yield_costs_area_and_power() -> None:
    assert channel_power_w(bits=8, sample_rate_hz=2e9, tech=ROUND) > channel_power_w(
        bits=8, sample_rate_hz=1e9, tech=ROUND)
    assert channel_area_m2(bits=10, tech=ROUND, yield_target=0.999) > channel_area_m2(
        bits=10, tech=ROUND, yield_target=0.9)
    tight, loose = (channel_power(bits=10, sample_rate_hz=1e9, tech=ROUND, yield_target=y)
                    for y in (0.999, 0.9))
    assert tight.array_w > loose.array_w and math.isclose(tight.static_w, loose.static_w)


def test_validation() -> None:
    with pytest.raises(ValueError, match="^bits: must be an integer 1..16"):
        channel_power_w(bits=17, sample_rate_hz=1e9, tech=ROUND)
    with pytest.raises(ValueError, match="^sample_rate_hz: must be"):
        channel_power_w(bits=8, sample_rate_hz=0, tech=ROUND)
    with pytest.raises(ValueError, match="^preset: must be one of"):
        channel_area_m2(bits=8, tech="tsmc_1nm")
    with pytest.raises(ValueError, match="^activity: must be in"):
        dataclasses.replace(ROUND, activity=0.0)
    with pytest.raises(ValueError, match="^latch_cap_f: must be"):
        dataclasses.replace(ROUND, latch_cap_f=-1e-15)
