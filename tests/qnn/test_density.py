"""The noisy executor (qnn._density through qnn.circuits) against independent references.

The main reference is :mod:`tests.qnn._noisy_reference`: Kraus operators built
with QuTiP, applied one operation at a time to full density matrices, with
parameter-shift gradients. PennyLane ``default.mixed`` is a second one when
installed.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qnn import _density
from qnn.architectures import Architecture, get_architecture
from qnn.circuits import (
    expectation_z,
    expectation_z_channels,
    expectation_z_gates,
    expectation_z_vjp,
    gate_encoding,
    value_and_grad,
)
from qnn.gateset import IdealGateSet, TableGateSet, lsb_rad, rotation
from qnn.noise import GateChannels, NoiseModel, Timing, channel_encoding
from tests.qnn._noisy_reference import Reference

COMPACT = get_architecture("compact")
EXPRESSIVE = get_architecture("expressive")
# Every channel on, strong enough that a wrong order or factor shows far above 1e-9.
NOISY = dict(t1_s=2e-6, t2_s=3e-6, gate_1q_s=50e-9, gate_2q_s=200e-9)
ERRORS = dict(cnot_depolarizing=0.04, readout_error=(0.03, 0.07))


def model(idle: bool = False, **over) -> NoiseModel:
    kw = {**NOISY, **ERRORS, **over}
    return NoiseModel(idle=idle, **kw)


def reference(arch, m: NoiseModel, timing: Timing | None = None) -> Reference:
    return Reference(arch, t1_s=m.t1_s, t2_s=m.t2_s, gate_1q_s=m.gate_1q_s,
                     gate_2q_s=m.gate_2q_s, p=m.cnot_depolarizing,
                     readout_error=m.readout_error,
                     idle_s=None if timing is None else timing.idle_s)


def inputs(arch, batch: int, seed: int):
    rng = np.random.default_rng(seed)
    return (rng.uniform(0, np.pi, (batch, arch.n_qubits)),
            rng.uniform(-np.pi, np.pi, arch.n_params),
            rng.normal(size=(batch, arch.n_qubits)))


# -- the contract ------------------------------------------------------------------------------


@pytest.mark.parametrize("arch", [COMPACT, EXPRESSIVE], ids=lambda a: a.name)
def test_values_and_gradient_match_qutip_reference(arch):
    x, theta, c = inputs(arch, 2, seed=1)
    m = model()
    values, grad = expectation_z_vjp(arch, x, theta, c, noise=m)
    ref = reference(arch, m)
    np.testing.assert_allclose(values, ref.values(x, theta), atol=1e-9, rtol=0)
    np.testing.assert_allclose(grad, ref.vjp(x, theta, c), atol=1e-9, rtol=0)


@pytest.mark.parametrize(
    "over",
    [dict(t1_s=None, t2_s=1e-6), dict(t2_s=None), dict(t1_s=None, t2_s=None),
     dict(t2_s=4e-6, cnot_depolarizing=1.0), dict(readout_error=(0.0, 0.0))],
    ids=["dephasing-only", "t1-only", "no-relaxation", "full-depolarizing", "no-readout-error"],
)
def test_noise_model_variants_match_reference(over):
    arch = Architecture("three", n_qubits=3, n_layers=2, rotations=("x", "z", "y"))
    x, theta, _ = inputs(arch, 3, seed=2)
    m = model(**over)
    np.testing.assert_allclose(expectation_z(arch, x, theta, noise=m),
                               reference(arch, m).values(x, theta), atol=1e-9, rtol=0)


@pytest.mark.parametrize(
    "arch",
    [Architecture("one", 1, 2, ("x", "y")), Architecture("two", 2, 2, ("y", "z")),
     Architecture("six", 6, 1, ("y", "x"))],  # six: the ring runs block by block
    ids=lambda a: a.name,
)
def test_other_sizes_match_reference(arch):
    x, theta, _ = inputs(arch, 2, seed=3)
    m = model(idle=True)
    timing = Timing.asap(arch, m)
    np.testing.assert_allclose(expectation_z(arch, x, theta, noise=m),
                               reference(arch, m, timing).values(x, theta), atol=1e-9, rtol=0)


def test_idle_relaxation_asap_and_any_timing_match_reference():
    x, theta, c = inputs(COMPACT, 2, seed=4)
    m = model(idle=True)
    asap = Timing.asap(COMPACT, m)
    values, grad = expectation_z_vjp(COMPACT, x, theta, c, noise=m)
    ref = reference(COMPACT, m, asap)
    np.testing.assert_allclose(values, ref.values(x, theta), atol=1e-9, rtol=0)
    np.testing.assert_allclose(grad, ref.vjp(x, theta, c), atol=1e-9, rtol=0)
    # Idle time matters: the contract without it differs.
    assert np.abs(values - expectation_z(COMPACT, x, theta, noise=model())).max() > 1e-3
    rng = np.random.default_rng(5)
    odd = Timing(tuple(tuple(rng.uniform(0, 300e-9, len(row))) for row in asap.idle_s))
    np.testing.assert_allclose(expectation_z(COMPACT, x, theta, noise=m, timing=odd),
                               reference(COMPACT, m, odd).values(x, theta), atol=1e-9, rtol=0)


@pytest.mark.parametrize("arch", [COMPACT, EXPRESSIVE], ids=lambda a: a.name)
def test_gradient_matches_finite_differences(arch):
    x, theta, c = inputs(arch, 4, seed=6)
    m = model(idle=True)
    _, grad = expectation_z_vjp(arch, x, theta, c, noise=m)
    h = 1e-6
    fd = np.array([
        np.sum(c * (expectation_z(arch, x, theta + h * e, noise=m)
                    - expectation_z(arch, x, theta - h * e, noise=m))) / (2 * h)
        for e in np.eye(arch.n_params)
    ])
    np.testing.assert_allclose(grad, fd, atol=1e-8, rtol=0)


def test_value_and_grad_passes_the_loss_through():
    x, theta, c = inputs(COMPACT, 5, seed=7)
    m = model(idle=True)
    loss, grad = value_and_grad(COMPACT, x, theta, lambda v: (float(np.sum(c * v)), c), noise=m)
    values, want = expectation_z_vjp(COMPACT, x, theta, c, noise=m)
    assert loss == pytest.approx(np.sum(c * values), abs=1e-12)
    np.testing.assert_allclose(grad, want, atol=1e-14)
    with pytest.raises(ValueError, match="^cotangent: must have shape"):
        value_and_grad(COMPACT, x, theta, lambda v: (0.0, c[:2]), noise=m)


# -- limits and invariants ---------------------------------------------------------------------


LIMIT_ARCHS = [COMPACT, EXPRESSIVE, Architecture("six", 6, 2, ("x", "z", "y")),
               Architecture("eight", 8, 2, ("z", "x"))]


@pytest.mark.parametrize("arch", LIMIT_ARCHS, ids=lambda a: a.name)
def test_noise_free_limit_is_the_statevector_path(arch):
    x, theta, c = inputs(arch, 5, seed=8)
    quiet = NoiseModel(gate_1q_s=1e-7, gate_2q_s=1e-6)  # durations, but nothing decoheres
    values, grad = expectation_z_vjp(arch, x, theta, c)
    noisy_values, noisy_grad = expectation_z_vjp(arch, x, theta, c, noise=quiet)
    np.testing.assert_allclose(noisy_values, values, atol=1e-12, rtol=0)
    np.testing.assert_allclose(noisy_grad, grad, atol=1e-12, rtol=0)


def test_eight_qubits_under_noise_match_reference():
    arch = Architecture("eight", n_qubits=8, n_layers=1, rotations=("y",))
    x, theta, _ = inputs(arch, 1, seed=9)
    m = model()
    np.testing.assert_allclose(expectation_z(arch, x, theta, noise=m),
                               reference(arch, m).values(x, theta), atol=1e-9, rtol=0)


def final_states(arch, m: NoiseModel, x, theta) -> np.ndarray:
    """Push the product states forward (Schroedinger picture) with the executor's kernels."""
    plan = _density.make_plan(arch, m, None)
    s, _ = _density.stages(plan, _density.trainable_gates(plan, theta)[0])
    cols = np.stack([np.cos(x / 2), np.sin(x / 2)], axis=-1)
    states = _density.Products(_density.encoded_from_columns(plan, cols)).blocks()
    v = next(states)[1]
    for layer in range(arch.n_layers):
        for q in range(arch.n_qubits):
            v = _density.apply_wire(v, s[layer, q], q, arch.n_qubits)
        v = _density._ring_forward(plan, layer, v)
    return v


def density_matrix(pauli_vector: np.ndarray, n: int) -> np.ndarray:
    single = np.stack([np.eye(2), [[0, 1], [1, 0]], [[0, -1j], [1j, 0]], np.diag([1, -1])])
    basis = np.ones((1, 1, 1))
    for _ in range(n):
        basis = np.einsum("aij,bkl->abikjl", basis, single).reshape(
            len(basis) * 4, 2 * basis.shape[1], 2 * basis.shape[2])
    return np.einsum("s,sij->ij", pauli_vector, basis) / 2**n


@settings(max_examples=25, deadline=None)
@given(
    t1=st.floats(0.1e-6, 100e-6), t2_ratio=st.floats(0.01, 2.0), gate=st.floats(0, 1e-6),
    p=st.floats(0, 1), idle=st.booleans(), seed=st.integers(0, 2**16),
)
def test_states_stay_physical_and_both_pictures_agree(t1, t2_ratio, gate, p, idle, seed):
    arch = Architecture("three", n_qubits=3, n_layers=2, rotations=("x", "y"))
    m = NoiseModel(t1_s=t1, t2_s=t2_ratio * t1, gate_1q_s=gate, gate_2q_s=2 * gate,
                   cnot_depolarizing=p, idle=idle)
    x, theta, _ = inputs(arch, 2, seed)
    vectors = final_states(arch, m, x, theta)
    for v in vectors:
        rho = density_matrix(v, 3)
        assert np.trace(rho).real == pytest.approx(1.0, abs=1e-12)
        np.testing.assert_allclose(rho, rho.conj().T, atol=1e-14)
        assert np.linalg.eigvalsh(rho).min() > -1e-12
    # <Z_q> read off the pushed-forward states (after the wait before readout, if idle)
    # equals the pulled-back observables.
    z = np.empty((2, 3))
    for q in range(3):
        gamma, _ = m.relaxation(Timing.asap(arch, m).idle_s[q][-1] if idle else 0.0)
        marginal = vectors[:, [j * 4 ** (2 - q) for j in (0, 3)]]  # <I>, <Z> of wire q
        z[:, q] = (1 - gamma) * marginal[:, 1] + gamma * marginal[:, 0]
    np.testing.assert_allclose(z, expectation_z(arch, x, theta, noise=m), atol=1e-12)


def test_ring_and_stages_are_trace_preserving():
    m = model(idle=True)
    plan = _density.make_plan(EXPRESSIVE, m, None)
    for ring in plan.rings:
        np.testing.assert_allclose(ring[0], np.eye(256)[0], atol=1e-15)  # tr is conserved
    s, _ = _density.stages(plan, _density.trainable_gates(plan, np.ones(48))[0])
    np.testing.assert_allclose(s[..., 0, :], np.broadcast_to([1, 0, 0, 0], s.shape[:-2] + (4,)),
                               atol=1e-15)


# -- PennyLane default.mixed -------------------------------------------------------------------


def pennylane_values_and_grad(arch, m: NoiseModel, x, theta, c):
    qml = pytest.importorskip("pennylane")
    from autograd import value_and_grad as ag_value_and_grad
    from pennylane import numpy as pnp

    paulis = [np.eye(2), np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]),
              np.diag([1.0, -1.0])]
    p = m.cnot_depolarizing
    kraus = [np.sqrt(1 - 15 * p / 16) * np.eye(4)] + [
        np.sqrt(p / 16) * np.kron(a, b) for i, a in enumerate(paulis) for j, b in
        enumerate(paulis) if (i, j) != (0, 0)]
    gates = {"rx": qml.RX, "ry": qml.RY, "rz": qml.RZ}
    relax = dict(pe=0.0, t1=m.t1_s, t2=m.t2_s)

    @qml.qnode(qml.device("default.mixed", wires=arch.n_qubits), diff_method="backprop")
    def circuit(t):
        for op in arch.ops():
            if op.kind == "cnot":
                qml.CNOT(wires=list(op.wires))
                qml.QubitChannel(kraus, wires=list(op.wires))
                for w in op.wires:
                    qml.ThermalRelaxationError(tg=m.gate_2q_s, wires=w, **relax)
                continue
            angle = x[:, op.feature] if op.feature is not None else t[op.param]
            gates[op.kind](angle, wires=op.wires[0])
            if op.kind != "rz":
                qml.ThermalRelaxationError(tg=m.gate_1q_s, wires=op.wires[0], **relax)
        return [qml.expval(qml.PauliZ(q)) for q in range(arch.n_qubits)]

    e0, e1 = m.readout_error

    def read(t):
        return [(1 - e0 - e1) * v + (e1 - e0) for v in circuit(t)]

    def cost(t):
        return sum(pnp.sum(c[:, q] * v) for q, v in enumerate(read(t)))

    values = np.stack([np.asarray(v) for v in read(pnp.array(theta))], axis=1)
    _, grad = ag_value_and_grad(cost)(pnp.array(theta, requires_grad=True))
    return values, np.asarray(grad)


@pytest.mark.parametrize(("arch", "t2_s"), [(COMPACT, 3e-6), (EXPRESSIVE, 1.5e-6)],
                         ids=["compact-t2>t1", "expressive-t2<t1"])
def test_values_and_gradient_match_pennylane_default_mixed(arch, t2_s):
    x, theta, c = inputs(arch, 2, seed=10)
    m = model(t2_s=t2_s)
    want_values, want_grad = pennylane_values_and_grad(arch, m, x, theta, c)
    values, grad = expectation_z_vjp(arch, x, theta, c, noise=m)
    np.testing.assert_allclose(values, want_values, atol=1e-9, rtol=0)
    np.testing.assert_allclose(grad, want_grad, atol=1e-9, rtol=0)


# -- shots -------------------------------------------------------------------------------------


def test_shot_estimates_are_unbiased_with_binomial_variance():
    x, theta, _ = inputs(COMPACT, 1, seed=11)
    m = model(idle=True)
    exact = expectation_z(COMPACT, x, theta, noise=m)[0]
    # 400 seeds, each drawing 10 independent estimates (10 copies of the input).
    seeds, shots = 400, 100
    samples = np.concatenate([
        expectation_z(COMPACT, np.repeat(x, 10, axis=0), theta, noise=m, shots=shots, rng=seed)
        for seed in range(seeds)
    ])
    copies = len(samples)
    variance = (1 - exact**2) / shots
    assert np.all(np.abs(samples.mean(axis=0) - exact) < 3 * np.sqrt(variance / copies))
    # The sample variance of a variance estimate has relative spread about sqrt(2 / copies).
    np.testing.assert_allclose(samples.var(axis=0, ddof=1), variance,
                               rtol=4 * np.sqrt(2 / copies))
    assert np.all(np.abs(np.rint((samples + 1) / 2 * shots) - (samples + 1) / 2 * shots) < 1e-9)


def test_same_seed_same_samples():
    x, theta, c = inputs(COMPACT, 8, seed=13)
    m = model()
    a = expectation_z(COMPACT, x, theta, noise=m, shots=50, rng=3)
    np.testing.assert_array_equal(a, expectation_z(COMPACT, x, theta, noise=m, shots=50,
                                                   rng=np.random.default_rng(3)))
    assert not np.array_equal(a, expectation_z(COMPACT, x, theta, noise=m, shots=50, rng=4))
    g1 = expectation_z_vjp(COMPACT, x, theta, c, noise=m, shots=50, rng=5)
    g2 = expectation_z_vjp(COMPACT, x, theta, c, noise=m, shots=50, rng=5)
    np.testing.assert_array_equal(g1[1], g2[1])


def test_shot_values_without_noise_sample_the_ideal_circuit():
    x, theta, _ = inputs(COMPACT, 1, seed=14)
    exact = expectation_z(COMPACT, x, theta)[0]
    samples = expectation_z(COMPACT, np.repeat(x, 2000, axis=0), theta, shots=64, rng=0)
    bound = 3 * np.sqrt((1 - exact**2) / 64 / 2000)
    assert np.all(np.abs(samples.mean(axis=0) - exact) < bound + 1e-12)


def test_parameter_shift_gradient_from_shots_is_unbiased():
    arch = Architecture("two", n_qubits=2, n_layers=1, rotations=("x", "y"))
    x, theta, c = inputs(arch, 1, seed=15)
    copies, shots = 3000, 100
    xs = np.repeat(x, copies, axis=0)
    cs = np.repeat(c, copies, axis=0) / copies
    m = model(idle=True)
    _, exact = expectation_z_vjp(arch, xs, theta, cs, noise=m)
    _, sampled = expectation_z_vjp(arch, xs, theta, cs, noise=m, shots=shots, rng=16)
    # Each shifted value has variance <= 1/shots; half the difference of two of them,
    # weighted by cs and summed: sd <= sqrt(sum(cs**2) * 2 / shots) / 2.
    sd = np.sqrt(np.sum(cs**2) * 2 / shots) / 2
    assert np.all(np.abs(sampled - exact) < 4 * sd)
    assert np.abs(sampled - exact).max() > 0  # genuinely sampled


def test_bitstring_probabilities_are_a_distribution():
    x, theta, _ = inputs(COMPACT, 6, seed=17)
    plan = _density.make_plan(COMPACT, model(idle=True), None)
    s, _ = _density.stages(plan, _density.trainable_gates(plan, theta)[0])
    products = _density.Products(_density.encoded_from_columns(
        plan, np.stack([np.cos(x / 2), np.sin(x / 2)], axis=-1)))
    strings = _density.expectations(plan, s, products, np.zeros((1, 4), dtype=bool))
    np.testing.assert_allclose(strings, 1.0, atol=1e-14)  # the empty string: total probability


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(shots=-1, rng=0), "^shots: must be an integer >= 0"),
        (dict(shots=10.0, rng=0), "^shots: must be an integer >= 0"),
        (dict(shots=True, rng=0), "^shots: must be an integer >= 0"),
        (dict(shots=10), "^rng: must be"),
        (dict(shots=10, rng=-3), "^rng: must be"),
        (dict(noise="noisy"), "^noise: must be"),
        (dict(timing=Timing(((0.0,),))), "^timing: only applies"),
        (dict(noise=NoiseModel(idle=False), timing=Timing(((0.0,),))), "^timing: only applies"),
        (dict(noise=NoiseModel(), timing=Timing(((0.0,),) * 4)), "^timing: idle_s must"),
    ],
)
def test_bad_sampling_and_noise_arguments(kwargs, message):
    x, theta, c = inputs(COMPACT, 2, seed=18)
    with pytest.raises(ValueError, match=message):
        expectation_z(COMPACT, x, theta, **kwargs)
    with pytest.raises(ValueError, match=message):
        expectation_z_vjp(COMPACT, x, theta, c, **kwargs)


# -- per-code channels -------------------------------------------------------------------------


def test_channel_forward_equals_the_angle_path_on_ideal_gates():
    bits = 5
    x, _, _ = inputs(COMPACT, 4, seed=19)
    codes = np.random.default_rng(20).integers(0, 2**bits, COMPACT.n_params)
    m = model(idle=True)
    cs = GateChannels(IdealGateSet(bits), m)
    got = expectation_z_channels(COMPACT, x, codes, cs, noise=m)
    want = expectation_z(COMPACT, x, codes * lsb_rad(bits), noise=m)
    np.testing.assert_allclose(got, want, atol=1e-12)
    # Encoding through the channel set: the RY of the nearest code, then its relaxation.
    got = expectation_z_channels(COMPACT, x, codes, cs, noise=m, encode=channel_encoding(cs))
    want = expectation_z(COMPACT, x, codes * lsb_rad(bits), noise=m,
                         encode=gate_encoding(IdealGateSet(bits)))
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_channel_forward_on_realized_unitaries_without_noise_is_the_gate_path():
    bits = 3
    rng = np.random.default_rng(21)
    tables = {a: rotation(a, np.arange(2**bits) * lsb_rad(bits) * 1.03 + 0.01) for a in "xyz"}
    gs = TableGateSet(bits, tables)
    x, _, _ = inputs(EXPRESSIVE, 3, seed=22)
    codes = rng.integers(0, 2**bits, EXPRESSIVE.n_params)
    got = expectation_z_channels(EXPRESSIVE, x, codes, GateChannels(gs, NoiseModel()))
    np.testing.assert_allclose(got, expectation_z_gates(EXPRESSIVE, x, codes, gs), atol=1e-12)


class _BadChannels:
    bits = 2

    def __init__(self, make):
        self.make = make

    def superoperators(self, axis, codes):
        m = self.make()
        return np.broadcast_to(m, np.shape(codes) + m.shape)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: 0.9 * np.eye(4), "trace preserving"),
        (lambda: np.eye(4)[[0, 2, 1, 3]], "completely positive"),  # the transpose map
        (lambda: np.eye(3), "must return shape"),
    ],
    ids=["not-tp", "not-cp", "shape"],
)
def test_channel_sets_are_checked(make, message):
    x, _, _ = inputs(COMPACT, 2, seed=23)
    with pytest.raises(ValueError, match=f"^channels: superoperators.*{message}"):
        expectation_z_channels(COMPACT, x, np.zeros(16, dtype=int), _BadChannels(make))
