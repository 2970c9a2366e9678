"""Expectation values and exact gradients of the layered QNN circuits.

The public functions here are the reference that any other simulator of the
same circuits (pulse level, noisy, quantized) is checked against:

* :func:`expectation_z` -- ``<Z_q>`` for a batch of inputs and ideal angles;
* :func:`expectation_z_vjp` -- the same values plus the exact gradient of
  ``sum(cotangent * values)`` with respect to the angles, by the adjoint
  method (one forward pass, one backward pass, no finite differences);
* :func:`value_and_grad` -- any scalar function of ``<Z>`` and its gradient,
  in a single forward and backward pass (what training uses);
* :func:`expectation_z_gates` -- the forward pass on *realized* gates: integer
  DAC codes looked up in a :class:`~qnn.gateset.GateSet`;
* :func:`expectation_z_unitaries` -- the forward pass on arbitrary fused
  per-wire unitaries, the common kernel of the two above;
* :func:`expectation_z_channels` -- the noisy forward pass on realized gate
  *processes*: codes looked up in a :class:`~qnn.noise.ChannelSet`.

The first three take ``noise=`` (a :class:`~qnn.noise.NoiseModel`) for the
noisy density-matrix executor of :mod:`qnn._density`, and ``shots=`` with
``rng=`` for values sampled from ``shots`` measured bitstrings per input; then
gradients are exact by the adjoint method (``shots=0``) or parameter-shift
estimates from sampled values. ``noise=None, shots=0`` is the exact
pure-state path.

Data encoding is ideal ``RY(x_q)`` on wire ``q`` unless an ``encode`` hook is
given: a callable mapping the ``(B, n_qubits)`` angles to ``(B, n_qubits, 2, 2)``
unitaries (see :func:`gate_encoding` for the DAC-quantized one). Conventions
are those of :mod:`qnn.architectures`: ``R_a(t) = exp(-i t sigma_a / 2)``, the
rotations of a wire in a layer act in the order listed in
``arch.rotations``, and wire 0 is the most significant qubit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np

from hardware_models.validation import as_generator, check_int
from qnn import _density
from qnn._statevector import LayerStack, product_state, z_table, z_values
from qnn._su2 import Rotations
from qnn.architectures import Architecture, get_architecture
from qnn.gateset import GateSet
from qnn.noise import ChannelSet, NoiseModel, Timing
from qnn.vocabulary import nearest_codes

Encoder = Callable[[np.ndarray], np.ndarray]
T = TypeVar("T")


# -- argument checks ---------------------------------------------------------------------------


def _check_x(arch: Architecture, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[1] != arch.n_qubits:
        raise ValueError(
            f"x: must have shape (B, {arch.n_qubits}) for {arch.name!r}, got {x.shape}"
        )
    if not np.all(np.isfinite(x)):
        raise ValueError("x: must be finite, got NaN or inf")
    return x


def _check_theta(arch: Architecture, theta: np.ndarray, *, models: bool = False) -> np.ndarray:
    """Angles of shape ``(n_params,)``, or ``(M, n_params)`` for ``M`` models with ``models``."""
    theta = np.asarray(theta, dtype=float)
    ok = theta.shape == (arch.n_params,) or (
        models and theta.ndim == 2 and theta.shape[1] == arch.n_params and len(theta) > 0)
    if not ok:
        want = f"(M >= 1, {arch.n_params})" if models else f"({arch.n_params},)"
        raise ValueError(f"theta: must have shape {want} for {arch.name!r}, got {theta.shape}")
    if not np.all(np.isfinite(theta)):
        raise ValueError("theta: must be finite, got NaN or inf")
    return theta


def _noise_plan(
    arch: Architecture, noise: NoiseModel | None, timing: Timing | None, shots: int,
    rng: int | np.random.Generator | None,
) -> tuple[_density.Plan | None, int, np.random.Generator | None]:
    """Check the noise keywords; the plan is None for the exact pure-state path."""
    shots = check_int("shots", shots, 0)
    if rng is not None or shots:
        rng = as_generator(rng)
    if noise is not None and not isinstance(noise, NoiseModel):
        raise ValueError(f"noise: must be a qnn.noise.NoiseModel or None, got {noise!r}")
    if timing is not None:
        if not isinstance(timing, Timing):
            raise ValueError(f"timing: must be a qnn.noise.Timing or None, got {timing!r}")
        if noise is None or not noise.idle:
            raise ValueError("timing: only applies with a noise model whose idle is true")
    if noise is None and not shots:
        return None, 0, None
    return _density.make_plan(arch, noise or NoiseModel(), timing), shots, rng


# -- circuit pieces ----------------------------------------------------------------------------


def encoding_state(arch: Architecture, x: np.ndarray, encode: Encoder | None = None) -> np.ndarray:
    """The encoded product state ``prod_q E(x_q)|0>`` as a ``(B, 2**n)`` batch.

    Parameters
    ----------
    arch : Architecture
    x : ndarray of shape (B, n_qubits)
        Encoding angles in rad.
    encode : callable, optional
        Maps ``x`` to per-sample unitaries of shape ``(B, n_qubits, 2, 2)``;
        default ideal ``RY(x)``.
    """
    return product_state(_encoded_columns(x, encode))


def _encoded_columns(x: np.ndarray, encode: Encoder | None) -> np.ndarray:
    """The encoded single-wire states ``E(x_q)|0>``, shape ``(B, n_qubits, 2)``."""
    if encode is None:
        return np.stack([np.cos(x / 2), np.sin(x / 2)], axis=-1)  # RY(x)|0>
    u = np.asarray(encode(x))
    if u.shape != x.shape + (2, 2):
        raise ValueError(f"encode: must return shape {x.shape + (2, 2)}, got {u.shape}")
    return u[..., :, 0]  # U|0> is the first column


def fuse(mats: np.ndarray) -> np.ndarray:
    """Fuse each wire's rotations in a layer: ``U = R_last @ ... @ R_first``.

    Parameters
    ----------
    mats : ndarray of shape (..., n_layers, n_qubits, n_rot, 2, 2)

    Returns
    -------
    ndarray of shape (..., n_layers, n_qubits, 2, 2)
    """
    u = mats[..., 0, :, :]
    for g in range(1, mats.shape[-3]):
        u = mats[..., g, :, :] @ u
    return u


def _pure_value_and_grad(
    arch: Architecture, x: np.ndarray, theta: np.ndarray,
    fn: Callable[[np.ndarray], tuple[T, np.ndarray]], encode: Encoder | None,
) -> tuple[T, np.ndarray]:
    """Adjoint value and gradient on the pure-state circuit; ``theta`` ``(..., n_params)``."""
    lead = theta.shape[:-1]
    rotations = Rotations(arch, theta)
    stack = LayerStack(arch, rotations.unitaries(), batch=len(x))
    zt = z_table(arch.n_qubits)

    states = stack.states(encoding_state(arch, x, encode))
    psi = states[-1]
    out, cotangent = fn(z_values(psi))
    # The co-state lam = C psi is carried conjugated (LayerStack.back).
    costate = psi.conj() * (np.asarray(cotangent, dtype=float) @ zt.T)
    dim = psi.shape[-1]
    # Dense: every layer's batch-summed product first, then one reduction of all.
    trans = np.empty(lead + ((arch.n_layers, dim, dim) if stack.dense else
                             (arch.n_layers, arch.n_qubits, 2, 2)), dtype=complex)
    for layer in reversed(range(arch.n_layers)):
        # The forward pass kept the state after every layer: no undoing it.
        phi = states[layer + 1]
        if stack.dense:
            trans[..., layer, :, :] = stack.transition_product(phi, costate)
        else:
            trans[..., layer, :, :, :] = stack.wire_transitions(phi, costate, layer)
        if layer:
            costate = stack.back(costate, layer)
    if stack.dense:
        trans = stack.reduce_transitions(trans)
    # d/dtheta sum_b <psi|C|psi> = 2 Re tr(dU U^dag M) = Im tr(H M), dU U^dag = -iH/2.
    return out, rotations.gradient(trans)


# -- public API --------------------------------------------------------------------------------


def expectation_z_unitaries(
    arch: str | Architecture,
    x: np.ndarray,
    unitaries: np.ndarray,
    *,
    encode: Encoder | None = None,
) -> np.ndarray:
    """``<Z_q>`` with arbitrary fused per-wire layer unitaries.

    Parameters
    ----------
    arch : str or Architecture
    x : ndarray of shape (B, n_qubits)
        Encoding angles in rad.
    unitaries : ndarray of shape (n_layers, n_qubits, 2, 2)
        The single-qubit operator each wire sees in each layer (before the ring).
    encode : callable, optional
        Encoding hook, see :func:`encoding_state`.

    Returns
    -------
    ndarray of shape (B, n_qubits), float
    """
    arch = get_architecture(arch)
    x = _check_x(arch, x)
    unitaries = np.asarray(unitaries, dtype=complex)
    want = (arch.n_layers, arch.n_qubits, 2, 2)
    if unitaries.shape != want:
        raise ValueError(f"unitaries: must have shape {want}, got {unitaries.shape}")
    return _unitary_values(arch, x, unitaries, encode)


def _unitary_values(arch: Architecture, x: np.ndarray, unitaries: np.ndarray,
                    encode: Encoder | None) -> np.ndarray:
    psi = LayerStack(arch, unitaries, batch=len(x)).forward(encoding_state(arch, x, encode))
    return z_values(psi)


def expectation_z(
    arch: str | Architecture,
    x: np.ndarray,
    theta: np.ndarray,
    *,
    encode: Encoder | None = None,
    noise: NoiseModel | None = None,
    shots: int = 0,
    rng: int | np.random.Generator | None = None,
    timing: Timing | None = None,
) -> np.ndarray:
    """``<Z_q>`` on every wire for a batch of inputs.

    Parameters
    ----------
    arch : str or Architecture
        A preset name (``"compact"``, ``"expressive"``) or an architecture.
    x : ndarray of shape (B, n_qubits)
        Encoding angles in rad (``RY(x_q)`` on wire ``q``).
    theta : ndarray of shape (n_params,)
        Rotation angles in rad, ordered (layer, wire, gate).
    encode : callable, optional
        Encoding hook, see :func:`encoding_state`. Under noise the encoding
        pulse is followed by relaxation over ``noise.gate_1q_s``.
    noise : NoiseModel, optional
        Run the noisy density-matrix executor (see :mod:`qnn.noise`); None
        is the ideal pure-state circuit.
    shots : int, default=0
        Measured bitstrings per input; 0 gives exact expectations.
    rng : int or numpy.random.Generator, optional
        Seed or generator of the samples; required when ``shots > 0``.
    timing : Timing, optional
        Idle intervals of every wire (needs ``noise.idle``); default as soon as possible.

    Returns
    -------
    ndarray of shape (B, n_qubits), float, in [-1, 1]
        ``<Z_q>`` as read (readout assignment errors included).
    """
    arch = get_architecture(arch)
    theta = _check_theta(arch, theta)
    plan, shots, rng = _noise_plan(arch, noise, timing, shots, rng)
    if plan is None:
        return expectation_z_unitaries(arch, x, Rotations(arch, theta).unitaries(),
                                       encode=encode)
    x = _check_x(arch, x)
    products = _density.Products(
        _density.encoded_from_columns(plan, _encoded_columns(x, encode)))
    return _density.values(plan, _density.trainable_gates(plan, theta)[0], products, shots, rng)


def expectation_z_vjp(
    arch: str | Architecture,
    x: np.ndarray,
    theta: np.ndarray,
    cotangent: np.ndarray,
    *,
    encode: Encoder | None = None,
    noise: NoiseModel | None = None,
    shots: int = 0,
    rng: int | np.random.Generator | None = None,
    timing: Timing | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``<Z_q>`` and the exact gradient of ``sum(cotangent * <Z>)`` w.r.t. ``theta``.

    Adjoint differentiation: one forward pass, then the state and the
    co-state ``lambda = C psi`` (``C = sum_q c_q Z_q``) are walked back layer
    by layer; each layer contributes ``Im tr(H_g M_q)`` per angle, with ``M_q``
    the batch-summed reduced transition matrix on wire ``q`` and ``H_g`` the
    rotated generator of gate ``g``. Cost is about three forward passes.

    Under ``noise`` the same holds on density matrices (the observable is
    pulled back through the adjoint channels); with ``shots`` the values are
    sampled and the gradient is the parameter-shift estimate from fresh
    samples at ``theta_k +- pi/2``.

    Parameters
    ----------
    arch, x, theta, encode, noise, shots, rng, timing
        As in :func:`expectation_z`.
    cotangent : ndarray of shape (B, n_qubits)
        Weights ``c`` of the scalar ``sum(c * values)`` (e.g. ``dLoss/d<Z>``).

    Returns
    -------
    values : ndarray of shape (B, n_qubits)
    grad : ndarray of shape (n_params,), in units of 1/rad
    """
    cotangent = np.asarray(cotangent, dtype=float)

    def weights(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if cotangent.shape != values.shape:
            raise ValueError(f"cotangent: must have shape {values.shape}, got {cotangent.shape}")
        return values, cotangent

    return value_and_grad(arch, x, theta, weights, encode=encode, noise=noise, shots=shots,
                          rng=rng, timing=timing)


def value_and_grad(
    arch: str | Architecture,
    x: np.ndarray,
    theta: np.ndarray,
    fn: Callable[[np.ndarray], tuple[T, np.ndarray]],
    *,
    encode: Encoder | None = None,
    noise: NoiseModel | None = None,
    shots: int = 0,
    rng: int | np.random.Generator | None = None,
    timing: Timing | None = None,
) -> tuple[T, np.ndarray]:
    """Any scalar ``f(<Z>)`` and its exact gradient w.r.t. ``theta`` in one pass.

    Parameters
    ----------
    arch, x, theta, encode, noise, shots, rng, timing
        As in :func:`expectation_z`; see :func:`expectation_z_vjp` for the
        gradient methods under noise and shots.
    fn : callable
        ``fn(values) -> (out, df/dvalues)`` with ``values`` of shape
        ``(B, n_qubits)``; ``out`` is passed through (e.g. the loss).

    Returns
    -------
    out
        Whatever ``fn`` returned first.
    grad : ndarray of shape (n_params,)
        ``sum(df/dvalues * d values / d theta)``.
    """
    arch = get_architecture(arch)
    theta = _check_theta(arch, theta)
    x = _check_x(arch, x)
    plan, shots, rng = _noise_plan(arch, noise, timing, shots, rng)
    if plan is not None:
        products = _density.Products(
            _density.encoded_from_columns(plan, _encoded_columns(x, encode)))
        return _density.value_and_grad(plan, theta, products, fn, shots, rng)
    return _pure_value_and_grad(arch, x, theta, fn, encode)


def value_and_grad_many(
    arch: str | Architecture,
    x: np.ndarray,
    theta: np.ndarray,
    fn: Callable[[np.ndarray], tuple[T, np.ndarray]],
    *,
    encode: Encoder | None = None,
) -> tuple[T, np.ndarray]:
    """:func:`value_and_grad` of ``M`` models on the same inputs, in one pass.

    Parameters
    ----------
    arch, x, encode
        As in :func:`expectation_z` (the ideal pure-state circuit).
    theta : ndarray of shape (M, n_params)
        Each model's angles, rad.
    fn : callable
        ``fn(values) -> (out, df/dvalues)`` with ``values`` of shape ``(M, B, n_qubits)``.

    Returns
    -------
    out
        Whatever ``fn`` returned first.
    grad : ndarray of shape (M, n_params)
        Each model's gradient, bit for bit what :func:`value_and_grad` gives it alone.
    """
    arch = get_architecture(arch)
    theta = _check_theta(arch, theta, models=True)
    return _pure_value_and_grad(arch, _check_x(arch, x), theta, fn, encode)


def expectation_z_many(
    arch: str | Architecture, x: np.ndarray, theta: np.ndarray, *, encode: Encoder | None = None,
) -> np.ndarray:
    """Ideal ``<Z_q>`` of ``M`` models (``theta`` of shape ``(M, n_params)``), ``(M, B, n)``."""
    arch = get_architecture(arch)
    theta = _check_theta(arch, theta, models=True)
    return _unitary_values(arch, _check_x(arch, x), Rotations(arch, theta).unitaries(),
                           encode)


def gate_matrices(arch: Architecture, codes: np.ndarray, gateset: GateSet) -> np.ndarray:
    """Realized unitaries of every parameter's code, shape ``(L, n, n_rot, 2, 2)``."""
    c = codes.reshape(arch.n_layers, arch.n_qubits, len(arch.rotations))
    mats = []
    for g, axis in enumerate(arch.rotations):
        m = np.asarray(gateset.unitaries(axis, c[..., g]), dtype=complex)
        if m.shape != c.shape[:2] + (2, 2):
            raise ValueError(
                f"gateset: unitaries({axis!r}, codes) must return shape "
                f"{c.shape[:2] + (2, 2)}, got {m.shape}"
            )
        mats.append(m)
    return np.stack(mats, axis=2)


def expectation_z_gates(
    arch: str | Architecture,
    x: np.ndarray,
    codes: np.ndarray,
    gateset: GateSet,
    *,
    encode: Encoder | None = None,
) -> np.ndarray:
    """``<Z_q>`` with realized gates: parameter ``k`` is the unitary of ``codes[k]``.

    Parameters
    ----------
    arch : str or Architecture
    x : ndarray of shape (B, n_qubits)
        Encoding angles in rad; encoded ideally unless ``encode`` is given.
    codes : ndarray of int, shape (n_params,)
        Angle-DAC code of every trainable rotation, ordered (layer, wire, gate).
    gateset : GateSet
        Maps ``(axis, codes)`` to realized 2x2 unitaries.
    encode : callable, optional
        Encoding hook, e.g. ``gate_encoding(gateset)``.

    Returns
    -------
    ndarray of shape (B, n_qubits)
    """
    arch = get_architecture(arch)
    unitaries = fuse(gate_matrices(arch, _check_codes(arch, codes), gateset))
    return expectation_z_unitaries(arch, x, unitaries, encode=encode)


def _check_codes(arch: Architecture, codes: np.ndarray) -> np.ndarray:
    codes = np.asarray(codes)
    if codes.shape != (arch.n_params,) or not np.issubdtype(codes.dtype, np.integer):
        raise ValueError(
            f"codes: must be an integer array of shape ({arch.n_params},), "
            f"got {codes.dtype} {codes.shape}"
        )
    return codes


def expectation_z_channels(
    arch: str | Architecture,
    x: np.ndarray,
    codes: np.ndarray,
    channels: ChannelSet,
    *,
    noise: NoiseModel | None = None,
    encode: Callable[[np.ndarray], np.ndarray] | None = None,
    shots: int = 0,
    rng: int | np.random.Generator | None = None,
    timing: Timing | None = None,
) -> np.ndarray:
    """``<Z_q>`` as read with realized gate processes: parameter ``k`` runs the
    channel of ``codes[k]``.

    The deployment analogue of :func:`expectation_z_gates` on the noisy
    executor. Each rotation is the channel set's whole process (its
    decoherence included); idle relaxation, the CNOT errors and the readout
    come from ``noise``.

    Parameters
    ----------
    arch : str or Architecture
    x : ndarray of shape (B, n_qubits)
        Encoding angles in rad.
    codes : ndarray of int, shape (n_params,)
        Angle-DAC code of every trainable rotation, ordered (layer, wire, gate).
    channels : ChannelSet
        Maps ``(axis, codes)`` to CPTP Liouville matrices; checked to be CPTP.
    noise : NoiseModel, optional
        Idle decoherence, CNOT errors and readout; None is ``NoiseModel()``,
        which adds none of them.
    encode : callable, optional
        Maps ``x`` to the encoding processes, Liouville matrices of shape
        ``(B, n_qubits, 4, 4)`` (e.g. :func:`qnn.noise.channel_encoding`), or
        to unitaries ``(B, n_qubits, 2, 2)`` (an ``encode`` hook of
        :func:`expectation_z`, then followed by the encoding pulse's noise);
        default ideal ``RY(x)`` followed by relaxation over ``noise.gate_1q_s``.
    shots, rng, timing
        As in :func:`expectation_z`.

    Returns
    -------
    ndarray of shape (B, n_qubits)
    """
    arch = get_architecture(arch)
    x = _check_x(arch, x)
    codes = _check_codes(arch, codes)
    plan, shots, rng = _noise_plan(arch, noise or NoiseModel(), timing, shots, rng)
    s = None if encode is None else np.asarray(encode(x))
    if s is None or s.shape == x.shape + (2, 2):
        encoded = _density.encoded_from_columns(
            plan, _encoded_columns(x, None if s is None else (lambda _: s)))
    elif s.shape == x.shape + (4, 4):
        encoded = _density.encoded_from_channels(s)
    else:
        raise ValueError(f"encode: must return shape {x.shape + (4, 4)} (processes) or "
                         f"{x.shape + (2, 2)} (unitaries), got {s.shape}")
    gates = _density.channel_gates(arch, codes, channels)
    return _density.values(plan, gates, _density.Products(encoded), shots, rng)


def gate_encoding(gateset: GateSet) -> Encoder:
    """An ``encode`` hook that sends each angle through the angle DAC.

    The angle ``x`` is rounded to its nearest code
    (:func:`qnn.vocabulary.nearest_codes`) and the encoding gate is the
    realized ``RY`` of that code.
    """

    def encode(x: np.ndarray) -> np.ndarray:
        codes = nearest_codes(x, gateset.bits)
        return np.asarray(gateset.unitaries("y", codes), dtype=complex)

    return encode
