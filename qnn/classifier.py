"""A scikit-learn estimator around the QNN: :class:`QNNClassifier`.

The estimator is a thin caller of the one training path, :func:`qnn.fit.fit`:
its parameters spell a :class:`~qnn.fit.TrainingRecipe` and a
:class:`~qnn.device.Device` (angle DAC with every field of the DAC spec and
its chip seed, and the encoding DAC on the same chip), with the defaults of
``cosim train`` and of a scenario.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from qnn.architectures import Architecture, get_architecture
from qnn.device import ControlStack, DACConfig, Device, Measurement, Qubit, encoding_dac
from qnn.executor import Executor
from qnn.fit import TrainingRecipe, fit
from qnn.model import Readout
from qnn.preprocess import AngleEncoder
from qnn.stores import StoreDiagnostics
from qnn.vocabulary import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_EPOCHS,
    DEFAULT_KERNEL,
    DEFAULT_LR,
    DEFAULT_MISMATCH_SIGMA,
    DEFAULT_OPTIMIZER,
    DEFAULT_QUANTIZER,
    DEFAULT_SCHEDULE,
    DEFAULT_SELECT,
    DEFAULT_TEMPERATURE,
    DEFAULT_UNARY_MSBS,
    check_bits,
)

QUBIT, STACK = Qubit(), ControlStack()


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
    ``fit`` sees no validation set, so every selection rule ranks epochs on
    the training data.

    Parameters
    ----------
    arch : str or Architecture, default="compact"
        ``"compact"`` (16 angles), ``"expressive"`` (48) or an architecture.
    epochs, lr, batch_size, optimizer, select
        The optimisation of :class:`~qnn.fit.TrainingRecipe`.
    quantizer : {"none", "deterministic", "stochastic", "ste"}, default="none"
        Parameter store (see :mod:`qnn.stores`); every one but ``none``
        needs a finite ``bits``.
    temperature, temperature_final, schedule, kernel
        Stochastic rounding (see :class:`~qnn.fit.TrainingRecipe`).
    preprocess : bool, default=True
        Fit the angle-encoding pipeline inside the estimator.
    bits : int or inf, default=inf
        Angle-DAC resolution of the trainable angles, 1..16. With
        ``quantizer="none"`` training stays float and ``bits`` only sets the
        LSB of the ``|step| / LSB`` diagnostics.
    dac_architecture : {"binary", "unary", "segmented"}, default="binary"
    unary_msbs : int, default=4
        Unary MSBs of a segmented DAC (clipped to ``bits``).
    mismatch_sigma : float, default=0.0
        Unit-element mismatch (INL/DNL) of the angle and encoding DACs.
    gain_error : float, default=0.0
        Relative gain error of the DACs.
    offset_rad : float, default=0.0
        Output offset of the DACs, rad.
    noise_rms_rad : float, default=0.0
        RMS output noise of the DACs, rad.
    encode_bits : int or inf, default=inf
        Resolution of the DAC that plays the data-encoding angles; inf is
        ideal encoding. Used in training and prediction.
    chip_seed : int, default=0
        The chip: seed of the DACs' mismatch draw.
    t1_s, t2_s : float or None, default=None
        Qubit relaxation and coherence times, s (None: none).
    gate_1q_s, gate_2q_s : float, default=20e-9, 100e-9
        Pulse and CNOT durations, s.
    cnot_error : float, default=0.0
        Depolarizing probability after every CNOT.
    readout_error : tuple of float, default=(0.0, 0.0)
        ``(e0, e1)``: P(read 1 | 0), P(read 0 | 1).
    shots : int, default=0
        Measured bitstrings per input in prediction (and in noisy training);
        0 gives exact expectations.
    idle_decoherence : bool, default=True
        Whether waiting wires decohere.
    sample_rate_hz : float, default=1e9
        DAC sample rate (sets how the DAC output noise averages over a pulse).
    noisy_training : bool, default=False
        Train on the noisy device instead of the ideal circuit. Prediction
        always runs on the device.
    random_state : int, numpy Generator or None, default=None
        The training seed: initial angles, shuffles and the rounding stream.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    arch_ : Architecture
    device_ : Device
    recipe_ : TrainingRecipe
    encoder_ : AngleEncoder or None
    executor_ : Executor
        Runs the trained model on the device (encoding DAC, noise, shots).
    theta_ : ndarray of shape (n_params,)
        Returned angles the circuit sees, rad (realized DAC levels for a
        quantized store).
    codes_ : ndarray of int64, shape (n_params,), or None
        DAC codes of the returned epoch; None for float training.
    final_codes_ : ndarray of int64 or None
        DAC codes after the last step.
    epoch_ : int
        0-based returned epoch.
    diagnostics_ : StoreDiagnostics
        What the store saw (:class:`qnn.stores.StoreDiagnostics`).
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
        select: str = DEFAULT_SELECT,
        quantizer: str = DEFAULT_QUANTIZER,
        temperature: float = DEFAULT_TEMPERATURE,
        temperature_final: float | None = None,
        schedule: str = DEFAULT_SCHEDULE,
        kernel: str = DEFAULT_KERNEL,
        preprocess: bool = True,
        bits: int | float = math.inf,
        dac_architecture: str = "binary",
        unary_msbs: int = DEFAULT_UNARY_MSBS,
        mismatch_sigma: float = DEFAULT_MISMATCH_SIGMA,
        gain_error: float = 0.0,
        offset_rad: float = 0.0,
        noise_rms_rad: float = 0.0,
        encode_bits: int | float = math.inf,
        chip_seed: int = 0,
        t1_s: float | None = None,
        t2_s: float | None = None,
        gate_1q_s: float = QUBIT.gate_1q_s,
        gate_2q_s: float = QUBIT.gate_2q_s,
        cnot_error: float = 0.0,
        readout_error: tuple[float, float] = (0.0, 0.0),
        shots: int = 0,
        idle_decoherence: bool = True,
        sample_rate_hz: float = STACK.sample_rate_hz,
        noisy_training: bool = False,
        random_state: int | np.random.Generator | None = None,
    ) -> None:
        self.arch = arch
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.select = select
        self.quantizer = quantizer
        self.temperature = temperature
        self.temperature_final = temperature_final
        self.schedule = schedule
        self.kernel = kernel
        self.preprocess = preprocess
        self.bits = bits
        self.dac_architecture = dac_architecture
        self.unary_msbs = unary_msbs
        self.mismatch_sigma = mismatch_sigma
        self.gain_error = gain_error
        self.offset_rad = offset_rad
        self.noise_rms_rad = noise_rms_rad
        self.encode_bits = encode_bits
        self.chip_seed = chip_seed
        self.t1_s = t1_s
        self.t2_s = t2_s
        self.gate_1q_s = gate_1q_s
        self.gate_2q_s = gate_2q_s
        self.cnot_error = cnot_error
        self.readout_error = readout_error
        self.shots = shots
        self.idle_decoherence = idle_decoherence
        self.sample_rate_hz = sample_rate_hz
        self.noisy_training = noisy_training
        self.random_state = random_state

    def _recipe(self) -> TrainingRecipe:
        return TrainingRecipe(
            quantizer=self.quantizer, temperature=self.temperature,
            temperature_final=self.temperature_final, schedule=self.schedule,
            kernel=self.kernel, epochs=self.epochs, lr=self.lr, batch_size=self.batch_size,
            optimizer=self.optimizer, select=self.select, noisy_training=self.noisy_training,
        )

    def _device(self) -> Device:
        angle = DACConfig(
            bits=self.bits, architecture=self.dac_architecture, unary_msbs=self.unary_msbs,
            mismatch_sigma=self.mismatch_sigma, gain_error=self.gain_error,
            offset_rad=self.offset_rad, noise_rms_rad=self.noise_rms_rad,
            chip_seed=self.chip_seed,
        )
        encode_bits = check_bits(self.encode_bits, allow_inf=True, name="encode_bits")
        return Device(
            angle_dac=angle, encoding_dac=encoding_dac(angle, encode_bits),
            stack=ControlStack(sample_rate_hz=self.sample_rate_hz),
            qubit=Qubit(t1_s=self.t1_s, t2_s=self.t2_s, gate_1q_s=self.gate_1q_s,
                        gate_2q_s=self.gate_2q_s, cnot_error=self.cnot_error,
                        idle_decoherence=self.idle_decoherence),
            measurement=Measurement(readout_error=self.readout_error, shots=self.shots))

    def fit(self, X: np.ndarray, y: np.ndarray) -> QNNClassifier:
        """Train on ``X`` of shape (n_samples, n_features) and labels ``y``."""
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        arch = get_architecture(self.arch)
        recipe, device = self._recipe(), self._device()
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        n_classes = len(self.classes_)
        if n_classes < 2:
            raise ValueError("y: needs at least 2 classes, got 1 class")
        if n_classes > 2 and n_classes > arch.n_qubits:
            raise ValueError(
                f"y: at most {arch.n_qubits} classes for {arch.name!r}, got {n_classes}"
            )
        self.arch_, self.recipe_, self.device_ = arch, recipe, device
        self.encoder_ = AngleEncoder(arch.n_qubits).fit(X) if self.preprocess else None
        result = fit(arch, self._angles(X), y_idx.astype(np.int64), n_classes=n_classes,
                     recipe=recipe, device=device, seed=_generator(self.random_state))
        self.executor_: Executor = result.device_executor
        self.theta_ = result.theta
        self.codes_ = result.codes
        self.final_codes_ = result.final_codes
        self.epoch_ = result.epoch
        self.diagnostics_: StoreDiagnostics = result.diagnostics
        self.loss_history_ = result.history.loss_history
        self.n_iter_ = len(result.history.loss_history)
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
        z = self.executor_.values(self._angles(X), self.theta_)
        return Readout(len(self.classes_)).decision_proba(z)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Most probable class of each sample (of near-tied ones the lowest:
        :meth:`Readout.decision_proba`)."""
        proba = self.predict_proba(X)  # checks fitted before classes_ is touched
        return self.classes_[np.argmax(proba, axis=1)]

