"""Circuit input forms, the sequencer's compilation, and argument validation."""

from __future__ import annotations

import numpy as np
import pytest

from cosim.pulse import AngleDAC
from cosim.stack import Gate, StackSpec, as_gates, cnot_unitary, compile_program, simulate
from cosim.stack.sequencer import PulseInstruction, TwoQubitInstruction, VirtualZInstruction
from hardware_models.dac import DAC, DACSpec
from qnn.architectures import PRESETS


def test_architecture_ops_are_filled_with_data_and_parameters() -> None:
    arch = PRESETS["compact"]
    x = np.array([0.1, 0.2, 0.3, 0.4])
    theta = np.arange(arch.n_params) * 0.01
    gates = as_gates(arch.ops(), x=x, theta=theta)
    assert len(gates) == len(arch.ops())
    assert gates[0] == Gate("ry", (0,), 0.1)
    assert gates[4] == Gate("ry", (0,), 0.0) and gates[5] == Gate("rz", (0,), 0.01)
    assert Gate("cnot", (3, 0)) in gates
    with pytest.raises(ValueError, match="^x:"):
        as_gates(arch.ops())


def test_plain_gate_lists_and_named_qubits() -> None:
    gates = as_gates([("rx", "q1", 0.5), ("cnot", 0, "q2"), Gate("rz", (2,), 1.0)])
    assert gates == (Gate("rx", (1,), 0.5), Gate("cnot", (0, 2)), Gate("rz", (2,), 1.0))
    with pytest.raises(ValueError, match="^circuit:"):
        as_gates([("swap", 0, 1)])
    with pytest.raises(ValueError, match="^circuit:"):
        as_gates([("rx", "qubit-one", 0.5)])
    with pytest.raises(ValueError, match="^qubits:"):
        Gate("cnot", (1, 1))


def test_compiled_instructions() -> None:
    spec = StackSpec(n_qubits=2, n_channels=1, angle_bits=4, phase_bits=4)
    angle = AngleDAC(DAC(DACSpec(bits=4), rng=None))
    prog = compile_program(
        as_gates([("ry", 0, np.pi), ("rz", 0, np.pi / 2), ("rx", 0, -np.pi / 8),
                  ("cnot", 1, 0)]), spec, angle)
    ry, rz, rx, cx = prog.instructions
    assert isinstance(ry, PulseInstruction) and (ry.code, ry.phase_code) == (8, 4)
    assert ry.sample_codes.shape == (spec.pulse_samples,) and np.all(ry.sample_codes == 8)
    assert isinstance(rz, VirtualZInstruction) and (rz.delta_code, rz.frame_code) == (4, 4)
    # -pi/8 wraps to code 15; x axis (0) minus frame (4) on a 16-step register is 12.
    assert isinstance(rx, PulseInstruction) and (rx.code, rx.phase_code) == (15, 12)
    assert isinstance(cx, TwoQubitInstruction) and (cx.control, cx.target) == (1, 0)
    assert [i.index for i in prog.for_qubit(1)] == [3]
    assert len(ry.words(spec.samples_per_word)) == spec.pulse_words


def test_cnot_unitary_error_parameter() -> None:
    ideal = cnot_unitary()
    np.testing.assert_array_equal(np.abs(ideal), [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1],
                                                  [0, 0, 1, 0]])
    eps = 0.02
    err = cnot_unitary(eps)
    np.testing.assert_allclose(err.conj().T @ err, np.eye(4), atol=1e-15)
    # Process overlap with the ideal gate: |Tr(U^dag V)| / 4 = cos(eps / 2).
    assert abs(np.trace(ideal.conj().T @ err)) / 4 == pytest.approx(np.cos(eps / 2))


@pytest.mark.parametrize(
    "kwargs, where",
    [({"n_channels": 0}, "n_channels"), ({"n_channels": 5}, "n_channels"),
     ({"n_qubits": 17}, "n_qubits"), ({"fifo_depth_words": 0}, "fifo_depth_words"),
     ({"sample_rate_hz": 0.0}, "sample_rate_hz"), ({"issue_latency_s": -1e-9},
                                                   "issue_latency_s"),
     ({"gate_1q_s": 1e-12}, "gate_1q_s"), ({"assignment": "random"}, "assignment"),
     ({"phase_bits": 1}, "phase_bits"), ({"envelope": "sinc"}, "envelope")],
)
def test_stack_spec_validation(kwargs: dict, where: str) -> None:
    with pytest.raises(ValueError, match=f"^{where}:"):
        StackSpec(**kwargs)


def test_simulate_validation() -> None:
    with pytest.raises(ValueError, match="^circuit:"):
        simulate([("rx", 5, 1.0)], StackSpec(n_qubits=4))
    with pytest.raises(ValueError, match="^dac:"):
        simulate([("rx", 0, 1.0)], StackSpec(angle_bits=8), dac=DAC(DACSpec(bits=6), rng=None))


def test_same_inputs_same_result() -> None:
    arch = PRESETS["expressive"]
    rng = np.random.default_rng(4)
    x, theta = rng.uniform(0, np.pi, 4), rng.uniform(0, 2 * np.pi, arch.n_params)
    spec = StackSpec(n_channels=2)
    a = simulate(arch.ops(), spec, x=x, theta=theta)
    b = simulate(arch.ops(), spec, x=x, theta=theta)
    assert a.log == b.log and a.summary() == b.summary()
    assert a.summary()["n_pulses"] == 4 + 4 * 4 * 2 and a.summary()["n_cnot"] == 16
