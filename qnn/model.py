"""Readout and loss: from ``<Z_q>`` to class probabilities and cross-entropy.

Both readouts use one fixed logit scale ``s = READOUT_SCALE = 8``:

* binary tasks (2 classes): ``p(class 1) = sigmoid(-s <Z_0>)``. The decision
  is ``<Z_0> < 0``, i.e. wire 0 more likely found in ``|1>`` than ``|0>``;
  the sign makes ``p(class 1)`` grow with the probability of ``|1>``, like
  ``(1 - <Z_0>) / 2`` does;
* multiclass tasks (``k`` classes, ``3 <= k <= n_qubits``): softmax over
  ``s <Z_q>`` for the first ``k`` wires.

Why a scale: ``<Z_q>`` lies in ``[-1, 1]``. With ``s = 1`` the most confident
3-class prediction is 0.79 and the loss keeps pushing on points that are
already classified; with ``s = 8`` a margin of ``|<Z_0>| = 0.5`` already gives
``p = 0.98`` and the loss, like logistic regression's, concentrates on points
near the boundary. The scale is fixed, not trained, so every trainable
parameter is a circuit angle. It was chosen once, for all datasets and both
presets, from the values 2, 4 and 8 (docs/qnn.md).

The loss is the mean cross-entropy over the batch, in nats.
:func:`loss_and_grad` returns it with its exact gradient with respect to the
circuit angles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qnn.architectures import Architecture
from qnn.circuits import expectation_z, value_and_grad

READOUT_SCALE = 8.0
# Probabilities are clipped away from 0 and 1 before the log.
_EPS = 1e-12
#: Class probabilities within this of the largest tie, and a tie goes to the lowest
#: class (what exact arithmetic gives at p = 0.5). A smaller margin is rounding
#: noise: a circuit at angles that are multiples of pi/2 can give <Z_0> = 0
#: exactly, which the arithmetic returns as +-1e-17, and an accuracy must not
#: depend on which matrix kernel rounded last.
TIE_TOLERANCE = 1e-9


def _expit(x: np.ndarray) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-x))``, scipy's.

    scipy is imported on first use: it takes ~0.2 s to import, and commands that
    only build circuits (``cosim gate``, ``cosim schedule``) should not pay for it.
    """
    from scipy.special import expit

    return expit(x)


@dataclass(frozen=True)
class Readout:
    """How ``<Z>`` becomes class probabilities.

    Parameters
    ----------
    n_classes : int
        Number of classes, 2..n_qubits.
    scale : float, default=READOUT_SCALE
        Logit scale ``s`` applied to ``<Z_q>`` (dimensionless).
    """

    n_classes: int
    scale: float = READOUT_SCALE

    def __post_init__(self) -> None:
        if isinstance(self.n_classes, bool) or not isinstance(self.n_classes, (int, np.integer)):
            raise ValueError(f"n_classes: must be an integer >= 2, got {self.n_classes!r}")
        if self.n_classes < 2:
            raise ValueError(f"n_classes: must be an integer >= 2, got {self.n_classes!r}")
        if not np.isfinite(self.scale) or self.scale <= 0:
            raise ValueError(f"scale: must be a finite number > 0, got {self.scale!r}")

    def check(self, arch: Architecture) -> None:
        """Raise unless ``arch`` has a wire for every class."""
        if self.n_classes > 2 and self.n_classes > arch.n_qubits:
            raise ValueError(
                f"n_classes: must be <= n_qubits ({arch.n_qubits}) for {arch.name!r}, "
                f"got {self.n_classes}"
            )

    def proba(self, z: np.ndarray) -> np.ndarray:
        """Class probabilities, shape ``(..., B, n_classes)``, from ``z = <Z>`` of shape
        ``(..., B, n)`` (leading axes index models)."""
        if self.n_classes == 2:
            p1 = _expit(-self.scale * z[..., 0])
            return np.stack([1.0 - p1, p1], axis=-1)
        logits = self.scale * z[..., : self.n_classes]
        logits = logits - logits.max(axis=-1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=-1, keepdims=True)

    def decision_proba(self, z: np.ndarray) -> np.ndarray:
        """:meth:`proba` with near-ties made exact: the classes within
        :data:`TIE_TOLERANCE` of the most probable share their mean probability."""
        p = self.proba(z)
        tied = p >= p.max(axis=-1, keepdims=True) - TIE_TOLERANCE
        # A class alone at the top "shares" its own probability, exactly.
        shared = np.where(tied, p, 0.0).sum(axis=-1, keepdims=True) / tied.sum(
            axis=-1, keepdims=True)
        return np.where(tied, shared, p)

    def predict(self, z: np.ndarray) -> np.ndarray:
        """Predicted class of each sample, ``(..., B)``, from ``z`` of shape ``(..., B, n)``.

        The most probable class (:meth:`decision_proba`); of tied classes, the lowest.
        """
        return np.argmax(self.decision_proba(z), axis=-1)

    def accuracy(self, z: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Fraction of samples whose :meth:`predict` is ``y``, ``(...)`` (one per model)."""
        return np.mean(self.predict(z) == y, axis=-1)

    def loss_and_cotangent(self, z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """Mean cross-entropy and its gradient with respect to ``z``.

        Parameters
        ----------
        z : ndarray of shape (B, n_qubits) or (M, B, n_qubits)
            ``<Z_q>`` per sample (of each of ``M`` models).
        y : ndarray of int, shape (B,)
            Labels in ``0 .. n_classes - 1``.

        Returns
        -------
        loss : float, or ndarray of shape (M,)
            Mean cross-entropy in nats (of each model, each exactly its own
            single-model value).
        dz : ndarray, same shape as ``z``
        """
        b = len(y)
        dz = np.zeros_like(z)
        if self.n_classes == 2:
            # Logistic loss on the logit u = -s z0: log(1 + exp(-u)) for y = 1,
            # log(1 + exp(u)) for y = 0, written stably with logaddexp.
            u = -self.scale * z[..., 0]
            yf = y.astype(float)
            loss = np.mean(yf * np.logaddexp(0.0, -u) + (1.0 - yf) * np.logaddexp(0.0, u),
                           axis=-1)
            dz[..., 0] = -self.scale * (_expit(u) - yf) / b
        else:
            p = self.proba(z)
            rows = np.arange(b)
            # Contiguous rows: the fancy index of a stack of models may come out
            # transposed, and a strided reduction sums in another order.
            picked = np.ascontiguousarray(p[..., rows, y])
            loss = -np.mean(np.log(np.clip(picked, _EPS, None)), axis=-1)
            p[..., rows, y] -= 1.0
            dz[..., : self.n_classes] = self.scale * p / b
        return (float(loss) if z.ndim == 2 else loss), dz


def predict_proba(
    arch: str | Architecture, x: np.ndarray, theta: np.ndarray, readout: Readout
) -> np.ndarray:
    """Class probabilities of the ideal circuit, shape ``(B, n_classes)``."""
    return readout.proba(expectation_z(arch, x, theta))


def loss_and_grad(
    arch: str | Architecture,
    x: np.ndarray,
    y: np.ndarray,
    theta: np.ndarray,
    readout: Readout,
) -> tuple[float, np.ndarray]:
    """Mean cross-entropy on ``(x, y)`` and its exact gradient w.r.t. ``theta``.

    Returns
    -------
    loss : float
        In nats.
    grad : ndarray of shape (n_params,)
        In nats/rad.
    """
    y = np.asarray(y)
    return value_and_grad(arch, x, theta, lambda z: readout.loss_and_cotangent(z, y))
