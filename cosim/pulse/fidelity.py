"""Figures of merit of a realized operation against an ideal qubit rotation.

Everything is evaluated on the qubit subspace ``{|0>, |1>}`` (``d = 2``); for
three levels the realized operation restricted to it is trace-decreasing, and
the lost trace is the leakage. For a map ``E`` on the subspace and a unitary
target ``U``:

* process (entanglement) fidelity ``F_pro = Tr(S_U^dag S_E) / d^2``;
* average gate fidelity ``F_avg = (d F_pro + Tr E(I) / d) / (d + 1)``, which is
  the requested ``(d F_pro + 1)/(d + 1)`` for trace-preserving maps and, for a
  closed evolution with subspace block ``V``, Pedersen et al.'s
  ``(Tr(V^dag V) + |Tr(U^dag V)|^2) / (d (d + 1))`` - equal to
  ``(|Tr(U^dag V)|^2 + d)/(d (d + 1))`` when ``V`` is unitary;
* leakage ``L = 1 - Tr E(I) / d``: the population that leaves the subspace,
  averaged over qubit input states (Wood & Gambetta, PRA 97, 032306, 2018).
"""

from __future__ import annotations

import numpy as np

D = 2
_PAULI = {
    "x": np.array([[0, 1], [1, 0]], dtype=complex),
    "y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "z": np.array([[1, 0], [0, -1]], dtype=complex),
}


def subspace_block(u: np.ndarray) -> np.ndarray:
    """The qubit-subspace block ``u[..., :2, :2]`` of a ``(..., d, d)`` operator."""
    return np.asarray(u)[..., :D, :D]


def unitary_fidelity(target: np.ndarray, realized: np.ndarray) -> np.ndarray:
    """Average gate fidelity of closed evolutions against 2x2 unitary targets.

    Parameters
    ----------
    target : ndarray of shape (..., 2, 2)
    realized : ndarray of shape (..., d, d), d >= 2
        Full propagators; only the qubit block counts.
    """
    v = subspace_block(realized)
    m = np.swapaxes(np.conj(target), -1, -2) @ v
    tr = np.trace(m, axis1=-2, axis2=-1)
    kept = np.real(np.trace(np.swapaxes(np.conj(v), -1, -2) @ v, axis1=-2, axis2=-1))
    return (kept + np.abs(tr) ** 2) / (D * (D + 1))


def unitary_leakage(realized: np.ndarray) -> np.ndarray:
    """``1 - Tr(V^dag V)/2`` of the qubit block ``V`` of closed propagators."""
    v = subspace_block(realized)
    kept = np.real(np.trace(np.swapaxes(np.conj(v), -1, -2) @ v, axis1=-2, axis2=-1))
    return np.clip(1.0 - kept / D, 0.0, None)


def _subspace_superop(superop: np.ndarray, levels: int) -> np.ndarray:
    """Restrict a column-stacked ``(d^2, d^2)`` superoperator to qubit inputs and outputs."""
    idx = np.array([i + levels * j for j in range(D) for i in range(D)])
    return np.asarray(superop)[..., idx[:, None], idx[None, :]]


def superop_fidelity(
    target: np.ndarray, superop: np.ndarray, levels: int
) -> tuple[np.ndarray, np.ndarray]:
    """Average gate fidelity and leakage of channels against 2x2 unitary targets.

    Parameters
    ----------
    target : ndarray of shape (..., 2, 2)
    superop : ndarray of shape (..., d^2, d^2)
        Column-stacking superoperators (QuTiP's convention, ``vec(rho)[i + d j] = rho_ij``).
    levels : int
        ``d``.

    Returns
    -------
    (F_avg, leakage) : ndarrays of shape (...)
    """
    s = _subspace_superop(superop, levels)
    t = np.asarray(target, dtype=complex)
    # vec(U rho U^dag) = (conj(U) kron U) vec(rho) for column stacking.
    s_u = np.einsum("...ij,...kl->...ikjl", np.conj(t), t).reshape(t.shape[:-2] + (D * D, D * D))
    f_pro = np.real(np.trace(np.swapaxes(np.conj(s_u), -1, -2) @ s, axis1=-2, axis2=-1)) / D**2
    diag = np.array([i + D * i for i in range(D)])
    trace_e_identity = np.real(s[..., diag[:, None], diag[None, :]].sum(axis=(-2, -1)))
    f_avg = (D * f_pro + trace_e_identity / D) / (D + 1)
    return f_avg, np.clip(1.0 - trace_e_identity / D, 0.0, None)


def rotation_angle(u: np.ndarray, axis: str) -> np.ndarray:
    """Angle in ``[0, 2 pi)`` of the rotation about ``axis`` closest to ``u[..., :2, :2]``.

    The block is normalised to SU(2) (``/ sqrt(det)``), then
    ``theta = 2 atan2(Re(i Tr(sigma_axis M) / 2), Re(Tr M / 2)) mod 2 pi``; the sign
    ambiguity of the square root shifts theta by 2 pi and drops out.
    """
    if axis not in _PAULI:
        raise ValueError(f"axis: must be one of x, y, z, got {axis!r}")
    v = subspace_block(u)
    m = v / np.sqrt(np.linalg.det(v))[..., None, None]
    cos_half = np.real(np.trace(m, axis1=-2, axis2=-1)) / 2
    sin_half = np.real(1j * np.trace(_PAULI[axis] @ m, axis1=-2, axis2=-1)) / 2
    return np.mod(2 * np.arctan2(sin_half, cos_half), 2 * np.pi)


def wrap_angle(theta: np.ndarray) -> np.ndarray:
    """Wrap angles into ``(-pi, pi]``."""
    return np.pi - np.mod(np.pi - np.asarray(theta, dtype=float), 2 * np.pi)


def nearest_unitary(v: np.ndarray) -> np.ndarray:
    """Closest unitary (polar factor) to each ``(..., n, n)`` matrix, by SVD."""
    w, _, vh = np.linalg.svd(v)
    return w @ vh
