"""A study point's realized hardware: per-code processes and the scheduled timing.

What stage hardware runs the deployed model on, built once per point and
shared between stages (``shared["realized"]``):

* the SimPy run of the point's circuit on its stack
  (:func:`cosim.stack.timing.spec_for`: qubits per channel, FIFO depth and
  refill, issue latency, sample rate; copies of the circuit fill a channel
  that serves more qubits than the circuit has), giving one
  :class:`qnn.noise.Timing` per copy and the pulse window with its stalls;
* the processes of every code of the point's angle DAC chip on that window
  (:func:`cosim.pulse.processes.compile_processes`: T1/T2, leakage, DAC
  output noise, ``stack.filter``, DRAG), and of its encoding DAC;
* the noise model of what is not a pulse: idle waits, the CNOT error, readout.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

from cosim.studies.device import Config, device_from_config

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


def pulse_setup(config: Config) -> tuple[Any, Any, Any, Any]:
    """The point's ``(PulseSpec, QubitModel, FilterSpec, Drag or None)``."""
    from cosim.pulse import PulseSpec, QubitModel
    from cosim.pulse.filters import FilterSpec
    from cosim.pulse.processes import Drag

    s, q = config["stack"], config["qubit"]
    pulse = PulseSpec(duration_s=q["gate_1q_s"], sample_rate_hz=s["sample_rate_hz"],
                      envelope=s["envelope"])
    model = QubitModel(levels=q["levels"], anharmonicity_hz=q["anharmonicity_hz"],
                       t1_s=q["t1_s"], t2_s=q["t2_s"])
    kind = s.get("filter", "none")
    filt = FilterSpec(kind, cutoff_hz=s.get("filter_cutoff_hz") if kind != "none" else None)
    drag = Drag(bits=q.get("drag_bits", 8)) if q.get("drag", False) else None
    return pulse, model, filt, drag


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _compiled(dac_config: Any, pulse: Any, model: Any, filt: Any, drag: Any,
              emitted: bytes, phase_bits: int) -> Any:
    import numpy as np

    from cosim.pulse.processes import compile_processes

    return compile_processes(dac_config.grid().dac, pulse=pulse, model=model, filt=filt,
                             emitted=np.frombuffer(emitted, dtype=bool), drag=drag,
                             phase_bits=phase_bits)


def realized_hardware(config: Config, shared: dict[str, Any]) -> Realized:
    """The point's :class:`Realized` hardware, built once per point (``shared``)."""
    if "realized" in shared:
        return shared["realized"]
    import numpy as np

    from cosim.stack import simulate
    from cosim.stack.timing import (
        circuit_copies,
        emission_mask,
        replicated_ops,
        scheduled_timing,
        spec_for,
    )
    from qnn import get_architecture
    from qnn.noise import NoiseModel, channel_encoding

    device = device_from_config(config)
    arch = get_architecture(config["workload"]["arch"])
    pulse, model, filt, drag = pulse_setup(config)
    spec = spec_for(arch, device, envelope=config["stack"]["envelope"])
    copies = circuit_copies(arch.n_qubits, device.stack.qubits_per_channel)
    # The timeline does not depend on the angles: any data and parameters will do.
    result = simulate(replicated_ops(arch, copies), spec, x=np.zeros(arch.n_qubits),
                      theta=np.zeros(arch.n_params))
    emitted = emission_mask(result).tobytes()
    channels = _compiled(device.angle_dac, pulse, model, filt, drag, emitted, spec.phase_bits)
    enc = device.encoding_dac
    encode = None if math.isinf(enc.bits) else channel_encoding(
        _compiled(enc, pulse, model, filt, drag, emitted, spec.phase_bits))
    q, m = device.qubit, device.measurement
    noise = NoiseModel(t1_s=q.t1_s, t2_s=q.t2_s, gate_1q_s=channels.duration_s,
                       gate_2q_s=spec.twoq_ticks / spec.sample_rate_hz,
                       cnot_depolarizing=q.cnot_error, readout_error=m.readout_error,
                       idle=q.idle_decoherence)
    realized = Realized(channels, encode, noise,
                        tuple(scheduled_timing(result, arch, c) for c in range(copies)), result)
    shared["realized"] = realized
    return realized


def clear_caches() -> None:
    """Forget the compiled processes of this process."""
    _compiled.cache_clear()
