"""The waveform chain without a solver: angle -> code -> samples -> drive; fidelity formulas."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cosim.pulse import AngleDAC, Drive, PhaseRegister, PulseSpec, QubitModel
from cosim.pulse.fidelity import (
    nearest_unitary,
    rotation_angle,
    superop_fidelity,
    unitary_fidelity,
)
from cosim.pulse.models import drift, drive_operators, frame_rotation, lowering
from cosim.pulse.waveforms import envelope_samples, full_scale_rabi_rad_s
from hardware_models.dac import DAC, DACSpec
from qnn.gateset import rotation


def test_angle_codes_wrap_negative_angles_and_the_full_turn() -> None:
    angle = AngleDAC(DAC(DACSpec(bits=4), rng=None))
    lsb = 2 * np.pi / 16
    codes = angle.codes(np.array([0.0, lsb, -lsb, np.pi, 2 * np.pi - lsb / 4, 5 * np.pi]))
    np.testing.assert_array_equal(codes, [0, 1, 15, 8, 0, 8])


@settings(max_examples=100, deadline=None)
@given(theta=st.floats(-20.0, 20.0), bits=st.integers(1, 16))
def test_nominal_angle_within_half_lsb(theta: float, bits: int) -> None:
    angle = AngleDAC(DAC(DACSpec(bits=bits), rng=None))
    code = angle.codes(theta)
    assert 0 <= code < 2**bits
    err = np.angle(np.exp(1j * (angle.nominal_angle_rad(code) - theta)))
    assert abs(err) <= angle.lsb_rad / 2 + 1e-9


def test_square_pulse_area_is_the_code_angle() -> None:
    angle = AngleDAC(DAC(DACSpec(bits=8), rng=None))
    pulse = PulseSpec(duration_s=16e-9, sample_rate_hz=2e9)
    drive = angle.drive(np.array([0, 1, 100, 255]), pulse)
    area = drive.rabi_rad_s.sum(axis=-1) * drive.dt_s
    np.testing.assert_allclose(area, np.array([0, 1, 100, 255]) * angle.lsb_rad, rtol=1e-12)
    assert full_scale_rabi_rad_s(pulse) == pytest.approx(2 * np.pi / 16e-9)


@pytest.mark.parametrize("envelope", ["cosine", "gaussian"])
def test_shaped_samples_are_each_quantized(envelope: str) -> None:
    dac = DAC(DACSpec(bits=6), rng=None)
    angle = AngleDAC(dac)
    pulse = PulseSpec(duration_s=20e-9, envelope=envelope)
    s = envelope_samples(pulse)
    assert s.max() == pytest.approx(1.0) and np.all(s > 0)
    codes = angle.sample_codes(np.array([40]), pulse)[0]
    wanted = dac.ideal_levels[40] * s / dac.lsb
    assert np.all(np.abs(codes - wanted) <= 0.5 + 1e-12)
    # The area of the quantized samples is within n/2 sample-LSBs of the target.
    fs = full_scale_rabi_rad_s(pulse)
    area = (fs * angle.level_fraction(codes) * pulse.dt_s).sum()
    bound = fs * pulse.dt_s * pulse.n_samples * 0.5 / angle.n_codes
    assert abs(area - 40 * angle.lsb_rad) <= bound


def test_static_levels_carry_inl_and_noise_needs_a_generator() -> None:
    dac = DAC(DACSpec(bits=5, mismatch_sigma=0.05, noise_rms=1e-3), rng=4)
    angle = AngleDAC(dac)
    codes = np.arange(32)
    np.testing.assert_array_equal(angle.level_fraction(codes), dac.levels)
    a = angle.level_fraction(codes, rng=1)
    b = angle.level_fraction(codes, rng=1)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, dac.levels)


def test_two_level_operators_are_the_paulis() -> None:
    hx, hy = drive_operators(2)
    np.testing.assert_array_equal(2 * hx, [[0, 1], [1, 0]])
    np.testing.assert_array_equal(2 * hy, [[0, -1j], [1j, 0]])
    np.testing.assert_allclose(lowering(3), [[0, 1, 0], [0, 0, np.sqrt(2)], [0, 0, 0]])
    h = drift(QubitModel(levels=3, detuning_hz=1e6, anharmonicity_hz=-2e8))
    np.testing.assert_allclose(np.diag(h).real, 2 * np.pi * np.array([0, 1e6, 2e6 - 2e8]))


def test_frame_rotation_turns_the_drive_phase() -> None:
    hx, hy = drive_operators(3)
    r = frame_rotation(3, 0.7)
    np.testing.assert_allclose(r @ hx @ r.conj().T, np.cos(0.7) * hx + np.sin(0.7) * hy,
                               atol=1e-15)


def test_rotation_angle_and_fidelity_formulas() -> None:
    theta = np.linspace(0, 2 * np.pi, 9, endpoint=False)
    for axis in ("x", "y", "z"):
        np.testing.assert_allclose(rotation_angle(rotation(axis, theta), axis), theta,
                                   atol=1e-12)
    # Global phase does not matter; a same-axis error d costs 4 sin^2(d/2) / 6.
    d = 0.1
    f = unitary_fidelity(rotation("x", 1.0), -1j * rotation("x", 1.0 + d))
    assert f == pytest.approx(1 - 4 * np.sin(d / 2) ** 2 / 6, abs=1e-15)
    # Fully depolarizing channel on a qubit: F_avg = 1/2.
    depol = np.zeros((4, 4))
    depol[np.ix_([0, 3], [0, 3])] = 0.5
    f, leak = superop_fidelity(np.eye(2), depol, levels=2)
    assert f == pytest.approx(0.5) and leak == pytest.approx(0.0)


def test_nearest_unitary_of_a_scaled_unitary() -> None:
    u = rotation("y", 0.3)
    np.testing.assert_allclose(nearest_unitary(0.9 * u), u, atol=1e-14)


def test_phase_register() -> None:
    reg = PhaseRegister(3)
    np.testing.assert_array_equal(reg.code(np.array([0, np.pi / 4, -np.pi / 4, 0.1])),
                                  [0, 1, 7, 0])
    assert reg.axis_code("y") == 2
    with pytest.raises(ValueError, match="^phase_bits:"):
        PhaseRegister(1)


@pytest.mark.parametrize(
    "kwargs, where",
    [({"duration_s": 0.0}, "duration_s"), ({"sample_rate_hz": -1.0}, "sample_rate_hz"),
     ({"envelope": "sinc"}, "envelope"), ({"gaussian_sigma_frac": 0.0}, "gaussian_sigma_frac")],
)
def test_pulse_spec_validation(kwargs: dict, where: str) -> None:
    with pytest.raises(ValueError, match=f"^{where}:"):
        PulseSpec(**kwargs)


def test_drive_validation() -> None:
    with pytest.raises(ValueError, match="^dt_s:"):
        Drive(0.0, np.ones(3))
    with pytest.raises(ValueError, match="^rabi_rad_s:"):
        Drive(1e-9, np.array([np.nan]))
    with pytest.raises(ValueError, match="^levels:"):
        QubitModel(levels=4)
