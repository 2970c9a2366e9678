"""A scikit-learn estimator around the QNN: :class:`QNNClassifier`."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from qnn.architectures import Architecture, get_architecture
from qnn.circuits import expectation_z
from qnn.model import Readout
from qnn.optim import OPTIMIZERS
from qnn.preprocess import AngleEncoder
from qnn.training import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_EPOCHS,
    DEFAULT_LR,
    DEFAULT_OPTIMIZER,
    ParameterStore,
    train,
)


def _generator(random_state: object) -> np.random.Generator:
    """A numpy Generator from sklearn-style ``random_state`` (never the global RNG)."""
    if random_state is None:
        return np.random.default_rng()  # fresh OS entropy
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(int(random_state.randint(2**31 - 1)))
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return np.random.default_rng(int(random_state))
    raise ValueError(
        f"random_state: must be None, an int or a numpy Generator, got {random_state!r}"
    )


class QNNClassifier(ClassifierMixin, BaseEstimator):
    """Quantum neural network classifier (simulated exactly, float angles by default).

    With ``preprocess=True`` (default) any number of features is accepted:
    the estimator fits its own standardize -> PCA -> ``[0, pi]`` pipeline
    (:class:`~qnn.preprocess.AngleEncoder`) on the training data. With
    ``preprocess=False``, ``X`` must already hold ``n_qubits`` encoding angles
    in rad. Binary tasks read ``<Z_0>``; ``k``-class tasks need
    ``k <= n_qubits`` and read the first ``k`` wires (see :mod:`qnn.model`).

    Parameters
    ----------
    arch : str or Architecture, default="compact"
        ``"compact"`` (16 angles), ``"expressive"`` (48) or an architecture.
    epochs : int, default=100
        Passes over the training data.
    lr : float, default=0.05
        Optimizer learning rate (rad per step for Adam).
    batch_size : int, default=32
    optimizer : {"adam", "sgd"}, default="adam"
    preprocess : bool, default=True
        Fit the angle-encoding pipeline inside the estimator.
    store : callable or None, default=None
        Zero-argument factory returning a fresh
        :class:`~qnn.training.ParameterStore` for each fit (e.g. a class or a
        ``functools.partial``); None means float parameters.
    random_state : int, numpy Generator or None, default=None
        Seeds the initial angles and the mini-batch shuffles.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    arch_ : Architecture
    encoder_ : AngleEncoder or None
    theta_ : ndarray of shape (n_params,)
        Trained angles the circuit sees, rad.
    loss_history_ : ndarray of shape (epochs,)
        Training cross-entropy after each epoch, nats.
    n_iter_ : int
        Epochs run.
    """

    def __init__(
        self,
        arch: str | Architecture = "compact",
        *,
        epochs: int = DEFAULT_EPOCHS,
        lr: float = DEFAULT_LR,
        batch_size: int = DEFAULT_BATCH_SIZE,
        optimizer: str = DEFAULT_OPTIMIZER,
        preprocess: bool = True,
        store: Callable[[], ParameterStore] | None = None,
        random_state: int | np.random.Generator | None = None,
    ) -> None:
        self.arch = arch
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.preprocess = preprocess
        self.store = store
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: np.ndarray) -> QNNClassifier:
        """Train on ``X`` of shape (n_samples, n_features) and labels ``y``."""
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        arch = get_architecture(self.arch)
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(
                f"optimizer: must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}"
            )
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        n_classes = len(self.classes_)
        if n_classes < 2:
            raise ValueError("y: needs at least 2 classes, got 1 class")
        if n_classes > 2 and n_classes > arch.n_qubits:
            raise ValueError(
                f"y: at most {arch.n_qubits} classes for {arch.name!r}, got {n_classes}"
            )
        self.arch_ = arch
        self.encoder_ = AngleEncoder(arch.n_qubits).fit(X) if self.preprocess else None
        result = train(
            arch,
            self._angles(X),
            y_idx.astype(np.int64),
            n_classes=n_classes,
            epochs=self.epochs,
            lr=self.lr,
            batch_size=self.batch_size,
            optimizer=self.optimizer,
            seed=_generator(self.random_state),
            store=self.store() if self.store is not None else None,
        )
        self.theta_ = result.theta
        self.loss_history_ = result.loss_history
        self.n_iter_ = len(result.loss_history)
        return self

    def _angles(self, X: np.ndarray) -> np.ndarray:
        if self.encoder_ is not None:
            return self.encoder_.transform(X)
        if X.shape[1] != self.arch_.n_qubits:
            raise ValueError(
                f"X: with preprocess=False must have {self.arch_.n_qubits} angle columns, "
                f"got {X.shape[1]}"
            )
        return X

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns as ``classes_``."""
        check_is_fitted(self, "theta_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        z = expectation_z(self.arch_, self._angles(X), self.theta_)
        return Readout(len(self.classes_)).proba(z)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Most probable class of each sample."""
        proba = self.predict_proba(X)  # checks fitted before classes_ is touched
        return self.classes_[np.argmax(proba, axis=1)]
