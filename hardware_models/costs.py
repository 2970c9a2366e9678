"""Power and area of one DAC channel as sums of named terms.

Power (W), five terms (sources in ``docs/hardware_models.md`` section 5):

* ``static``: ``V_DD * I_FS + P_bias``. A current-steering DAC draws its
  full-scale current at every code (it is steered, not switched off), plus the
  bias and reference circuits (Van den Bosch et al., IEEE JSSC 36(3), 2001).
* ``digital``: ``f_s * V_DD**2 * (alpha*C_bit*N + C_clk + C_latch*n_sw + alpha*C_dec*n_dec)``:
  CV²f switching of the N-bit input register, the clock tree, one clocked
  latch/driver per switched element (``n_sw``) and the thermometer decoder's
  ``n_dec`` outputs (:func:`switch_counts`).
* ``array``: ``f_s * V_DD**2 * alpha * c_array * A_gate``, where ``A_gate`` is
  the total unit-cell gate area sized for the INL yield target. Matching costs
  area as ``4**N`` and, through the parasitic capacitance that area puts on
  the switched nodes, power (the speed-accuracy²/power trade-off set by
  ``C_ox A_VT**2``: Kinget and Steyaert, CICC 1996; Kinget, IEEE JSSC 40(6), 2005).
* ``thermal``: Vittoz's ``8 k T B SNR`` for ``B = f_s/2`` and the ideal
  quantization ``SNR = 1.5 * 4**N``, i.e. ``6 k T f_s 4**N`` (Vittoz, ISCAS
  1990; ISSCC 1994), the least power that holds the N-bit SQNR above kT noise.
  It grows smoothly as ``2**(2N)`` and is added, never a ``max``.
* ``output``: the output stage (driver/buffer bias), fixed per channel.

Area (m²): unit array ``(2**N - 1) * max(WL_unit, WL_min) * layout_factor``
(the same cells for every architecture), plus ``n_sw`` latch/switch/driver
cells, plus ``n_dec`` thermometer-decoder outputs, plus a fixed overhead.
``WL_unit`` is the Pelgrom area of the unit sigma that meets the INL yield
target (:mod:`hardware_models.mismatch`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hardware_models.dac import ARCHITECTURES
from hardware_models.mismatch import pelgrom_unit_area_m2, required_unit_sigma
from hardware_models.presets import TechnologyPreset, as_technology
from hardware_models.validation import check_int, check_positive

BOLTZMANN_J_PER_K = 1.380649e-23
POWER_TERMS = ("static", "digital", "array", "thermal", "output")


def _bits(bits: int) -> int:
    return check_int("bits", bits, 1, 16)


def _rate(sample_rate_hz: float) -> float:
    f = float(sample_rate_hz)
    if not (math.isfinite(f) and f > 0):
        raise ValueError(f"sample_rate_hz: must be a finite number > 0, got {sample_rate_hz!r}")
    return f


def switch_counts(bits: int, architecture: str = "binary", unary_msbs: int = 0) -> tuple[int, int]:
    """Switched elements and thermometer-decoder outputs of one DAC.

    Parameters
    ----------
    bits : int
        Resolution N, 1..16.
    architecture : {"binary", "unary", "segmented"}, default="binary"
    unary_msbs : int, default=0
        K, the MSBs decoded to thermometer code: 1..N for ``segmented``, else 0.

    Returns
    -------
    (int, int)
        ``(n_sw, n_dec)``: binary ``(N, 0)``; unary ``(2**N - 1, 2**N - 1)``;
        segmented ``(2**K - 1 + N - K, 2**K - 1)``.
    """
    n = _bits(bits)
    if architecture not in ARCHITECTURES:
        raise ValueError(f"architecture: must be one of {', '.join(ARCHITECTURES)}, "
                         f"got {architecture!r}")
    if architecture == "segmented":
        k = check_int("unary_msbs", unary_msbs, 1, n)
        return 2**k - 1 + n - k, 2**k - 1
    if unary_msbs != 0:
        raise ValueError(f"unary_msbs: must be 0 unless architecture is segmented, "
                         f"got {unary_msbs!r}")
    return (n, 0) if architecture == "binary" else (2**n - 1, 2**n - 1)


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
    t = check_positive("temperature_k", temperature_k)
    return 6.0 * BOLTZMANN_J_PER_K * t * f * 4.0**n


def unit_array_gate_area_m2(*, bits: int, tech: str | TechnologyPreset,
                            yield_target: float = 0.997, inl_limit_lsb: float = 0.5,
                            method: str = "van_den_bosch") -> tuple[float, float, float]:
    """Unit sigma, unit gate area and total gate area of the ``2**N - 1`` cells.

    Returns
    -------
    (float, float, float)
        ``(sigma_u, WL_unit [m²], (2**N - 1) * WL_unit [m²])``; ``WL_unit`` is at
        least the technology minimum.
    """
    n = _bits(bits)
    t = as_technology(tech)
    sigma = required_unit_sigma(n, yield_target=yield_target, inl_limit_lsb=inl_limit_lsb,
                                method=method)
    wl = pelgrom_unit_area_m2(sigma, a_beta_m=t.a_beta_m, a_vt_v_m=t.a_vt_v_m,
                              overdrive_v=t.overdrive_v)
    unit = max(wl, t.min_unit_area_m2)
    return sigma, unit, (2**n - 1) * unit


@dataclass(frozen=True)
class ChannelPower:
    """Power of one DAC channel, term by term, W.

    Attributes
    ----------
    static_w, digital_w, array_w, thermal_w, output_w : float
        The five terms (see the module docstring).
    power_w : float
        Their sum, in the order of :data:`POWER_TERMS`.
    """

    static_w: float
    digital_w: float
    array_w: float
    thermal_w: float
    output_w: float
    power_w: float

    @property
    def power_breakdown_w(self) -> dict[str, float]:
        """``{term: W}`` in the order of :data:`POWER_TERMS`; its values sum to :attr:`power_w`."""
        return {name: getattr(self, f"{name}_w") for name in POWER_TERMS}


def channel_power(
    *,
    bits: int,
    sample_rate_hz: float,
    tech: str | TechnologyPreset,
    temperature_k: float | None = None,
    architecture: str = "binary",
    unary_msbs: int = 0,
    yield_target: float = 0.997,
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
        Temperature for the thermal term, K; default ``tech.temperature_k``.
    architecture : {"binary", "unary", "segmented"}, default="binary"
    unary_msbs : int, default=0
        Thermometer-decoded MSBs, 1..N for ``segmented``.
    yield_target : float, default=0.997
        INL yield the unit array is sized for (``max |INL| < 0.5 LSB``).

    Returns
    -------
    ChannelPower
    """
    n = _bits(bits)
    f = _rate(sample_rate_hz)
    t = as_technology(tech)
    temp = t.temperature_k if temperature_k is None else temperature_k
    n_sw, n_dec = switch_counts(n, architecture, unary_msbs)
    _, _, gate_area = unit_array_gate_area_m2(bits=n, tech=t, yield_target=yield_target)
    v2 = t.vdd_v**2
    static = t.vdd_v * t.full_scale_current_a + t.bias_power_w
    digital = f * v2 * (t.activity * t.switched_cap_per_bit_f * n + t.clock_cap_f
                        + t.latch_cap_f * n_sw + t.activity * t.decoder_cap_f * n_dec)
    array = f * v2 * t.activity * t.array_cap_per_area_f_m2 * gate_area
    thermal = thermal_floor_power_w(bits=n, sample_rate_hz=f, temperature_k=temp)
    output = t.output_stage_power_w
    total = static + digital + array + thermal + output
    return ChannelPower(static_w=static, digital_w=digital, array_w=array, thermal_w=thermal,
                        output_w=output, power_w=total)


def channel_power_w(**kwargs: object) -> float:
    """Total power of one DAC channel, W (keywords as :func:`channel_power`)."""
    return channel_power(**kwargs).power_w  # type: ignore[arg-type]


@dataclass(frozen=True)
class ChannelArea:
    """Area of one DAC channel, term by term.

    Attributes
    ----------
    unit_sigma : float
        Required relative unit-cell current std.
    unit_area_m2 : float
        Unit current-source gate area actually used (>= the technology minimum), m².
    array_area_m2 : float
        Current-source array including layout overhead, m².
    switch_area_m2 : float
        Latches, switches and drivers of the ``n_sw`` switched elements, m².
    decoder_area_m2 : float
        Thermometer decoder (``n_dec`` outputs; zero for binary), m².
    overhead_area_m2 : float
        Fixed per-channel area (clocking, bias, references), m².
    total_m2 : float
        The sum of the four areas, m².
    """

    unit_sigma: float
    unit_area_m2: float
    array_area_m2: float
    switch_area_m2: float
    decoder_area_m2: float
    overhead_area_m2: float
    total_m2: float


def channel_area(
    *,
    bits: int,
    tech: str | TechnologyPreset,
    yield_target: float = 0.997,
    inl_limit_lsb: float = 0.5,
    method: str = "van_den_bosch",
    architecture: str = "binary",
    unary_msbs: int = 0,
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
    architecture : {"binary", "unary", "segmented"}, default="binary"
    unary_msbs : int, default=0
        Thermometer-decoded MSBs, 1..N for ``segmented``.

    Returns
    -------
    ChannelArea
    """
    t = as_technology(tech)
    n_sw, n_dec = switch_counts(bits, architecture, unary_msbs)
    sigma, unit, gate_area = unit_array_gate_area_m2(
        bits=bits, tech=t, yield_target=yield_target, inl_limit_lsb=inl_limit_lsb,
        method=method)
    array = gate_area * t.layout_factor
    switches = n_sw * t.latch_area_m2
    decoder = n_dec * t.decoder_gate_area_m2
    total = array + switches + decoder + t.overhead_area_m2
    return ChannelArea(unit_sigma=sigma, unit_area_m2=unit, array_area_m2=array,
                       switch_area_m2=switches, decoder_area_m2=decoder,
                       overhead_area_m2=t.overhead_area_m2, total_m2=total)


def channel_area_m2(**kwargs: object) -> float:
    """Total area of one DAC channel, m² (keywords as :func:`channel_area`)."""
    return channel_area(**kwargs).total_m2  # type: ignore[arg-type]
