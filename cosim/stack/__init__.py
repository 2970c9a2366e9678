"""The SimPy control stack: sequencer, FIFOs, DAC channels and time-division multiplexing."""

from cosim.stack.circuit import Gate, as_gates, cnot_unitary
from cosim.stack.results import PulseRecord, StackResult, TwoQubitRecord, WaveformRecord
from cosim.stack.sequencer import Program, compile_program
from cosim.stack.simulate import simulate
from cosim.stack.spec import StackSpec

__all__ = [
    "Gate",
    "Program",
    "PulseRecord",
    "StackResult",
    "StackSpec",
    "TwoQubitRecord",
    "WaveformRecord",
    "as_gates",
    "cnot_unitary",
    "compile_program",
    "simulate",
]
