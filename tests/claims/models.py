"""The trained models the claim checks share, each trained once per session.

Every model goes through the one training path (:func:`qnn.fit.fit`) with the
library defaults; only the seed, the quantizer and the DAC resolution change.
A seed draws the split, the initial angles and the shuffles, and a stream
spawned from it drives the stochastic rounding, as in ``cosim train``, the
estimator and the study stages. Every training gets the validation split, so
the default ``select="best_loss"`` ranks the epochs on training and validation
data pooled, for every mode alike.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from qnn.datasets import Dataset, load_dataset
from qnn.device import DACConfig, Device
from qnn.executor import Executor
from qnn.fit import TrainingRecipe, fit
from qnn.model import Readout

SEEDS = {"iris": tuple(range(10)), "breast_cancer": (0, 1), "mnist": (0, 1),
         "fashion_mnist": (0, 1)}


@dataclass(frozen=True)
class Outcome:
    """One training run: test accuracy of the returned and of the initial angles."""

    accuracy: float
    initial_accuracy: float
    updates_applied_fraction: float
    theta: np.ndarray


@functools.cache
def dataset(name: str, seed: int) -> Dataset:
    return load_dataset(name, seed=seed)


def accuracy(name: str, arch: str, seed: int, theta: np.ndarray) -> float:
    """Test accuracy of the angles ``theta`` on the ideal circuit."""
    ds = dataset(name, seed)
    return Executor(arch).evaluate(ds.X_test, ds.y_test, theta, Readout(ds.n_classes))[1]


@functools.cache
def run(name: str, arch: str, seed: int, quantizer: str = "none",
        bits: int | float = math.inf) -> Outcome:
    """Train with the defaults; ``quantizer="none"`` is the float model."""
    ds = dataset(name, seed)
    result = fit(arch, ds.X_train, ds.y_train, n_classes=ds.n_classes, x_val=ds.X_val,
                 y_val=ds.y_val, recipe=TrainingRecipe(quantizer=quantizer),
                 device=Device(angle_dac=DACConfig(bits=bits)), seed=seed)
    return Outcome(result.evaluate(ds.X_test, ds.y_test)[1],
                   accuracy(name, arch, seed, result.initial_theta),
                   result.diagnostics.updates_applied_fraction, result.theta)


def mean(values: list[float]) -> float:
    return float(np.mean(values))
