"""The one training path: a QNN, a training recipe and a device in; a trained model out.

``cosim train``, :class:`qnn.classifier.QNNClassifier`, the study stages and
the claim tests all call :func:`fit`, so the same settings give the same model
from every entry. :func:`fit` owns the seeding:

* the training seed draws the initial angles, then the per-epoch shuffles,
  and a stream spawned from it (which does not advance it) drives the
  stochastic rounding;
* the chip seed of the device's DACs (:class:`qnn.device.DACConfig`) draws
  their unit-element mismatch, independently of the training seed;
* two more spawned streams draw the measurement samples (with finite shots),
  one for training under noise and one for evaluation on the device.

Training runs on the ideal circuit (the trained angles on the DAC grid, the
encoding DAC) unless ``recipe.noisy_training``: then every forward pass and
gradient runs on the device's noisy executor (decoherence, CNOT error,
readout error, DAC noise, shots). Either way :meth:`FitResult.evaluate_on_device`
deploys the model on the device.

:func:`fit_many` trains many models in one pass: they share the training
seed (so the initial angles and the mini-batches) and the optimisation, and
differ in quantizer, bit width, temperature, schedule, kernel or chip. Each
model keeps its own rounding and sample streams, and its :class:`FitResult`
equals what :func:`fit` gives it alone, bit for bit (:mod:`qnn.batch_training`);
:func:`fit` is :func:`fit_many` with one model.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from hardware_models.validation import check_finite, check_int, check_positive
from qnn.architectures import Architecture, get_architecture
from qnn.device import MAX_SEED, Device
from qnn.executor import Executor
from qnn.model import Readout
from qnn.stores import StoreDiagnostics, make_store
from qnn.training import StepInfo, TrainResult, check_data, init_theta
from qnn.vocabulary import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_EPOCHS,
    DEFAULT_KERNEL,
    DEFAULT_LR,
    DEFAULT_OPTIMIZER,
    DEFAULT_QUANTIZER,
    DEFAULT_SCHEDULE,
    DEFAULT_SELECT,
    DEFAULT_TEMPERATURE,
    KERNELS,
    MAX_EPOCHS,
    OPTIMIZERS,
    QUANTIZERS,
    SCHEDULES,
    SELECTIONS,
    check_choice,
)

SeedLike = int | np.random.Generator
#: Largest learning rate any entry accepts, rad per step.
MAX_LR = 100.0
#: Largest rounding temperature any entry accepts.
MAX_TEMPERATURE = 100.0
#: Largest mini-batch any entry accepts.
MAX_BATCH_SIZE = 1_000_000
#: The recipe fields every model of one :func:`fit_many` pass shares.
SHARED_FIELDS = ("epochs", "lr", "batch_size", "optimizer", "select", "noisy_training")


@dataclass(frozen=True)
class TrainingRecipe:
    """How to train: the quantizer and its temperature, and the optimisation.

    Parameters
    ----------
    quantizer : {"none", "deterministic", "stochastic", "ste"}, default="none"
        How the angles are held on the angle DAC during training (see
        :mod:`qnn.stores`); ``none`` trains in float.
    temperature : float, default=1.0
        Start temperature ``T0 >= 0`` of stochastic rounding (1 = unbiased).
    temperature_final : float or None, default=None
        End temperature; None picks the schedule's default.
    schedule : {"constant", "linear", "exp", "cosine"}, default="constant"
        Temperature schedule over epochs.
    kernel : {"tilt", "boltzmann"}, default="tilt"
        Rounding kernel of the stochastic store.
    epochs : int, default=200
    lr : float, default=0.02
        Learning rate, rad per step for Adam.
    batch_size : int, default=16
    optimizer : {"adam", "sgd"}, default="adam"
    select : {"best_loss", "best_val", "last"}, default="best_loss"
        Which epoch's angles are returned (see :func:`qnn.training.train`).
    noisy_training : bool, default=False
        Train on the device's noisy executor instead of the ideal circuit.
    """

    quantizer: str = DEFAULT_QUANTIZER
    temperature: float = DEFAULT_TEMPERATURE
    temperature_final: float | None = None
    schedule: str = DEFAULT_SCHEDULE
    kernel: str = DEFAULT_KERNEL
    epochs: int = DEFAULT_EPOCHS
    lr: float = DEFAULT_LR
    batch_size: int = DEFAULT_BATCH_SIZE
    optimizer: str = DEFAULT_OPTIMIZER
    select: str = DEFAULT_SELECT
    noisy_training: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.noisy_training, (bool, np.bool_)):
            raise ValueError(f"noisy_training: must be true or false, got "
                             f"{self.noisy_training!r}")
        check_choice(self.quantizer, QUANTIZERS, "quantizer")
        for name in ("temperature", "temperature_final"):
            value = getattr(self, name)
            if value is not None and not 0 <= check_finite(name, value) <= MAX_TEMPERATURE:
                raise ValueError(f"{name}: must be a number 0..{MAX_TEMPERATURE:g}, got {value!r}")
        check_choice(self.schedule, SCHEDULES, "schedule")
        if self.schedule == "exp" and self.temperature == 0:
            raise ValueError("temperature: must be > 0 with schedule exp, got 0")
        check_choice(self.kernel, KERNELS, "kernel")
        check_int("epochs", self.epochs, 1, MAX_EPOCHS)
        if check_positive("lr", self.lr) > MAX_LR:
            raise ValueError(f"lr: must be a number > 0 and <= {MAX_LR:g}, got {self.lr!r}")
        check_int("batch_size", self.batch_size, 1, MAX_BATCH_SIZE)
        check_choice(self.optimizer, OPTIMIZERS, "optimizer")
        check_choice(self.select, SELECTIONS, "select")

    def float_recipe(self) -> TrainingRecipe:
        """Float training with this recipe's optimisation (:data:`SHARED_FIELDS`).

        Float training reads nothing else, so every recipe that differs only in
        its quantizer, temperature, schedule or kernel has the same float recipe:
        one key for the models that can be shared.
        """
        return TrainingRecipe(**{name: getattr(self, name) for name in SHARED_FIELDS})


@dataclass(frozen=True)
class FitResult:
    """A trained QNN and what its training saw.

    Attributes
    ----------
    theta : ndarray of shape (n_params,)
        The returned angles as the circuit sees them (realized DAC levels for
        a quantized store), rad.
    codes : ndarray of int64 or None
        DAC codes of the returned epoch; None for float training.
    final_codes : ndarray of int64 or None
        Codes after the last step; None for float training.
    theta0 : ndarray
        Initial float angles, rad.
    initial_theta : ndarray
        The initial angles as loaded into the store (rounded to the DAC), rad.
    epoch : int
        0-based returned epoch.
    history : TrainResult
        Per-epoch losses and accuracies, step count and wall time.
    diagnostics : StoreDiagnostics
        What the parameter store saw.
    executor : Executor
        The executor training used (architecture, encoding DAC, and the
        device's noise with ``noisy_training``).
    device_executor : Executor
        The device's executor, for deployment (:meth:`evaluate_on_device`).
    readout : Readout
    """

    theta: np.ndarray
    codes: np.ndarray | None
    final_codes: np.ndarray | None
    theta0: np.ndarray
    initial_theta: np.ndarray
    epoch: int
    history: TrainResult
    diagnostics: StoreDiagnostics
    executor: Executor
    device_executor: Executor
    readout: Readout

    def evaluate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        """Mean cross-entropy (nats) and accuracy of the returned model, as trained."""
        return self.executor.evaluate(x, y, self.theta, self.readout)

    def evaluate_on_device(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        """The same on the device: its noise, readout and shots (sampled from its stream)."""
        return self.device_executor.evaluate(x, y, self.theta, self.readout)


@dataclass(frozen=True)
class Streams:
    """The random streams of one training seed.

    ``training`` draws the initial angles, then the shuffles. The others are
    spawned from it, so they never advance it: a quantized or noisy run starts
    from the same angles and sees the same mini-batches as a float run with
    the same seed. (``rounding`` is the third spawned child, as it has been
    since the first studies, so stored results stay comparable.)
    """

    training: np.random.Generator
    rounding: np.random.Generator
    training_shots: np.random.Generator
    device_shots: np.random.Generator


def training_streams(seed: SeedLike) -> Streams:
    """The :class:`Streams` of a training seed (an int, or a Generator used as the training one)."""
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(
        check_int("seed", seed, 0, MAX_SEED))
    children = rng.spawn(5)
    return Streams(rng, children[2], children[3], children[4])


def fit(
    arch: str | Architecture,
    x: np.ndarray,
    y: np.ndarray,
    *,
    n_classes: int,
    recipe: TrainingRecipe,
    device: Device,
    seed: SeedLike,
    x_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    callback: Callable[[StepInfo], None] | None = None,
) -> FitResult:
    """Train the architecture's angles under ``recipe`` on ``device``.

    Parameters
    ----------
    arch : str or Architecture
    x : ndarray of shape (N, n_qubits)
        Encoding angles of the training set, rad.
    y : ndarray of int, shape (N,)
        Labels ``0 .. n_classes - 1``.
    n_classes : int
    recipe : TrainingRecipe
    device : Device
        The angle DAC holds the trained angles (for a quantized recipe; its
        resolution sets the LSB of the diagnostics for a float one), the
        encoding DAC plays the data angles.
    seed : int or numpy.random.Generator
        The training seed (see the module docstring).
    x_val, y_val : ndarray, optional
        Validation set, evaluated every epoch and seen by ``recipe.select``.
    callback : callable, optional
        Called with a :class:`~qnn.training.StepInfo` after every step.

    Returns
    -------
    FitResult
    """
    return fit_many(arch, x, y, n_classes=n_classes, recipes=[recipe], devices=[device],
                    seed=seed, x_val=x_val, y_val=y_val, callbacks=[callback])[0]


def fit_many(
    arch: str | Architecture,
    x: np.ndarray,
    y: np.ndarray,
    *,
    n_classes: int,
    recipes: Sequence[TrainingRecipe],
    devices: Sequence[Device],
    seed: SeedLike,
    x_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    callbacks: Sequence[Callable[[StepInfo], None] | None] | None = None,
) -> list[FitResult]:
    """Train many models of one architecture in one pass, each as :func:`fit` would alone.

    Parameters
    ----------
    arch, x, y, n_classes, seed, x_val, y_val
        As in :func:`fit`; every model shares the training seed, hence the
        initial angles and the mini-batches.
    recipes : sequence of TrainingRecipe
        One per model. They must agree on :data:`SHARED_FIELDS` (the
        optimisation) and may differ in quantizer, temperature, schedule and kernel.
    devices : sequence of Device
        One per model (bit width, chip, ...). Trained on the ideal circuit, the
        models must share the encoding DAC; with ``noisy_training`` each runs
        on its own device's noisy executor (one model after the other).
    callbacks : sequence of callable or None, optional
        Per model, called with its :class:`~qnn.training.StepInfo` after every step.

    Returns
    -------
    list of FitResult
        In the order of ``recipes``; each equal to :func:`fit` of that model
        alone with the same seed.
    """
    from qnn._store_batch import StoreBatch, kind_rank
    from qnn.batch_training import train_many
    from qnn.optim import make_optimizer

    arch = get_architecture(arch)
    recipes, devices = list(recipes), list(devices)
    if not recipes:
        raise ValueError("recipes: must hold at least one TrainingRecipe, got none")
    if len(devices) != len(recipes):
        raise ValueError(f"devices: must hold one Device per recipe ({len(recipes)}), "
                         f"got {len(devices)}")
    callbacks = [None] * len(recipes) if callbacks is None else list(callbacks)
    if len(callbacks) != len(recipes):
        raise ValueError(f"callbacks: must hold one entry per recipe ({len(recipes)}), "
                         f"got {len(callbacks)}")
    first = recipes[0]
    for recipe in recipes:
        for name in SHARED_FIELDS:
            if getattr(recipe, name) != getattr(first, name):
                raise ValueError(f"recipes: every model of one pass must share {name}, got "
                                 f"{getattr(first, name)!r} and {getattr(recipe, name)!r}")
    x, y, x_val, y_val, readout = check_data(arch, x, y, n_classes=n_classes, x_val=x_val,
                                             y_val=y_val)
    streams = training_streams(seed)
    stores, executors, device_executors = [], [], []
    def own(stream: np.random.Generator, used: bool) -> np.random.Generator:
        # Each model draws from its own copy of a spawned stream: what fit() gives it alone.
        return copy.deepcopy(stream) if used and len(recipes) > 1 else stream

    for recipe, device in zip(recipes, devices, strict=True):
        stores.append(make_store(recipe.quantizer, device.angle_dac,
                                 temperature=recipe.temperature, schedule=recipe.schedule,
                                 t_final=recipe.temperature_final, kernel=recipe.kernel,
                                 seed=own(streams.rounding, recipe.quantizer == "stochastic"),
                                 virtual=arch.virtual_params()))
        shots = device.measurement.shots > 0
        device_executors.append(Executor.for_device(arch, device,
                                                    rng=own(streams.device_shots, shots)))
        executors.append(Executor.for_device(arch, device,
                                             rng=own(streams.training_shots, shots))
                         if first.noisy_training else device_executors[-1].ideal())
    if not first.noisy_training:
        if any(ex != executors[0] for ex in executors):
            raise ValueError("devices: models trained on the ideal circuit in one pass must "
                             "share the encoding DAC")
    theta0 = init_theta(arch, streams.training)  # what train() would draw first
    order = sorted(range(len(recipes)), key=lambda m: kind_rank(stores[m]))
    batch = StoreBatch([stores[m] for m in order])
    batch.init(theta0)
    initial = batch.circuit_theta.copy()
    histories, codes = train_many(
        executors[:1] if not first.noisy_training else [executors[m] for m in order],
        x, y, x_val=x_val, y_val=y_val, epochs=first.epochs, batch_size=first.batch_size,
        select=first.select, optimizer=make_optimizer(first.optimizer, lr=first.lr),
        rng=streams.training, theta0=theta0, batch=batch, readout=readout,
        callbacks=[callbacks[m] for m in order])
    results: list[FitResult | None] = [None] * len(recipes)
    for i, m in enumerate(order):
        store = batch.sync(i)
        history = histories[i]
        quantized = i >= batch.n_float
        results[m] = FitResult(
            theta=history.theta,
            codes=codes[history.epoch, i - batch.n_float].copy() if quantized else None,
            final_codes=np.asarray(store.codes) if quantized else None,  # type: ignore[union-attr]
            theta0=np.array(theta0),
            initial_theta=initial[i].copy(),
            epoch=history.epoch,
            history=history,
            diagnostics=store.diagnostics(),
            executor=executors[m],
            device_executor=device_executors[m],
            readout=readout,
        )
    return results  # type: ignore[return-value]
