"""Run a circuit on the SimPy control stack.

One process per qubit walks its instructions in circuit order, and one
process per DAC channel (:class:`~cosim.stack.channel.DACChannel`) plays the
pulses it is handed:

* virtual Z: logged, zero time;
* X/Y pulse: wait for a channel (``simpy.Resource``: the pool of
  ``n_channels``, lowest free index first, or the qubit's own channel under
  ``static`` assignment; FIFO order among waiting qubits), hand the pulse to
  the channel process, wait until it has played it, release;
* CNOT: wait until both qubits reach it (a two-event barrier), then both are
  busy for ``gate_2q`` ticks; no drive channel is used.

Qubits start in index order at t = 0, so equal-time requests are served in
qubit order and the run is deterministic.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable

import numpy as np
import simpy

from cosim.pulse.angle_dac import AngleDAC
from cosim.pulse.waveforms import full_scale_rabi_rad_s
from cosim.stack.channel import DACChannel, Emission
from cosim.stack.circuit import Gate, as_gates
from cosim.stack.results import PulseRecord, StackResult, TwoQubitRecord, WaveformRecord
from cosim.stack.sequencer import (
    Program,
    PulseInstruction,
    TwoQubitInstruction,
    VirtualZInstruction,
    compile_program,
)
from cosim.stack.spec import MAX_TIMELINE_SAMPLES, StackSpec
from hardware_models.dac import DAC, DACSpec, as_generator


class _Stack:
    """The simulated hardware and its bookkeeping for one run."""

    def __init__(self, spec: StackSpec, program: Program) -> None:
        self.env = simpy.Environment()
        self.spec = spec
        self.program = program
        self.log: list[tuple[int, str]] = []
        self.channels = [DACChannel(self.env, c, spec, self._record)
                         for c in range(spec.n_channels)]
        self.pool = simpy.Resource(self.env, capacity=spec.n_channels)
        self.free = list(range(spec.n_channels))
        self.emissions: list[Emission] = []
        self.twoq: list[tuple[TwoQubitInstruction, int, int]] = []
        self.driven = [0] * spec.n_qubits
        self.barriers = {
            ins.index: {ins.control: self.env.event(), ins.target: self.env.event()}
            for ins in program.instructions if isinstance(ins, TwoQubitInstruction)
        }

    def _record(self, text: str) -> None:
        self.log.append((self.env.now, text))

    def _pulse(self, ins: PulseInstruction) -> Generator:
        q = ins.qubit
        fixed = self.spec.channel_of(q)
        resource = self.pool if fixed is None else self.channels[fixed].resource
        emission = Emission(instruction=ins, channel=-1, request=self.env.now)
        with resource.request() as req:
            yield req
            ch = self.free.pop(0) if fixed is None else fixed
            emission.channel, emission.acquire = ch, self.env.now
            self._record(f"q{q} {ins.kind} acquire ch{ch}")
            done = self.env.event()
            yield self.channels[ch].commands.put((emission, done))
            yield done
            emission.release = self.env.now
            self._record(f"q{q} {ins.kind} release ch{ch}")
            if fixed is None:
                # Back in the free list before the Resource wakes the next waiter.
                self.free.append(ch)
                self.free.sort()
        self.driven[q] += sum(w.size for _, w in emission.words)
        self.emissions.append(emission)

    def _cnot(self, ins: TwoQubitInstruction, q: int) -> Generator:
        barrier = self.barriers[ins.index]
        barrier[q].succeed()
        yield self.env.all_of(list(barrier.values()))
        start = self.env.now
        if q == ins.control:
            self._record(f"q{ins.control},q{ins.target} cnot start")
        yield self.env.timeout(self.spec.twoq_ticks)
        self.driven[q] += self.spec.twoq_ticks
        if q == ins.control:
            self._record(f"q{ins.control},q{ins.target} cnot done")
            self.twoq.append((ins, start, self.env.now))

    def qubit(self, q: int) -> Generator:
        for ins in self.program.for_qubit(q):
            if isinstance(ins, VirtualZInstruction):
                self._record(f"q{q} rz frame {ins.frame_code}")
            elif isinstance(ins, TwoQubitInstruction):
                yield from self._cnot(ins, q)
            else:
                yield from self._pulse(ins)

    def run(self) -> int:
        for q in range(self.spec.n_qubits):
            self.env.process(self.qubit(q))
        self.env.run()
        return int(self.env.now)


def _waveforms(stack: _Stack, angle: AngleDAC, duration: int,
               rng: np.random.Generator | None) -> list[WaveformRecord]:
    """Dense per-tick drive per qubit, run-length compressed into records."""
    fs = stack.spec.sample_rate_hz
    amp = np.zeros((stack.spec.n_qubits, duration))
    phase = np.zeros((stack.spec.n_qubits, duration))
    for em in stack.emissions:
        for start, word in em.words:
            amp[em.qubit, start : start + word.size] = angle.level_fraction(word, rng=rng)
            phase[em.qubit, start : start + word.size] = em.instruction.phase_rad
    records = []
    for q in range(stack.spec.n_qubits):
        a, p = amp[q], phase[q]
        change = np.flatnonzero((a[1:] != a[:-1]) | (p[1:] != p[:-1])) + 1
        starts = np.concatenate(([0], change)) if duration else np.zeros(0, dtype=int)
        edges = np.append(starts, duration) / fs
        records.append(WaveformRecord(q, edges, a[starts].copy(), p[starts].copy()))
    return records


def _shortest_ticks(spec: StackSpec, program: Program) -> int:
    """A lower bound of the run's length: every gate as soon as its qubits are free.

    (No channel contention, latency or FIFO stalls, which only add time.)
    """
    free = [0] * spec.n_qubits
    for ins in program.instructions:
        if isinstance(ins, TwoQubitInstruction):
            end = max(free[ins.control], free[ins.target]) + spec.twoq_ticks
            free[ins.control] = free[ins.target] = end
        elif not isinstance(ins, VirtualZInstruction):
            free[ins.qubit] += spec.pulse_samples
    return max(free, default=0)


def _check_timeline(spec: StackSpec, program: Program, ticks: int) -> None:
    """Refuse a run whose dense waveform grid would exceed :data:`MAX_TIMELINE_SAMPLES`."""
    if spec.n_qubits * ticks > MAX_TIMELINE_SAMPLES:
        raise ValueError(f"gate_1q_s: {spec.n_qubits} qubits x a timeline of at least {ticks} "
                         f"samples exceeds {MAX_TIMELINE_SAMPLES} samples; shorten the gates, "
                         "lower the sample rate or use fewer qubits")


def simulate(
    circuit: Iterable[Gate | tuple],
    spec: StackSpec | None = None,
    *,
    x: np.ndarray | None = None,
    theta: np.ndarray | None = None,
    dac: DAC | None = None,
    rng: int | np.random.Generator | None = None,
) -> StackResult:
    """Compile a circuit and play it on the control stack.

    Parameters
    ----------
    circuit : iterable of Gate, tuple or qnn.architectures.Op
        See :func:`cosim.stack.circuit.as_gates`; an ``Architecture.ops()``
        list needs ``x`` and ``theta``.
    spec : StackSpec, optional
        Stack parameters; default :class:`StackSpec()`.
    x, theta : array_like, optional
        Data and parameters (rad) for an ``Architecture.ops()`` circuit.
    dac : hardware_models.dac.DAC, optional
        Amplitude DAC of every channel; default an ideal ``spec.angle_bits`` DAC.
        Its ``bits`` must equal ``spec.angle_bits``.
    rng : int or numpy.random.Generator, optional
        Only for the DAC's output noise in the emitted waveforms; without it
        the static levels are recorded.

    Returns
    -------
    StackResult
    """
    spec = StackSpec() if spec is None else spec
    if dac is None:
        dac = DAC(DACSpec(bits=spec.angle_bits), rng=None)
    if not isinstance(dac, DAC):
        raise ValueError(f"dac: must be a hardware_models.dac.DAC, got {type(dac).__name__}")
    if dac.bits != spec.angle_bits:
        raise ValueError(f"dac: bits must equal spec.angle_bits={spec.angle_bits}, "
                         f"got {dac.bits}")
    gen = None if rng is None else as_generator(rng, "rng")
    angle = AngleDAC(dac)
    program = compile_program(as_gates(circuit, x=x, theta=theta), spec, angle)
    _check_timeline(spec, program, _shortest_ticks(spec, program))
    stack = _Stack(spec, program)
    duration = stack.run()
    _check_timeline(spec, program, duration)
    fs = spec.sample_rate_hz
    busy = tuple(ch.busy_ticks / fs for ch in stack.channels)
    total = duration / fs
    pulses = tuple(
        PulseRecord(
            qubit=e.qubit, channel=e.channel, kind=ins.kind, angle_rad=ins.angle_rad,
            code=ins.code, phase_rad=ins.phase_rad, request_s=e.request / fs,
            acquire_s=e.acquire / fs, play_s=e.play / fs, done_s=e.done / fs,
            release_s=e.release / fs, underflows=len(e.stalls), index=ins.index,
            stalls_s=tuple((a / fs, b / fs) for a, b in e.stalls),
        )
        for e in stack.emissions
        for ins in (e.instruction,)
    )
    return StackResult(
        spec=spec, program=program, duration_s=total, channel_busy_s=busy,
        channel_utilization=tuple(b / total if total else 0.0 for b in busy),
        utilization=sum(busy) / (spec.n_channels * total) if total else 0.0,
        underflows=sum(ch.underflows for ch in stack.channels),
        stall_s=sum(b - a for e in stack.emissions for a, b in e.stalls) / fs,
        idle_s=tuple((duration - d) / fs for d in stack.driven),
        waveforms=tuple(_waveforms(stack, angle, duration, gen)),
        pulses=pulses,
        two_qubit=tuple(TwoQubitRecord(ins.control, ins.target, s / fs, d / fs, ins.index)
                        for ins, s, d in stack.twoq),
        log=tuple((t / fs, text) for t, text in stack.log),
        rabi_full_scale_rad_s=full_scale_rabi_rad_s(spec.pulse),
    )

