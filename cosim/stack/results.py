"""What a control-stack simulation reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from cosim.stack.sequencer import Program
from cosim.stack.spec import StackSpec


@dataclass(frozen=True, eq=False)
class WaveformRecord:
    """The piecewise-constant drive one qubit received, from t = 0 to the circuit end.

    Segment ``i`` spans ``[t_s[i], t_s[i + 1])``. Idle time and FIFO-underflow
    stalls are zero-amplitude segments (the DAC outputs its zero code).

    Attributes
    ----------
    qubit : int
    t_s : ndarray of shape (m + 1,)
        Segment edges in s.
    amplitude : ndarray of shape (m,)
        Realized DAC output as a fraction of full scale (Rabi rate is
        ``amplitude * StackResult.rabi_full_scale_rad_s``).
    phase_rad : ndarray of shape (m,)
        Drive phase in rad (0 where the amplitude is 0 between pulses).
    """

    qubit: int
    t_s: np.ndarray
    amplitude: np.ndarray
    phase_rad: np.ndarray


@dataclass(frozen=True)
class PulseRecord:
    """Timing of one X/Y pulse on its channel (times in s).

    ``index`` is the gate's position in the circuit; ``stalls_s`` the
    ``(start, end)`` of each FIFO underflow inside ``[play_s, done_s)``.
    """

    qubit: int
    channel: int
    kind: str
    angle_rad: float
    code: int
    phase_rad: float
    request_s: float
    acquire_s: float
    play_s: float
    done_s: float
    release_s: float
    underflows: int
    index: int = -1
    stalls_s: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class TwoQubitRecord:
    """Timing of one CNOT (times in s); ``index`` is its position in the circuit."""

    control: int
    target: int
    start_s: float
    done_s: float
    index: int = -1


@dataclass(frozen=True, eq=False)
class StackResult:
    """Outcome of :func:`cosim.stack.simulate.simulate`.

    Attributes
    ----------
    spec : StackSpec
    program : Program
        The compiled instructions.
    duration_s : float
        Time at which the last qubit finished.
    channel_busy_s : tuple of float
        Per channel, time spent emitting pulse samples (stalls excluded).
    channel_utilization : tuple of float
        ``channel_busy_s / duration_s``.
    utilization : float
        ``sum(channel_busy_s) / (n_channels * duration_s)``.
    underflows : int
        FIFO underflows: words the channel needed before they were written.
    stall_s : float
        Total time pulses were stalled by underflows.
    idle_s : tuple of float
        Per qubit, ``duration_s`` minus the time it was driven (pulse samples
        emitted plus CNOTs): waiting for a channel, issue latency, prefill,
        stalls, gaps and the tail after its last gate.
    waveforms : tuple of WaveformRecord
        One per qubit.
    pulses : tuple of PulseRecord
    two_qubit : tuple of TwoQubitRecord
    log : tuple of (float, str)
        Every scheduling event as ``(time_s, text)``, in order.
    rabi_full_scale_rad_s : float
        Rabi rate of a full-scale sample, rad/s.
    """

    spec: StackSpec
    program: Program
    duration_s: float
    channel_busy_s: tuple[float, ...]
    channel_utilization: tuple[float, ...]
    utilization: float
    underflows: int
    stall_s: float
    idle_s: tuple[float, ...]
    waveforms: tuple[WaveformRecord, ...]
    pulses: tuple[PulseRecord, ...]
    two_qubit: tuple[TwoQubitRecord, ...]
    log: tuple[tuple[float, str], ...]
    rabi_full_scale_rad_s: float

    def summary(self) -> dict[str, Any]:
        """Scalar figures and per-qubit/per-channel lists, JSON-ready."""
        return {
            "duration_s": self.duration_s,
            "utilization": self.utilization,
            "channel_utilization": list(self.channel_utilization),
            "channel_busy_s": list(self.channel_busy_s),
            "underflows": self.underflows,
            "stall_s": self.stall_s,
            "idle_s": list(self.idle_s),
            "n_pulses": len(self.pulses),
            "n_virtual_z": sum(1 for i in self.program.instructions if i.kind == "rz"),
            "n_cnot": len(self.two_qubit),
            "final_frame_rad": list(self.program.final_frame_rad),
        }
