"""A device's realized hardware: per-code pulse processes on the scheduled timing.

What a deployed QNN runs on when cosim can say more than the device-level
noise model of :meth:`qnn.device.Device.noise_model`: the same
:class:`~qnn.executor.Executor`, given

* the SimPy run of the circuit on the device's stack
  (:func:`cosim.stack.timing.spec_for`: qubits per channel, FIFO depth and
  refill, issue latency, sample rate; copies of the circuit fill a channel
  that serves more qubits than the circuit has), giving one
  :class:`qnn.noise.Timing` per copy and the pulse window with its stalls;
* the processes of every code of the chip's angle DAC on that window
  (:func:`cosim.pulse.processes.compile_processes`: T1/T2 during the pulse,
  leakage, DAC output noise, the reconstruction filter, DRAG), and of its
  encoding DAC;
* the noise of what is not a pulse: idle waits, the CNOT error, readout.

Training needs continuous angles, so it runs on the device-level model;
deployment (``cosim train``'s ``hardware_test_*``, a study's stage
``hardware``) runs here. Built once per process, architecture and device.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from qnn.architectures import Architecture, get_architecture
from qnn.device import Device
from qnn.executor import Executor
from qnn.model import Readout
from qnn.vocabulary import lsb_rad, nearest_codes

# Compiled processes are ~64 KiB per 1024 codes; a worker sees few chips at a time.
_CACHE_SIZE = 16


@dataclass(frozen=True, eq=False)
class Realized:
    """The hardware a deployed model runs on.

    Attributes
    ----------
    channels : cosim.pulse.processes.PulseChannels
        Processes of the angle DAC's codes.
    encode : callable or None
        Encoding hook: the encoding DAC's processes, or None for ideal ``RY``.
    noise : qnn.noise.NoiseModel
    timings : tuple of qnn.noise.Timing
        One per copy of the circuit on the stack.
    result : cosim.stack.results.StackResult
    """

    channels: Any
    encode: Any
    noise: Any
    timings: tuple[Any, ...]
    result: Any


def pulse_setup(device: Device) -> tuple[Any, Any, Any, Any]:
    """The device's ``(PulseSpec, QubitModel, FilterSpec, Drag or None)``."""
    from cosim.pulse import PulseSpec, QubitModel
    from cosim.pulse.filters import FilterSpec
    from cosim.pulse.processes import Drag

    s, q = device.stack, device.qubit
    pulse = PulseSpec(duration_s=q.gate_1q_s, sample_rate_hz=s.sample_rate_hz,
                      envelope=s.envelope)
    model = QubitModel(levels=q.levels, anharmonicity_hz=q.anharmonicity_hz, t1_s=q.t1_s,
                       t2_s=q.t2_s)
    filt = FilterSpec(s.filter, cutoff_hz=s.filter_cutoff_hz if s.filter != "none" else None)
    drag = Drag(bits=q.drag_bits) if q.drag else None
    return pulse, model, filt, drag


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _compiled(dac_config: Any, pulse: Any, model: Any, filt: Any, drag: Any,
              emitted: bytes, phase_bits: int) -> Any:
    from cosim.pulse.processes import compile_processes

    return compile_processes(dac_config.grid().dac, pulse=pulse, model=model, filt=filt,
                             emitted=np.frombuffer(emitted, dtype=bool), drag=drag,
                             phase_bits=phase_bits)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def realized_hardware(arch: Architecture, device: Device) -> Realized:
    """The :class:`Realized` hardware of ``device`` running ``arch`` (memoised)."""
    from cosim.stack import simulate
    from cosim.stack.timing import (
        circuit_copies,
        emission_mask,
        replicated_ops,
        scheduled_timing,
        spec_for,
    )
    from qnn.noise import NoiseModel, channel_encoding

    pulse, model, filt, drag = pulse_setup(device)
    spec = spec_for(arch, device, envelope=device.stack.envelope)
    copies = circuit_copies(arch.n_qubits, device.stack.qubits_per_channel)
    # The timeline does not depend on the angles: any data and parameters will do.
    result = simulate(replicated_ops(arch, copies), spec, x=np.zeros(arch.n_qubits),
                      theta=np.zeros(arch.n_params))
    emitted = emission_mask(result).tobytes()
    channels = _compiled(device.angle_dac, pulse, model, filt, drag, emitted, spec.phase_bits)
    enc = device.encoding_dac
    encode = None if math.isinf(enc.bits) else channel_encoding(
        _compiled(enc, pulse, model, filt, drag, emitted, spec.phase_bits))
    # The device's own model for what is not a pulse; the pulses' decoherence and
    # DAC noise are in the compiled processes, on the durations the stack plays.
    base = device.noise_model() or NoiseModel(idle=device.qubit.idle_decoherence)
    noise = replace(base, gate_1q_s=channels.duration_s,
                    gate_2q_s=spec.twoq_ticks / spec.sample_rate_hz,
                    angle_noise_rms_rad=0.0, encoding_noise_rms_rad=0.0)
    return Realized(channels, encode, noise,
                    tuple(scheduled_timing(result, arch, c) for c in range(copies)), result)


def evaluate_realized(arch: str | Architecture, device: Device, codes: np.ndarray,
                      x: np.ndarray, y: np.ndarray, readout: Readout,
                      rng: np.random.Generator | None = None) -> tuple[float, float]:
    """Mean cross-entropy (nats) and accuracy of DAC ``codes`` deployed on the realized hardware.

    Every code plays its compiled process; with several copies of the circuit
    on the stack, the figures are the mean over the copies.

    Parameters
    ----------
    arch : str or Architecture
    device : Device
        Its angle DAC must have a finite resolution.
    codes : ndarray of int, shape (n_params,)
        The deployed model's angle-DAC codes.
    x, y : ndarray
        Encoding angles (rad) and labels of the evaluation set.
    readout : Readout
    rng : numpy.random.Generator, optional
        Stream of the samples; required when ``device.measurement.shots > 0``.
    """
    arch = get_architecture(arch)
    real = realized_hardware(arch, device)
    shots = device.measurement.shots
    base = Executor(arch, encode=real.encode, noise=real.noise, channels=real.channels,
                    shots=shots, rng=rng if shots else None)
    # The executor rounds angles to their nearest codes, and a code's own nominal
    # angle rounds back to it.
    theta = np.asarray(codes) * lsb_rad(device.angle_dac.bits)
    figures = [base.with_channels(real.channels, timing).evaluate(x, y, theta, readout)
               for timing in real.timings]
    loss, accuracy = np.mean(figures, axis=0)
    return float(loss), float(accuracy)


def deployed_codes(theta: np.ndarray, codes: np.ndarray | None, device: Device) -> np.ndarray:
    """The codes a trained model plays: its stored codes, or the nearest of float angles."""
    return np.asarray(codes) if codes is not None else nearest_codes(theta,
                                                                     device.angle_dac.bits)


def clear_caches() -> None:
    """Forget the compiled processes and realized hardware of this process."""
    _compiled.cache_clear()
    realized_hardware.cache_clear()
