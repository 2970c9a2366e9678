"""Quantized training and deployment of QNN angles on a finite-resolution DAC.

One import point for the three modules that implement it:

* :mod:`qnn.quantizers`: the angle grid on a DAC, rounding kernels
  (nearest, temperature-controlled stochastic ``Q_T``, multi-level Boltzmann),
  post-training quantization;
* :mod:`qnn.schedules`: temperature schedules over epochs;
* :mod:`qnn.stores`: parameter stores for the training loop, with diagnostics.

The formulas, with their bias and variance, are in ``docs/quantization.md``.
"""

from __future__ import annotations

from qnn.quantizers import (
    ROUNDINGS,
    AngleGrid,
    p_round_up,
    quantize_parameters,
    round_to_grid,
    rounding_moments,
)
from qnn.schedules import SCHEDULES, TemperatureSchedule, default_t_final, temperature_at
from qnn.stores import (
    DEADLOCK_RATIO,
    QUANTIZERS,
    DeterministicStore,
    STEStore,
    StochasticStore,
    StoreDiagnostics,
    UnquantizedStore,
    make_store,
)
from qnn.vocabulary import KERNELS, nearest_codes

__all__ = [
    "DEADLOCK_RATIO",
    "KERNELS",
    "QUANTIZERS",
    "ROUNDINGS",
    "SCHEDULES",
    "AngleGrid",
    "DeterministicStore",
    "STEStore",
    "StochasticStore",
    "StoreDiagnostics",
    "TemperatureSchedule",
    "UnquantizedStore",
    "default_t_final",
    "make_store",
    "p_round_up",
    "nearest_codes",
    "quantize_parameters",
    "round_to_grid",
    "rounding_moments",
    "temperature_at",
]
