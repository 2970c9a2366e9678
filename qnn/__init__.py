"""Quantum neural networks trained and deployed under finite DAC resolution."""

from typing import Any

# Every public name is imported on first use, so that `import qnn.vocabulary`
# (which a command line needs to build its parser) does not load the simulator,
# the training stack, scipy or scikit-learn.
_LAZY = {
    **dict.fromkeys(("PRESETS", "Architecture", "Op", "get_architecture"), "qnn.architectures"),
    **dict.fromkeys(("expectation_z", "expectation_z_gates", "expectation_z_unitaries",
                     "expectation_z_vjp", "expectation_z_channels", "gate_encoding",
                     "value_and_grad", "value_and_grad_many", "expectation_z_many"),
                    "qnn.circuits"),
    "NoiseModel": "qnn.noise",
    **dict.fromkeys(("ControlStack", "DACConfig", "Device", "Measurement", "Qubit"),
                    "qnn.device"),
    "Executor": "qnn.executor",
    **dict.fromkeys(("GateSet", "IdealGateSet", "TableGateSet", "rotation"), "qnn.gateset"),
    "Readout": "qnn.model",
    **dict.fromkeys(("ParameterStore", "StepInfo", "TrainResult", "train"), "qnn.training"),
    "QNNClassifier": "qnn.classifier",
    # The function qnn.fit.fit is not re-exported: its name is its module's.
    **dict.fromkeys(("TrainingRecipe", "FitResult", "fit_many"), "qnn.fit"),
    "AngleEncoder": "qnn.preprocess",
    **dict.fromkeys(("Dataset", "load_dataset"), "qnn.datasets"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'qnn' has no attribute {name!r}")


__all__ = sorted(_LAZY)
