"""Parameters of the control stack and their conversion to sample-clock ticks.

The SimPy clock counts DAC sample periods (1 tick = ``1 / sample_rate_hz``):
the hardware is clocked, so every time is a whole number of ticks and
timelines are exact integers (converted to seconds only in the results).
Times given in seconds are rounded half up to whole ticks; the refill period
is at least one tick.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cosim.pulse.waveforms import ENVELOPES, PulseSpec
from hardware_models.validation import check_int, check_positive

#: Most qubit-samples a stack run may record (qubits x timeline ticks): the
#: emitted waveforms are built on a dense qubits x ticks grid (16 bytes a
#: sample), so this bounds a run to about 160 MB.
MAX_TIMELINE_SAMPLES = 10_000_000

ASSIGNMENTS = ("pool", "static")


def _ticks(seconds: float, rate_hz: float) -> int:
    return int(math.floor(seconds * rate_hz + 0.5))




@dataclass(frozen=True)
class StackSpec:
    """A control stack: DAC channels shared by qubits, fed by a sequencer through FIFOs.

    Parameters
    ----------
    n_qubits : int, default=4
        Qubits driven (1..16).
    n_channels : int, default=4
        DAC channels (1..n_qubits), shared by time-division multiplexing.
    sample_rate_hz : float, default=1e9
        DAC sample clock in Hz; 1 tick of the simulation.
    samples_per_word : int, default=4
        Samples per FIFO word (the parallel DAC data path).
    fifo_depth_words : int, default=16
        FIFO capacity per channel, in words.
    refill_rate_hz : float, default=1e9
        Words per second the sequencer writes into one channel's FIFO.
    issue_latency_s : float, default=4e-9
        Sequencer latency from channel grant to the first word written, in s.
    gate_1q_s : float, default=20e-9
        X/Y pulse duration in s.
    gate_2q_s : float, default=100e-9
        CNOT duration in s (on dedicated coupler hardware, not a drive channel).
    gap_s : float, default=0.0
        Dead time after each pulse during which the channel stays held
        (switch settling, ring-down), in s.
    envelope : {"square", "cosine", "gaussian"}, default="square"
        Pulse envelope (see :mod:`cosim.pulse.waveforms`).
    angle_bits : int, default=8
        Amplitude (angle) DAC resolution when no DAC instance is given.
    phase_bits : int, default=16
        Virtual-Z phase-register resolution (2..32).
    cnot_error_rad : float, default=0.0
        Coherent ZX over-rotation of every CNOT (see :func:`cosim.stack.circuit.cnot_unitary`).
    assignment : {"pool", "static"}, default="pool"
        ``pool``: a qubit takes any free channel (a crossbar); ``static``: qubit
        ``q`` only uses channel ``q % n_channels`` (one switch per channel).
    """

    n_qubits: int = 4
    n_channels: int = 4
    sample_rate_hz: float = 1e9
    samples_per_word: int = 4
    fifo_depth_words: int = 16
    refill_rate_hz: float = 1e9
    issue_latency_s: float = 4e-9
    gate_1q_s: float = 20e-9
    gate_2q_s: float = 100e-9
    gap_s: float = 0.0
    envelope: str = "square"
    angle_bits: int = 8
    phase_bits: int = 16
    cnot_error_rad: float = 0.0
    assignment: str = "pool"

    def __post_init__(self) -> None:
        check_int("n_qubits", self.n_qubits, 1, 16)
        check_int("n_channels", self.n_channels, 1, self.n_qubits)
        check_int("samples_per_word", self.samples_per_word, 1)
        check_int("fifo_depth_words", self.fifo_depth_words, 1)
        check_int("angle_bits", self.angle_bits, 1, 16)
        check_int("phase_bits", self.phase_bits, 2, 32)
        for name in ("sample_rate_hz", "refill_rate_hz", "gate_1q_s", "gate_2q_s"):
            check_positive(name, getattr(self, name))
        for name in ("issue_latency_s", "gap_s"):
            check_positive(name, getattr(self, name), allow_zero=True)
        if not math.isfinite(self.cnot_error_rad):
            raise ValueError(f"cnot_error_rad: must be finite, got {self.cnot_error_rad!r}")
        if self.envelope not in ENVELOPES:
            raise ValueError(
                f"envelope: must be one of {', '.join(ENVELOPES)}, got {self.envelope!r}"
            )
        if self.assignment not in ASSIGNMENTS:
            raise ValueError(
                f"assignment: must be one of {', '.join(ASSIGNMENTS)}, got {self.assignment!r}"
            )
        if self.pulse_samples < 1 or self.twoq_ticks < 1:
            raise ValueError("gate_1q_s: gate durations must last at least one sample period, "
                             f"got {self.gate_1q_s:g} s and {self.gate_2q_s:g} s at "
                             f"{self.sample_rate_hz:g} Hz")

    # --- times in ticks -------------------------------------------------------------
    @property
    def tick_s(self) -> float:
        """One sample period in s."""
        return 1.0 / self.sample_rate_hz

    @property
    def pulse_samples(self) -> int:
        return _ticks(self.gate_1q_s, self.sample_rate_hz)

    @property
    def pulse_words(self) -> int:
        return -(-self.pulse_samples // self.samples_per_word)

    @property
    def twoq_ticks(self) -> int:
        return _ticks(self.gate_2q_s, self.sample_rate_hz)

    @property
    def issue_ticks(self) -> int:
        return _ticks(self.issue_latency_s, self.sample_rate_hz)

    @property
    def gap_ticks(self) -> int:
        return _ticks(self.gap_s, self.sample_rate_hz)

    @property
    def refill_ticks(self) -> int:
        """Ticks to write one word, ``max(1, round(sample_rate / refill_rate))``."""
        return max(1, _ticks(1.0, self.sample_rate_hz / self.refill_rate_hz))

    @property
    def pulse(self) -> PulseSpec:
        """The single-qubit pulse every X/Y rotation plays."""
        return PulseSpec(duration_s=self.pulse_samples / self.sample_rate_hz,
                         sample_rate_hz=self.sample_rate_hz, envelope=self.envelope)

    def channel_of(self, qubit: int) -> int | None:
        """The only channel a qubit may use (``static``), or ``None`` (``pool``)."""
        if self.assignment == "pool":
            return None
        return qubit % self.n_channels
