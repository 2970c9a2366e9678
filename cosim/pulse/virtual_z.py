"""Virtual Z: rotations about Z as updates of a per-qubit phase register.

``RZ(theta)`` followed by a drive at phase ``phi`` equals the drive at phase
``phi - theta`` followed by ``RZ(theta)``, so the sequencer only subtracts
``theta`` from the phase of every later pulse on that qubit; the trailing
``RZ`` commutes with a Z-basis readout and is dropped. No pulse, zero
duration. The register holds ``phase_bits`` bits over a full turn, so an
update is realized as ``round(theta / (2 pi) * 2**P) * 2 pi / 2**P``.

In a :class:`~qnn.gateset.GateSet` the z codes are *angle-DAC* codes, like x
and y: z code ``k`` asks for ``k * 2 pi / 2**N``, which the register realizes
at its own resolution. With ``P >= N`` that is exact; with ``P < N``
neighbouring z codes share a register value.
"""

from __future__ import annotations

import numpy as np

from qnn.gateset import rotation
from qnn.vocabulary import lsb_rad, nearest_codes

TWO_PI = 2.0 * np.pi
MAX_PHASE_BITS = 32


class PhaseRegister:
    """Quantizer of phase updates with ``bits`` bits over one full turn.

    Parameters
    ----------
    bits : int
        Register resolution, 2..32 (at least 2 so that the Y axis, a quarter
        turn, is exact).
    """

    def __init__(self, bits: int) -> None:
        if isinstance(bits, bool) or not isinstance(bits, (int, np.integer)) or not (
            2 <= bits <= MAX_PHASE_BITS
        ):
            raise ValueError(f"phase_bits: must be an integer 2..{MAX_PHASE_BITS}, got {bits!r}")
        self.bits = int(bits)
        self.n_codes = 1 << self.bits
        self.lsb_rad = lsb_rad(self.bits)

    def code(self, theta_rad: float | np.ndarray) -> np.ndarray:
        """Register code of each angle: nearest (half up), modulo ``2**bits``."""
        theta = np.asarray(theta_rad, dtype=float)
        if not np.all(np.isfinite(theta)):
            raise ValueError("theta_rad: must be finite angles in rad")
        return nearest_codes(theta, self.bits)

    def angle_rad(self, code: int | np.ndarray) -> np.ndarray:
        """Angle of a register code in ``[0, 2 pi)``."""
        return np.mod(np.asarray(code, dtype=np.int64), self.n_codes) * self.lsb_rad

    def axis_code(self, axis: str) -> int:
        """Register value of a drive axis: x is phase 0, y is a quarter turn."""
        if axis not in ("x", "y"):
            raise ValueError(f"axis: must be x or y, got {axis!r}")
        return 0 if axis == "x" else self.n_codes // 4


def virtual_z_table(angle_bits: int, phase_bits: int) -> np.ndarray:
    """Realized ``RZ`` of every angle-DAC code, shape ``(2**angle_bits, 2, 2)``."""
    register = PhaseRegister(phase_bits)
    nominal = np.arange(1 << angle_bits) * lsb_rad(angle_bits)
    return rotation("z", register.angle_rad(register.code(nominal)))
