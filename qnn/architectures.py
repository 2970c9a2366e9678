"""QNN circuit architectures: the two presets of arXiv:2601.04983 and their generalisation.

A circuit is data encoding RY(x_q) on every wire, followed by ``n_layers``
layers. Each layer applies the rotations named in ``rotations`` on every wire
(in that order), then a ring of CNOTs. Parameters are ordered
(layer, wire, gate), so ``theta[(l * n_qubits + q) * len(rotations) + g]``
drives rotation ``g`` on wire ``q`` in layer ``l``.

Conventions: RX(t) = exp(-i t X / 2), RY and RZ likewise; readout is <Z_q>.
"""

from __future__ import annotations

from dataclasses import dataclass

_ROTATIONS = ("x", "y", "z")
#: Rotations played as DAC pulses; RZ is a virtual frame update of a phase
#: register, which the angle DAC's mismatch, noise and decoherence never touch.
PHYSICAL_AXES = ("x", "y")
MAX_QUBITS = 16


@dataclass(frozen=True)
class Op:
    """One circuit operation.

    Parameters
    ----------
    kind : {"rx", "ry", "rz", "cnot"}
        The gate.
    wires : tuple of int
        ``(q,)`` for a rotation, ``(control, target)`` for a CNOT.
    param : int or None
        Index into ``theta`` for a trainable rotation.
    feature : int or None
        Index into the data vector ``x`` for an encoding rotation.
    """

    kind: str
    wires: tuple[int, ...]
    param: int | None = None
    feature: int | None = None


@dataclass(frozen=True)
class Architecture:
    """A layered hardware-efficient QNN ansatz.

    Parameters
    ----------
    name : str
        Label used in reports.
    n_qubits : int
        Number of wires (1..16).
    n_layers : int
        Number of variational layers (>= 1).
    rotations : tuple of {"x", "y", "z"}
        Rotation axes applied on each wire in each layer, in order.
    """

    name: str
    n_qubits: int
    n_layers: int
    rotations: tuple[str, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.n_qubits, int) or not 1 <= self.n_qubits <= MAX_QUBITS:
            raise ValueError(f"n_qubits: must be an integer 1..{MAX_QUBITS}, got {self.n_qubits!r}")
        if not isinstance(self.n_layers, int) or self.n_layers < 1:
            raise ValueError(f"n_layers: must be an integer >= 1, got {self.n_layers!r}")
        if not self.rotations or any(r not in _ROTATIONS for r in self.rotations):
            raise ValueError(
                f"rotations: must be a non-empty sequence of x, y, z, got {self.rotations!r}"
            )

    @property
    def n_params(self) -> int:
        """Number of trainable angles."""
        return self.n_layers * self.n_qubits * len(self.rotations)

    def param_index(self, layer: int, wire: int, gate: int) -> int:
        """Flat index of the parameter of rotation ``gate`` on ``wire`` in ``layer``."""
        return (layer * self.n_qubits + wire) * len(self.rotations) + gate

    def entangler(self) -> list[tuple[int, int]]:
        """The CNOT ring (control, target) closing each layer."""
        n = self.n_qubits
        if n == 1:
            return []
        if n == 2:
            return [(0, 1)]
        return [(q, (q + 1) % n) for q in range(n)]

    def virtual_params(self) -> tuple[bool, ...]:
        """For every parameter, whether its rotation is virtual (RZ: a phase update)."""
        per_wire = tuple(axis not in PHYSICAL_AXES for axis in self.rotations)
        return per_wire * (self.n_layers * self.n_qubits)

    def ops(self) -> list[Op]:
        """The whole circuit as a flat list of operations, encoding first."""
        out = [Op("ry", (q,), feature=q) for q in range(self.n_qubits)]
        for layer in range(self.n_layers):
            for q in range(self.n_qubits):
                for g, axis in enumerate(self.rotations):
                    out.append(Op("r" + axis, (q,), param=self.param_index(layer, q, g)))
            out.extend(Op("cnot", pair) for pair in self.entangler())
        return out


PRESETS: dict[str, Architecture] = {
    # 2 layers x 4 wires x (RY, RZ) = 16 parameters.
    "compact": Architecture("compact", n_qubits=4, n_layers=2, rotations=("y", "z")),
    # 4 layers x 4 wires x (RX, RY, RZ) = 48 parameters.
    "expressive": Architecture("expressive", n_qubits=4, n_layers=4, rotations=("x", "y", "z")),
}


def get_architecture(arch: str | Architecture) -> Architecture:
    """Return a preset by name, or pass an :class:`Architecture` through."""
    if isinstance(arch, Architecture):
        return arch
    try:
        return PRESETS[arch]
    except (KeyError, TypeError):
        raise ValueError(
            f"arch: must be one of {', '.join(PRESETS)}, got {arch!r}"
        ) from None
