"""The training loop of :func:`qnn.fit.fit_many`: many models, one pass over the data.

All models start from the same angles and see the same mini-batches (one
training stream shuffles for all of them); they differ in how their angles
are held (a :class:`~qnn._store_batch.StoreBatch` of parameter stores) and,
under noise, in the executor that runs them. Each step computes every
model's loss and gradient in one batched pass of the executor
(:meth:`qnn.executor.Executor.value_and_grad_many`), one optimizer step with a
leading model axis (Adam's moments per model) and one store update; each
epoch evaluates every model and records its history. Per model, this is
exactly the loop of :func:`qnn.training.train` (same operations in the same
order), so each result is what training that model alone gives.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from qnn._heap import keep_freed_memory
from qnn._store_batch import LiveStore, StoreBatch
from qnn.executor import Executor
from qnn.model import Readout
from qnn.optim import Optimizer
from qnn.training import StepInfo, TrainResult, _selected_epoch

Callback = Callable[[StepInfo], None]


def train_many(
    executors: Sequence[Executor],
    x: np.ndarray,
    y: np.ndarray,
    *,
    x_val: np.ndarray | None,
    y_val: np.ndarray | None,
    epochs: int,
    batch_size: int,
    select: str,
    optimizer: Optimizer,
    rng: np.random.Generator,
    theta0: np.ndarray,
    batch: StoreBatch,
    readout: Readout,
    callbacks: Sequence[Callback | None],
) -> tuple[list[TrainResult], np.ndarray]:
    """Train every model of ``batch``; inputs are already checked by :func:`qnn.fit.fit_many`.

    Parameters
    ----------
    executors : sequence of Executor
        One executor that runs every model (ideal training: one batched pass),
        or one per model (noisy training: each with its own sample stream).
    x, y, x_val, y_val, epochs, batch_size, select
        As in :func:`qnn.training.train`.
    optimizer : Optimizer
        Stepped with ``(M, n_params)`` gradients.
    rng : numpy.random.Generator
        The shared training stream (the shuffles).
    theta0 : ndarray of shape (n_params,)
        The shared initial angles, rad.
    batch : StoreBatch
    readout : Readout
    callbacks : sequence of callable or None
        Per model, called with its :class:`~qnn.training.StepInfo` after every step.

    Returns
    -------
    results : list of TrainResult
        One per model, in the batch's order.
    codes : ndarray of int64, shape (epochs, M_quantized, n_params)
        The quantized models' codes at the end of every epoch.
    """
    start = time.perf_counter()
    keep_freed_memory()  # the step's arrays are reused, not faulted in again (qnn._heap)
    # Tiny matrices: a second BLAS thread never helps (see qnn.training.train).
    with threadpool_limits(limits=1, user_api="blas"):
        history, codes, n_steps = _loop(executors, x, y, x_val, y_val, epochs, batch_size,
                                        optimizer, rng, theta0, batch, readout, callbacks)
    seconds = time.perf_counter() - start
    n_val = 0 if x_val is None else len(x_val)
    results = []
    for m in range(len(batch.stores)):
        own = {key: value[:, m] for key, value in history.items()}
        epoch = _selected_epoch(own, select, n_train=len(x), n_val=n_val)
        results.append(TrainResult(
            theta=own["theta"][epoch].copy(),
            loss_history=own["loss"].copy(),
            val_loss_history=own["val_loss"].copy(),
            accuracy_history=own["acc"].copy(),
            val_accuracy_history=own["val_acc"].copy(),
            n_steps=n_steps,
            seconds=seconds,
            epoch=epoch,
            final_theta=batch.circuit_theta[m].copy(),
        ))
    return results, codes


def _value_and_grad(executors: Sequence[Executor], x: np.ndarray, theta: np.ndarray,
                    fn: Callable[[np.ndarray], tuple[Any, np.ndarray]]
                    ) -> tuple[np.ndarray, np.ndarray]:
    if len(executors) == 1:
        return executors[0].value_and_grad_many(x, theta, fn)
    parts = [ex.value_and_grad_many(x, t[None], fn) for ex, t in zip(executors, theta, strict=True)]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _evaluate(executors: Sequence[Executor], x: np.ndarray, y: np.ndarray, theta: np.ndarray,
              readout: Readout) -> tuple[np.ndarray, np.ndarray]:
    if len(executors) == 1:
        return executors[0].evaluate_many(x, y, theta, readout)
    parts = [ex.evaluate_many(x, y, t[None], readout)
             for ex, t in zip(executors, theta, strict=True)]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _loop(
    executors: Sequence[Executor],
    x: np.ndarray,
    y: np.ndarray,
    x_val: np.ndarray | None,
    y_val: np.ndarray | None,
    epochs: int,
    batch_size: int,
    optimizer: Optimizer,
    rng: np.random.Generator,
    theta0: np.ndarray,
    batch: StoreBatch,
    readout: Readout,
    callbacks: Sequence[Callback | None],
) -> tuple[dict[str, np.ndarray], np.ndarray, int]:
    """The epochs: per-epoch, per-model histories and angles, codes, and the step count."""
    batch.init(theta0)
    n_models, n_params = batch.circuit_theta.shape
    optimizer.reset((n_models, n_params))
    n_batches = -(-len(x) // batch_size)
    history = {"loss": np.empty((epochs, n_models)), "acc": np.empty((epochs, n_models)),
               "theta": np.empty((epochs, n_models, n_params))}
    has_val = x_val is not None and y_val is not None
    history["val_loss"] = np.empty((epochs if has_val else 0, n_models))
    history["val_acc"] = np.empty((epochs if has_val else 0, n_models))
    codes = np.empty((epochs, n_models - batch.n_float, n_params), dtype=np.int64)
    watched = [(m, cb, LiveStore(batch, m)) for m, cb in enumerate(callbacks) if cb is not None]
    step_count = 0
    for epoch in range(epochs):
        batch.begin_epoch(epoch, epochs, n_batches)
        order = rng.permutation(len(x))
        for b in range(n_batches):
            idx = order[b * batch_size : (b + 1) * batch_size]
            loss, grad = _value_and_grad(
                executors, x[idx], batch.circuit_theta,
                functools.partial(readout.loss_and_cotangent, y=y[idx]))
            update = optimizer.step(grad)
            batch.apply(update)
            for m, callback, live in watched:
                callback(StepInfo(epoch, step_count, b, n_batches, float(loss[m]), grad[m],
                                  update[m], live))  # type: ignore[arg-type]
            step_count += 1
        theta = batch.circuit_theta
        history["theta"][epoch] = theta
        codes[epoch] = batch.codes
        # A model whose angles did not move this epoch (a deadlocked one) scores
        # what it scored before: evaluate only the others, on an ideal executor.
        moved = (np.any(theta != history["theta"][epoch - 1], axis=1)
                 if epoch and len(executors) == 1 and not executors[0].shots
                 else np.ones(n_models, dtype=bool))
        sets = [("loss", "acc", x, y)] + ([("val_loss", "val_acc", x_val, y_val)]
                                          if has_val else [])
        for loss_key, acc_key, xs, ys in sets:
            if not moved.all():
                history[loss_key][epoch] = history[loss_key][epoch - 1]
                history[acc_key][epoch] = history[acc_key][epoch - 1]
            if moved.any():
                # (With one executor per model, every model counts as moved.)
                history[loss_key][epoch, moved], history[acc_key][epoch, moved] = _evaluate(
                    executors, xs, ys, theta[moved], readout)
    batch.flush()
    return history, codes, step_count
