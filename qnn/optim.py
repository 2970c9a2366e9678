"""First-order optimizers that turn a gradient into a proposed step.

An optimizer never touches the parameters. ``step(grad)`` returns the
decrement ``eta * u`` it proposes (learning rate included) and the
:class:`~qnn.training.ParameterStore` decides what to do with it: a float store
subtracts it, a quantized store may round or accumulate it. This split is what
lets the quantization schemes plug in without changing the optimizers.

Every rule is elementwise, so a gradient of shape ``(M, n)`` steps ``M``
models at once (:func:`qnn.fit.fit_many`), each exactly as it would alone.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np

from qnn.vocabulary import OPTIMIZERS


def _check_lr(lr: float) -> float:
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.integer, np.floating)):
        raise ValueError(f"lr: must be a finite number > 0, got {lr!r}")
    if not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr: must be a finite number > 0, got {lr!r}")
    return float(lr)


class Optimizer(Protocol):
    """Stateful rule from gradient to proposed decrement."""

    lr: float

    def reset(self, n_params: int | tuple[int, ...]) -> None:
        """Clear the state for ``n_params`` parameters (a shape: ``(M, n)`` for ``M`` models)."""
        ...

    def step(self, grad: np.ndarray) -> np.ndarray:
        """Proposed decrement ``eta * u`` (rad) for this gradient (nats/rad)."""
        ...


class SGD:
    """Stochastic gradient descent with optional heavy-ball momentum.

    ``v <- momentum * v + grad``; the step is ``lr * v``.

    Parameters
    ----------
    lr : float
        Learning rate in rad^2/nat.
    momentum : float, default=0.0
        In ``[0, 1)``.
    """

    def __init__(self, lr: float, momentum: float = 0.0) -> None:
        self.lr = _check_lr(lr)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum: must be in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)
        self._v: np.ndarray | None = None

    def reset(self, n_params: int | tuple[int, ...]) -> None:
        self._v = np.zeros(n_params)

    def step(self, grad: np.ndarray) -> np.ndarray:
        if self._v is None or self._v.shape != grad.shape:
            self.reset(grad.shape)
        self._v = self.momentum * self._v + grad
        return self.lr * self._v


class Adam:
    """Adam (Kingma & Ba 2015) with bias correction.

    The step is ``lr * m_hat / (sqrt(v_hat) + eps)``, so its size is about
    ``lr`` rad per parameter regardless of the gradient's scale.

    Parameters
    ----------
    lr : float
        Learning rate, rad.
    beta1, beta2 : float, default=0.9, 0.999
        Decay rates of the first and second moment estimates, in ``[0, 1)``.
    eps : float, default=1e-8
        Denominator floor, nats/rad.
    """

    def __init__(
        self, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
    ) -> None:
        self.lr = _check_lr(lr)
        for name, beta in (("beta1", beta1), ("beta2", beta2)):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"{name}: must be in [0, 1), got {beta!r}")
        if not eps > 0:
            raise ValueError(f"eps: must be > 0, got {eps!r}")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self._m: np.ndarray | None = None
        self._v: np.ndarray | None = None
        self._t = 0

    def reset(self, n_params: int | tuple[int, ...]) -> None:
        self._m = np.zeros(n_params)
        self._v = np.zeros(n_params)
        self._t = 0

    def step(self, grad: np.ndarray) -> np.ndarray:
        if self._m is None or self._v is None or self._m.shape != grad.shape:
            self.reset(grad.shape)
        self._t += 1
        self._m = self.beta1 * self._m + (1.0 - self.beta1) * grad
        self._v = self.beta2 * self._v + (1.0 - self.beta2) * grad**2
        m_hat = self._m / (1.0 - self.beta1**self._t)
        v_hat = self._v / (1.0 - self.beta2**self._t)
        return self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def make_optimizer(name: str, *, lr: float) -> Optimizer:
    """Build an optimizer by name (``"adam"`` or ``"sgd"``) with default settings."""
    if name == "adam":
        return Adam(lr)
    if name == "sgd":
        return SGD(lr)
    raise ValueError(f"optimizer: must be one of {', '.join(OPTIMIZERS)}, got {name!r}")
