"""QuTiP reference of a whole circuit, driven by the waveforms the stack emitted.

:func:`qutip_expectation_z` starts all qubits in ``|0...0>`` and integrates
the Lindblad equation (``qutip.mesolve``) over the whole run: every qubit is
driven by its own emitted waveform (:attr:`StackResult.waveforms`, FIFO
stalls and idle gaps included) and relaxes with T1/T2 at all times. Each CNOT
is its ideal (or erroneous) unitary, applied at its start, followed by the
decoherence of its duration like any other interval.

Virtual Z: the sequencer plays every later pulse of a qubit at phase
``phi - f`` for an accumulated frame ``f``, which leaves the true state
``Rz(f) rho' Rz(f)^dagger`` of the simulated ``rho'``. A CNOT acts on the true
state, so on ``rho'`` it is ``Rz(f)^dagger C Rz(f)`` with the frames of its
two qubits at that point; the final frames commute with the Z readout.

Two-level qubits only: ``d ** n`` grows fast, and the fast path's
three-level processes fold leakage into ``|1>`` per gate, which this
reference does not (see :mod:`cosim.pulse.processes`).
"""

from __future__ import annotations

import numpy as np

from cosim.pulse.models import QubitModel, collapse_operators
from cosim.pulse.virtual_z import PhaseRegister
from cosim.stack.results import StackResult
from cosim.stack.sequencer import TwoQubitInstruction, VirtualZInstruction

_X = np.array([[0, 1], [1, 0]], dtype=complex)
_Y = np.array([[0, -1j], [1j, 0]], dtype=complex)


def _embed(op: np.ndarray, wires: tuple[int, ...], n: int) -> np.ndarray:
    """``op`` on ``wires`` (wire 0 most significant) of ``n`` qubits, dense."""
    k = len(wires)
    rest = [w for w in range(n) if w not in wires]
    full = np.kron(op, np.eye(2 ** (n - k)))
    order = list(wires) + rest
    t = full.reshape([2] * (2 * n))
    inv = np.argsort(order)
    t = t.transpose(list(inv) + [n + i for i in inv])
    return t.reshape(2**n, 2**n)


def _frames_at_cnots(result: StackResult) -> dict[int, tuple[float, float]]:
    """Frames (rad) of control and target when each CNOT runs, by circuit index."""
    register = PhaseRegister(result.spec.phase_bits)
    frame = [0] * result.spec.n_qubits
    out = {}
    for ins in result.program.instructions:
        if isinstance(ins, VirtualZInstruction):
            frame[ins.qubit] = ins.frame_code
        elif isinstance(ins, TwoQubitInstruction):
            out[ins.index] = (float(register.angle_rad(frame[ins.control])),
                              float(register.angle_rad(frame[ins.target])))
    return out


def _rz(theta: float) -> np.ndarray:
    return np.diag([np.exp(-0.5j * theta), np.exp(0.5j * theta)])


def qutip_expectation_z(result: StackResult, model: QubitModel, *, atol: float = 1e-12,
                        rtol: float = 1e-10) -> np.ndarray:
    """``<Z_q>`` of every qubit at the end of the run, shape ``(n_qubits,)``.

    Parameters
    ----------
    result : StackResult
        A stack run (its waveforms, CNOTs and program).
    model : QubitModel
        Two levels; T1/T2 and detuning apply to every qubit throughout.
    atol, rtol : float
        mesolve tolerances.
    """
    import qutip

    if model.levels != 2:
        raise ValueError(f"model: the whole-circuit reference is two-level, got levels="
                         f"{model.levels}")
    n = result.spec.n_qubits
    dims = [[2] * n, [2] * n]
    fs = result.rabi_full_scale_rad_s
    c_ops = [qutip.Qobj(_embed(c, (q,), n), dims=dims).to("csr")
             for q in range(n) for c in collapse_operators(model)]
    # The dissipator is the same on every interval: build it once.
    dissipator = sum((qutip.lindblad_dissipator(c) for c in c_ops),
                     0 * qutip.spre(qutip.qeye(dims[0])))
    drift = [_embed(np.diag([0.0, 2 * np.pi * model.detuning_hz]), (q,), n) for q in range(n)]
    ops_x = [_embed(_X / 2, (q,), n) for q in range(n)]
    ops_y = [_embed(_Y / 2, (q,), n) for q in range(n)]
    frames = _frames_at_cnots(result)
    unitaries = {ins.index: ins.unitary for ins in result.program.instructions
                 if isinstance(ins, TwoQubitInstruction)}
    cnots = sorted(result.two_qubit, key=lambda t: (t.start_s, t.index))
    edges = {0.0, result.duration_s} | {t.start_s for t in cnots}
    for wf in result.waveforms:
        edges.update(float(t) for t in wf.t_s)
    times = np.array(sorted(edges))
    rho = np.zeros((2**n, 2**n), dtype=complex)
    rho[0, 0] = 1.0
    state = qutip.Qobj(rho, dims=dims)
    opts = {"atol": atol, "rtol": rtol, "method": "vern9", "nsteps": 1_000_000}
    k = 0
    for t0, t1 in zip(times[:-1], times[1:], strict=True):
        while k < len(cnots) and cnots[k].start_s <= t0 + 1e-18:
            c = cnots[k]
            fc, ft = frames[c.index]
            frame = np.kron(_rz(fc), _rz(ft))
            u = frame.conj().T @ unitaries[c.index] @ frame
            big = qutip.Qobj(_embed(u, (c.control, c.target), n), dims=dims)
            state = big * state * big.dag()
            k += 1
        mid = 0.5 * (t0 + t1)
        h = sum(drift, np.zeros((2**n, 2**n), dtype=complex))
        for q, wf in enumerate(result.waveforms):
            i = int(np.searchsorted(wf.t_s, mid, side="right")) - 1
            if 0 <= i < wf.amplitude.size and wf.amplitude[i] != 0:
                rabi, phi = fs * wf.amplitude[i], wf.phase_rad[i]
                h = h + rabi * (np.cos(phi) * ops_x[q] + np.sin(phi) * ops_y[q])
        liouvillian = qutip.liouvillian(qutip.Qobj(h, dims=dims).to("csr")) + dissipator
        res = qutip.mesolve(liouvillian, state, [0.0, t1 - t0], options=opts)
        state = res.states[-1]
    z = np.diag([1.0, -1.0])
    rho = state.full()
    return np.array([np.real(np.trace(_embed(z, (q,), n) @ rho)) for q in range(n)])
