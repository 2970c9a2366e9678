"""Power and area of one DAC channel as functions of resolution and sample rate.

Power (W)
---------
* static: ``P_s = V_DD * I_FS``. A current-steering DAC draws its full-scale
  current at every code (it is steered, not switched off).
* dynamic: ``P_d = f_s * V_DD**2 * (alpha * C_bit * N + C_clk)``; the ``N``
  data-path bits toggle with probability ``alpha`` per sample, the clock every sample.
* thermal floor: ``P_th = 8 k T B SNR`` (Vittoz, "Future of analog in the VLSI
  environment", ISCAS 1990; "Low-power design: ways to approach the limits",
  ISSCC 1994), the least power that holds a signal ``SNR`` above ``kT`` noise in
  bandwidth ``B``. With a Nyquist band ``B = f_s / 2`` and the ideal quantization
  SNR ``1.5 * 4**N`` this is ``P_th = 6 k T f_s 2**(2N)``.
* total: ``max(P_s, P_th) + P_d + P_overhead``: the analogue output stage must
  dissipate at least the floor, the switching and fixed overhead come on top.

Area (m²)
---------
``A = (2**N - 1) * max(WL_unit, WL_min) * layout_factor + A_overhead`` where
``WL_unit`` is the Pelgrom area of the unit cell sigma that meets the INL yield
target (:mod:`hardware_models.mismatch`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hardware_models.mismatch import pelgrom_unit_area_m2, required_unit_sigma
from hardware_models.presets import TechnologyPreset, as_technology

BOLTZMANN_J_PER_K = 1.380649e-23


def _bits(bits: int) -> int:
    if isinstance(bits, bool) or not isinstance(bits, (int, np.integer)) or not 1 <= bits <= 16:
        raise ValueError(f"bits: must be an integer 1..16, got {bits!r}")
    return int(bits)


def _rate(sample_rate_hz: float) -> float:
    f = float(sample_rate_hz)
    if not (math.isfinite(f) and f > 0):
        raise ValueError(f"sample_rate_hz: must be a finite number > 0, got {sample_rate_hz!r}")
    return f


def thermal_floor_power_w(*, bits: int, sample_rate_hz: float, temperature_k: float) -> float:
    """Vittoz's ``8 kT B SNR`` for ``B = f_s/2`` and ``SNR = 1.5 * 4**N``: ``6 kT f_s 4**N``, W.

    Parameters
    ----------
    bits : int
        Resolution N, 1..16.
    sample_rate_hz : float
        Sample rate, Hz.
    temperature_k : float
        Temperature of the dissipating circuit, K.
    """
    n = _bits(bits)
    f = _rate(sample_rate_hz)
    t = float(temperature_k)
    if not (math.isfinite(t) and t > 0):
        raise ValueError(f"temperature_k: must be a finite number > 0, got {temperature_k!r}")
    return 6.0 * BOLTZMANN_J_PER_K * t * f * 4.0**n


@dataclass(frozen=True)
class ChannelPower:
    """Power breakdown of one DAC channel, W."""

    static_w: float
    dynamic_w: float
    thermal_floor_w: float
    overhead_w: float
    total_w: float


def channel_power(
    *,
    bits: int,
    sample_rate_hz: float,
    tech: str | TechnologyPreset,
    temperature_k: float | None = None,
) -> ChannelPower:
    """Power of one DAC channel with its breakdown.

    Parameters
    ----------
    bits : int
        Resolution N, 1..16.
    sample_rate_hz : float
        Sample rate, Hz.
    tech : str or TechnologyPreset
        Technology preset or its name.
    temperature_k : float, optional
        Temperature for the thermal floor, K; default ``tech.temperature_k``.

    Returns
    -------
    ChannelPower
    """
    n = _bits(bits)
    f = _rate(sample_rate_hz)
    t = as_technology(tech)
    temp = t.temperature_k if temperature_k is None else temperature_k
    static = t.vdd_v * t.full_scale_current_a
    dynamic = f * t.vdd_v**2 * (t.activity * t.switched_cap_per_bit_f * n + t.clock_cap_f)
    floor = thermal_floor_power_w(bits=n, sample_rate_hz=f, temperature_k=temp)
    total = max(static, floor) + dynamic + t.overhead_power_w
    return ChannelPower(static_w=static, dynamic_w=dynamic, thermal_floor_w=floor,
                        overhead_w=t.overhead_power_w, total_w=total)


def channel_power_w(
    *,
    bits: int,
    sample_rate_hz: float,
    tech: str | TechnologyPreset,
    temperature_k: float | None = None,
) -> float:
    """Total power of one DAC channel, W (see :func:`channel_power`)."""
    return channel_power(bits=bits, sample_rate_hz=sample_rate_hz, tech=tech,
                         temperature_k=temperature_k).total_w


@dataclass(frozen=True)
class ChannelArea:
    """Area breakdown of one DAC channel.

    Attributes
    ----------
    unit_sigma : float
        Required relative unit-cell current std.
    unit_area_m2 : float
        Unit current-source gate area actually used (>= the technology minimum), m².
    array_area_m2 : float
        Current-source array including layout overhead, m².
    overhead_area_m2 : float
        Fixed per-channel area, m².
    total_m2 : float
    """

    unit_sigma: float
    unit_area_m2: float
    array_area_m2: float
    overhead_area_m2: float
    total_m2: float


def channel_area(
    *,
    bits: int,
    tech: str | TechnologyPreset,
    yield_target: float = 0.997,
    inl_limit_lsb: float = 0.5,
    method: str = "van_den_bosch",
) -> ChannelArea:
    """Area of one DAC channel sized for an INL yield target.

    Parameters
    ----------
    bits : int
        Resolution N, 1..16.
    tech : str or TechnologyPreset
        Technology preset or its name.
    yield_target : float, default=0.997
        Fraction of channels with ``max |INL| < inl_limit_lsb``.
    inl_limit_lsb : float, default=0.5
        INL limit, LSB.
    method : {"van_den_bosch", "kolmogorov"}, default="van_den_bosch"
        Sizing rule (:func:`hardware_models.mismatch.required_unit_sigma`).

    Returns
    -------
    ChannelArea
    """
    n = _bits(bits)
    t = as_technology(tech)
    sigma = required_unit_sigma(n, yield_target=yield_target, inl_limit_lsb=inl_limit_lsb,
                                method=method)
    wl = pelgrom_unit_area_m2(sigma, a_beta_m=t.a_beta_m, a_vt_v_m=t.a_vt_v_m,
                              overdrive_v=t.overdrive_v)
    unit = max(wl, t.min_unit_area_m2)
    array = (2**n - 1) * unit * t.layout_factor
    return ChannelArea(unit_sigma=sigma, unit_area_m2=unit, array_area_m2=array,
                       overhead_area_m2=t.overhead_area_m2, total_m2=array + t.overhead_area_m2)


def channel_area_m2(
    *,
    bits: int,
    tech: str | TechnologyPreset,
    yield_target: float = 0.997,
    inl_limit_lsb: float = 0.5,
    method: str = "van_den_bosch",
) -> float:
    """Total area of one DAC channel, m² (see :func:`channel_area`)."""
    return channel_area(bits=bits, tech=tech, yield_target=yield_target,
                        inl_limit_lsb=inl_limit_lsb, method=method).total_m2
