"""The SimPy schedule as the executor's timing: idle intervals per wire and the pulse window.

A :class:`~cosim.stack.results.StackResult` knows when every pulse played
(``play_s .. done_s``, FIFO stalls inside), when every CNOT ran and when the
circuit ended. :func:`scheduled_timing` turns that into a
:class:`qnn.noise.Timing`: per wire, the wait before each operation of
``Architecture.ops()`` -- for a shared channel (request to grant, issue
latency, FIFO prefill), for a CNOT partner, after a pulse's gap -- and the
wait before the common readout at the end of the circuit. A virtual RZ takes
no time; its wait is counted before the next real operation (relaxation
commutes with Z rotations, so where it sits does not matter).

:func:`emission_mask` is the pulse window itself: which ticks from play to
done emit a sample and which are underflow stalls. Every pulse of a stack
has the same words, prefill and refill, so every pulse stalls alike, and the
per-code processes (:func:`cosim.pulse.processes.compile_processes`) are
compiled on that window.

A stack drives its qubits in groups that share channels. When a channel
serves more qubits than one circuit has, every group of ``n_qubits`` qubits
runs its own copy of the circuit at the same time (:func:`replicated_ops`),
and each copy has its own timing (``copy`` of :func:`scheduled_timing`).
"""

from __future__ import annotations

import math

import numpy as np

from cosim.stack.results import StackResult
from cosim.stack.spec import StackSpec
from qnn.architectures import Architecture, Op
from qnn.noise import Timing


def circuit_copies(n_qubits: int, qubits_per_channel: int) -> int:
    """Copies of an ``n_qubits`` circuit that fill the channels: ``ceil(qpc / n)``."""
    return max(1, math.ceil(qubits_per_channel / n_qubits))


def replicated_ops(arch: Architecture, copies: int) -> list[Op]:
    """``arch.ops()`` on ``copies`` disjoint groups of wires, copy after copy.

    Copy ``c`` uses wires ``c * n .. c * n + n - 1``, features and parameters
    as in copy 0 (each copy plays the same circuit).
    """
    n = arch.n_qubits
    out = []
    for c in range(copies):
        for op in arch.ops():
            out.append(Op(op.kind, tuple(w + c * n for w in op.wires), feature=op.feature,
                          param=op.param))
    return out


def spec_for(arch: Architecture, device, *, envelope: str = "square",
             samples_per_word: int = 4, phase_bits: int = 16) -> StackSpec:
    """The :class:`StackSpec` of a :class:`qnn.device.Device` running ``arch``.

    All copies (:func:`circuit_copies`) share ``ceil(n_qubits * copies / qpc)``
    pooled channels; the angle DAC's bits are the channels' (8 when float).
    """
    stack, qubit = device.stack, device.qubit
    copies = circuit_copies(arch.n_qubits, stack.qubits_per_channel)
    wires = arch.n_qubits * copies
    bits = device.angle_dac.bits
    return StackSpec(
        n_qubits=wires, n_channels=-(-wires // stack.qubits_per_channel),
        sample_rate_hz=stack.sample_rate_hz, samples_per_word=samples_per_word,
        fifo_depth_words=stack.fifo_depth, refill_rate_hz=stack.refill_rate_hz,
        issue_latency_s=stack.issue_latency_s, gate_1q_s=qubit.gate_1q_s,
        gate_2q_s=qubit.gate_2q_s, envelope=envelope,
        angle_bits=8 if math.isinf(bits) else int(bits), phase_bits=phase_bits,
    )


def emission_mask(result: StackResult) -> np.ndarray:
    """Per tick of the pulse window (play to done), whether the DAC played a sample.

    Raises ``ValueError`` if pulses stalled differently (they cannot on one stack).
    """
    fs = result.spec.sample_rate_hz
    masks = set()
    for p in result.pulses:
        n = round((p.done_s - p.play_s) * fs)
        mask = np.ones(n, dtype=bool)
        for a, b in p.stalls_s:
            mask[round((a - p.play_s) * fs) : round((b - p.play_s) * fs)] = False
        masks.add(mask.tobytes())
    if len(masks) != 1:
        raise ValueError(f"schedule: pulses stalled in {len(masks)} different ways")
    return np.frombuffer(masks.pop(), dtype=bool).copy()


def _spans(result: StackResult) -> dict[int, tuple[float, float]]:
    """Start and end (s) of every timed gate by circuit index."""
    spans = {p.index: (p.play_s, p.done_s) for p in result.pulses}
    spans.update({t.index: (t.start_s, t.done_s) for t in result.two_qubit})
    return spans


def scheduled_timing(result: StackResult, arch: Architecture, copy: int = 0) -> Timing:
    """The idle intervals of copy ``copy`` of ``arch`` in a stack run, as a :class:`Timing`.

    ``result`` must come from ``simulate(replicated_ops(arch, copies), ...)``
    (or ``arch.ops()`` itself for one copy).
    """
    ops = arch.ops()
    spans = _spans(result)
    n = arch.n_qubits
    offset = copy * len(ops)
    free = [0.0] * n
    idle: list[list[float]] = [[] for _ in range(n)]
    for i, op in enumerate(ops):
        local = op.wires
        if op.kind == "rz":
            idle[local[0]].append(0.0)
            continue
        if offset + i not in spans:
            raise ValueError(f"schedule: gate {offset + i} ({op.kind}) was not played")
        start, end = spans[offset + i]
        for w in local:
            idle[w].append(max(start - free[w], 0.0))
            free[w] = end
    readout = max(free)
    for w in range(n):
        idle[w].append(readout - free[w])
    return Timing(tuple(tuple(row) for row in idle))
