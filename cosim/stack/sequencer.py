"""The sequencer's compiler: a circuit becomes pulse, virtual-Z and two-qubit instructions.

* ``rx``/``ry``: a fixed-duration pulse whose amplitude is the angle-DAC code
  of ``theta`` (:class:`~cosim.pulse.angle_dac.AngleDAC`), played at drive
  phase ``axis - frame`` (x = 0, y = quarter turn) from the qubit's
  phase register, with per-sample codes for the envelope.
* ``rz``: a virtual-Z update of the phase register (``frame += theta`` at
  ``phase_bits``); no pulse, zero duration.
* ``cnot``: a fixed-duration two-qubit operation with its (optionally
  erroneous) unitary.

Compilation is static and exact; the timing (issue latency, FIFO refill,
channel sharing) is simulated by :mod:`cosim.stack.simulate`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cosim.pulse.angle_dac import AngleDAC
from cosim.pulse.virtual_z import PhaseRegister
from cosim.stack.circuit import Gate, cnot_unitary
from cosim.stack.spec import StackSpec


@dataclass(frozen=True, eq=False)
class PulseInstruction:
    """Play one X/Y pulse.

    Attributes
    ----------
    index : int
        Position of the gate in the circuit.
    qubit : int
    axis : {"x", "y"}
    angle_rad : float
        Requested rotation angle.
    code : int
        Angle-DAC code.
    phase_code : int
        Phase-register value of the drive phase (``axis - frame``).
    phase_rad : float
        Drive phase in ``[0, 2 pi)``.
    sample_codes : ndarray of int64, shape (n_samples,)
        DAC code of every sample.
    """

    index: int
    qubit: int
    axis: str
    angle_rad: float
    code: int
    phase_code: int
    phase_rad: float
    sample_codes: np.ndarray

    @property
    def kind(self) -> str:
        return "r" + self.axis

    def words(self, samples_per_word: int) -> list[np.ndarray]:
        """The sample codes cut into FIFO words (the last one may be short)."""
        c = self.sample_codes
        return [c[i : i + samples_per_word] for i in range(0, c.size, samples_per_word)]


@dataclass(frozen=True)
class VirtualZInstruction:
    """Add ``delta_code`` to the qubit's phase register (zero duration)."""

    index: int
    qubit: int
    angle_rad: float
    delta_code: int
    frame_code: int

    kind = "rz"


@dataclass(frozen=True, eq=False)
class TwoQubitInstruction:
    """A CNOT of fixed duration on dedicated two-qubit hardware."""

    index: int
    control: int
    target: int
    unitary: np.ndarray

    kind = "cnot"


Instruction = PulseInstruction | VirtualZInstruction | TwoQubitInstruction


@dataclass(frozen=True)
class Program:
    """A compiled circuit.

    Attributes
    ----------
    instructions : tuple
        In circuit order.
    n_qubits : int
    final_frame_rad : tuple of float
        Each qubit's accumulated virtual-Z frame at the end (the dropped
        trailing RZ), in ``[0, 2 pi)``.
    """

    instructions: tuple[Instruction, ...]
    n_qubits: int
    final_frame_rad: tuple[float, ...]

    def for_qubit(self, qubit: int) -> list[Instruction]:
        """The instructions that involve ``qubit``, in order."""
        out = []
        for ins in self.instructions:
            wires = (ins.control, ins.target) if isinstance(ins, TwoQubitInstruction) else (
                ins.qubit,)
            if qubit in wires:
                out.append(ins)
        return out


def compile_program(gates: Sequence[Gate], spec: StackSpec, angle_dac: AngleDAC) -> Program:
    """Compile gates into instructions for a stack.

    Parameters
    ----------
    gates : sequence of Gate
        Qubits must be ``< spec.n_qubits``.
    spec : StackSpec
    angle_dac : AngleDAC
        The amplitude DAC of the channels.
    """
    register = PhaseRegister(spec.phase_bits)
    pulse = spec.pulse
    frame = [0] * spec.n_qubits
    out: list[Instruction] = []
    for index, gate in enumerate(gates):
        for q in gate.qubits:
            if q >= spec.n_qubits:
                raise ValueError(f"circuit: gate {index} ({gate.kind}) uses qubit {q}, but "
                                 f"the stack has n_qubits={spec.n_qubits}")
        if gate.kind == "cnot":
            c, t = gate.qubits
            out.append(TwoQubitInstruction(index, c, t, cnot_unitary(spec.cnot_error_rad)))
        elif gate.kind == "rz":
            q = gate.qubits[0]
            delta = int(register.code(gate.angle_rad))
            frame[q] = (frame[q] + delta) % register.n_codes
            out.append(VirtualZInstruction(index, q, gate.angle_rad, delta, frame[q]))
        else:
            q = gate.qubits[0]
            axis = gate.kind[1]
            code = int(angle_dac.codes(gate.angle_rad))
            # A later drive at phase phi - theta realizes the earlier RZ(theta).
            pcode = (register.axis_code(axis) - frame[q]) % register.n_codes
            out.append(PulseInstruction(
                index=index, qubit=q, axis=axis, angle_rad=gate.angle_rad, code=code,
                phase_code=pcode, phase_rad=float(register.angle_rad(pcode)),
                sample_codes=angle_dac.sample_codes(np.array(code), pulse),
            ))
    final = tuple(float(register.angle_rad(f)) for f in frame)
    return Program(tuple(out), spec.n_qubits, final)
