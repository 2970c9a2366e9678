"""The scheduled, pulse-level stack against QuTiP and analytic decay (issue 12)."""

from __future__ import annotations

import numpy as np
import pytest

from cosim.pulse.models import QubitModel
from cosim.pulse.processes import compile_processes
from cosim.stack import StackSpec, simulate
from cosim.stack.reference import qutip_expectation_z
from cosim.stack.timing import emission_mask, scheduled_timing
from hardware_models.dac import DAC, DACSpec
from qnn._ptm import checked_ptm
from qnn.architectures import Architecture, get_architecture
from qnn.executor import Executor
from qnn.noise import NoiseModel, channel_encoding

TWO_PI = 2 * np.pi
BITS = 8
LSB = TWO_PI / 2**BITS


def _fast_path(arch, result, dac, model) -> tuple[Executor, object]:
    spec = result.spec
    channels = compile_processes(dac, pulse=spec.pulse, model=model,
                                 emitted=emission_mask(result), phase_bits=spec.phase_bits)
    noise = NoiseModel(t1_s=model.t1_s, t2_s=model.t2_s, gate_1q_s=channels.duration_s,
                       gate_2q_s=spec.twoq_ticks / spec.sample_rate_hz)
    return Executor(arch, encode=channel_encoding(channels), noise=noise, channels=channels,
                    timing=scheduled_timing(result, arch)), channels


@pytest.mark.parametrize("qubits_per_channel, fifo_depth, refill_hz", [
    (1, 16, 1e9), (2, 16, 1e9), (4, 16, 1e9), (4, 2, 0.1e9)])
def test_fast_path_equals_qutip_on_the_emitted_waveforms(
        qubits_per_channel: int, fifo_depth: int, refill_hz: float) -> None:
    arch = get_architecture("compact")
    dac = DAC(DACSpec(bits=BITS, full_scale=TWO_PI, mismatch_sigma=0.01), rng=3)
    model = QubitModel(t1_s=10e-6, t2_s=5e-6)
    spec = StackSpec(n_channels=4 // qubits_per_channel, fifo_depth_words=fifo_depth,
                     refill_rate_hz=refill_hz, angle_bits=BITS)
    rng = np.random.default_rng(qubits_per_channel)
    for _ in range(5):
        x = rng.uniform(0, np.pi, 4)
        theta = rng.integers(0, 2**BITS, arch.n_params) * LSB
        result = simulate(arch.ops(), spec, x=x, theta=theta, dac=dac)
        if fifo_depth == 2:
            assert result.underflows > 0  # the window carries the stalls
        executor, _ = _fast_path(arch, result, dac, model)
        fast = executor.values(x[None], theta)[0]
        assert np.abs(fast - qutip_expectation_z(result, model)).max() < 1e-6


def _two_wire_run(x: np.ndarray, codes: np.ndarray):
    arch = Architecture("idle", n_qubits=2, n_layers=1, rotations=("y", "y"))
    spec = StackSpec(n_qubits=2, n_channels=1, angle_bits=BITS, issue_latency_s=7e-9)
    dac = DAC(DACSpec(bits=BITS, full_scale=TWO_PI), rng=0)
    return arch, dac, simulate(arch.ops(), spec, x=x, theta=codes * LSB, dac=dac)


def test_idle_population_decays_as_exp_t_over_t1_for_the_scheduled_time() -> None:
    arch, dac, result = _two_wire_run(np.array([0.0, np.pi]), np.zeros(4, dtype=int))
    t1 = 2e-6
    model = QubitModel(t1_s=t1)
    executor, channels = _fast_path(arch, result, dac, model)
    z = executor.values(np.array([[0.0, np.pi]]), np.zeros(4))[0, 1]
    enc = checked_ptm("enc", channels.superoperators("y", np.array(2**BITS // 2)))
    z_enc = enc[3, 0] + enc[3, 3]
    # Wire 1 waits for the shared channel, plays two zero-amplitude pulses and its CNOT:
    # from the end of its encoding to readout it only relaxes.
    enc_done = next(p.done_s for p in result.pulses if p.qubit == 1 and p.index == 1)
    wait = result.duration_s - enc_done
    assert wait > 100e-9
    assert z == pytest.approx(1 - (1 - z_enc) * np.exp(-wait / t1), abs=1e-12)


def test_idle_coherence_decays_as_exp_t_over_t2_for_the_scheduled_time() -> None:
    codes = np.array([0, 0, 0, 3 * 2**BITS // 4])  # wire 1: RY(0), then RY(-pi/2)
    x = np.array([0.0, np.pi / 2])
    arch, dac, result = _two_wire_run(x, codes)
    t2 = 0.5e-6
    model = QubitModel(t2_s=t2)
    executor, channels = _fast_path(arch, result, dac, model)
    z = executor.values(x[None], codes * LSB)[0, 1]
    enc = checked_ptm("enc", channels.superoperators("y", np.array(2**BITS // 4)))
    last = checked_ptm("last", channels.superoperators("y", np.array(codes[3])))
    pulses = {p.index: p for p in result.pulses}
    wait = pulses[5].play_s - pulses[1].done_s  # ops: ry, ry, ry q0, ry q0, ry q1, ry q1
    assert wait > 40e-9
    idle = np.diag([1.0, np.exp(-wait / t2), np.exp(-wait / t2), 1.0])
    want = (last @ idle @ enc @ np.array([1.0, 0, 0, 1.0]))[3]
    assert z == pytest.approx(want, abs=1e-12)
    assert abs(want) > 0.5  # the decay is visible but not total
