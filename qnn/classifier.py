"""A scikit-learn estimator around the QNN: :class:`QNNClassifier`.

The estimator trains in float by default, or with its angles held by one of
the quantized parameter stores of :mod:`qnn.stores` on a finite-resolution
angle DAC (``bits``, ``quantizer``, ``temperature``, ``schedule``,
``inl_sigma``); the data-encoding angles can go through a DAC of their own
(``encode_bits``).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from qnn.architectures import Architecture, get_architecture
from qnn.circuits import expectation_z
from qnn.model import Readout
from qnn.optim import OPTIMIZERS
from qnn.preprocess import AngleEncoder
from qnn.ptq import EncodingDAC, encoding_hook
from qnn.quantizers import check_bits
from qnn.schedules import SCHEDULES
from qnn.stores import QUANTIZERS, StoreDiagnostics, make_store
from qnn.training import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_EPOCHS,
    DEFAULT_LR,
    DEFAULT_OPTIMIZER,
    ParameterStore,
    train,
)

#: make_store's own defaults for the options the estimator and ``cosim train`` expose
#: (read from its signature so they are never restated here).
STORE_DEFAULTS: dict[str, Any] = {
    name: p.default for name, p in inspect.signature(make_store).parameters.items()
    if p.default is not inspect.Parameter.empty
}


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


def hardware_seeds(rng: np.random.Generator) -> tuple[int, int, np.random.Generator]:
    """Independent seeds for the DAC chips and the rounding draws, spawned from ``rng``.

    Spawning does not advance ``rng``, so the initial angles and the shuffles
    drawn from it are the same with and without a DAC.

    Returns
    -------
    dac_seed : int
        Mismatch draw of the parameter DAC.
    encode_seed : int
        Mismatch draw of the encoding DAC.
    rounding : numpy.random.Generator
        Stream of the stochastic rounding.
    """
    dac, enc, rounding = rng.spawn(3)
    return int(dac.integers(2**32)), int(enc.integers(2**32)), rounding


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
    epochs : int, default=DEFAULT_EPOCHS
        Passes over the training data.
    lr : float, default=DEFAULT_LR
        Optimizer learning rate (rad per step for Adam).
    batch_size : int, default=DEFAULT_BATCH_SIZE
    optimizer : {"adam", "sgd"}, default=DEFAULT_OPTIMIZER
    preprocess : bool, default=True
        Fit the angle-encoding pipeline inside the estimator.
    store : callable or None, default=None
        Zero-argument factory returning a fresh
        :class:`~qnn.training.ParameterStore` for each fit (e.g. a class or a
        ``functools.partial``). Only with the default ``quantizer="none"``
        and ``bits=inf``; None builds the store from those options.
    bits : int or inf, default=inf
        Angle-DAC resolution of the trainable angles, 1..16. With
        ``quantizer="none"`` training stays float and ``bits`` only sets the
        LSB of the ``|step| / LSB`` diagnostics (as in
        :func:`qnn.stores.make_store`).
    quantizer : {"none", "deterministic", "stochastic", "ste"}, default="none"
        Parameter store (see :mod:`qnn.stores`); every one but ``none``
        needs a finite ``bits``.
    temperature : float, default=make_store's
        Start temperature ``T0 >= 0`` of stochastic rounding (1 = unbiased).
        Validated always, used only by ``stochastic``.
    schedule : {"constant", "linear", "exp", "cosine"}, default=make_store's
        Temperature schedule over epochs (``exp`` needs ``temperature > 0``).
    encode_bits : int or inf, default=inf
        Resolution of the DAC that plays the data-encoding angles, 1..16; inf
        is ideal encoding. Used in training and prediction.
    inl_sigma : float, default=make_store's
        Unit-element mismatch (INL/DNL) of every angle DAC used: the
        parameter DAC of a quantized store and the encoding DAC.
    random_state : int, numpy Generator or None, default=None
        Seeds the initial angles and the mini-batch shuffles; the DAC chips
        and the rounding draws come from streams spawned from it
        (:func:`hardware_seeds`).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    arch_ : Architecture
    encoder_ : AngleEncoder or None
    encode_ : EncodingDAC or None
        The encoding DAC (None for ideal encoding).
    theta_ : ndarray of shape (n_params,)
        Trained angles the circuit sees, rad (realized DAC levels for a
        quantized store).
    codes_ : ndarray of int64, shape (n_params,), or None
        Final DAC codes of a quantized store; None for float training.
    diagnostics_ : StoreDiagnostics or None
        What the store saw (:class:`qnn.stores.StoreDiagnostics`); None for a
        custom ``store`` without ``diagnostics()``.
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
        bits: int | float = math.inf,
        quantizer: str = "none",
        temperature: float = STORE_DEFAULTS["temperature"],
        schedule: str = STORE_DEFAULTS["schedule"],
        encode_bits: int | float = math.inf,
        inl_sigma: float = STORE_DEFAULTS["inl_sigma"],
        random_state: int | np.random.Generator | None = None,
    ) -> None:
        self.arch = arch
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.preprocess = preprocess
        self.store = store
        self.bits = bits
        self.quantizer = quantizer
        self.temperature = temperature
        self.schedule = schedule
        self.encode_bits = encode_bits
        self.inl_sigma = inl_sigma
        self.random_state = random_state

    def _check_options(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(
                f"optimizer: must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}"
            )
        if self.quantizer not in QUANTIZERS:
            raise ValueError(
                f"quantizer: must be one of {', '.join(QUANTIZERS)}, got {self.quantizer!r}"
            )
        if self.schedule not in SCHEDULES:
            raise ValueError(
                f"schedule: must be one of {', '.join(SCHEDULES)}, got {self.schedule!r}"
            )
        bits = check_bits(self.bits, allow_inf=True)
        if self.schedule == "exp" and self.temperature == 0:
            raise ValueError("temperature: must be > 0 with schedule='exp', got 0")
        check_bits(self.encode_bits, allow_inf=True, name="encode_bits")
        sigma = self.inl_sigma
        if isinstance(sigma, bool) or not isinstance(sigma, (int, float, np.floating)) or not (
            math.isfinite(sigma) and sigma >= 0
        ):
            raise ValueError(f"inl_sigma: must be a finite number >= 0, got {sigma!r}")
        if self.store is not None and (self.quantizer != "none" or not math.isinf(bits)):
            raise ValueError(
                "store: must be None when quantizer or bits are set, got a store factory "
                f"with quantizer={self.quantizer!r}, bits={self.bits!r}"
            )

    def _make_store(self, dac_seed: int, rounding: np.random.Generator) -> ParameterStore:
        if self.store is not None:
            return self.store()
        return make_store(
            self.quantizer, self.bits, temperature=self.temperature, schedule=self.schedule,
            inl_sigma=self.inl_sigma, dac_seed=dac_seed, seed=rounding,
        )

    def fit(self, X: np.ndarray, y: np.ndarray) -> QNNClassifier:
        """Train on ``X`` of shape (n_samples, n_features) and labels ``y``."""
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        arch = get_architecture(self.arch)
        self._check_options()
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        n_classes = len(self.classes_)
        if n_classes < 2:
            raise ValueError("y: needs at least 2 classes, got 1 class")
        if n_classes > 2 and n_classes > arch.n_qubits:
            raise ValueError(
                f"y: at most {arch.n_qubits} classes for {arch.name!r}, got {n_classes}"
            )
        rng = _generator(self.random_state)
        dac_seed, encode_seed, rounding = hardware_seeds(rng)
        store = self._make_store(dac_seed, rounding)
        self.arch_ = arch
        self.encoder_ = AngleEncoder(arch.n_qubits).fit(X) if self.preprocess else None
        self.encode_: EncodingDAC | None = encoding_hook(
            self.encode_bits, inl_sigma=self.inl_sigma, seed=encode_seed
        )
        result = train(
            arch,
            self._angles(X),
            y_idx.astype(np.int64),
            n_classes=n_classes,
            epochs=self.epochs,
            lr=self.lr,
            batch_size=self.batch_size,
            optimizer=self.optimizer,
            seed=rng,
            store=store,
            encode=self.encode_,
        )
        self.theta_ = result.theta
        codes = getattr(store, "codes", None)
        self.codes_ = None if codes is None else np.asarray(codes)
        diagnostics = getattr(store, "diagnostics", None)
        self.diagnostics_: StoreDiagnostics | None = (
            diagnostics() if callable(diagnostics) else None
        )
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
        z = expectation_z(self.arch_, self._angles(X), self.theta_, encode=self.encode_)
        return Readout(len(self.classes_)).proba(z)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Most probable class of each sample."""
        proba = self.predict_proba(X)  # checks fitted before classes_ is touched
        return self.classes_[np.argmax(proba, axis=1)]
