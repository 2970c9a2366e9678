"""Quantum neural networks trained and deployed under finite DAC resolution."""

from typing import Any

from qnn.architectures import PRESETS, Architecture, Op, get_architecture
from qnn.circuits import (
    expectation_z,
    expectation_z_channels,
    expectation_z_gates,
    expectation_z_unitaries,
    expectation_z_vjp,
    gate_encoding,
    value_and_grad,
)
from qnn.gateset import GateSet, IdealGateSet, TableGateSet, rotation
from qnn.model import Readout
from qnn.noise import NoiseModel
from qnn.training import FloatStore, ParameterStore, StepInfo, TrainResult, train

# These pull in scikit-learn; import them on first use so `import qnn` stays light.
_LAZY = {
    "QNNClassifier": "qnn.classifier",
    "AngleEncoder": "qnn.preprocess",
    "Dataset": "qnn.datasets",
    "load_dataset": "qnn.datasets",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'qnn' has no attribute {name!r}")


__all__ = [
    "PRESETS",
    "AngleEncoder",
    "Architecture",
    "Dataset",
    "FloatStore",
    "GateSet",
    "IdealGateSet",
    "NoiseModel",
    "Op",
    "ParameterStore",
    "QNNClassifier",
    "Readout",
    "StepInfo",
    "TableGateSet",
    "TrainResult",
    "expectation_z",
    "expectation_z_channels",
    "expectation_z_gates",
    "expectation_z_unitaries",
    "expectation_z_vjp",
    "gate_encoding",
    "get_architecture",
    "load_dataset",
    "rotation",
    "train",
    "value_and_grad",
]
