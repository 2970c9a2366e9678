"""Optimizers return the decrement eta * u; they never own the parameters."""

from __future__ import annotations

import numpy as np
import pytest

from qnn.optim import SGD, Adam, make_optimizer


def test_sgd_step_is_lr_times_gradient() -> None:
    g = np.array([0.5, -2.0, 0.0])
    np.testing.assert_allclose(SGD(0.1).step(g), 0.1 * g)


def test_sgd_momentum_accumulates() -> None:
    opt = SGD(0.1, momentum=0.5)
    g = np.array([1.0, -1.0])
    opt.step(g)
    np.testing.assert_allclose(opt.step(g), 0.1 * 1.5 * g)


def test_adam_first_step_has_size_lr() -> None:
    # After bias correction m_hat = g and v_hat = g**2, so the step is lr * sign(g).
    g = np.array([3.0, -1e-3, 50.0])
    np.testing.assert_allclose(Adam(0.05).step(g), 0.05 * np.sign(g), rtol=1e-4)


def test_adam_matches_reference_recursion() -> None:
    rng = np.random.default_rng(0)
    grads = rng.normal(size=(5, 3))
    opt = Adam(0.01, beta1=0.8, beta2=0.9, eps=1e-6)
    m = v = np.zeros(3)
    for t, g in enumerate(grads, start=1):
        m = 0.8 * m + 0.2 * g
        v = 0.9 * v + 0.1 * g * g
        want = 0.01 * (m / (1 - 0.8**t)) / (np.sqrt(v / (1 - 0.9**t)) + 1e-6)
        np.testing.assert_allclose(opt.step(g), want, rtol=1e-12)


def test_reset_clears_state() -> None:
    opt = Adam(0.1)
    opt.step(np.array([1.0]))
    opt.reset(1)
    np.testing.assert_allclose(opt.step(np.array([-2.0])), [-0.1])


@pytest.mark.parametrize("lr", [0.0, -1.0, float("nan"), float("inf"), "x", True])
def test_bad_lr(lr: object) -> None:
    with pytest.raises(ValueError, match="^lr: must"):
        make_optimizer("adam", lr=lr)  # type: ignore[arg-type]


def test_bad_name_and_hyperparameters() -> None:
    with pytest.raises(ValueError, match="^optimizer: must be one of adam, sgd"):
        make_optimizer("rmsprop", lr=0.1)
    with pytest.raises(ValueError, match="^beta1: must"):
        Adam(0.1, beta1=1.0)
    with pytest.raises(ValueError, match="^momentum: must"):
        SGD(0.1, momentum=-0.1)
