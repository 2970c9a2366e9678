"""Noisy execution of the layered QNN circuits on density matrices (private).

States and channels are in Pauli transfer form (see :mod:`qnn._ptm`): a
density matrix of ``n`` qubits is a real vector of ``4**n`` Pauli components,
a batch of them a ``(M, 4**n)`` array, reshaped ``(M, 4, ..., 4)`` with wire 0
the most significant axis.

**Picture.** After the encoding, nothing in the circuit depends on the input:
the encoded state is a product ``rho_b = (x)_q r_bq`` and every later channel
is shared by the batch. So rather than push ``B`` density matrices forward,
the executor pulls the readout observables back through the adjoint channels
(Heisenberg picture, ``w <- R^T w``) and contracts them with the ``B`` product
states: ``<O>_b = w . rho_b``. That is the same number by linearity, at a cost
set by the number of observables (``n`` for ``<Z_q>``, ``2**n`` for bitstring
probabilities) instead of the batch size.

**Gradients** (adjoint method). The backward sweep keeps the observables
after every single-qubit stage; a forward sweep of the cotangent-weighted
initial states ``sigma_o = sum_b c_bo rho_b`` meets them there, and each wire
and layer contributes ``sum_o <w_o, (... dS ...) sigma_o>``. With shots, the
gradient is the parameter-shift rule on sampled values, which is exact in
expectation because every rotation PTM is affine in ``cos t`` and ``sin t``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

import numpy as np

from qnn._ptm import (
    axis_dephasing_ptm,
    bloch_of_columns,
    checked_ptm,
    cnot_block,
    relaxation_ptm,
    rotation_ptm,
)
from qnn._statevector import product_state, z_table
from qnn.architectures import Architecture
from qnn.noise import PHYSICAL_AXES, ChannelSet, NoiseModel, Timing

T = TypeVar("T")

# Up to this many qubits a layer's ring is one dense 4**n x 4**n PTM (8 MB at 5 qubits).
DENSE_RING_MAX_QUBITS = 5
# Largest block of Pauli vectors held at once, in floats (16 MB).
BLOCK_FLOATS = 1 << 21
_E0 = np.array([1.0, 0.0, 0.0, 0.0])  # the identity component: tr(rho) = 1, any channel


@dataclass(frozen=True, eq=False)
class Plan:
    """The input- and angle-independent part of a noisy circuit, as PTMs.

    Attributes
    ----------
    arch : Architecture
    rot_idle : ndarray of shape (n_layers, n_qubits, n_rot, 4, 4)
        Idle relaxation before each rotation.
    gate_relax : ndarray of shape (n_rot, 4, 4)
        Relaxation after each rotation of a layer (identity for the virtual RZ).
    enc_relax : ndarray of shape (4, 4)
        Relaxation after the encoding pulse.
    rings : tuple
        Per layer: None (no CNOT), a dense ``(4**n, 4**n)`` PTM, or the
        ``((control, target), 16x16 PTM)`` blocks in order.
    readout : ndarray of shape (n_qubits, 4)
        Per wire, the Pauli row whose product with a wire's state at the end
        of the last ring is ``<Z>_read`` (idle before readout and assignment
        errors folded in).
    """

    arch: Architecture
    rot_idle: np.ndarray
    gate_relax: np.ndarray
    enc_relax: np.ndarray
    rings: tuple
    readout: np.ndarray


def apply_wire(v: np.ndarray, m: np.ndarray, q: int, n: int) -> np.ndarray:
    """Apply a 4x4 ``m`` on wire ``q`` of Pauli vectors ``v`` of shape ``(M, 4**n)``."""
    view = v.reshape(v.shape[0] << (2 * q), 4, -1)
    return np.matmul(m, view).reshape(v.shape)


def apply_pair(v: np.ndarray, m: np.ndarray, a: int, b: int, n: int) -> np.ndarray:
    """Apply a 16x16 ``m`` (index ``4 i_a + i_b``) on wires ``a, b`` of ``v``."""
    t = v.reshape((v.shape[0],) + (4,) * n)
    out = np.tensordot(t, m.reshape(4, 4, 4, 4), axes=([1 + a, 1 + b], [2, 3]))
    return np.moveaxis(out, (-2, -1), (1 + a, 1 + b)).reshape(v.shape)


def _ring(n: int, blocks: list) -> object:
    if not blocks:
        return None
    if n > DENSE_RING_MAX_QUBITS:
        return tuple(blocks)
    rows = np.eye(4**n)  # row j becomes (R e_j)^T, so the result is R^T
    for (a, b), m in blocks:
        rows = apply_pair(rows, m, a, b, n)
    return np.ascontiguousarray(rows.T)


@lru_cache(maxsize=8)
def make_plan(arch: Architecture, noise: NoiseModel, timing: Timing | None) -> Plan:
    """Build (and cache) the fixed channels of ``arch`` under ``noise`` and ``timing``.

    ``timing`` None means as-soon-as-possible; ignored unless ``noise.idle``.
    """
    n, n_rot = arch.n_qubits, len(arch.rotations)
    if noise.idle:
        timing = Timing.asap(arch, noise) if timing is None else timing
        timing.check(arch)
        waits = [iter(row) for row in timing.idle_s]
    else:
        waits = [iter(()) for _ in range(n)]
    rot_idle_s = np.zeros((arch.n_layers, n, n_rot))
    blocks: list[list] = [[] for _ in range(arch.n_layers)]
    layer = 0
    for op in arch.ops():
        idle = [next(waits[w], 0.0) for w in op.wires]
        if op.kind == "cnot":
            blocks[layer].append((op.wires, cnot_block(noise, *idle)))
        elif op.param is not None:  # the encoding's wait acts on |0> and changes nothing
            layer, rest = divmod(op.param, n * n_rot)
            rot_idle_s[(layer, *divmod(rest, n_rot))] = idle[0]
    final = relaxation_ptm(noise, np.array([next(w, 0.0) for w in waits]))
    scale, offset = noise.readout_affine()
    one_q = relaxation_ptm(noise, noise.gate_1q_s)
    # A physical pulse: DAC noise (dephasing about the pulse's own axis), then relaxation.
    gate = {a: one_q @ axis_dephasing_ptm(a, noise.angle_noise_rms_rad) for a in PHYSICAL_AXES}
    return Plan(
        arch=arch,
        rot_idle=relaxation_ptm(noise, rot_idle_s),
        gate_relax=np.stack([gate.get(a, np.eye(4)) for a in arch.rotations]),
        enc_relax=one_q @ axis_dephasing_ptm("y", noise.encoding_noise_rms_rad),
        rings=tuple(_ring(n, b) for b in blocks),
        readout=scale * final[:, 3, :] + offset * _E0,
    )


def _ring_forward(plan: Plan, layer: int, v: np.ndarray) -> np.ndarray:
    ring = plan.rings[layer]
    if ring is None:
        return v
    if isinstance(ring, np.ndarray):
        return v @ ring.T
    for (a, b), m in ring:
        v = apply_pair(v, m, a, b, plan.arch.n_qubits)
    return v


def _ring_adjoint(plan: Plan, layer: int, w: np.ndarray) -> np.ndarray:
    ring = plan.rings[layer]
    if ring is None:
        return w
    if isinstance(ring, np.ndarray):
        return w @ ring
    for (a, b), m in reversed(ring):
        w = apply_pair(w, m.T, a, b, plan.arch.n_qubits)
    return w


# -- per-wire stages ---------------------------------------------------------------------------


def trainable_gates(plan: Plan, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """PTMs of every rotation then its relaxation, and their angle derivatives.

    Returns two arrays of shape ``(n_layers, n_qubits, n_rot, 4, 4)``.
    """
    arch = plan.arch
    t = theta.reshape(arch.n_layers, arch.n_qubits, len(arch.rotations))
    gates = np.empty(t.shape + (4, 4))
    dgates = np.empty_like(gates)
    for g, axis in enumerate(arch.rotations):
        r, dr = rotation_ptm(axis, t[..., g])
        gates[:, :, g] = plan.gate_relax[g] @ r
        dgates[:, :, g] = plan.gate_relax[g] @ dr
    return gates, dgates


def channel_gates(arch: Architecture, codes: np.ndarray, channels: ChannelSet) -> np.ndarray:
    """Checked PTMs ``(n_layers, n_qubits, n_rot, 4, 4)`` of a channel set's processes."""
    c = codes.reshape(arch.n_layers, arch.n_qubits, len(arch.rotations))
    out = []
    for g, axis in enumerate(arch.rotations):
        s = np.asarray(channels.superoperators(axis, c[..., g]))
        name = f"channels: superoperators({axis!r}, codes)"
        if s.shape != c.shape[:2] + (4, 4):
            raise ValueError(f"{name} must return shape {c.shape[:2] + (4, 4)}, got {s.shape}")
        out.append(checked_ptm(name, s))
    return np.stack(out, axis=2)


def stages(
    plan: Plan, gates: np.ndarray, dgates: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Fuse each wire's layer: ``S = G_last I_last ... G_first I_first`` (I = idle).

    Returns ``S`` of shape ``(L, n, 4, 4)`` and, given ``dgates``, ``dS/dtheta``
    of shape ``(L, n, n_rot, 4, 4)``.
    """
    steps = gates @ plan.rot_idle
    n_rot = steps.shape[2]
    prefix = [np.broadcast_to(np.eye(4), steps.shape[:2] + (4, 4))]
    for g in range(n_rot):
        prefix.append(steps[:, :, g] @ prefix[-1])
    if dgates is None:
        return prefix[-1], None
    ds = np.empty_like(steps)
    suffix = prefix[0]
    for g in reversed(range(n_rot)):
        ds[:, :, g] = suffix @ dgates[:, :, g] @ plan.rot_idle[:, :, g] @ prefix[g]
        suffix = suffix @ steps[:, :, g]
    return prefix[-1], ds


# -- inputs ------------------------------------------------------------------------------------


def encoded_from_columns(plan: Plan, columns: np.ndarray) -> np.ndarray:
    """Pauli vectors ``(B, n, 4)`` of the encoded states ``U|0>`` (columns ``(B, n, 2)``)
    after the encoding pulse's relaxation."""
    return bloch_of_columns(columns) @ plan.enc_relax.T


def encoded_from_channels(superoperators: np.ndarray) -> np.ndarray:
    """Pauli vectors ``(B, n, 4)`` of encoding processes (Liouville) applied to ``|0>``."""
    r = checked_ptm("encode", superoperators)
    return r[..., :, 0] + r[..., :, 3]  # |0><0| has Pauli vector (1, 0, 0, 1)


class Products:
    """The ``B`` encoded product states as ``(rows, 4**n)`` blocks of bounded size."""

    def __init__(self, encoded: np.ndarray) -> None:
        self.encoded = encoded
        self.size = len(encoded)
        self.step = max(1, BLOCK_FLOATS >> (2 * encoded.shape[1]))
        self._whole = product_state(encoded, float) if self.size <= self.step else None

    def blocks(self) -> Iterator[tuple[slice, np.ndarray]]:
        if self._whole is not None:
            yield slice(None), self._whole
            return
        for start in range(0, self.size, self.step):
            rows = slice(start, start + self.step)
            yield rows, product_state(self.encoded[rows], float)


# -- sweeps ------------------------------------------------------------------------------------


def _backward(
    plan: Plan, s: np.ndarray, w: np.ndarray, keep: bool = False
) -> tuple[np.ndarray, list[list[np.ndarray]]]:
    """Pull observables ``w`` (M, 4**n) back to just after the encoding.

    Returns the pulled-back observables and, with ``keep``, ``snaps[l][q]``:
    the observables just after wire ``q``'s stage in layer ``l``.
    """
    n = plan.arch.n_qubits
    snaps: list[list[np.ndarray]] = []
    for layer in reversed(range(plan.arch.n_layers)):
        w = _ring_adjoint(plan, layer, w)
        kept = [w] * n
        for q in reversed(range(n)):
            kept[q] = w
            w = apply_wire(w, s[layer, q].T, q, n)
        if keep:
            snaps.insert(0, kept)
    return w, snaps


def _observables(plan: Plan, masks: np.ndarray) -> np.ndarray:
    """Product observables ``(M, 4**n)``: ``Z_read`` on the wires where ``masks`` is true."""
    rows = np.where(masks[..., None], plan.readout, _E0)
    return product_state(rows, float)


def expectations(plan: Plan, s: np.ndarray, products: Products, masks: np.ndarray) -> np.ndarray:
    """``<prod_{q in mask} Z_q>`` as read, shape ``(B, M)``, for boolean ``masks`` (M, n)."""
    out = np.empty((products.size, len(masks)))
    step = max(1, BLOCK_FLOATS >> (2 * plan.arch.n_qubits))
    for start in range(0, len(masks), step):
        cols = slice(start, start + step)
        w0, _ = _backward(plan, s, _observables(plan, masks[cols]))
        for rows, p in products.blocks():
            out[rows, cols] = p @ w0.T
    return out


def sample_values(
    plan: Plan, s: np.ndarray, products: Products, shots: int, rng: np.random.Generator
) -> np.ndarray:
    """``<Z_q>`` estimated from ``shots`` sampled bitstrings per input, shape (B, n).

    The bitstring distribution comes from all ``2**n`` Z-string expectations
    (readout errors included: flipping each read bit independently is the
    same as sampling from the confused distribution).
    """
    n = plan.arch.n_qubits
    bits = z_table(n) < 0  # also the subsets: row k lists the wires of string k
    strings = expectations(plan, s, products, bits)
    signs = 1.0 - 2.0 * ((bits.astype(np.int64) @ bits.T.astype(np.int64)) & 1)
    probs = np.clip(strings @ signs / (1 << n), 0.0, None)
    counts = rng.multinomial(shots, probs / probs.sum(axis=1, keepdims=True))
    return counts @ z_table(n) / shots


def values(
    plan: Plan, gates: np.ndarray, products: Products, shots: int,
    rng: np.random.Generator | None,
) -> np.ndarray:
    """``<Z_q>`` as read for gate PTMs ``gates``: exact, or from ``shots`` samples."""
    s, _ = stages(plan, gates)
    if shots:
        return sample_values(plan, s, products, shots, rng)
    return expectations(plan, s, products, np.eye(plan.arch.n_qubits, dtype=bool))


def value_and_grad(
    plan: Plan,
    theta: np.ndarray,
    products: Products,
    fn: Callable[[np.ndarray], tuple[T, np.ndarray]],
    shots: int,
    rng: np.random.Generator | None,
) -> tuple[T, np.ndarray]:
    """``fn(<Z>)`` and ``d fn / d theta``: adjoint method, or parameter shift with shots."""
    if shots:
        return _shift_value_and_grad(plan, theta, products, fn, shots, rng)
    arch = plan.arch
    n = arch.n_qubits
    s, ds = stages(plan, *trainable_gates(plan, theta))
    w0, snaps = _backward(plan, s, _observables(plan, np.eye(n, dtype=bool)), keep=True)
    vals = np.empty((products.size, n))
    for rows, p in products.blocks():
        vals[rows] = p @ w0.T
    out, cot = fn(vals)
    cot = _check_cotangent(cot, vals.shape)
    sigma = np.zeros_like(w0)
    for rows, p in products.blocks():
        sigma += cot[rows].T @ p
    env = np.empty((arch.n_layers, n, 4, 4))
    for layer in range(arch.n_layers):
        for q in range(n):
            w = snaps[layer][q].reshape(n << (2 * q), 4, -1)
            env[layer, q] = np.tensordot(w, sigma.reshape(w.shape), axes=([0, 2], [0, 2]))
            sigma = apply_wire(sigma, s[layer, q], q, n)
        if layer + 1 < arch.n_layers:
            sigma = _ring_forward(plan, layer, sigma)
    return out, np.einsum("lqij,lqgij->lqg", env, ds).reshape(-1)


def _check_cotangent(cot: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    cot = np.asarray(cot, dtype=float)
    if cot.shape != shape:
        raise ValueError(f"cotangent: must have shape {shape}, got {cot.shape}")
    return cot


def _shift_value_and_grad(
    plan: Plan,
    theta: np.ndarray,
    products: Products,
    fn: Callable[[np.ndarray], tuple[T, np.ndarray]],
    shots: int,
    rng: np.random.Generator,
) -> tuple[T, np.ndarray]:
    """Sampled values, then ``(f(t + pi/2) - f(t - pi/2)) / 2`` per angle, fresh shots each."""
    gates, _ = trainable_gates(plan, theta)
    vals = values(plan, gates, products, shots, rng)
    out, cot = fn(vals)
    cot = _check_cotangent(cot, vals.shape)
    grad = np.empty(theta.size)
    for k in range(theta.size):
        diff = np.zeros_like(vals)
        for sign in (1.0, -1.0):
            shifted = theta.copy()
            shifted[k] += sign * np.pi / 2
            gates, _ = trainable_gates(plan, shifted)
            diff += sign * values(plan, gates, products, shots, rng)
        grad[k] = 0.5 * np.sum(cot * diff)
    return out, grad
