"""Circuits the control stack accepts: RX/RY/RZ(theta) and CNOT on numbered qubits.

A circuit is a sequence of :class:`Gate`; :func:`as_gates` also accepts plain
tuples ``("rx", q, theta)`` / ``("cnot", control, target)`` (qubits as ints or
names ``"q3"``), or the :class:`qnn.architectures.Op` list of
``Architecture.ops()`` together with the data ``x`` and parameters ``theta``
that fill its angles.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from qnn.architectures import Op

ROTATIONS = ("rx", "ry", "rz")
KINDS = ROTATIONS + ("cnot",)
_NAME = re.compile(r"^q(\d+)$")


@dataclass(frozen=True)
class Gate:
    """One gate of a circuit.

    Parameters
    ----------
    kind : {"rx", "ry", "rz", "cnot"}
    qubits : tuple of int
        ``(q,)`` for rotations, ``(control, target)`` for CNOT.
    angle_rad : float, default=0.0
        Rotation angle in rad (ignored for CNOT).
    """

    kind: str
    qubits: tuple[int, ...]
    angle_rad: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind: must be one of {', '.join(KINDS)}, got {self.kind!r}")
        want = 2 if self.kind == "cnot" else 1
        if len(self.qubits) != want:
            raise ValueError(f"qubits: {self.kind} acts on {want} qubit(s), got {self.qubits!r}")
        if want == 2 and self.qubits[0] == self.qubits[1]:
            raise ValueError(f"qubits: cnot needs two different qubits, got {self.qubits!r}")
        if not math.isfinite(self.angle_rad):
            raise ValueError(f"angle_rad: must be finite, got {self.angle_rad!r}")


def _qubit(label: int | str) -> int:
    if isinstance(label, (int, np.integer)) and not isinstance(label, bool) and label >= 0:
        return int(label)
    if isinstance(label, str) and _NAME.match(label):
        return int(label[1:])
    raise ValueError(f"circuit: qubit must be an int >= 0 or a name like 'q0', got {label!r}")


def _from_tuple(item: tuple) -> Gate:
    if not item or item[0] not in KINDS:
        raise ValueError(f"circuit: gate must start with one of {', '.join(KINDS)}, got {item!r}")
    kind = item[0]
    if kind == "cnot":
        if len(item) != 3:
            raise ValueError(f"circuit: cnot must be ('cnot', control, target), got {item!r}")
        return Gate(kind, (_qubit(item[1]), _qubit(item[2])))
    if len(item) != 3:
        raise ValueError(f"circuit: rotation must be ({kind!r}, qubit, theta), got {item!r}")
    return Gate(kind, (_qubit(item[1]),), float(item[2]))


def from_ops(ops: Sequence[Op], x: np.ndarray, theta: np.ndarray) -> tuple[Gate, ...]:
    """Fill an ``Architecture.ops()`` list with data ``x`` and parameters ``theta`` (rad)."""
    x = np.asarray(x, dtype=float).ravel()
    theta = np.asarray(theta, dtype=float).ravel()
    gates = []
    for op in ops:
        if op.kind == "cnot":
            gates.append(Gate("cnot", tuple(op.wires)))
            continue
        if op.feature is not None:
            if op.feature >= x.size:
                raise ValueError(f"x: needs at least {op.feature + 1} features, got {x.size}")
            angle = x[op.feature]
        elif op.param is not None:
            if op.param >= theta.size:
                raise ValueError(f"theta: needs at least {op.param + 1} values, got {theta.size}")
            angle = theta[op.param]
        else:
            angle = 0.0
        gates.append(Gate(op.kind, tuple(op.wires), float(angle)))
    return tuple(gates)


def as_gates(
    circuit: Iterable[Gate | tuple | Op],
    *,
    x: np.ndarray | None = None,
    theta: np.ndarray | None = None,
) -> tuple[Gate, ...]:
    """Normalise any accepted circuit form into a tuple of :class:`Gate`."""
    items = list(circuit)
    if items and all(isinstance(i, Op) for i in items):
        if x is None or theta is None:
            raise ValueError("x: an Architecture.ops() circuit needs both x and theta")
        return from_ops(items, x, theta)
    gates = []
    for item in items:
        if isinstance(item, Gate):
            gates.append(item)
        elif isinstance(item, tuple):
            gates.append(_from_tuple(item))
        else:
            raise ValueError(f"circuit: items must be Gate, tuple or Op, got {type(item).__name__}")
    return tuple(gates)


def cnot_unitary(error_rad: float = 0.0) -> np.ndarray:
    """CNOT (control first) times an optional coherent ZX over-rotation.

    ``U = CNOT @ exp(-i error_rad/2 Z_c X_t)``, basis ``|c t>``; ``error_rad = 0``
    is the ideal gate.
    """
    zx = np.kron(np.diag([1.0, -1.0]), np.array([[0.0, 1.0], [1.0, 0.0]]))
    over = math.cos(error_rad / 2) * np.eye(4) - 1j * math.sin(error_rad / 2) * zx
    cnot = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], dtype=complex)
    return cnot @ over
