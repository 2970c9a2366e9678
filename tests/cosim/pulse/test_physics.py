"""Analytic physics checks, written once and run against every unitary solver.

As in qiskit-dynamics, each check is parametrised over the implementations:
the vectorised closed form and the QuTiP reference.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cosim.pulse import AngleDAC, ClosedFormSolver, Drive, PulseSpec, QubitModel, QutipSolver
from cosim.pulse.fidelity import rotation_angle, unitary_fidelity, wrap_angle
from hardware_models.dac import DAC, DACSpec
from qnn.gateset import rotation

SOLVERS = [
    pytest.param(ClosedFormSolver(), id="closed-form"),
    pytest.param(QutipSolver(), id="qutip"),
]
GOLDEN = (np.sqrt(5) - 1) / 2


def _ideal(bits: int) -> AngleDAC:
    return AngleDAC(DAC(DACSpec(bits=bits), rng=None))


def _realize(solver, angle: AngleDAC, theta: np.ndarray, axis: str = "x",
             pulse: PulseSpec | None = None, model: QubitModel | None = None) -> np.ndarray:
    pulse = PulseSpec() if pulse is None else pulse
    phase = 0.0 if axis == "x" else np.pi / 2
    drive = angle.drive(angle.codes(theta), pulse, phase_rad=phase)
    return solver.unitaries(drive, QubitModel() if model is None else model)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("axis", ["x", "y"])
def test_pi_pulse_from_ideal_12_bit_dac(solver, axis: str) -> None:
    u = _realize(solver, _ideal(12), np.array([np.pi]), axis=axis)
    fid = unitary_fidelity(rotation(axis, np.pi), u)
    assert fid[0] > 0.99999
    assert rotation_angle(u, axis)[0] == pytest.approx(np.pi, abs=1e-6)


@pytest.mark.parametrize(
    "solver, max_examples",
    [pytest.param(ClosedFormSolver(), 200, id="closed-form"),
     pytest.param(QutipSolver(), 25, id="qutip")],
)
def test_ideal_dac_angle_error_within_half_lsb(solver, max_examples: int) -> None:
    @settings(max_examples=max_examples, deadline=None)
    @given(theta=st.floats(-4 * np.pi, 4 * np.pi), bits=st.integers(1, 16),
           axis=st.sampled_from(["x", "y"]))
    def check(theta: float, bits: int, axis: str) -> None:
        angle = _ideal(bits)
        u = _realize(solver, angle, np.array([theta]), axis=axis)
        err = wrap_angle(rotation_angle(u, axis)[0] - theta)
        # The solver's own error (< 1e-8 rad) on top of the quantization bound.
        assert abs(err) <= angle.lsb_rad / 2 + 1e-8

    check()


@pytest.mark.parametrize("solver", SOLVERS)
def test_infidelity_is_quantization_error_squared_over_six(solver) -> None:
    # Same-axis rotation error d: 1 - F = 4 sin^2(d/2) / 6 = d^2/6 - d^4/72 + ...
    bits = 5
    angle = _ideal(bits)
    theta = 2 * np.pi * np.mod(np.arange(1, 41) * GOLDEN, 1)
    u = _realize(solver, angle, theta)
    infidelity = 1 - unitary_fidelity(rotation("x", theta), u)
    delta = wrap_angle(angle.nominal_angle_rad(angle.codes(theta)) - theta)
    assert np.all(np.abs(delta) <= angle.lsb_rad / 2 + 1e-12)
    np.testing.assert_allclose(infidelity, delta**2 / 6, rtol=2e-3, atol=1e-9)


@pytest.mark.parametrize("solver", SOLVERS)
def test_infidelity_falls_fourfold_per_bit(solver) -> None:
    # Uniform quantization error on (-LSB/2, LSB/2]: E[d^2] = LSB^2/12, so the
    # mean infidelity is LSB^2/72 and falls 4x per added bit. Targets are a
    # low-discrepancy (golden-ratio) sequence, no random seed.
    theta = 2 * np.pi * np.mod(np.arange(1, 129) * GOLDEN, 1)
    means = []
    for bits in range(3, 8):
        angle = _ideal(bits)
        codes, inverse = np.unique(angle.codes(theta), return_inverse=True)
        drive = angle.drive(codes, PulseSpec())
        u = solver.unitaries(drive, QubitModel())[inverse]
        mean = float(np.mean(1 - unitary_fidelity(rotation("x", theta), u)))
        assert mean == pytest.approx(angle.lsb_rad**2 / 72, rel=0.1)
        means.append(mean)
    ratios = np.array(means[:-1]) / np.array(means[1:])
    assert np.all((ratios > 3.6) & (ratios < 4.4)), ratios


@pytest.mark.parametrize("solver", SOLVERS)
def test_detuned_square_pulse_matches_rabi_formula(solver) -> None:
    # P(1) = Omega^2 / W^2 sin^2(W T / 2), W = sqrt(Omega^2 + Delta^2).
    pulse = PulseSpec(duration_s=20e-9, sample_rate_hz=1e9)
    omega = np.pi / pulse.played_duration_s
    detuning_hz = 7e6
    delta = 2 * np.pi * detuning_hz
    drive = Drive(pulse.dt_s, np.full((1, pulse.n_samples), omega))
    u = solver.unitaries(drive, QubitModel(detuning_hz=detuning_hz))[0]
    w = np.hypot(omega, delta)
    p1 = omega**2 / w**2 * np.sin(w * pulse.played_duration_s / 2) ** 2
    assert abs(u[1, 0]) ** 2 == pytest.approx(p1, abs=1e-9)
    assert np.allclose(u.conj().T @ u, np.eye(2), atol=1e-9)


@pytest.mark.parametrize("solver", SOLVERS)
def test_y_drive_is_x_drive_in_a_rotated_frame(solver) -> None:
    angle = AngleDAC(DAC(DACSpec(bits=6, mismatch_sigma=0.05), rng=1))
    model = QubitModel(detuning_hz=4e6)
    pulse = PulseSpec(envelope="cosine")
    theta = np.array([0.4, 2.0, 5.1])
    ux = _realize(solver, angle, theta, "x", pulse, model)
    uy = _realize(solver, angle, theta, "y", pulse, model)
    r = np.diag([1.0, 1j])
    np.testing.assert_allclose(uy, r @ ux @ r.conj().T, atol=1e-8)


@pytest.mark.parametrize("solver", SOLVERS)
def test_gain_error_scales_the_angle(solver) -> None:
    # A +1% gain error turns code k by 1.01 * k * LSB on a square pulse.
    angle = AngleDAC(DAC(DACSpec(bits=8, gain_error=0.01), rng=None))
    theta = np.array([0.5, 1.5, 3.0])
    u = _realize(solver, angle, theta)
    expected = 1.01 * angle.nominal_angle_rad(angle.codes(theta))
    np.testing.assert_allclose(rotation_angle(u, "x"), expected, atol=1e-8)
