"""Pauli transfer matrices of the channels in the noisy QNN circuits.

A state of ``k`` qubits is its real Pauli vector ``r_s = tr(P_s rho)`` over the
``4**k`` strings ``P_s`` (``I, X, Y, Z`` per wire, wire 0 most significant);
one qubit's is ``(1, <X>, <Y>, <Z>)``. A channel ``E`` acts as its real Pauli
transfer matrix (PTM) ``R[i, j] = tr(P_i E(P_j)) / 2**k``, so ``r -> R r``;
tensor products of channels are Kronecker products of PTMs. Trace
preservation is ``R[0] = (1, 0, ..., 0)``.
"""

from __future__ import annotations

import numpy as np

from qnn._statevector import pauli
from qnn.noise import NoiseModel

# Row i is vec(P_i) in numpy's row-major vectorization (vec(rho)[2a + b] = rho[a, b]).
_VEC_PAULIS = np.stack([np.eye(2, dtype=complex)] + [pauli(a) for a in "xyz"]).reshape(4, 4)
# For each rotation axis, the two Pauli components it mixes: (b, c) with b -> c for t > 0.
_ROTATED = {"x": (2, 3), "y": (3, 1), "z": (1, 2)}
_CNOT = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], dtype=complex)
# Channels supplied from outside may carry rounding; this much is accepted as exact.
TOLERANCE = 1e-9


def ptm_from_liouville(s: np.ndarray) -> np.ndarray:
    """PTMs of single-qubit Liouville matrices (row-major vec), complex ``(..., 4, 4)``.

    Returns the complex PTM; its imaginary part vanishes for Hermiticity-preserving maps.
    """
    return 0.5 * np.einsum("ia,...ab,jb->...ij", _VEC_PAULIS.conj(), s, _VEC_PAULIS)


def checked_ptm(name: str, s: np.ndarray) -> np.ndarray:
    """Real PTMs of Liouville matrices ``(..., 4, 4)``, after checking they are CPTP.

    Raises ``ValueError`` naming ``name`` if a map is not finite, not
    Hermiticity preserving, not trace preserving or not completely positive
    (within :data:`TOLERANCE`).
    """
    s = np.asarray(s, dtype=complex)
    if not np.all(np.isfinite(s)):
        raise ValueError(f"{name}: must be finite, got NaN or inf")
    r = ptm_from_liouville(s)
    if np.abs(r.imag).max(initial=0.0) > TOLERANCE:
        raise ValueError(f"{name}: must map Hermitian matrices to Hermitian matrices")
    r = r.real
    if np.abs(r[..., 0, :] - [1, 0, 0, 0]).max(initial=0.0) > TOLERANCE:
        raise ValueError(f"{name}: must be trace preserving")
    # Choi matrix J[(k i), (l j)] = E(|k><l|)[i, j] = S[(i j), (k l)].
    lead = tuple(range(s.ndim - 2))
    perm = lead + tuple(len(lead) + a for a in (2, 0, 3, 1))
    choi = s.reshape(s.shape[:-2] + (2, 2, 2, 2)).transpose(perm).reshape(s.shape)
    if np.linalg.eigvalsh(choi).min(initial=0.0) < -TOLERANCE:
        raise ValueError(f"{name}: must be completely positive (Choi matrix has a "
                         "negative eigenvalue)")
    return r


def relaxation_ptm(noise: NoiseModel, duration_s: np.ndarray | float) -> np.ndarray:
    """PTMs of thermal relaxation over ``duration_s`` (any shape), ``(..., 4, 4)`` real.

    ``<X>, <Y>`` scale by the coherence factor, ``<Z> -> (1 - gamma) <Z> + gamma``.
    """
    gamma, coherence = noise.relaxation(duration_s)
    r = np.zeros(gamma.shape + (4, 4))
    r[..., 0, 0] = 1.0
    r[..., 1, 1] = coherence
    r[..., 2, 2] = coherence
    r[..., 3, 0] = gamma
    r[..., 3, 3] = 1.0 - gamma
    return r


def axis_dephasing_ptm(axis: str, rms_rad: float) -> np.ndarray:
    """PTM of a rotation about ``axis`` by a Gaussian angle of RMS ``rms_rad``, averaged.

    ``E[R(eps) rho R(eps)^dagger]`` keeps the Bloch component along ``axis`` and
    scales the two it turns by ``E[cos eps] = exp(-rms**2 / 2)``; ``E[sin eps] = 0``.
    It commutes with every rotation about the same axis.
    """
    r = np.eye(4)
    b, d = _ROTATED[axis]
    r[b, b] = r[d, d] = np.exp(-0.5 * rms_rad**2)
    return r


def rotation_ptm(axis: str, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """PTMs of ``R_axis(theta) = exp(-i theta sigma / 2)`` and their theta-derivatives.

    The Bloch vector turns by ``theta`` about ``axis``. Returns two ``(..., 4, 4)`` arrays.
    """
    t = np.asarray(theta, dtype=float)
    c, s = np.cos(t), np.sin(t)
    b, d = _ROTATED[axis]
    r = np.zeros(t.shape + (4, 4))
    r[..., range(4), range(4)] = 1.0
    dr = np.zeros_like(r)
    r[..., b, b] = r[..., d, d] = c
    r[..., d, b] = s
    r[..., b, d] = -s
    dr[..., b, b] = dr[..., d, d] = -s
    dr[..., d, b] = c
    dr[..., b, d] = -c
    return r, dr


def bloch_of_columns(psi: np.ndarray) -> np.ndarray:
    """Pauli vectors ``(1, <X>, <Y>, <Z>)`` of single-qubit pure states ``(..., 2)``."""
    coh = psi[..., 0].conj() * psi[..., 1]
    p0 = np.abs(psi[..., 0]) ** 2
    p1 = np.abs(psi[..., 1]) ** 2
    return np.stack([p0 + p1, 2 * coh.real, 2 * coh.imag, p0 - p1], axis=-1)


def two_qubit_ptm(u: np.ndarray) -> np.ndarray:
    """PTM (16x16, real) of a two-qubit unitary; index ``4 * i_first + i_second``."""
    basis = np.einsum("aij,bkl->abikjl", *(2 * [_VEC_PAULIS.reshape(4, 2, 2)])).reshape(16, 4, 4)
    return 0.25 * np.einsum("aij,jk,bkl,il->ab", basis, u, basis, u.conj()).real


def cnot_block(noise: NoiseModel, idle_control_s: float, idle_target_s: float) -> np.ndarray:
    """One ring step on (control, target), 16x16: idle, CNOT, depolarizing, relaxation.

    ``rho -> T2q (x) T2q [ (1 - p) C + p I/4 (x) tr_pair ] (C (idle_c (x) idle_t) rho)``
    with ``C`` the CNOT and ``T2q`` relaxation over ``gate_2q_s``; the
    depolarizing channel scales every non-identity Pauli on the pair by ``1 - p``.
    """
    depol = np.full(16, 1.0 - noise.cnot_depolarizing)
    depol[0] = 1.0
    t2q = relaxation_ptm(noise, noise.gate_2q_s)
    idle = relaxation_ptm(noise, np.array([idle_control_s, idle_target_s]))
    return np.kron(t2q, t2q) @ (depol[:, None] * two_qubit_ptm(_CNOT)) @ np.kron(*idle)
