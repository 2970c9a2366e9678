"""Noise description of the QNN circuits: the model, the gate channels and the timing.

Three small interfaces that the noisy executor (:mod:`qnn._density`) runs on
and that :mod:`cosim` can fill from the hardware:

* :class:`NoiseModel` -- T1, T2, gate durations, two-qubit depolarizing
  probability, readout assignment errors and whether idle wires decohere;
* :class:`ChannelSet` -- a CPTP map per angle-DAC code and axis (what cosim
  produces from pulse-level dynamics); :class:`GateChannels` is the default,
  a :class:`~qnn.gateset.GateSet` unitary followed by thermal relaxation;
* :class:`Timing` -- per wire, the idle interval before each of its
  operations and before readout; :meth:`Timing.asap` schedules as soon as
  possible from the gate durations.

Superoperators are Liouville matrices in numpy's row-major vectorization:
``vec(rho)[2 i + j] = rho[i, j]``, so ``rho -> K rho K^dagger`` is
``kron(K, K.conj())`` and ``vec(E(rho)) = S @ vec(rho)``.

Thermal relaxation over a time ``t`` is amplitude damping with
``gamma = 1 - exp(-t / T1)`` followed by pure dephasing, so that coherences
decay by ``exp(-t / T2)`` in all (PennyLane's ``ThermalRelaxationError`` with
``pe = 0``). ``T2 <= 2 T1`` is required.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from hardware_models.validation import check_finite, check_positive

# Axes whose rotations are physical pulses; RZ is a virtual frame change.
from qnn.architectures import PHYSICAL_AXES as PHYSICAL_AXES
from qnn.architectures import Architecture
from qnn.gateset import GateSet, lsb_rad


def _check_probability(name: str, value: float) -> float:
    try:
        p = check_finite(name, value)
    except ValueError:
        p = -1.0
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name}: must be a probability in [0, 1], got {value!r}")
    return p


@dataclass(frozen=True)
class NoiseModel:
    """Decoherence, gate and readout errors of the QNN circuit.

    Parameters
    ----------
    t1_s : float or None, default=None
        Energy relaxation time T1 in s; None for no amplitude damping.
    t2_s : float or None, default=None
        Coherence time T2 in s, ``<= 2 * t1_s``; None for no dephasing beyond
        the ``exp(-t / (2 T1))`` that amplitude damping implies.
    gate_1q_s : float, default=20e-9
        Duration of an RX or RY pulse (and of the encoding RY) in s. RZ is
        virtual: no time, no noise.
    gate_2q_s : float, default=100e-9
        CNOT duration in s.
    cnot_depolarizing : float, default=0.0
        Probability ``p`` of the two-qubit depolarizing channel after every
        CNOT: ``rho -> (1 - p) rho + p I/4 (x) tr_pair(rho)``.
    readout_error : tuple of float, default=(0.0, 0.0)
        ``(e0, e1)`` with ``e0 = P(read 1 | 0)`` and ``e1 = P(read 0 | 1)``, the
        same on every wire; ``e0 + e1 < 1``.
    idle : bool, default=True
        Whether waiting wires relax (see :class:`Timing`). False gives the
        checkable contract in which only gates decohere.
    angle_noise_rms_rad : float, default=0.0
        RMS of the random error of each physical trainable rotation (RX, RY)
        in rad, from the angle DAC's output noise. Averaged over executions,
        ``R_a(theta + eps)`` with ``eps ~ N(0, s**2)`` is the rotation followed
        by dephasing about its own axis: the two Bloch components it turns
        shrink by ``exp(-s**2 / 2)``.
    encoding_noise_rms_rad : float, default=0.0
        The same for the encoding ``RY``, from the encoding DAC.
    """

    t1_s: float | None = None
    t2_s: float | None = None
    gate_1q_s: float = 20e-9
    gate_2q_s: float = 100e-9
    cnot_depolarizing: float = 0.0
    readout_error: tuple[float, float] = (0.0, 0.0)
    idle: bool = True
    angle_noise_rms_rad: float = 0.0
    encoding_noise_rms_rad: float = 0.0

    def __post_init__(self) -> None:
        for name in ("angle_noise_rms_rad", "encoding_noise_rms_rad"):
            object.__setattr__(self, name, check_positive(name, getattr(self, name),
                                                          allow_zero=True))
        for name in ("t1_s", "t2_s"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, check_positive(name, value))
        for name in ("gate_1q_s", "gate_2q_s"):
            object.__setattr__(self, name, check_positive(name, getattr(self, name),
                                                          allow_zero=True))
        if self.t1_s is not None and self.t2_s is not None and self.t2_s > 2 * self.t1_s:
            raise ValueError(f"t2_s: must be <= 2 * t1_s = {2 * self.t1_s:g} s, "
                             f"got {self.t2_s:g} s")
        p = _check_probability("cnot_depolarizing", self.cnot_depolarizing)
        object.__setattr__(self, "cnot_depolarizing", p)
        err = self.readout_error
        if isinstance(err, (str, bytes)) or not isinstance(err, Sequence) or len(err) != 2:
            raise ValueError(f"readout_error: must be a pair (e0, e1), got {err!r}")
        e0 = _check_probability("readout_error", err[0])
        e1 = _check_probability("readout_error", err[1])
        if e0 + e1 >= 1.0:
            raise ValueError(f"readout_error: must have e0 + e1 < 1, got ({e0:g}, {e1:g})")
        object.__setattr__(self, "readout_error", (e0, e1))
        if not isinstance(self.idle, (bool, np.bool_)):
            raise ValueError(f"idle: must be true or false, got {self.idle!r}")
        object.__setattr__(self, "idle", bool(self.idle))

    def relaxation(self, duration_s: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """Amplitude-damping probability and coherence factor after ``duration_s``.

        Returns
        -------
        gamma : ndarray
            ``1 - exp(-t / T1)`` (0 without T1).
        coherence : ndarray
            ``exp(-t / T2)``; ``exp(-t / (2 T1))`` without T2; 1 without both.
        """
        t = np.asarray(duration_s, dtype=float)
        gamma = np.zeros_like(t) if self.t1_s is None else -np.expm1(-t / self.t1_s)
        if self.t2_s is not None:
            coherence = np.exp(-t / self.t2_s)
        elif self.t1_s is not None:
            coherence = np.exp(-t / (2 * self.t1_s))
        else:
            coherence = np.ones_like(t)
        return gamma, coherence

    def readout_affine(self) -> tuple[float, float]:
        """``(scale, offset)`` with ``<Z>_read = scale * <Z> + offset``."""
        e0, e1 = self.readout_error
        return 1.0 - e0 - e1, e1 - e0


# -- Liouville superoperators -----------------------------------------------------------------


def unitary_superoperator(u: np.ndarray) -> np.ndarray:
    """Liouville matrices ``kron(U, U*)`` of 2x2 unitaries, shape ``(..., 4, 4)``."""
    u = np.asarray(u, dtype=complex)
    return (u[..., :, None, :, None] * u.conj()[..., None, :, None, :]).reshape(
        u.shape[:-2] + (4, 4))


def relaxation_superoperator(noise: NoiseModel, duration_s: np.ndarray | float) -> np.ndarray:
    """Liouville matrices of thermal relaxation over ``duration_s``, shape ``(..., 4, 4)``.

    ``rho00 += gamma rho11``, ``rho11 *= 1 - gamma``, ``rho01, rho10 *= coherence``.
    """
    gamma, coherence = noise.relaxation(duration_s)
    s = np.zeros(gamma.shape + (4, 4), dtype=complex)
    s[..., 0, 0] = 1.0
    s[..., 0, 3] = gamma
    s[..., 1, 1] = coherence
    s[..., 2, 2] = coherence
    s[..., 3, 3] = 1.0 - gamma
    return s


@runtime_checkable
class ChannelSet(Protocol):
    """Realized single-qubit gate processes indexed by angle-DAC code.

    Attributes
    ----------
    bits : int
        Resolution of the angle DAC; codes are ``0 .. 2**bits - 1``.
    """

    bits: int

    def superoperators(self, axis: str, codes: np.ndarray) -> np.ndarray:
        """Liouville matrices (row-major, see module docs) of the CPTP process of
        ``codes`` (any shape) about ``axis``: shape ``codes.shape + (4, 4)``, complex128.

        The process covers the whole gate, its decoherence included; idle
        time before the gate comes from the :class:`Timing`.
        """
        ...


class GateChannels:
    """The default channel set: a gate-set unitary, then relaxation over the pulse.

    Physical axes (x, y) get thermal relaxation over ``noise.gate_1q_s`` after
    the unitary; z is virtual and exact.

    Parameters
    ----------
    gateset : GateSet
        Unitary of every code (e.g. :class:`~qnn.gateset.IdealGateSet`).
    noise : NoiseModel
        Supplies T1, T2 and the pulse duration.
    """

    def __init__(self, gateset: GateSet, noise: NoiseModel) -> None:
        self.gateset = gateset
        self.noise = noise
        self.bits = gateset.bits
        self._relax = relaxation_superoperator(noise, noise.gate_1q_s)

    def superoperators(self, axis: str, codes: np.ndarray) -> np.ndarray:
        s = unitary_superoperator(self.gateset.unitaries(axis, np.asarray(codes)))
        return self._relax @ s if axis in PHYSICAL_AXES else s


def channel_encoding(channels: ChannelSet) -> Callable[[np.ndarray], np.ndarray]:
    """An encoding hook that sends each angle through the angle DAC's processes.

    The angle ``x`` is rounded to the nearest code ``round(x / LSB)`` and the
    encoding is the channel set's RY process of that code: the hook returns
    Liouville matrices of shape ``x.shape + (4, 4)`` (the channel analogue of
    :func:`qnn.circuits.gate_encoding`).
    """

    def encode(x: np.ndarray) -> np.ndarray:
        codes = np.rint(np.asarray(x) / lsb_rad(channels.bits)).astype(np.int64)
        return np.asarray(channels.superoperators("y", codes), dtype=complex)

    return encode


# -- timing -----------------------------------------------------------------------------------


def wire_op_counts(arch: Architecture) -> list[int]:
    """Number of operations on each wire of ``arch.ops()`` (encoding and CNOTs included)."""
    counts = [0] * arch.n_qubits
    for op in arch.ops():
        for w in op.wires:
            counts[w] += 1
    return counts


def op_duration_s(kind: str, noise: NoiseModel) -> float:
    """Duration of one operation kind (``rx``, ``ry``, ``rz``, ``cnot``) in s."""
    if kind == "cnot":
        return noise.gate_2q_s
    return noise.gate_1q_s if kind[1:] in PHYSICAL_AXES else 0.0


@dataclass(frozen=True)
class Timing:
    """When each wire waits: the idle intervals of a schedule.

    Parameters
    ----------
    idle_s : tuple of tuple of float
        ``idle_s[q][k]`` is the time in s that wire ``q`` waits before its
        ``k``-th operation in ``arch.ops()`` order (encoding, rotations and the
        CNOTs that touch it); the last entry is the wait before readout, which
        happens on all wires at once. Waiting before the encoding acts on
        ``|0>`` and changes nothing.
    """

    idle_s: tuple[tuple[float, ...], ...]

    def __post_init__(self) -> None:
        rows = tuple(
            tuple(check_positive(f"idle_s[{q}]", t, allow_zero=True) for t in row)
            for q, row in enumerate(self.idle_s)
        )
        object.__setattr__(self, "idle_s", rows)

    @classmethod
    def asap(cls, arch: Architecture, noise: NoiseModel) -> Timing:
        """Every operation starts as soon as its wires are free; all wires read out together."""
        free = [0.0] * arch.n_qubits
        idle: list[list[float]] = [[] for _ in range(arch.n_qubits)]
        for op in arch.ops():
            start = max(free[w] for w in op.wires)
            for w in op.wires:
                idle[w].append(start - free[w])
                free[w] = start + op_duration_s(op.kind, noise)
        end = max(free)
        for w in range(arch.n_qubits):
            idle[w].append(end - free[w])
        return cls(tuple(tuple(row) for row in idle))

    def check(self, arch: Architecture) -> None:
        """Raise ``ValueError`` unless the table has one entry per operation of each wire."""
        want = [c + 1 for c in wire_op_counts(arch)]
        got = [len(row) for row in self.idle_s]
        if got != want:
            raise ValueError(f"timing: idle_s must have {want} entries per wire for "
                             f"{arch.name!r} (operations + readout), got {got}")


__all__ = [
    "ChannelSet",
    "GateChannels",
    "NoiseModel",
    "Timing",
    "channel_encoding",
    "op_duration_s",
    "relaxation_superoperator",
    "unitary_superoperator",
    "wire_op_counts",
]
