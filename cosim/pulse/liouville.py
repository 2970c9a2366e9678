"""Batched Lindblad propagators of piecewise-constant two-level drives (row-major vec).

The vectorization is qnn's (:mod:`qnn.noise`): ``vec(rho)[2 i + j] = rho[i, j]``,
so ``vec(A rho B) = (A kron B^T) vec(rho)`` and a step of constant Liouvillian
``L`` over ``dt`` is ``exp(L dt)``. The exponential of many small matrices
at once is a scaled Taylor series: scipy's ``expm`` loops over a batch, and
the drive's norm times a sample period is below 1, so a few squarings and
an order-18 series reach double precision.
"""

from __future__ import annotations

import numpy as np

from cosim.pulse.models import QubitModel, collapse_operators, drift, drive_operators

_TAYLOR_ORDER = 18


def batched_expm(m: np.ndarray) -> np.ndarray:
    """``exp(m)`` of every ``(..., k, k)`` matrix, by scaling, Taylor series and squaring."""
    m = np.asarray(m, dtype=complex)
    if m.size == 0:
        return m.copy()
    norm = float(np.abs(m).sum(axis=-2).max())  # largest 1-norm in the batch
    squarings = max(0, int(np.ceil(np.log2(norm / 0.25))) if norm > 0 else 0)
    a = m / (1 << squarings)
    eye = np.broadcast_to(np.eye(m.shape[-1], dtype=complex), m.shape)
    out = eye.copy()
    term = eye.copy()
    for k in range(1, _TAYLOR_ORDER + 1):
        term = term @ a / k
        out = out + term
    for _ in range(squarings):
        out = out @ out
    return out


def superop_left_right(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Liouville matrix of ``rho -> left rho right`` (row-major): ``kron(left, right^T)``."""
    d = left.shape[-1]
    return (left[..., :, None, :, None] * np.swapaxes(right, -1, -2)[..., None, :, None, :]
            ).reshape(left.shape[:-2] + (d * d, d * d))


def dissipator(model: QubitModel) -> np.ndarray:
    """Liouville matrix of the model's Lindblad dissipators, ``(d^2, d^2)``."""
    d = model.levels
    eye = np.eye(d, dtype=complex)
    out = np.zeros((d * d, d * d), dtype=complex)
    for c in collapse_operators(model):
        cdc = c.conj().T @ c
        out += (superop_left_right(c, c.conj().T) - 0.5 * superop_left_right(cdc, eye)
                - 0.5 * superop_left_right(eye, cdc))
    return out


def liouvillians(wx: np.ndarray, wy: np.ndarray, model: QubitModel) -> np.ndarray:
    """``L = -i [H, .] + D`` for quadratures ``wx, wy`` (rad/s, any shape), ``(..., d^2, d^2)``."""
    d = model.levels
    hx, hy = drive_operators(d)
    h = (drift(model) + np.asarray(wx)[..., None, None] * hx
         + np.asarray(wy)[..., None, None] * hy)
    eye = np.broadcast_to(np.eye(d, dtype=complex), h.shape)
    return -1j * (superop_left_right(h, eye) - superop_left_right(eye, h)) + dissipator(model)


def step_propagators(wx: np.ndarray, wy: np.ndarray, dt_s: float, model: QubitModel,
                     noise_fraction: float = 0.0, full_scale_rad_s: float = 0.0,
                     nodes: int = 16) -> np.ndarray:
    """``exp(L dt)`` of every step, averaged over Gaussian amplitude noise when asked.

    Parameters
    ----------
    wx, wy : ndarray
        Quadratures of each step in rad/s (same shape).
    dt_s : float
        Step length in s.
    model : QubitModel
    noise_fraction : float, default=0.0
        RMS of white amplitude noise per step, as a fraction of full scale; it
        adds ``full_scale_rad_s * eps`` along the step's own drive direction
        (zero-amplitude steps along x). Steps are independent, so the average
        of their product is the product of their averages.
    full_scale_rad_s : float
        Rabi rate at full scale in rad/s.
    nodes : int, default=16
        Gauss-Hermite nodes of the average (exact for polynomials of degree < 2 nodes).

    Returns
    -------
    ndarray of shape ``wx.shape + (d^2, d^2)``
    """
    wx, wy = np.broadcast_arrays(np.asarray(wx, float), np.asarray(wy, float))
    pairs = np.stack([wx.ravel(), wy.ravel()], axis=-1)
    uniq, inverse = np.unique(pairs, axis=0, return_inverse=True)
    if noise_fraction > 0:
        z, w = np.polynomial.hermite_e.hermegauss(nodes)
        w = w / w.sum()
        amp = np.hypot(uniq[:, 0], uniq[:, 1])
        safe = np.where(amp > 0, amp, 1.0)
        ux = np.where(amp > 0, uniq[:, 0] / safe, 1.0)
        uy = np.where(amp > 0, uniq[:, 1] / safe, 0.0)
        kick = full_scale_rad_s * noise_fraction * z  # (nodes,)
        lx = uniq[:, 0, None] + ux[:, None] * kick
        ly = uniq[:, 1, None] + uy[:, None] * kick
        props = np.einsum("j,ujab->uab", w, batched_expm(liouvillians(lx, ly, model) * dt_s))
    else:
        props = batched_expm(liouvillians(uniq[:, 0], uniq[:, 1], model) * dt_s)
    return props[inverse.ravel()].reshape(wx.shape + props.shape[-2:])
