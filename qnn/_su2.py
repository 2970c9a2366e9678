"""Trainable rotation layers in real arithmetic, for :mod:`qnn.circuits`.

Every trainable gate is ``exp(-i t sigma_a / 2)`` about a coordinate axis ``a``.
A product of such gates is a unit quaternion ``(w, v)`` with
``U = w I - i v.sigma``, and the product of two is the quaternion product:

    (w1, v1)(w2, v2) = (w1 w2 - v1.v2, w1 v2 + w2 v1 + v1 x v2).

Conjugating a Pauli matrix by ``U`` rotates its axis,
``U (e.sigma) U^dagger = (R(U) e).sigma``. So the fused unitary of each wire in
each layer and the generators ``H`` of the adjoint gradient
(``dU/dt_g = -(i/2) H_g U``) need only elementwise real products of cosines and
sines: no stack of 2x2 matrix products, whose per-matrix cost dominated a
batched training step. Components known to be zero (``None`` here) are skipped,
which for the presets' short gate sequences removes about half the work.

Each operation is elementwise, so every model's values are the same whether it
runs alone or in a stack of models.
"""

from __future__ import annotations

import numpy as np

from qnn.architectures import Architecture

#: (a, b, d): the axis and the two after it in cyclic order, as quaternion indices.
_CYCLE = {"x": (1, 2, 3), "y": (2, 3, 1), "z": (3, 1, 2)}

Component = np.ndarray | None
#: A component known to be exactly 1 (a Pauli axis before any rotation).
_ONE = np.ones(())


def _comb(c: np.ndarray, p: Component, s: np.ndarray, q: Component, sign: int) -> Component:
    """``c * p + sign * s * q``, with ``None`` for zero."""
    if q is None:
        return None if p is None else c * p
    t = s * q
    if p is None:
        return t if sign > 0 else -t
    return c * p + t if sign > 0 else c * p - t


def _turn(v: list[Component], c: np.ndarray, s: np.ndarray, axis: str) -> list[Component]:
    """Left-multiply quaternion ``v`` (``[w, x, y, z]``) by ``(c, s e_axis)``.

    With ``c, s`` the cosine and sine of a full angle and ``v[0]`` ignored, the
    same formulas rotate the vector ``v[1:]`` about ``axis`` by that angle.
    """
    a, b, d = _CYCLE[axis]
    out: list[Component] = [None] * 4
    if v[0] is not None:
        out[0] = _comb(c, v[0], s, v[a], -1)
        out[a] = _comb(c, v[a], s, v[0], +1)
    else:
        out[a] = v[a]
    out[b] = _comb(c, v[b], s, v[d], -1)
    out[d] = _comb(c, v[d], s, v[b], +1)
    return out


class Rotations:
    """The trainable rotations of a circuit (or of ``M`` models of it).

    Parameters
    ----------
    arch : Architecture
    theta : ndarray of shape (..., n_params)
        Angles in rad, ordered (layer, wire, gate); leading axes index models.
    """

    def __init__(self, arch: Architecture, theta: np.ndarray) -> None:
        self.arch = arch
        self.lead = theta.shape[:-1]
        shape = self.lead + (arch.n_layers, arch.n_qubits, len(arch.rotations))
        # Gate first, so that each gate's angles are one contiguous block.
        self.theta = np.ascontiguousarray(np.moveaxis(theta.reshape(shape), -1, 0))
        half = 0.5 * self.theta
        self.cos_half, self.sin_half = np.cos(half), np.sin(half)

    def unitaries(self) -> np.ndarray:
        """Fused rotation of every wire in every layer, ``(..., n_layers, n_qubits, 2, 2)``.

        ``U = R_last ... R_first``, the gates applied in the architecture's order.
        """
        axes = self.arch.rotations
        c, s = self.cos_half, self.sin_half
        a = _CYCLE[axes[0]][0]
        q: list[Component] = [c[0], None, None, None]
        q[a] = s[0]
        for g in range(1, len(axes)):
            q = _turn(q, c[g], s[g], axes[g])
        w, x, y, z = q
        out = np.zeros(w.shape + (2, 2), dtype=complex)
        re, im = out.real, out.imag
        # U = w I - i (x X + y Y + z Z) = [[w - iz, -y - ix], [y - ix, w + iz]].
        re[..., 0, 0] = w
        re[..., 1, 1] = w
        if z is not None:
            im[..., 0, 0] = -z
            im[..., 1, 1] = z
        if y is not None:
            re[..., 0, 1] = -y
            re[..., 1, 0] = y
        if x is not None:
            im[..., 0, 1] = -x
            im[..., 1, 0] = -x
        return out

    def gradient(self, transitions: np.ndarray) -> np.ndarray:
        """``Im tr(H_g M)`` for every parameter: the adjoint gradient, ``(..., n_params)``.

        Parameters
        ----------
        transitions : ndarray of shape (..., n_layers, n_qubits, 2, 2)
            Reduced transition matrices ``M`` of each wire in each layer (see
            :meth:`qnn._statevector.LayerStack.reduce_transitions`).

        Notes
        -----
        ``H_g = V sigma_g V^dagger`` with ``V`` the gates after ``g`` on that
        wire, so ``H_g = h.sigma`` with ``h = R(V) e_g``, and
        ``Im tr(H M) = h . p`` with ``p = Im tr(sigma M)``:
        ``p_x = Im(M01 + M10)``, ``p_y = Re(M01 - M10)``, ``p_z = Im(M00 - M11)``.
        """
        m = transitions
        p = (None, m[..., 0, 1].imag + m[..., 1, 0].imag,
             m[..., 0, 1].real - m[..., 1, 0].real, m[..., 0, 0].imag - m[..., 1, 1].imag)
        axes = self.arch.rotations
        # Full angles of the gates that follow another, from the half angles:
        # cos t = (c - s)(c + s), sin t = 2 s c, without another pass of trig.
        c, s = self.cos_half[1:], self.sin_half[1:]
        cos_full = [None, *((c - s) * (c + s))]
        sin_full = [None, *(2.0 * s * c)]
        out = np.empty(self.lead + (self.arch.n_layers, self.arch.n_qubits, len(axes)))
        for g, axis in enumerate(axes):
            h: list[Component] = [None] * 4
            h[_CYCLE[axis][0]] = _ONE
            for later in range(g + 1, len(axes)):
                h = _turn(h, cos_full[later], sin_full[later], axes[later])
            terms = [pc if hc is _ONE else hc * pc for hc, pc in zip(h[1:], p[1:], strict=True)
                     if hc is not None]
            total = terms[0]
            for term in terms[1:]:
                total = total + term
            out[..., g] = total
        return out.reshape(self.lead + (-1,))
