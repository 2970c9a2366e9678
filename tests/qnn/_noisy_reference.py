"""An independent density-matrix simulator of the noisy-circuit contract, built on QuTiP.

Every channel is a list of Kraus operators on the full ``2**n`` space, built
with ``qutip.tensor`` from textbook single- and two-qubit Kraus matrices
(amplitude damping, then dephasing; CNOT from projectors; depolarizing from
the 16 two-qubit Paulis). States are ``(B, D, D)`` density matrices pushed
forward one operation at a time, in the order of ``arch.ops()``. Nothing here
uses the executor's Pauli transfer matrices, fusion or Heisenberg picture.
Gradients, where needed, come from the parameter-shift rule on this simulator.
"""

from __future__ import annotations

import itertools

import numpy as np
import qutip

PAULIS = [qutip.qeye(2), qutip.sigmax(), qutip.sigmay(), qutip.sigmaz()]
P0 = qutip.basis(2, 0).proj()
P1 = qutip.basis(2, 1).proj()


def embed(n: int, ops: dict[int, qutip.Qobj]) -> np.ndarray:
    return qutip.tensor([ops.get(q, qutip.qeye(2)) for q in range(n)]).full()


def rotation(axis: str, angle: float) -> qutip.Qobj:
    sigma = {"x": qutip.sigmax(), "y": qutip.sigmay(), "z": qutip.sigmaz()}[axis]
    return (-0.5j * angle * sigma).expm()


def relaxation_kraus(t: float, t1: float | None, t2: float | None) -> list[qutip.Qobj]:
    """Amplitude damping (gamma = 1 - exp(-t/T1)) then dephasing to exp(-t/T2) in all."""
    gamma = 0.0 if t1 is None else 1.0 - np.exp(-t / t1)
    if t2 is not None:
        coherence = np.exp(-t / t2)
    else:
        coherence = np.sqrt(1.0 - gamma)
    extra = coherence / np.sqrt(1.0 - gamma)  # what dephasing must add to damping's sqrt(1-gamma)
    damp = [qutip.Qobj([[1, 0], [0, np.sqrt(1 - gamma)]]),
            qutip.Qobj([[0, np.sqrt(gamma)], [0, 0]])]
    dephase = [np.sqrt((1 + extra) / 2) * qutip.qeye(2), np.sqrt((1 - extra) / 2) * qutip.sigmaz()]
    return [d * a for d in dephase for a in damp]


def depolarizing_kraus(n: int, a: int, b: int, p: float) -> list[np.ndarray]:
    """(1 - p) rho + p I/4 (x) tr_ab(rho), as sqrt(1 - 15p/16) I and sqrt(p/16) P_i P_j."""
    out = [np.sqrt(1 - 15 * p / 16) * embed(n, {})]
    for i, j in itertools.product(range(4), repeat=2):
        if (i, j) != (0, 0):
            out.append(np.sqrt(p / 16) * embed(n, {a: PAULIS[i], b: PAULIS[j]}))
    return out


def apply(rho: np.ndarray, kraus: list[np.ndarray]) -> np.ndarray:
    return sum(k @ rho @ k.conj().T for k in kraus)


class Reference:
    """The contract of issue 11 for ``arch`` (plus idle relaxation from a per-wire table).

    Parameters
    ----------
    idle_s : list of list of float, optional
        Per wire, the wait before each of its operations and before readout
        (the :class:`qnn.noise.Timing` layout); None for no idle relaxation.
    """

    def __init__(self, arch, *, t1_s=None, t2_s=None, gate_1q_s=0.0, gate_2q_s=0.0, p=0.0,
                 readout_error=(0.0, 0.0), idle_s=None) -> None:
        self.arch = arch
        self.t1, self.t2 = t1_s, t2_s
        self.g1, self.g2, self.p = gate_1q_s, gate_2q_s, p
        self.e0, self.e1 = readout_error
        self.idle_s = idle_s
        self._cache: dict = {}
        # angle index -> (position in the operation list, wire, axis)
        self.positions: dict[int, tuple[int, int, str]] = {}

    def relax(self, wires, t: float) -> list[np.ndarray]:
        key = ("relax", tuple(wires), t)
        if key not in self._cache:
            kraus = [embed(self.arch.n_qubits, {})]
            for w in wires:
                single = [embed(self.arch.n_qubits, {w: k})
                          for k in relaxation_kraus(t, self.t1, self.t2)]
                kraus = [s @ k for s in single for k in kraus]
            self._cache[key] = kraus
        return self._cache[key]

    def cnot(self, c: int, t: int) -> list[list[np.ndarray]]:
        key = ("cnot", c, t)
        if key not in self._cache:
            n = self.arch.n_qubits
            gate = embed(n, {c: P0}) + embed(n, {c: P1, t: qutip.sigmax()})
            self._cache[key] = [[gate], depolarizing_kraus(n, c, t, self.p)]
        return self._cache[key] + [self.relax([c, t], self.g2)]

    def operations(self, x: np.ndarray, theta: np.ndarray) -> list:
        """The circuit as a list of Kraus lists; an encoding is a (B, D, D) unitary batch."""
        n = self.arch.n_qubits
        out: list = []
        waits = [iter(row) for row in self.idle_s] if self.idle_s is not None else None
        for op in self.arch.ops():
            if waits is not None:
                out.extend(self.relax([w], next(waits[w])) for w in op.wires)
            if op.kind == "cnot":
                out.extend(self.cnot(*op.wires))
                continue
            q, axis = op.wires[0], op.kind[1]
            if op.feature is not None:
                out.append(np.stack([embed(n, {q: rotation("y", xb)}) for xb in x[:, op.feature]]))
            else:
                self.positions[op.param] = (len(out), q, axis)
                out.append([embed(n, {q: rotation(axis, theta[op.param])})])
            if axis != "z":
                out.append(self.relax([q], self.g1))
        if waits is not None:
            out.extend(self.relax([w], next(waits[w])) for w in range(n))
        return out

    def run(self, rho: np.ndarray, ops: list) -> np.ndarray:
        for op in ops:
            if isinstance(op, np.ndarray):
                rho = op @ rho @ op.conj().swapaxes(1, 2)
            else:
                rho = apply(rho, op)
        return rho

    def readout(self, rho: np.ndarray) -> np.ndarray:
        n = self.arch.n_qubits
        z = np.stack([embed(n, {q: qutip.sigmaz()}) for q in range(n)])
        raw = np.einsum("qij,bji->bq", z, rho).real
        return (1 - self.e0 - self.e1) * raw + (self.e1 - self.e0)

    def initial(self, batch: int) -> np.ndarray:
        d = 2**self.arch.n_qubits
        rho = np.zeros((batch, d, d), dtype=complex)
        rho[:, 0, 0] = 1.0
        return rho

    def values(self, x: np.ndarray, theta: np.ndarray) -> np.ndarray:
        return self.readout(self.run(self.initial(len(x)), self.operations(x, theta)))

    def vjp(self, x: np.ndarray, theta: np.ndarray, cot: np.ndarray) -> np.ndarray:
        """Gradient of sum(cot * values) by the parameter-shift rule.

        A shifted circuit differs from the unshifted one in one operation, so
        it restarts from the stored state just before that operation.
        """
        ops = self.operations(x, theta)
        states = [self.initial(len(x))]
        for op in ops:
            states.append(self.run(states[-1], [op]))
        grad = np.empty(theta.size)
        for k in range(theta.size):
            i, q, axis = self.positions[k]
            diff = 0.0
            for sign in (1.0, -1.0):
                gate = embed(self.arch.n_qubits, {q: rotation(axis, theta[k] + sign * np.pi / 2)})
                rho = self.run(states[i], [[gate]] + ops[i + 1:])
                diff = diff + sign * self.readout(rho)
            grad[k] = 0.5 * np.sum(cot * diff)
        return grad
