"""Readout and cross-entropy: probabilities, loss values and exact gradients."""

from __future__ import annotations

import numpy as np
import pytest

from qnn.circuits import expectation_z
from qnn.model import READOUT_SCALE, Readout, loss_and_grad, predict_proba


def _fd(f, x, h=1e-6):
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = h
        g[idx] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def test_binary_probability_is_logistic_in_z0() -> None:
    z = np.array([[-1.0, 0.3, 0, 0], [0.0, 0, 0, 0], [0.5, -0.9, 0, 0]])
    p = Readout(2).proba(z)
    want = 1 / (1 + np.exp(READOUT_SCALE * z[:, 0]))
    np.testing.assert_allclose(p[:, 1], want, rtol=1e-14)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert p[1, 1] == pytest.approx(0.5)  # <Z_0> = 0 is the decision boundary


def test_multiclass_is_softmax_of_scaled_first_wires() -> None:
    z = np.array([[0.2, -0.4, 0.9, 0.7]])
    p = Readout(3, scale=2.0).proba(z)
    e = np.exp(2.0 * z[0, :3])
    np.testing.assert_allclose(p[0], e / e.sum(), rtol=1e-14)


def test_binary_loss_matches_explicit_cross_entropy() -> None:
    rng = np.random.default_rng(0)
    z = rng.uniform(-1, 1, (6, 4))
    y = np.array([0, 1, 1, 0, 1, 0])
    loss, _ = Readout(2).loss_and_cotangent(z, y)
    p1 = Readout(2).proba(z)[:, 1]
    assert loss == pytest.approx(-np.mean(y * np.log(p1) + (1 - y) * np.log(1 - p1)), rel=1e-12)


@pytest.mark.parametrize("n_classes", [2, 3, 4])
def test_cotangent_matches_finite_differences(n_classes: int) -> None:
    rng = np.random.default_rng(n_classes)
    z = rng.uniform(-1, 1, (5, 4))
    y = rng.integers(0, n_classes, 5)
    r = Readout(n_classes)
    _, dz = r.loss_and_cotangent(z, y)
    np.testing.assert_allclose(dz, _fd(lambda v: r.loss_and_cotangent(v, y)[0], z), atol=1e-8)


@pytest.mark.parametrize(("arch", "n_classes"), [("compact", 2), ("expressive", 3)])
def test_loss_gradient_matches_finite_differences(arch: str, n_classes: int) -> None:
    rng = np.random.default_rng(1)
    x = rng.uniform(0, np.pi, (8, 4))
    y = rng.integers(0, n_classes, 8)
    n = 16 if arch == "compact" else 48
    theta = rng.uniform(-np.pi, np.pi, n)
    r = Readout(n_classes)
    loss, grad = loss_and_grad(arch, x, y, theta, r)
    assert loss == pytest.approx(r.loss_and_cotangent(expectation_z(arch, x, theta), y)[0])
    fd = _fd(lambda t: r.loss_and_cotangent(expectation_z(arch, x, t), y)[0], theta)
    np.testing.assert_allclose(grad, fd, atol=1e-6)
    np.testing.assert_allclose(predict_proba(arch, x, theta, r).sum(axis=1), 1.0)


def test_readout_validation() -> None:
    with pytest.raises(ValueError, match="^n_classes: must"):
        Readout(1)
    with pytest.raises(ValueError, match="^scale: must"):
        Readout(2, scale=0.0)
    from qnn.architectures import get_architecture

    with pytest.raises(ValueError, match="^n_classes: must be <= n_qubits"):
        Readout(5).check(get_architecture("compact"))


def test_rounding_noise_at_the_boundary_is_a_tie_for_the_lowest_class() -> None:
    """<Z_0> = 0 exactly (angles at multiples of pi/2) comes out of the arithmetic as
    +-1e-17; the prediction must be what exact arithmetic gives, class 0."""
    binary = Readout(2)
    z = np.array([[0.0, 0.3], [1e-17, 0.3], [-1e-17, 0.3], [-1e-3, 0.3], [1e-3, 0.3]])
    np.testing.assert_array_equal(binary.predict(z), [0, 0, 0, 1, 0])
    three = Readout(3)
    z = np.array([[0.2, 0.2 + 1e-16, -0.5, 0.0],  # wires 0 and 1 tie: class 0
                  [0.2, 0.2 + 1e-3, -0.5, 0.0],   # a real margin: class 1
                  [-0.5, 0.2, 0.2 - 1e-16, 0.0]])  # 1 and 2 tie: class 1
    np.testing.assert_array_equal(three.predict(z), [0, 1, 1])
    # Stacks of models: one prediction and one accuracy per model.
    stack = np.stack([z, z[::-1]])
    np.testing.assert_array_equal(three.predict(stack), [[0, 1, 1], [1, 1, 0]])
    np.testing.assert_allclose(three.accuracy(stack, np.array([0, 1, 1])), [1.0, 1 / 3])


def test_decision_probabilities_make_near_ties_exact() -> None:
    """What the estimator's predict_proba returns: argmax of it is predict, as
    scikit-learn requires, and each row still sums to one."""
    three = Readout(3)
    z = np.array([[0.2, 0.2 + 1e-16, -0.5, 0.0], [0.2, 0.2 + 1e-3, -0.5, 0.0],
                  [-0.5, 0.2, 0.2 - 1e-16, 0.0]])
    p = three.decision_proba(z)
    assert p[0, 0] == p[0, 1] and p[2, 1] == p[2, 2]
    np.testing.assert_array_equal(p[1], three.proba(z)[1])  # no tie: untouched
    np.testing.assert_array_equal(np.argmax(p, axis=-1), three.predict(z))
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, atol=1e-15)
    binary = Readout(2)
    zb = np.array([[1e-17, 0.0], [-1e-17, 0.0], [0.4, 0.0]])
    np.testing.assert_array_equal(np.argmax(binary.decision_proba(zb), axis=-1), [0, 0, 0])
