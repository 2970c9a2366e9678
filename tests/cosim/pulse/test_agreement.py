"""The vectorised closed form equals the QuTiP reference to 1e-8."""

from __future__ import annotations

import numpy as np
import pytest

from cosim.pulse import AngleDAC, ClosedFormSolver, Drive, PulseSpec, QubitModel, QutipSolver
from cosim.pulse.solvers import resolve_solver
from hardware_models.dac import DAC, DACSpec


@pytest.mark.parametrize("envelope", ["square", "cosine", "gaussian"])
@pytest.mark.parametrize("seed", [0, 1])
def test_closed_form_equals_qutip_on_random_codes(envelope: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    # INL from a mismatched binary DAC, plus gain and offset errors.
    dac = DAC(DACSpec(bits=10, mismatch_sigma=0.03, gain_error=0.02, offset=3e-4), rng=rng)
    angle = AngleDAC(dac)
    pulse = PulseSpec(duration_s=24e-9, sample_rate_hz=1e9, envelope=envelope)
    model = QubitModel(detuning_hz=float(rng.uniform(-5e6, 5e6)))
    codes = rng.integers(0, angle.n_codes, size=6)
    phases = rng.uniform(0, 2 * np.pi, size=6)
    drive = angle.drive(codes, pulse, phase_rad=phases)
    closed = ClosedFormSolver().unitaries(drive, model)
    reference = QutipSolver().unitaries(drive, model)
    assert np.max(np.abs(closed - reference)) < 1e-8


def test_closed_form_equals_qutip_on_arbitrary_sample_streams() -> None:
    # Every sample different, amplitude and phase: the time ordering must match.
    rng = np.random.default_rng(7)
    drive = Drive(1e-9, rng.uniform(0, 2e8, size=(3, 17)), rng.uniform(0, 2 * np.pi, (3, 17)))
    model = QubitModel(detuning_hz=2e6)
    closed = ClosedFormSolver().unitaries(drive, model)
    reference = QutipSolver().unitaries(drive, model)
    assert np.max(np.abs(closed - reference)) < 1e-8


def test_closed_form_handles_batches_and_idle_samples() -> None:
    rabi = np.zeros((2, 3, 5))
    rabi[1, 2, 2] = 1e8
    u = ClosedFormSolver().unitaries(Drive(1e-9, rabi), QubitModel())
    assert u.shape == (2, 3, 2, 2)
    np.testing.assert_allclose(u[0, 0], np.eye(2), atol=1e-15)
    assert abs(u[1, 2, 1, 0]) == pytest.approx(np.sin(0.05), abs=1e-12)


def test_solver_dispatch() -> None:
    assert resolve_solver("auto", QubitModel()) == "closed-form"
    assert resolve_solver("auto", QubitModel(levels=3)) == "qutip-sesolve"
    assert resolve_solver("auto", QubitModel(t1_s=1e-5)) == "qutip-mesolve"
    assert resolve_solver("qutip", QubitModel()) == "qutip-sesolve"
    with pytest.raises(ValueError, match="^solver:"):
        resolve_solver("closed-form", QubitModel(levels=3))
    with pytest.raises(ValueError, match="^solver:"):
        resolve_solver("magic", QubitModel())
