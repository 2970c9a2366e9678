"""Batched statevector kernels behind :mod:`qnn.circuits`.

A batch of ``B`` states of ``n`` qubits is a C-contiguous complex array of
shape ``(B, 2**n)``; reshaped, it is ``(B, 2, ..., 2)`` with wire 0 the most
significant axis, so the dense operator of a layer is the Kronecker product
``U_0 (x) U_1 (x) ... (x) U_{n-1}`` in that order.

A variational layer is "one fused 2x2 per wire, then the CNOT ring". The ring
is a permutation of basis states. Two interchangeable kernels apply a layer:

* dense (see :func:`use_dense`): the layer, ring included, is one
  ``2**n x 2**n`` matrix and the whole batch goes through one matrix product.
  For the 4-qubit presets that is a ``(B, 16) @ (16, 16)`` product, far
  cheaper than many small per-wire calls;
* per wire (otherwise): each 2x2 acts on its axis of the batch, then the
  ring is a fancy-index gather. Memory and time stay ``O(B * 2**n)``.

Nothing here loops over samples. Every kernel also takes leading *model* axes: unitaries
of shape ``(M, n_layers, n, 2, 2)`` run ``M`` models on ``(M, B, 2**n)`` batches (a shared
``(B, 2**n)`` input broadcasts), each model's slice computed by exactly the operations
of a single model, so batched and one-by-one results agree bit for bit.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from qnn.architectures import Architecture

# Up to this many qubits the dense kernel is the faster one at every batch size.
DENSE_MAX_QUBITS = 6
# Above it, building the dense matrix and reducing the D x D transition matrix
# (O(n 4**n) per layer) pays only over a large enough batch: the smallest batch
# at which dense won for both presets widened to n qubits in
# benchmarks/bench_dense_threshold.py (one BLAS thread). From 9 qubits on the
# per-wire kernel won at every measured batch up to 256.
DENSE_MIN_BATCH = {7: 32, 8: 256}

_PAULI = {
    "x": np.array([[0, 1], [1, 0]], dtype=complex),
    "y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "z": np.array([[1, 0], [0, -1]], dtype=complex),
}


def pauli(axis: str) -> np.ndarray:
    """The Pauli matrix of ``axis`` (a fresh 2x2 complex array)."""
    return _PAULI[axis].copy()


@lru_cache(maxsize=64)
def _basis_bits(n_qubits: int) -> np.ndarray:
    """``bits[k, q]``: value of wire ``q`` in basis state ``k`` (wire 0 = MSB)."""
    k = np.arange(1 << n_qubits)
    return (k[:, None] >> (n_qubits - 1 - np.arange(n_qubits))) & 1


@lru_cache(maxsize=64)
def z_table(n_qubits: int) -> np.ndarray:
    """``z[k, q]`` = eigenvalue (+1 or -1) of ``Z_q`` on basis state ``k``, float."""
    out = 1.0 - 2.0 * _basis_bits(n_qubits)
    out.setflags(write=False)
    return out


@lru_cache(maxsize=64)
def _z_pairs(n_qubits: int) -> np.ndarray:
    """:func:`z_table` with every row twice: the weights of interleaved (re, im) parts."""
    out = np.repeat(z_table(n_qubits), 2, axis=0)
    out.setflags(write=False)
    return out


def z_values(psi: np.ndarray) -> np.ndarray:
    """``<Z_q>`` of states ``(..., 2**n)``: ``|psi|^2 @ z_table``, shape ``(..., n)``.

    One product on the squared, interleaved real and imaginary parts: no
    temporaries for ``|psi|^2``.
    """
    n = psi.shape[-1].bit_length() - 1
    return (np.ascontiguousarray(psi).view(float) ** 2) @ _z_pairs(n)


@lru_cache(maxsize=64)
def ring_permutation(arch: Architecture) -> tuple[np.ndarray, np.ndarray]:
    """The CNOT ring as a basis permutation.

    Returns
    -------
    src, dest : ndarray of int
        The ring maps basis state ``k`` to ``dest[k]``; for a batch ``s`` of
        amplitudes the ring gives ``s[:, src]``, and ``s[:, dest]`` undoes it.
    """
    n = arch.n_qubits
    bits = _basis_bits(n).copy()
    for control, target in arch.entangler():
        bits[:, target] ^= bits[:, control]
    dest = bits @ (1 << (n - 1 - np.arange(n)))
    src = np.empty_like(dest)
    src[dest] = np.arange(dest.size)
    src.setflags(write=False)
    dest.setflags(write=False)
    return src, dest


@lru_cache(maxsize=64)
def _reduction_index(arch: Architecture) -> np.ndarray:
    """Where each wire's reduced transition matrix reads a flattened ``D x D`` product.

    ``index[q, j, k, r]`` is the flat position of ``(dest[a j b], dest[a k b])``,
    ``r = a * R + b`` running over the other wires' values ``a`` (wires before
    ``q``) and ``b`` (the ``R = 2**(n-1-q)`` values of the wires after it): summing
    over ``r`` traces out every wire but ``q`` and undoes the ring, in one gather.
    """
    n = arch.n_qubits
    dim = 1 << n
    _, dest = ring_permutation(arch)
    r = np.arange(dim // 2)
    out = np.empty((n, 2, 2, dim // 2), dtype=np.intp)
    for q in range(n):
        right = 1 << (n - 1 - q)
        a, b = np.divmod(r, right)
        for j in range(2):
            for k in range(2):
                out[q, j, k] = dest[(a * 2 + j) * right + b] * dim + dest[(a * 2 + k) * right + b]
    out.setflags(write=False)
    return out


def product_state(columns: np.ndarray, dtype: type = complex) -> np.ndarray:
    """Batched product state from single-qubit states.

    Parameters
    ----------
    columns : ndarray of shape (B, n, d)
        State of each wire for each sample (real or complex); ``d = 2`` for
        amplitudes, 4 for the Pauli vectors of density matrices.
    dtype : type, default=complex
        Element type of the result.

    Returns
    -------
    ndarray of shape (B, d**n)
    """
    state = columns[:, 0, :]
    for q in range(1, columns.shape[1]):
        state = (state[:, :, None] * columns[:, q, None, :]).reshape(columns.shape[0], -1)
    return np.ascontiguousarray(state, dtype=dtype)


def _kron(flat: np.ndarray) -> np.ndarray:
    """Kronecker products ``u_0 (x) u_1 (x) ...`` of stacks ``flat`` of shape ``(X, k, 2, 2)``."""
    kron = flat[:, 0]
    for q in range(1, flat.shape[1]):
        # Entry (r i, c j) = kron[r, c] * u[i, j] (np.kron has no leading batch axes).
        u, d = flat[:, q], kron.shape[-1]
        kron = (kron[:, :, None, :, None] * u[:, None, :, None, :]).reshape(len(flat), 2 * d, 2 * d)
    return kron


@lru_cache(maxsize=64)
def _layer_index(arch: Architecture) -> np.ndarray:
    """Where entry ``(r, c)`` of a layer matrix sits in ``vec(A) vec(B)^T``, flattened.

    ``A`` and ``B`` are the Kronecker products of the first ``h = n // 2`` wires and of
    the rest, so ``(A (x) B)[(i k), (j l)] = A[i, j] B[k, l]``; row ``r`` of the layer
    is row ``src[r]`` of ``A (x) B`` (the ring after the rotations).
    """
    n = arch.n_qubits
    low = n - n // 2
    src, _ = ring_permutation(arch)
    dim, mask = 1 << n, (1 << low) - 1
    rows, cols = np.repeat(src, dim), np.tile(np.arange(dim), dim)
    i, k, j, m = rows >> low, rows & mask, cols >> low, cols & mask
    out = (i * (1 << (n - low)) + j) * (1 << 2 * low) + (k << low) + m
    out.setflags(write=False)
    return out


def layer_matrices(arch: Architecture, unitaries: np.ndarray) -> np.ndarray:
    """Dense ``2**n x 2**n`` matrices of layers: fused rotations, then the ring.

    Parameters
    ----------
    unitaries : ndarray of shape (..., n, 2, 2)
        Fused rotation of each wire, for any number of leading (model, layer) axes.

    Returns
    -------
    ndarray of shape (..., 2**n, 2**n)
    """
    lead = unitaries.shape[:-3]
    n = unitaries.shape[-3]
    flat = unitaries.reshape((-1, n, 2, 2))
    # Two half-width products and one outer product of their entries, put in
    # place (ring included) by one gather: the full-width product is written once.
    a = _kron(flat[:, : n // 2]).reshape(len(flat), -1, 1) if n > 1 else np.ones((len(flat), 1, 1))
    b = _kron(flat[:, n // 2 :]).reshape(len(flat), 1, -1)
    dim = 1 << n
    return np.take((a * b).reshape(len(flat), -1), _layer_index(arch), axis=1).reshape(
        lead + (dim, dim))


def use_dense(n_qubits: int, batch: int | None = None) -> bool:
    """Whether the dense kernel is the faster one for ``batch`` states of ``n_qubits``.

    Parameters
    ----------
    n_qubits : int
    batch : int, optional
        Number of states run together; unknown counts as small.
    """
    if n_qubits <= DENSE_MAX_QUBITS:
        return True
    least = DENSE_MIN_BATCH.get(n_qubits)
    return least is not None and batch is not None and batch >= least


def _apply_wire(state: np.ndarray, u: np.ndarray, wire: int, n: int) -> np.ndarray:
    """Apply a 2x2 ``u`` (``(..., 2, 2)``, one per model) on ``wire`` of ``(..., B, 2**n)`` batches.

    Returns a new array; a shared batch broadcasts against per-model gates.
    """
    lead = u.shape[:-2]
    shape = np.broadcast_shapes(state.shape[:-2], lead) + state.shape[-2:]
    view = np.broadcast_to(state, shape).reshape(shape[:-2] + (-1, 2, 1 << (n - 1 - wire)))
    out = np.empty_like(view)
    a, b = view[..., 0, :], view[..., 1, :]
    # Each model's entries against its own batch; one model's are scalars.
    c = u[..., None, None] if lead else u
    out[..., 0, :] = c[..., 0, 0, :, :] * a + c[..., 0, 1, :, :] * b if lead else \
        c[0, 0] * a + c[0, 1] * b
    out[..., 1, :] = c[..., 1, 0, :, :] * a + c[..., 1, 1, :, :] * b if lead else \
        c[1, 0] * a + c[1, 1] * b
    return out.reshape(shape)


class LayerStack:
    """The variational layers of one circuit (or of ``M`` models of it), ready to run on batches.

    Parameters
    ----------
    arch : Architecture
    unitaries : ndarray of shape (..., n_layers, n_qubits, 2, 2)
        Fused rotation of every wire in every layer; leading axes index models.
    batch : int, optional
        Number of states each model runs at once; it picks the kernel
        (:func:`use_dense`). Both kernels give the same states to rounding.
    """

    def __init__(self, arch: Architecture, unitaries: np.ndarray,
                 batch: int | None = None) -> None:
        self.arch = arch
        self.n = arch.n_qubits
        # Layer first, so that self.unitaries[layer] is (..., n, 2, 2).
        models = unitaries.ndim > 4
        self.unitaries = np.moveaxis(unitaries, -4, 0) if models else unitaries
        self.src, self.dest = ring_permutation(arch)
        self.dense = use_dense(self.n, batch)
        if self.dense:
            mats = layer_matrices(arch, unitaries)
            self.mats = np.moveaxis(mats, -3, 0) if models else mats

    def forward(self, state: np.ndarray) -> np.ndarray:
        """Run every layer on ``(..., B, 2**n)`` batches.

        With the dense kernel and more states than amplitudes, the layers are
        first multiplied into the circuit's matrix (``n_layers - 1`` products of
        ``D x D``), which then runs once on the batch instead of once per layer.
        """
        if self.dense and state.shape[-2] > state.shape[-1] and len(self.mats) > 1:
            circuit = self.mats[0]
            for mat in self.mats[1:]:
                circuit = mat @ circuit
            return state @ circuit.swapaxes(-1, -2)
        for layer in range(len(self.unitaries)):
            state = self.apply(state, layer)
        return state

    def states(self, state: np.ndarray) -> list[np.ndarray]:
        """The input and the state after every layer (what the adjoint pass walks back)."""
        out = [state]
        for layer in range(len(self.unitaries)):
            out.append(self.apply(out[-1], layer))
        return out

    def apply(self, state: np.ndarray, layer: int) -> np.ndarray:
        """Apply one layer (rotations, then ring)."""
        if self.dense:
            return state @ self.mats[layer].swapaxes(-1, -2)
        for q in range(self.n):
            state = _apply_wire(state, self.unitaries[layer][..., q, :, :], q, self.n)
        return state[..., self.src]

    def back(self, costate: np.ndarray, layer: int) -> np.ndarray:
        """Walk a conjugated co-state back through one layer.

        For ``costate = conj(lam)`` returns ``conj(L^dagger lam) = L^T costate``
        (``L`` the layer): carrying the conjugate makes the dense step one
        product with the layer's own matrix, with no conjugated copies.
        """
        if self.dense:
            return costate @ self.mats[layer]
        costate = costate[..., self.dest]
        for q in range(self.n):
            u = self.unitaries[layer][..., q, :, :]
            costate = _apply_wire(costate, u.swapaxes(-1, -2), q, self.n)
        return costate

    @staticmethod
    def transition_product(phi: np.ndarray, costate: np.ndarray) -> np.ndarray:
        """``phi^T conj(lam)`` of ``(..., B, D)`` batches: the batch-summed ``(..., D, D)``.

        ``costate`` is ``conj(lam)`` (:meth:`back`). The dense kernel sums over
        the batch first, then undoes the ring on this small matrix instead of on
        both batches (:meth:`reduce_transitions`).
        """
        return phi.swapaxes(-1, -2) @ costate

    def reduce_transitions(self, t: np.ndarray) -> np.ndarray:
        """Per-wire reduced transition matrices ``(..., n, 2, 2)`` of products ``(..., D, D)``.

        Any leading axes (models, layers) are reduced in one gather and one sum
        (:func:`_reduction_index`).
        """
        index = _reduction_index(self.arch)
        lead = t.shape[:-2]
        flat = t.reshape(lead + (t.shape[-1] * t.shape[-2],))
        return np.take(flat, index.ravel(), axis=-1).reshape(lead + index.shape).sum(axis=-1)

    def wire_transitions(self, phi: np.ndarray, costate: np.ndarray, layer: int) -> np.ndarray:
        """Reduced transition matrices between rotations and ring of ``layer``.

        Given the batch ``phi`` and the conjugated co-state ``costate = conj(lam)``
        just *after* ``layer`` (ring included), both ``(..., B, 2**n)``, returns
        ``M`` of shape ``(..., n, 2, 2)`` with
        ``M[q, j, i] = sum_b sum_rest phi'_b[.., j, ..] * conj(lam'_b[.., i, ..])``,
        where primes denote the states with the ring undone and ``j``, ``i``
        index wire ``q``.
        """
        if self.dense:
            return self.reduce_transitions(self.transition_product(phi, costate))
        n = self.n
        lead = phi.shape[:-2]
        out = np.empty(lead + (n, 2, 2), dtype=complex)
        phi = phi[..., self.dest].reshape(-1, *phi.shape[-2:])
        costate = costate[..., self.dest].reshape(phi.shape)
        flat = out.reshape(-1, n, 2, 2)
        # One model at a time: einsum sums a stack in another order than one
        # model, and this kernel is for wide circuits, where the loop is cheap.
        for m in range(len(phi)):
            for q in range(n):
                right = 1 << (n - 1 - q)
                flat[m, q] = np.einsum("ajr,akr->jk", phi[m].reshape(-1, 2, right),
                                       costate[m].reshape(-1, 2, right))
        return out
