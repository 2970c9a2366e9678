"""qnn.noise: the noise model, its channels and timing, and analytic decoherence checks."""

from __future__ import annotations

import numpy as np
import pytest
import qutip

from qnn.architectures import Architecture, get_architecture
from qnn.circuits import expectation_z
from qnn.gateset import IdealGateSet, lsb_rad, rotation
from qnn.noise import (
    GateChannels,
    NoiseModel,
    Timing,
    channel_encoding,
    relaxation_superoperator,
    unitary_superoperator,
    wire_op_counts,
)
from tests.qnn._noisy_reference import relaxation_kraus

ONE_Y = Architecture("one_y", n_qubits=1, n_layers=1, rotations=("y",))
ONE_Z = Architecture("one_z", n_qubits=1, n_layers=1, rotations=("z",))


# -- NoiseModel --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"t1_s": -1e-6}, "t1_s"),
        ({"t1_s": 0.0}, "t1_s"),
        ({"t2_s": float("nan")}, "t2_s"),
        ({"t1_s": 1e-6, "t2_s": 2.5e-6}, "t2_s"),
        ({"gate_1q_s": -1e-9}, "gate_1q_s"),
        ({"gate_2q_s": "fast"}, "gate_2q_s"),
        ({"cnot_depolarizing": 1.5}, "cnot_depolarizing"),
        ({"cnot_depolarizing": -0.1}, "cnot_depolarizing"),
        ({"readout_error": (0.6, 0.4)}, "readout_error"),
        ({"readout_error": (-0.1, 0.0)}, "readout_error"),
        ({"readout_error": (0.1,)}, "readout_error"),
        ({"readout_error": "0.1,0.1"}, "readout_error"),
        ({"idle": "yes"}, "idle"),
    ],
)
def test_noise_model_rejects_bad_input(kwargs, field):
    with pytest.raises(ValueError, match=f"^{field}: must"):
        NoiseModel(**kwargs)


def test_noise_model_accepts_the_edges_and_normalizes():
    m = NoiseModel(t1_s=1e-6, t2_s=2e-6, cnot_depolarizing=1, readout_error=[0.0, 0.999],
                   idle=False)
    assert m.t2_s == 2e-6 and m.cnot_depolarizing == 1.0
    assert m.readout_error == (0.0, 0.999)
    assert hash(m) == hash(NoiseModel(t1_s=1e-6, t2_s=2e-6, cnot_depolarizing=1.0,
                                      readout_error=(0.0, 0.999), idle=False))
    assert NoiseModel(t2_s=1e-6).t1_s is None  # pure dephasing needs no T1


def test_relaxation_factors():
    m = NoiseModel(t1_s=2e-6, t2_s=3e-6)
    gamma, coherence = m.relaxation(np.array([0.0, 1e-6]))
    np.testing.assert_allclose(gamma, [0.0, 1 - np.exp(-0.5)], rtol=1e-15)
    np.testing.assert_allclose(coherence, [1.0, np.exp(-1 / 3)], rtol=1e-15)
    assert NoiseModel(t1_s=2e-6).relaxation(1e-6)[1] == pytest.approx(np.exp(-0.25))
    assert NoiseModel().relaxation(1.0) == (0.0, 1.0)


# -- superoperators and the channel set --------------------------------------------------------


def row_major(sup: qutip.Qobj) -> np.ndarray:
    """QuTiP's column-stacking superoperator in the row-major vec of qnn.noise."""
    perm = [0, 2, 1, 3]  # vec_col[i + 2j] = vec_row[2i + j]
    return sup.full()[np.ix_(perm, perm)]


def test_superoperators_match_qutip():
    m = NoiseModel(t1_s=3e-6, t2_s=1e-6)
    kraus = relaxation_kraus(0.4e-6, 3e-6, 1e-6)
    np.testing.assert_allclose(relaxation_superoperator(m, 0.4e-6),
                               row_major(qutip.kraus_to_super(kraus)), atol=1e-15)
    u = rotation("x", 0.9)
    np.testing.assert_allclose(unitary_superoperator(u), row_major(qutip.to_super(qutip.Qobj(u))),
                               atol=1e-15)


def test_gate_channels_are_rotation_then_relaxation():
    m = NoiseModel(t1_s=3e-6, t2_s=4e-6, gate_1q_s=50e-9)
    cs = GateChannels(IdealGateSet(4), m)
    codes = np.array([[0, 3], [7, 15]])
    relax = row_major(qutip.kraus_to_super(relaxation_kraus(50e-9, 3e-6, 4e-6)))
    for axis in "xyz":
        got = cs.superoperators(axis, codes)
        assert got.shape == (2, 2, 4, 4)
        for idx in np.ndindex(codes.shape):
            u = qutip.Qobj(rotation(axis, codes[idx] * lsb_rad(4)))
            want = row_major(qutip.to_super(u))
            if axis != "z":  # RZ is virtual: no time, no noise
                want = relax @ want
            np.testing.assert_allclose(got[idx], want, atol=1e-15)


def test_channel_encoding_uses_the_nearest_code():
    cs = GateChannels(IdealGateSet(3), NoiseModel())
    x = np.array([[0.1, 0.5, 3.0]])
    got = channel_encoding(cs)(x)
    codes = np.rint(x / lsb_rad(3)).astype(int)
    np.testing.assert_allclose(got, cs.superoperators("y", codes))


# -- timing ------------------------------------------------------------------------------------


def test_asap_timing_of_compact_is_the_hand_schedule():
    # 20 ns pulses, 100 ns CNOTs, virtual RZ. By hand: all wires are free at 40 ns; the
    # ring runs 40-140 (0,1), 140-240 (1,2), 240-340 (2,3), 340-440 (3,0); layer 1 frees
    # the wires at 460, 260, 360, 460 ns and its ring runs 460-560, 560-660, 660-760,
    # 760-860; readout at 860 ns, when wires 1 and 2 have waited since 660 and 760 ns.
    m = NoiseModel(gate_1q_s=20e-9, gate_2q_s=100e-9)
    timing = Timing.asap(get_architecture("compact"), m)
    ns = [[round(t * 1e9, 6) for t in row] for row in timing.idle_s]
    # per wire: encoding, RY, RZ, layer-0 CNOTs, RY, RZ, layer-1 CNOTs, readout
    assert ns == [
        [0, 0, 0, 0, 200, 0, 0, 0, 200, 0],
        [0, 0, 0, 0, 0, 0, 0, 200, 0, 200],
        [0, 0, 0, 100, 0, 0, 0, 200, 0, 100],
        [0, 0, 0, 200, 0, 0, 0, 200, 0, 0],
    ]


def test_timing_checks_its_shape_and_values():
    arch = get_architecture("compact")
    assert wire_op_counts(arch) == [9, 9, 9, 9]
    with pytest.raises(ValueError, match="^timing: idle_s must have"):
        Timing(((0.0,),) * 4).check(arch)
    with pytest.raises(ValueError, match=r"^idle_s\[1\]: must"):
        Timing(((0.0,), (-1.0,)))


# -- analytic single-qubit decoherence ---------------------------------------------------------


@pytest.mark.parametrize("t1_s", [1e-6, 37e-6])
def test_t1_decay_of_the_excited_population(t1_s):
    # Encode |1> (x = pi), wait t before readout: P(1) = (1 - <Z>) / 2 = exp(-t / T1).
    m = NoiseModel(t1_s=t1_s, gate_1q_s=0.0)
    for t in [0.0, 0.3e-6, 2e-6, 10e-6]:
        z = expectation_z(ONE_Z, [[np.pi]], [0.0], noise=m, timing=Timing(((0.0, 0.0, t),)))
        assert (1 - z[0, 0]) / 2 == pytest.approx(np.exp(-t / t1_s), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(
    ("t1_s", "t2_s"), [(2e-6, 3e-6), (2e-6, 0.5e-6), (None, 1e-6), (4e-6, None)]
)
def test_coherence_decay(t1_s, t2_s):
    # |+> (x = pi/2), wait t, then RY(-pi/2) maps <X> onto <Z>: <Z> = exp(-t / T2).
    m = NoiseModel(t1_s=t1_s, t2_s=t2_s, gate_1q_s=0.0)
    t2 = t2_s if t2_s is not None else 2 * t1_s
    for t in [0.0, 0.1e-6, 1e-6, 3e-6]:
        z = expectation_z(ONE_Y, [[np.pi / 2]], [-np.pi / 2], noise=m,
                          timing=Timing(((0.0, t, 0.0),)))
        assert z[0, 0] == pytest.approx(np.exp(-t / t2), rel=1e-12, abs=1e-15)


def test_readout_formula():
    e0, e1 = 0.03, 0.11
    for x, z in [(0.0, 1.0), (np.pi, -1.0), (np.pi / 2, 0.0)]:
        got = expectation_z(ONE_Z, [[x]], [0.0], noise=NoiseModel(readout_error=(e0, e1)))
        assert got[0, 0] == pytest.approx((1 - e0 - e1) * z + e1 - e0, abs=1e-15)
