"""Quantum neural networks trained and deployed under finite DAC resolution."""

from qnn.architectures import PRESETS, Architecture, Op, get_architecture
from qnn.gateset import GateSet, IdealGateSet, TableGateSet, rotation

__all__ = [
    "PRESETS",
    "Architecture",
    "GateSet",
    "IdealGateSet",
    "Op",
    "TableGateSet",
    "get_architecture",
    "rotation",
]
