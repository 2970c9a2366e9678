"""Mini-batch training of a QNN, with the parameters held in a ParameterStore.

Each step computes the exact loss gradient at ``store.circuit_theta`` (the
angles the circuit actually sees), the optimizer turns it into a proposed
decrement ``step = eta * u``, and ``store.apply(step)`` decides what happens
to the parameters. :class:`qnn.stores.UnquantizedStore` just subtracts it; the
quantization schemes provide stores that keep a float shadow, round, or accumulate.

At the end of every epoch the loss and accuracy on the whole training set
(and on the validation set, if given) are evaluated at the store's
``circuit_theta`` and recorded. With ``select="best_loss"`` (the default) the
returned angles are those of the epoch with the lowest cross-entropy on all
the labelled data training was given (training and validation sets pooled),
the same rule for every store.

Every forward pass and gradient goes through an :class:`~qnn.executor.Executor`.
This loop takes any :class:`ParameterStore` (the extension hook); the batched
loop that :func:`qnn.fit.fit` runs (:mod:`qnn.batch_training`) steps the
built-in stores of many models at once and gives the same model as this one
for each (``tests/qnn/test_fit_many.py`` checks both loops against each other).
The whole recipe of a QNN on a device (seeding, store, encoding DAC) is put
together in one place, :func:`qnn.fit.fit`; this module is its loop.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
from threadpoolctl import threadpool_limits

from hardware_models.validation import check_int
from qnn.architectures import Architecture, get_architecture
from qnn.executor import Executor
from qnn.model import Readout
from qnn.optim import Optimizer, make_optimizer
from qnn.vocabulary import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_EPOCHS,
    DEFAULT_LR,
    DEFAULT_OPTIMIZER,
    DEFAULT_SELECT,
    MAX_EPOCHS,
    OPTIMIZERS,
    SELECTIONS,
    check_choice,
)

SeedLike = int | np.random.Generator


@runtime_checkable
class ParameterStore(Protocol):
    """Owner of the trainable angles during training."""

    def init(self, theta0: np.ndarray) -> None:
        """Start from the float angles ``theta0`` (rad)."""
        ...

    @property
    def circuit_theta(self) -> np.ndarray:
        """Angles the circuit sees, shape (n_params,), rad."""
        ...

    def begin_epoch(self, epoch: int, n_epochs: int) -> None:
        """Called before each epoch (0-based), e.g. for temperature schedules."""
        ...

    def apply(self, step: np.ndarray) -> None:
        """Apply the optimizer's proposed decrement ``step = eta * u`` (rad)."""
        ...


@dataclass(frozen=True)
class StepInfo:
    """What the per-step callback sees, after ``store.apply``.

    Attributes
    ----------
    epoch : int
        0-based epoch.
    step : int
        0-based global step count.
    batch : int
        0-based batch index within the epoch.
    n_batches : int
        Batches per epoch.
    loss : float
        Mini-batch loss before the update, nats.
    grad : ndarray
        Gradient at the circuit angles before the update, nats/rad.
    update : ndarray
        The decrement proposed by the optimizer, rad.
    store : ParameterStore
        The store, already updated.
    """

    epoch: int
    step: int
    batch: int
    n_batches: int
    loss: float
    grad: np.ndarray
    update: np.ndarray
    store: ParameterStore


@dataclass(frozen=True)
class TrainResult:
    """Outcome of :func:`train`.

    Attributes
    ----------
    theta : ndarray of shape (n_params,)
        ``store.circuit_theta`` at the end of epoch ``epoch``, rad: the model
        :func:`train` returns (see ``select``).
    loss_history, val_loss_history : ndarray of shape (epochs,)
        Mean cross-entropy (nats) on the training / validation set after each
        epoch; the validation one is empty without validation data.
    accuracy_history, val_accuracy_history : ndarray of shape (epochs,)
        The same for accuracy.
    n_steps : int
        Optimizer steps taken.
    seconds : float
        Wall-clock time of the training loop, s.
    epoch : int
        0-based epoch whose angles ``theta`` holds: the last one unless
        ``select`` picked an earlier one.
    final_theta : ndarray of shape (n_params,)
        ``store.circuit_theta`` after the last step, rad.
    """

    theta: np.ndarray
    loss_history: np.ndarray
    val_loss_history: np.ndarray
    accuracy_history: np.ndarray
    val_accuracy_history: np.ndarray
    n_steps: int
    seconds: float
    epoch: int
    final_theta: np.ndarray


def init_theta(arch: str | Architecture, rng: np.random.Generator) -> np.ndarray:
    """Initial angles, uniform in ``[-pi, pi)`` rad."""
    return rng.uniform(-np.pi, np.pi, get_architecture(arch).n_params)


def _check_labels(y: np.ndarray, n: int, n_classes: int, name: str) -> np.ndarray:
    y = np.asarray(y)
    if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{name}: must be integer labels of shape ({n},), got {y.dtype} {y.shape}")
    if n and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"{name}: labels must lie in 0..{n_classes - 1}")
    return y


def check_data(
    arch: Architecture, x: np.ndarray, y: np.ndarray, *, n_classes: int | None,
    readout: Readout | None = None, x_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None, Readout]:
    """Checked training data: ``x, y, x_val, y_val, readout``.

    The validation set is None unless both parts are given and non-empty;
    ``n_classes`` None is ``max(y) + 1`` (at least 2); ``readout`` None is
    ``Readout(n_classes)``.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[1] != arch.n_qubits or len(x) == 0:
        raise ValueError(f"x: must have shape (N >= 1, {arch.n_qubits}), got {x.shape}")
    if n_classes is None:
        n_classes = max(2, int(np.max(y)) + 1)
    readout = readout if readout is not None else Readout(n_classes)
    readout.check(arch)
    y = _check_labels(y, len(x), readout.n_classes, "y")
    if x_val is None or y_val is None or len(x_val) == 0:
        return x, y, None, None, readout
    x_val = np.asarray(x_val, dtype=float)
    return x, y, x_val, _check_labels(y_val, len(x_val), readout.n_classes, "y_val"), readout


def train(
    executor: str | Architecture | Executor,
    x: np.ndarray,
    y: np.ndarray,
    *,
    n_classes: int | None = None,
    x_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    epochs: int = DEFAULT_EPOCHS,
    lr: float = DEFAULT_LR,
    batch_size: int = DEFAULT_BATCH_SIZE,
    optimizer: str | Optimizer = DEFAULT_OPTIMIZER,
    select: str = DEFAULT_SELECT,
    seed: SeedLike = 0,
    theta0: np.ndarray | None = None,
    store: ParameterStore | None = None,
    readout: Readout | None = None,
    callback: Callable[[StepInfo], None] | None = None,
) -> TrainResult:
    """Train the circuit's angles by mini-batch cross-entropy minimisation.

    Parameters
    ----------
    executor : Executor, str or Architecture
        Runs the circuit (forward passes, gradients, per-epoch evaluations);
        an architecture gets the ideal ``Executor(arch)``.
    x : ndarray of shape (N, n_qubits)
        Encoding angles in rad (preprocessed features, see :mod:`qnn.preprocess`).
    y : ndarray of int, shape (N,)
        Labels ``0 .. n_classes - 1``.
    n_classes : int, optional
        Default ``max(y) + 1`` (at least 2).
    x_val, y_val : ndarray, optional
        Validation set, evaluated after every epoch.
    epochs : int, default=DEFAULT_EPOCHS
    lr : float, default=DEFAULT_LR
        Learning rate of the optimizer (rad per step for Adam).
    batch_size : int, default=DEFAULT_BATCH_SIZE
        Samples per step; the last batch of an epoch may be smaller.
    optimizer : {"adam", "sgd"} or Optimizer, default=DEFAULT_OPTIMIZER
        A name, or an optimizer object (then ``lr`` is ignored).
    select : {"best_loss", "best_val", "last"}, default=DEFAULT_SELECT
        Which epoch's angles to return. ``best_loss``: the lowest mean
        cross-entropy over the training and validation samples pooled (ties,
        within :data:`SELECT_LOSS_TOLERANCE` nats per sample: the earlier
        epoch); without validation data, over the training set.
        ``best_val``: the best validation accuracy (ties: the lower validation
        loss, within the same tolerance, then the earlier epoch); without
        validation data, the last.
        ``last``: the last.
    seed : int or numpy.random.Generator, default=0
        Drives the initial angles and the per-epoch shuffles.
    theta0 : ndarray of shape (n_params,), optional
        Initial angles; default :func:`init_theta`.
    store : ParameterStore, optional
        Default a fresh :class:`qnn.stores.UnquantizedStore` (float training).
    readout : Readout, optional
        Default ``Readout(n_classes)``.
    callback : callable, optional
        Called with a :class:`StepInfo` after every step.

    Returns
    -------
    TrainResult
    """
    if not isinstance(executor, Executor):
        executor = Executor(get_architecture(executor))
    arch = executor.arch
    x, y, x_val, y_val, readout = check_data(arch, x, y, n_classes=n_classes, readout=readout,
                                             x_val=x_val, y_val=y_val)
    has_val = x_val is not None
    epochs = check_int("epochs", epochs, 1, MAX_EPOCHS)
    batch_size = check_int("batch_size", batch_size, 1)
    check_choice(select, SELECTIONS, "select")
    if isinstance(optimizer, str):
        optimizer = make_optimizer(check_choice(optimizer, OPTIMIZERS, "optimizer"), lr=lr)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    theta0 = init_theta(arch, rng) if theta0 is None else np.asarray(theta0, dtype=float)
    if theta0.shape != (arch.n_params,):
        raise ValueError(f"theta0: must have shape ({arch.n_params},), got {theta0.shape}")
    if store is None:
        from qnn.stores import UnquantizedStore

        store = UnquantizedStore()

    start = time.perf_counter()
    # The matrices here are tiny (16 x 16 for 4 qubits): a second BLAS thread never
    # helps, and on a busy machine its spin-waiting made training 8x slower.
    with threadpool_limits(limits=1, user_api="blas"):
        history = _loop(executor, x, y, x_val if has_val else None, y_val, epochs, batch_size,
                        optimizer, rng, theta0, store, readout, callback)
    n_val = len(x_val) if has_val else 0
    epoch = _selected_epoch(history, select, n_train=len(x), n_val=n_val)
    final = np.array(store.circuit_theta, dtype=float)
    return TrainResult(
        theta=np.array(history["theta"][epoch], dtype=float),
        loss_history=np.array(history["loss"]),
        val_loss_history=np.array(history["val_loss"]),
        accuracy_history=np.array(history["acc"]),
        val_accuracy_history=np.array(history["val_acc"]),
        n_steps=int(history["steps"][0]),
        seconds=time.perf_counter() - start,
        epoch=epoch,
        final_theta=final,
    )


#: Losses within this many nats per sample of the lowest tie, and the earliest epoch
#: wins. Codes that differ only in parameters the readout cannot see (an RZ just
#: before the CNOT ring and the Z readout) give the same loss up to rounding, so
#: without it the pick among them would depend on which matrix kernel rounded last.
SELECT_LOSS_TOLERANCE = 1e-9


def _selected_epoch(
    history: dict[str, list[Any]], select: str, *, n_train: int, n_val: int
) -> int:
    """Epoch :func:`train` returns under ``select`` (see :func:`train`)."""
    n = len(history["loss"])
    if select == "best_loss":
        # Stochastic rounding keeps the codes hopping between neighbouring grid
        # points, so the epochs are different draws around the optimum. The
        # pooled loss ranks them on every labelled sample: on small sets (Iris
        # validates on 30) validation accuracy alone picks mostly noise.
        pooled = np.asarray(history["loss"]) * n_train
        if n_val:
            pooled = pooled + np.asarray(history["val_loss"]) * n_val
        return _earliest_lowest(pooled, SELECT_LOSS_TOLERANCE * (n_train + n_val))
    if select == "last" or not n_val:
        return n - 1
    acc = np.asarray(history["val_acc"])
    val_loss = np.where(acc == acc.max(), np.asarray(history["val_loss"]), np.inf)
    return _earliest_lowest(val_loss, SELECT_LOSS_TOLERANCE)


def _earliest_lowest(values: np.ndarray, tolerance: float) -> int:
    """The earliest index whose value is within ``tolerance`` of the lowest."""
    within = np.flatnonzero(values <= np.min(values) + tolerance)
    return int(within[0]) if len(within) else int(np.argmin(values))


def _loop(
    executor: Executor,
    x: np.ndarray,
    y: np.ndarray,
    x_val: np.ndarray | None,
    y_val: np.ndarray | None,
    epochs: int,
    batch_size: int,
    optimizer: Optimizer,
    rng: np.random.Generator,
    theta0: np.ndarray,
    store: ParameterStore,
    readout: Readout,
    callback: Callable[[StepInfo], None] | None,
) -> dict[str, list[Any]]:
    """The epochs of :func:`train`: per-epoch histories and angles, and the step count."""
    store.init(theta0)
    optimizer.reset(executor.arch.n_params)
    n_batches = -(-len(x) // batch_size)
    history: dict[str, list[Any]] = {"loss": [], "acc": [], "val_loss": [], "val_acc": [],
                                     "theta": []}
    step_count = 0
    for epoch in range(epochs):
        store.begin_epoch(epoch, epochs)
        order = rng.permutation(len(x))
        for batch in range(n_batches):
            idx = order[batch * batch_size : (batch + 1) * batch_size]
            loss, grad = executor.value_and_grad(
                x[idx], store.circuit_theta,
                functools.partial(readout.loss_and_cotangent, y=y[idx]),
            )
            update = optimizer.step(grad)
            store.apply(update)
            if callback is not None:
                callback(StepInfo(epoch, step_count, batch, n_batches, loss, grad, update, store))
            step_count += 1
        history["theta"].append(np.array(store.circuit_theta, dtype=float))
        loss, acc = executor.evaluate(x, y, store.circuit_theta, readout)
        history["loss"].append(loss)
        history["acc"].append(acc)
        if x_val is not None and y_val is not None:
            val_loss, val_acc = executor.evaluate(x_val, y_val, store.circuit_theta, readout)
            history["val_loss"].append(val_loss)
            history["val_acc"].append(val_acc)
    history["steps"] = [step_count]
    return history
