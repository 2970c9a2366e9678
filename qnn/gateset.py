"""The gate-set interface: DAC code -> realized single-qubit unitary.

``qnn`` defines it; :mod:`cosim` fills it from pulse-level compilation, so the
QNN forward pass can run on the gates a DAC actually produces without calling a
solver per sample.

The angle DAC has ``2**bits`` codes spanning a full turn: code ``k`` nominally
means the angle ``k * 2*pi / 2**bits`` (LSB = 2*pi / 2**bits).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from qnn.vocabulary import check_bits, lsb_rad

AXES = ("x", "y", "z")


def rotation(axis: str, theta: np.ndarray) -> np.ndarray:
    """Ideal rotations exp(-i theta sigma_axis / 2).

    Parameters
    ----------
    axis : {"x", "y", "z"}
    theta : array_like
        Angles in rad, any shape.

    Returns
    -------
    ndarray of shape ``theta.shape + (2, 2)``, complex128.
    """
    t = np.asarray(theta, dtype=float)
    c = np.cos(t / 2)
    s = np.sin(t / 2)
    u = np.zeros(t.shape + (2, 2), dtype=complex)
    if axis == "x":
        u[..., 0, 0] = c
        u[..., 1, 1] = c
        u[..., 0, 1] = -1j * s
        u[..., 1, 0] = -1j * s
    elif axis == "y":
        u[..., 0, 0] = c
        u[..., 1, 1] = c
        u[..., 0, 1] = -s
        u[..., 1, 0] = s
    elif axis == "z":
        u[..., 0, 0] = np.exp(-0.5j * t)
        u[..., 1, 1] = np.exp(0.5j * t)
    else:
        raise ValueError(f"axis: must be one of x, y, z, got {axis!r}")
    return u


@runtime_checkable
class GateSet(Protocol):
    """Realized single-qubit rotations indexed by angle-DAC code.

    Attributes
    ----------
    bits : int
        Resolution of the angle DAC; codes are ``0 .. 2**bits - 1``.
    """

    bits: int

    def unitaries(self, axis: str, codes: np.ndarray) -> np.ndarray:
        """Realized 2x2 unitaries for integer ``codes`` (any shape) about ``axis``.

        Returns an array of shape ``codes.shape + (2, 2)``, complex128.
        """
        ...


class IdealGateSet:
    """Exact rotations by the nominal code angle ``k * 2*pi / 2**bits``."""

    def __init__(self, bits: int) -> None:
        self.bits = int(check_bits(bits))

    def unitaries(self, axis: str, codes: np.ndarray) -> np.ndarray:
        codes = np.asarray(codes, dtype=np.int64) % (1 << self.bits)
        return rotation(axis, codes * lsb_rad(self.bits))


class TableGateSet:
    """A gate set given as lookup tables, one ``(2**bits, 2, 2)`` array per axis.

    Parameters
    ----------
    bits : int
        Angle-DAC resolution.
    tables : dict of {"x", "y", "z"} to ndarray of shape (2**bits, 2, 2)
        Realized unitary of every code. A missing axis falls back to ideal
        rotations at the nominal code angle (e.g. virtual Z).
    """

    def __init__(self, bits: int, tables: dict[str, np.ndarray]) -> None:
        self.bits = int(check_bits(bits))
        n = 1 << self.bits
        self.tables = {}
        for axis, table in tables.items():
            if axis not in AXES:
                raise ValueError(f"tables: axis must be one of x, y, z, got {axis!r}")
            arr = np.asarray(table, dtype=complex)
            if arr.shape != (n, 2, 2):
                raise ValueError(f"tables[{axis!r}]: must have shape ({n}, 2, 2), got {arr.shape}")
            self.tables[axis] = arr
        self._ideal = IdealGateSet(self.bits)

    def unitaries(self, axis: str, codes: np.ndarray) -> np.ndarray:
        codes = np.asarray(codes, dtype=np.int64) % (1 << self.bits)
        if axis in self.tables:
            return self.tables[axis][codes]
        return self._ideal.unitaries(axis, codes)
