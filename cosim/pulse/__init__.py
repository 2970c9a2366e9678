"""Pulse-level qubit dynamics: DAC codes -> drive -> realized gates (closed form and QuTiP).

QuTiP is imported lazily, inside the solver methods that need it.
"""

from cosim.pulse.angle_dac import AngleDAC
from cosim.pulse.gate import GateRealization, realize_gate
from cosim.pulse.gateset import CompiledGateSet, compile_gateset
from cosim.pulse.models import QubitModel
from cosim.pulse.solvers import ClosedFormSolver, QutipSolver, SolverOptions
from cosim.pulse.virtual_z import PhaseRegister
from cosim.pulse.waveforms import Drive, PulseSpec

__all__ = [
    "AngleDAC",
    "ClosedFormSolver",
    "CompiledGateSet",
    "Drive",
    "GateRealization",
    "PhaseRegister",
    "PulseSpec",
    "QubitModel",
    "QutipSolver",
    "SolverOptions",
    "compile_gateset",
    "realize_gate",
]
