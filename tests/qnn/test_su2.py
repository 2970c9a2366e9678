"""qnn._su2: fused rotations and their generators against 2x2 matrix products."""

from __future__ import annotations

import numpy as np
import pytest

from qnn._su2 import Rotations
from qnn.architectures import Architecture

PAULI = {"x": np.array([[0, 1], [1, 0]], dtype=complex),
         "y": np.array([[0, -1j], [1j, 0]]),
         "z": np.diag([1.0, -1.0]).astype(complex)}


def rotation(axis: str, t: float) -> np.ndarray:
    return np.cos(t / 2) * np.eye(2) - 1j * np.sin(t / 2) * PAULI[axis]


# Every axis first and last, repeated axes, and a single gate.
SEQUENCES = [("x",), ("y", "z"), ("x", "y", "z"), ("z", "x"), ("z", "z", "y", "x", "y")]


@pytest.mark.parametrize("axes", SEQUENCES, ids=["".join(a) for a in SEQUENCES])
def test_unitaries_and_gradient_match_matrix_products(axes: tuple[str, ...]) -> None:
    arch = Architecture("t", n_qubits=2, n_layers=2, rotations=axes)
    rng = np.random.default_rng(len(axes))
    theta = rng.uniform(-np.pi, np.pi, (3, arch.n_params))  # three models
    m = rng.normal(size=(3, 2, 2, 2, 2)) + 1j * rng.normal(size=(3, 2, 2, 2, 2))
    rotations = Rotations(arch, theta)
    u, grad = rotations.unitaries(), rotations.gradient(m)
    t = theta.reshape(3, 2, 2, len(axes))
    for model in range(3):
        for layer in range(2):
            for wire in range(2):
                gates = [rotation(a, t[model, layer, wire, g]) for g, a in enumerate(axes)]
                fused = np.eye(2)
                for gate in gates:
                    fused = gate @ fused
                np.testing.assert_allclose(u[model, layer, wire], fused, atol=1e-14)
                for g, axis in enumerate(axes):
                    after = np.eye(2)
                    for gate in gates[g + 1:]:
                        after = gate @ after
                    h = after @ PAULI[axis] @ after.conj().T
                    want = np.trace(h @ m[model, layer, wire]).imag
                    index = arch.param_index(layer, wire, g)
                    assert grad[model, index] == pytest.approx(want, abs=1e-13)


def test_one_model_alone_equals_its_row_in_a_stack() -> None:
    arch = Architecture("t", n_qubits=3, n_layers=2, rotations=("x", "y", "z"))
    rng = np.random.default_rng(5)
    theta = rng.uniform(-np.pi, np.pi, (4, arch.n_params))
    m = rng.normal(size=(4, 2, 3, 2, 2)) + 1j * rng.normal(size=(4, 2, 3, 2, 2))
    stack = Rotations(arch, theta)
    for k in range(4):
        alone = Rotations(arch, theta[k])
        assert np.array_equal(alone.unitaries(), stack.unitaries()[k])
        assert np.array_equal(alone.gradient(m[k]), stack.gradient(m)[k])
