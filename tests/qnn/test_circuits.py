"""qnn.circuits against independent references.

The reference builds every gate of ``arch.ops()`` as a dense 2**n x 2**n
matrix from Kronecker products of 2x2 matrices (CNOT from projectors, not from
an index permutation) and applies them one sample at a time.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qnn._statevector as sv
from qnn.architectures import Architecture, get_architecture
from qnn.circuits import (
    expectation_z,
    expectation_z_gates,
    expectation_z_unitaries,
    expectation_z_vjp,
    gate_encoding,
    value_and_grad,
)
from qnn.gateset import IdealGateSet, TableGateSet, lsb_rad

I2 = np.eye(2)
X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]])
Z = np.diag([1.0, -1.0])
P0, P1 = np.diag([1.0, 0.0]), np.diag([0.0, 1.0])
PAULI = {"x": X, "y": Y, "z": Z}

ARCHS = [
    get_architecture("compact"),
    get_architecture("expressive"),
    Architecture("six", n_qubits=6, n_layers=3, rotations=("x", "z", "y")),
    Architecture("eight", n_qubits=8, n_layers=2, rotations=("z", "x")),  # per-wire kernel
]
ARCH_IDS = [a.name for a in ARCHS]


def ref_rotation(axis: str, t: float) -> np.ndarray:
    """exp(-i t P / 2) = cos(t/2) I - i sin(t/2) P."""
    return np.cos(t / 2) * I2 - 1j * np.sin(t / 2) * PAULI[axis]


def embed(n: int, ops: dict[int, np.ndarray]) -> np.ndarray:
    m = np.array([[1.0 + 0j]])
    for q in range(n):
        m = np.kron(m, ops.get(q, I2))
    return m


def reference_states(arch, x, gate_of) -> list[np.ndarray]:
    """Final states, one sample at a time; ``gate_of(op, sample)`` gives the 2x2 of a rotation."""
    n = arch.n_qubits
    ops = arch.ops()
    fixed = {}  # dense matrices of the gates that do not depend on the sample
    for i, op in enumerate(ops):
        if op.kind == "cnot":
            c, t = op.wires
            fixed[i] = embed(n, {c: P0}) + embed(n, {c: P1, t: X})
        elif op.feature is None:
            fixed[i] = embed(n, {op.wires[0]: gate_of(op, None)})
    out = []
    for b in range(len(x)):
        s = np.zeros(2**n, dtype=complex)
        s[0] = 1
        for i, op in enumerate(ops):
            m = fixed[i] if i in fixed else embed(n, {op.wires[0]: gate_of(op, b)})
            s = m @ s
        out.append(s)
    return out


def reference_z(arch, x, theta) -> np.ndarray:
    def gate_of(op, b):
        angle = x[b, op.feature] if op.feature is not None else theta[op.param]
        return ref_rotation(op.kind[1], angle)

    states = reference_states(arch, x, gate_of)
    n = arch.n_qubits
    return np.array([[np.real(s.conj() @ embed(n, {q: Z}) @ s) for q in range(n)] for s in states])


def random_inputs(arch, rng, batch=5):
    x = rng.uniform(0, np.pi, (batch, arch.n_qubits))
    theta = rng.uniform(-np.pi, np.pi, arch.n_params)
    return x, theta


def random_unitaries(rng, shape):
    a = rng.normal(size=shape + (2, 2)) + 1j * rng.normal(size=shape + (2, 2))
    q, r = np.linalg.qr(a)
    return q * (np.diagonal(r, axis1=-2, axis2=-1) / np.abs(np.diagonal(r, axis1=-2, axis2=-1)))[
        ..., None, :
    ]


# -- analytic checks first ---------------------------------------------------------------------


def test_one_qubit_ry_is_cosine() -> None:
    arch = Architecture("one", n_qubits=1, n_layers=1, rotations=("y",))
    x = np.linspace(0, np.pi, 7)[:, None]
    theta = np.array([0.3])
    got = expectation_z(arch, x, theta)[:, 0]
    np.testing.assert_allclose(got, np.cos(x[:, 0] + 0.3), atol=1e-14)


def test_one_qubit_rz_then_rx() -> None:
    # RX(b) RZ(a) RY(x)|0>: <Z> = cos(x) cos(b) + sin(x) sin(a) sin(b).
    arch = Architecture("one", n_qubits=1, n_layers=1, rotations=("z", "x"))
    x = np.array([[0.4], [1.9]])
    a, b = 0.7, -1.1
    want = np.cos(x[:, 0]) * np.cos(b) + np.sin(x[:, 0]) * np.sin(a) * np.sin(b)
    np.testing.assert_allclose(expectation_z(arch, x, np.array([a, b]))[:, 0], want, atol=1e-14)


def test_zero_angles_compact_is_cnot_parities() -> None:
    # With theta = 0 the circuit is the encoding and two CNOT rings (basis permutations), so
    # every <Z_q> is a product of cos(x_i) over the wires whose parity the rings route to q.
    arch = get_architecture("compact")
    x = np.array([[0.3, 1.2, 2.0, 0.9]])
    c = np.cos(x[0])
    got = expectation_z(arch, x, np.zeros(arch.n_params))[0]
    ref = reference_z(arch, x, np.zeros(arch.n_params))[0]
    np.testing.assert_allclose(got, ref, atol=1e-12)
    for value in got:  # each is +- a product of a subset of cos(x_i)
        products = [np.prod(c[list(s)]) for s in _subsets(4)]
        assert min(abs(abs(value) - abs(p)) for p in products) < 1e-12


def _subsets(n):
    for mask in range(1, 1 << n):
        yield [i for i in range(n) if mask >> i & 1]


# -- dense-matrix reference --------------------------------------------------------------------


@pytest.mark.parametrize("arch", ARCHS, ids=ARCH_IDS)
def test_values_match_dense_reference(arch: Architecture) -> None:
    rng = np.random.default_rng(11)
    x, theta = random_inputs(arch, rng)
    np.testing.assert_allclose(expectation_z(arch, x, theta), reference_z(arch, x, theta),
                               atol=1e-10)


@pytest.mark.parametrize("arch", ARCHS[:3], ids=ARCH_IDS[:3])
def test_batches_larger_than_the_state_run_the_circuit_matrix(arch: Architecture) -> None:
    """More samples than amplitudes: the layers are multiplied into one matrix first."""
    rng = np.random.default_rng(12)
    x, theta = random_inputs(arch, rng, batch=2**arch.n_qubits + 3)
    np.testing.assert_allclose(expectation_z(arch, x, theta), reference_z(arch, x, theta),
                               atol=1e-10)


@pytest.mark.parametrize("dense_max", [0, 16])
def test_both_kernels_agree(monkeypatch: pytest.MonkeyPatch, dense_max: int) -> None:
    arch = ARCHS[1]
    rng = np.random.default_rng(3)
    x, theta = random_inputs(arch, rng)
    c = rng.normal(size=x.shape)
    want_v, want_g = expectation_z_vjp(arch, x, theta, c)
    monkeypatch.setattr(sv, "DENSE_MAX_QUBITS", dense_max)
    got_v, got_g = expectation_z_vjp(arch, x, theta, c)
    np.testing.assert_allclose(got_v, want_v, atol=1e-12)
    np.testing.assert_allclose(got_g, want_g, atol=1e-12)


def test_kernel_choice_depends_on_qubits_and_batch() -> None:
    assert all(sv.use_dense(n, 1) for n in range(1, sv.DENSE_MAX_QUBITS + 1))
    for n, least in sv.DENSE_MIN_BATCH.items():
        assert n > sv.DENSE_MAX_QUBITS
        assert not sv.use_dense(n, least - 1)
        assert sv.use_dense(n, least)
        assert not sv.use_dense(n)  # an unknown batch counts as small
    assert not sv.use_dense(max(sv.DENSE_MIN_BATCH) + 1, 10**6)


def test_seven_qubits_take_either_kernel_by_batch_and_agree() -> None:
    arch = Architecture("seven", n_qubits=7, n_layers=2, rotations=("y", "z"))
    rng = np.random.default_rng(8)
    least = sv.DENSE_MIN_BATCH[7]
    eye = np.broadcast_to(np.eye(2, dtype=complex), (2, 7, 2, 2))
    assert sv.LayerStack(arch, eye, batch=least).dense
    assert not sv.LayerStack(arch, eye, batch=least - 1).dense
    x, theta = random_inputs(arch, rng, batch=least)
    c = rng.normal(size=x.shape)
    dense_v, dense_g = expectation_z_vjp(arch, x, theta, c)
    # The first least - 1 samples alone take the per-wire kernel.
    wire_v, wire_g = expectation_z_vjp(arch, x[:-1], theta, c[:-1])
    np.testing.assert_allclose(wire_v, dense_v[:-1], atol=1e-12)
    last_g = expectation_z_vjp(arch, x[-1:], theta, c[-1:])[1]
    np.testing.assert_allclose(wire_g + last_g, dense_g, atol=1e-12)
    np.testing.assert_allclose(dense_v[:3], reference_z(arch, x[:3], theta), atol=1e-10)


# -- gradients ---------------------------------------------------------------------------------


@pytest.mark.parametrize("arch", ARCHS, ids=ARCH_IDS)
def test_vjp_matches_central_differences(arch: Architecture) -> None:
    rng = np.random.default_rng(5)
    x, theta = random_inputs(arch, rng, batch=4)
    c = rng.normal(size=x.shape)
    values, grad = expectation_z_vjp(arch, x, theta, c)
    np.testing.assert_allclose(values, expectation_z(arch, x, theta), atol=1e-13)
    h = 1e-5
    fd = np.empty_like(theta)
    for k in range(len(theta)):
        e = np.zeros_like(theta)
        e[k] = h
        fd[k] = (np.sum(c * expectation_z(arch, x, theta + e))
                 - np.sum(c * expectation_z(arch, x, theta - e))) / (2 * h)
    np.testing.assert_allclose(grad, fd, atol=1e-6)


@pytest.mark.parametrize("arch", ARCHS[:3], ids=ARCH_IDS[:3])
def test_vjp_matches_parameter_shift_on_dense_reference(arch: Architecture) -> None:
    # Every gate is exp(-i t P/2) with P^2 = 1, so d<Z>/dt = (f(t + pi/2) - f(t - pi/2)) / 2
    # exactly; evaluated here on the independent dense reference.
    rng = np.random.default_rng(8)
    x, theta = random_inputs(arch, rng, batch=2)
    c = rng.normal(size=x.shape)
    _, grad = expectation_z_vjp(arch, x, theta, c)
    for k in range(arch.n_params):
        e = np.zeros_like(theta)
        e[k] = np.pi / 2
        shift = (np.sum(c * reference_z(arch, x, theta + e))
                 - np.sum(c * reference_z(arch, x, theta - e))) / 2
        assert grad[k] == pytest.approx(shift, abs=1e-10), k


def test_value_and_grad_passes_output_through() -> None:
    arch = ARCHS[0]
    rng = np.random.default_rng(2)
    x, theta = random_inputs(arch, rng)

    def fn(values):
        return float(np.sum(values**2)), 2 * values

    out, grad = value_and_grad(arch, x, theta, fn)
    values = expectation_z(arch, x, theta)
    assert out == pytest.approx(np.sum(values**2), abs=1e-13)
    np.testing.assert_allclose(grad, expectation_z_vjp(arch, x, theta, 2 * values)[1], atol=1e-13)


# -- realized gates ----------------------------------------------------------------------------


@pytest.mark.parametrize("arch", ARCHS[:3], ids=ARCH_IDS[:3])
def test_ideal_gateset_equals_nominal_angles(arch: Architecture) -> None:
    rng = np.random.default_rng(4)
    bits = 6
    codes = rng.integers(0, 2**bits, arch.n_params)
    x = rng.uniform(0, np.pi, (5, arch.n_qubits))
    got = expectation_z_gates(arch, x, codes, IdealGateSet(bits))
    want = reference_z(arch, x, codes * lsb_rad(bits))
    np.testing.assert_allclose(got, want, atol=1e-10)


@pytest.mark.parametrize("arch", ARCHS[:3], ids=ARCH_IDS[:3])
def test_table_gateset_matches_dense_reference(arch: Architecture) -> None:
    rng = np.random.default_rng(6)
    bits = 3
    tables = {a: random_unitaries(rng, (2**bits,)) for a in ("x", "y", "z")}
    gates = TableGateSet(bits, tables)
    codes = rng.integers(0, 2**bits, arch.n_params)
    x = rng.uniform(0, np.pi, (4, arch.n_qubits))

    def gate_of(op, b):
        if op.feature is not None:
            return ref_rotation("y", x[b, op.feature])
        return tables[op.kind[1]][codes[op.param]]

    n = arch.n_qubits
    want = [[np.real(s.conj() @ embed(n, {q: Z}) @ s) for q in range(n)]
            for s in reference_states(arch, x, gate_of)]
    np.testing.assert_allclose(expectation_z_gates(arch, x, codes, gates), want, atol=1e-10)


def test_gate_encoding_rounds_to_the_angle_grid() -> None:
    arch = ARCHS[0]
    rng = np.random.default_rng(9)
    bits = 5
    gates = IdealGateSet(bits)
    codes = rng.integers(0, 2**bits, arch.n_params)
    x = rng.uniform(0, np.pi, (6, 4))
    x_grid = np.rint(x / lsb_rad(bits)) * lsb_rad(bits)
    got = expectation_z_gates(arch, x, codes, gates, encode=gate_encoding(gates))
    np.testing.assert_allclose(got, reference_z(arch, x_grid, codes * lsb_rad(bits)), atol=1e-10)


def test_unitaries_forward_accepts_non_rotations() -> None:
    arch = ARCHS[2]
    rng = np.random.default_rng(10)
    u = random_unitaries(rng, (arch.n_layers, arch.n_qubits))
    x = rng.uniform(0, np.pi, (3, arch.n_qubits))
    # The same unitaries as a table indexed by (layer, wire) through the reference.
    flat = u.reshape(-1, 2, 2)

    def gate_of(op, b):
        if op.feature is not None:
            return ref_rotation("y", x[b, op.feature])
        layer, wire = divmod(op.param, arch.n_qubits)
        return flat[layer * arch.n_qubits + wire]

    one_gate = Architecture("six1", n_qubits=6, n_layers=3, rotations=("x",))
    n = one_gate.n_qubits
    want = [[np.real(s.conj() @ embed(n, {q: Z}) @ s) for q in range(n)]
            for s in reference_states(one_gate, x, gate_of)]
    np.testing.assert_allclose(expectation_z_unitaries(arch, x, u), want, atol=1e-10)


# -- invariants --------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), arch_index=st.integers(0, 2))
def test_values_bounded_and_2pi_periodic_up_to_phase(seed: int, arch_index: int) -> None:
    arch = ARCHS[arch_index]
    rng = np.random.default_rng(seed)
    x, theta = random_inputs(arch, rng, batch=3)
    values = expectation_z(arch, x, theta)
    assert np.all(np.abs(values) <= 1 + 1e-12)
    # theta + 2 pi flips the sign of one gate: a global phase, no observable change.
    shifted = theta.copy()
    shifted[rng.integers(arch.n_params)] += 2 * np.pi
    np.testing.assert_allclose(expectation_z(arch, x, shifted), values, atol=1e-12)


def test_batch_rows_are_independent() -> None:
    arch = ARCHS[1]
    rng = np.random.default_rng(12)
    x, theta = random_inputs(arch, rng, batch=7)
    whole = expectation_z(arch, x, theta)
    for b in range(7):
        np.testing.assert_allclose(expectation_z(arch, x[b : b + 1], theta)[0], whole[b],
                                   atol=1e-14)


# -- argument errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"x": np.zeros((2, 3))}, "x"),
        ({"x": np.full((2, 4), np.nan)}, "x"),
        ({"theta": np.zeros(15)}, "theta"),
        ({"theta": np.full(16, np.inf)}, "theta"),
        ({"arch": "huge"}, "arch"),
    ],
)
def test_bad_arguments_name_themselves(kwargs: dict, name: str) -> None:
    args = {"arch": "compact", "x": np.zeros((2, 4)), "theta": np.zeros(16)} | kwargs
    with pytest.raises(ValueError, match=f"^{name}: must"):
        expectation_z(args["arch"], args["x"], args["theta"])


def test_bad_cotangent_and_codes() -> None:
    with pytest.raises(ValueError, match="^cotangent: must"):
        expectation_z_vjp("compact", np.zeros((2, 4)), np.zeros(16), np.zeros((3, 4)))
    with pytest.raises(ValueError, match="^codes: must"):
        expectation_z_gates("compact", np.zeros((2, 4)), np.zeros(16), IdealGateSet(4))
