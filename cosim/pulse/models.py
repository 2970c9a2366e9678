"""Qubit models: the rotating-frame Hamiltonian and dissipators of a driven transmon.

All operators are plain numpy arrays in units of rad/s (H / hbar), so this
module is testable without QuTiP and shared by every solver. In the frame
rotating at the drive frequency, for ``d`` levels with ladder operator ``a``
(``<n-1|a|n> = sqrt(n)``, so the 1-2 element is sqrt(2)) and number operator
``n``::

    H(t) = 2*pi*detuning_hz * n + 2*pi*anharmonicity_hz/2 * n (n - 1)
           + Omega(t)/2 * (exp(-i phi) a + exp(+i phi) a^dag)

With two levels this is ``Omega/2 (cos(phi) sx + sin(phi) sy) + Delta |1><1|``,
so a resonant square pulse of area ``Omega T = theta`` at ``phi = 0`` is
exactly ``RX(theta) = exp(-i theta X / 2)``. Dissipation (Lindblad form) uses
``L1 = a / sqrt(T1)`` and ``Lphi = sqrt(2 gamma_phi) n`` with
``gamma_phi = 1/T2 - 1/(2 T1)``, which makes the 0-1 coherence decay as
``exp(-t / T2)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hardware_models.validation import check_finite
from qnn.vocabulary import MAX_FREQUENCY_OFFSET_HZ

LEVELS = (2, 3)


@dataclass(frozen=True)
class QubitModel:
    """A driven qubit (two levels) or transmon (three levels) in the drive frame.

    Parameters
    ----------
    levels : {2, 3}, default=2
        Number of transmon levels kept; 3 adds the leakage level ``|2>``.
    detuning_hz : float, default=0.0
        Qubit minus drive frequency ``(omega_q - omega_d) / 2 pi``, in Hz.
    anharmonicity_hz : float, default=-200e6
        ``f12 - f01`` in Hz (negative for transmons). Used only when ``levels == 3``.
    t1_s : float or None, default=None
        Energy relaxation time in s; ``None`` means no relaxation.
    t2_s : float or None, default=None
        Coherence time in s, ``t2_s <= 2 * t1_s``; ``None`` means ``T2 = 2 T1``
        (no pure dephasing).
    """

    levels: int = 2
    detuning_hz: float = 0.0
    anharmonicity_hz: float = -200e6
    t1_s: float | None = None
    t2_s: float | None = None

    def __post_init__(self) -> None:
        if isinstance(self.levels, bool) or self.levels not in LEVELS:
            raise ValueError(f"levels: must be 2 or 3, got {self.levels!r}")
        for name in ("detuning_hz", "anharmonicity_hz"):
            if abs(check_finite(name, getattr(self, name))) > MAX_FREQUENCY_OFFSET_HZ:
                raise ValueError(f"{name}: must be within +-{MAX_FREQUENCY_OFFSET_HZ:g} Hz, "
                                 f"got {getattr(self, name):g}")
        for name in ("t1_s", "t2_s"):
            value = getattr(self, name)
            if value is not None and check_finite(name, value) <= 0:
                raise ValueError(f"{name}: must be > 0 s (or None), got {value!r}")
        if self.t1_s is not None and self.t2_s is not None and self.t2_s > 2 * self.t1_s:
            raise ValueError(
                f"t2_s: must be <= 2 * t1_s = {2 * self.t1_s:g} s, got {self.t2_s:g}"
            )

    @property
    def is_open(self) -> bool:
        """True when T1 or T2 makes the evolution non-unitary."""
        return self.t1_s is not None or self.t2_s is not None

    @property
    def gamma_phi_per_s(self) -> float:
        """Pure dephasing rate ``1/T2 - 1/(2 T1)`` in 1/s (0 without T2)."""
        if self.t2_s is None:
            return 0.0
        relax = 0.0 if self.t1_s is None else 1.0 / (2.0 * self.t1_s)
        # Clamp rounding below zero when T2 == 2 T1 exactly.
        return max(1.0 / self.t2_s - relax, 0.0)


def lowering(levels: int) -> np.ndarray:
    """Ladder operator ``a`` with ``<n-1|a|n> = sqrt(n)`` (dimensionless)."""
    return np.diag(np.sqrt(np.arange(1, levels, dtype=float)), 1).astype(complex)


def number(levels: int) -> np.ndarray:
    """Number operator ``n = diag(0, 1, ..., levels-1)``."""
    return np.diag(np.arange(levels, dtype=float)).astype(complex)


def drift(model: QubitModel) -> np.ndarray:
    """Time-independent part of ``H / hbar`` in rad/s."""
    n = number(model.levels)
    h = 2 * np.pi * model.detuning_hz * n
    if model.levels > 2:
        h = h + np.pi * model.anharmonicity_hz * n @ (n - np.eye(model.levels))
    return h


def drive_operators(levels: int) -> tuple[np.ndarray, np.ndarray]:
    """In-phase and quadrature drive operators ``(Hx, Hy)``.

    ``H_drive = Omega_x(t) Hx + Omega_y(t) Hy`` with ``Omega_x = Omega cos(phi)``,
    ``Omega_y = Omega sin(phi)`` in rad/s; ``Hx = (a + a^dag)/2`` and
    ``Hy = i (a^dag - a)/2`` reduce to ``sx/2`` and ``sy/2`` for two levels.
    """
    a = lowering(levels)
    ad = a.conj().T
    return (a + ad) / 2, 1j * (ad - a) / 2


def collapse_operators(model: QubitModel) -> list[np.ndarray]:
    """Lindblad operators in sqrt(1/s): relaxation ``a/sqrt(T1)``, dephasing ``sqrt(2 g) n``."""
    ops = []
    if model.t1_s is not None:
        ops.append(lowering(model.levels) / math.sqrt(model.t1_s))
    g = model.gamma_phi_per_s
    if g > 0:
        ops.append(math.sqrt(2.0 * g) * number(model.levels))
    return ops


def frame_rotation(levels: int, phi_rad: float) -> np.ndarray:
    """``exp(i phi n)``: conjugating a phase-0 evolution by it shifts the drive phase to phi.

    ``U(phi) = R U(0) R^dag`` with ``R = exp(i phi n)``, because the drift and
    the dissipators commute with ``n`` and ``R^dag a R = exp(i phi) a``.
    """
    return np.diag(np.exp(1j * phi_rad * np.arange(levels)))
