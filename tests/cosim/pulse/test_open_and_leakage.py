"""Open-system (mesolve) and three-level checks against analytic results."""

from __future__ import annotations

import numpy as np
import pytest

from cosim.pulse import Drive, PulseSpec, QubitModel, QutipSolver, realize_gate
from cosim.pulse.fidelity import superop_fidelity, unitary_fidelity, unitary_leakage
from hardware_models.dac import DAC, DACSpec
from qnn.gateset import rotation


def _idle(duration_s: float, sample_rate_hz: float = 1e8) -> Drive:
    n = round(duration_s * sample_rate_hz)
    return Drive(1.0 / sample_rate_hz, np.zeros((1, n)))


def _apply(superop: np.ndarray, rho: np.ndarray) -> np.ndarray:
    d = rho.shape[0]
    return (superop @ rho.reshape(-1, order="F")).reshape(d, d, order="F")


@pytest.mark.parametrize("levels", [2, 3])
@pytest.mark.parametrize("t_s", [0.25e-6, 1e-6, 2e-6])
def test_t1_only_idle_decay_is_exponential(levels: int, t_s: float) -> None:
    t1 = 1.5e-6
    model = QubitModel(levels=levels, t1_s=t1)
    s = QutipSolver().superoperators(_idle(t_s), model)[0]
    rho = np.zeros((levels, levels), complex)
    rho[1, 1] = 1.0
    out = _apply(s, rho)
    assert np.real(out[1, 1]) == pytest.approx(np.exp(-t_s / t1), rel=1e-5)
    assert np.real(np.trace(out)) == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("t2_s", [2e-6, 6e-6])
def test_idle_coherence_decays_with_t2(t2_s: float) -> None:
    t1, t = 3e-6, 1.5e-6
    s = QutipSolver().superoperators(_idle(t), QubitModel(t1_s=t1, t2_s=t2_s))[0]
    out = _apply(s, np.full((2, 2), 0.5, complex))
    assert abs(out[0, 1]) == pytest.approx(0.5 * np.exp(-t / t2_s), rel=1e-5)


def test_t2_above_twice_t1_is_rejected() -> None:
    with pytest.raises(ValueError, match="^t2_s:"):
        QubitModel(t1_s=1e-6, t2_s=2.5e-6)
    with pytest.raises(ValueError, match="^t1_s:"):
        QubitModel(t1_s=-1.0)


def test_superoperator_fidelity_reduces_to_unitary_formula() -> None:
    # A closed evolution as a channel must give the same average fidelity.
    dac = DAC(DACSpec(bits=6), rng=None)
    closed = realize_gate(1.0, dac=dac, solver="qutip")
    s = np.kron(closed.unitary.conj(), closed.unitary)
    f, leak = superop_fidelity(rotation("x", 1.0), s, levels=2)
    assert f == pytest.approx(closed.fidelity, abs=1e-12)
    assert leak == pytest.approx(0.0, abs=1e-12)


def test_decoherence_costs_fidelity_by_the_known_rate() -> None:
    # For a short gate, 1 - F ~ T (1/T1 + 1/T_phi) / 3 (two levels, to first order).
    dac = DAC(DACSpec(bits=12), rng=None)
    t1, t2 = 20e-6, 30e-6
    g = realize_gate(np.pi, dac=dac, model=QubitModel(t1_s=t1, t2_s=t2))
    assert g.solver == "qutip-mesolve"
    t = PulseSpec().played_duration_s
    gamma_phi = 1 / t2 - 1 / (2 * t1)
    expected = t * (1 / t1 + gamma_phi) / 3
    assert 1 - g.fidelity == pytest.approx(expected, rel=0.05)


def test_three_level_leakage_smaller_for_longer_pi_pulse() -> None:
    dac = DAC(DACSpec(bits=12), rng=None)
    model = QubitModel(levels=3, anharmonicity_hz=-200e6)
    short = realize_gate(np.pi, dac=dac, model=model, pulse=PulseSpec(duration_s=8e-9))
    long = realize_gate(np.pi, dac=dac, model=model, pulse=PulseSpec(duration_s=60e-9))
    assert short.solver == "qutip-sesolve"
    assert short.leakage > 1e-3
    assert 0 < long.leakage < short.leakage / 5
    assert long.fidelity > short.fidelity


def test_three_levels_tend_to_two_levels_for_large_anharmonicity() -> None:
    pulse = PulseSpec(duration_s=20e-9)
    drive = Drive(pulse.dt_s, np.full((1, pulse.n_samples), np.pi / pulse.played_duration_s))
    solver = QutipSolver()
    near = solver.unitaries(drive, QubitModel(levels=3, anharmonicity_hz=-200e6))[0]
    far = solver.unitaries(drive, QubitModel(levels=3, anharmonicity_hz=-50e9))[0]
    assert unitary_leakage(far) < 1e-5 < 1e-3 < unitary_leakage(near)
    assert unitary_fidelity(rotation("x", np.pi), far) > 1 - 1e-4


def test_three_level_channel_and_unitary_leakage_agree() -> None:
    # mesolve without decay-free rates is not possible, so use a very long T1.
    dac = DAC(DACSpec(bits=10), rng=None)
    pulse = PulseSpec(duration_s=10e-9)
    closed = realize_gate(np.pi, dac=dac, model=QubitModel(levels=3), pulse=pulse)
    open_ = realize_gate(np.pi, dac=dac, model=QubitModel(levels=3, t1_s=1.0), pulse=pulse)
    assert open_.solver == "qutip-mesolve"
    assert open_.leakage == pytest.approx(closed.leakage, rel=1e-4)
    assert open_.fidelity == pytest.approx(closed.fidelity, abs=1e-7)
