"""Scheduling behaviour of the SimPy control stack, asserted as exact timelines."""

from __future__ import annotations

import numpy as np
import pytest

from cosim.stack import StackSpec, simulate
from hardware_models.dac import DAC, DACSpec

# 1 GS/s, 4-sample words, a word written every 2 ns, 3 ns issue latency,
# 8 ns pulses (2 words), 50 ns CNOT, 1 ns channel dead time.
SMALL = dict(sample_rate_hz=1e9, samples_per_word=4, fifo_depth_words=8, refill_rate_hz=5e8,
             issue_latency_s=3e-9, gate_1q_s=8e-9, gate_2q_s=50e-9, gap_s=1e-9)


def test_two_pulses_share_one_channel() -> None:
    spec = StackSpec(n_qubits=2, n_channels=1, **SMALL)
    res = simulate([("rx", 0, np.pi), ("ry", 1, np.pi / 2)], spec)
    # acquire, +3 issue, +2+2 prefill, +8 play, +1 gap; then the waiting qubit.
    assert list(res.log) == [
        (0.0, "q0 rx acquire ch0"),
        (7e-9, "q0 rx play ch0"),
        (15e-9, "q0 rx done ch0"),
        (16e-9, "q0 rx release ch0"),
        (16e-9, "q1 ry acquire ch0"),
        (23e-9, "q1 ry play ch0"),
        (31e-9, "q1 ry done ch0"),
        (32e-9, "q1 ry release ch0"),
    ]
    assert res.duration_s == 32e-9
    assert res.pulses[1].request_s == 0.0 and res.pulses[1].acquire_s == 16e-9


def test_pulse_then_cnot_waits_for_both_qubits() -> None:
    spec = StackSpec(n_qubits=2, n_channels=1, **SMALL)
    res = simulate([("rx", 0, np.pi), ("cnot", 0, 1)], spec)
    assert list(res.log) == [
        (0.0, "q0 rx acquire ch0"),
        (7e-9, "q0 rx play ch0"),
        (15e-9, "q0 rx done ch0"),
        (16e-9, "q0 rx release ch0"),
        (16e-9, "q0,q1 cnot start"),
        (66e-9, "q0,q1 cnot done"),
    ]
    assert res.idle_s == (8e-9, 16e-9)  # 66 - 8 - 50 ns; 66 - 50 ns
    assert (res.two_qubit[0].start_s, res.two_qubit[0].done_s) == (16e-9, 66e-9)


def test_two_channels_play_in_parallel() -> None:
    spec = StackSpec(n_qubits=2, n_channels=2, **SMALL)
    res = simulate([("rx", 0, np.pi), ("ry", 1, np.pi / 2)], spec)
    assert list(res.log) == [
        (0.0, "q0 rx acquire ch0"),
        (0.0, "q1 ry acquire ch1"),
        (7e-9, "q0 rx play ch0"),
        (7e-9, "q1 ry play ch1"),
        (15e-9, "q0 rx done ch0"),
        (15e-9, "q1 ry done ch1"),
        (16e-9, "q0 rx release ch0"),
        (16e-9, "q1 ry release ch1"),
    ]


def test_virtual_z_takes_no_time_and_shifts_the_next_phase() -> None:
    spec = StackSpec(n_qubits=1, n_channels=1, phase_bits=8, **SMALL)
    plain = simulate([("rx", 0, np.pi / 2)], spec)
    turned = simulate([("rz", 0, np.pi / 4), ("rx", 0, np.pi / 2)], spec)
    assert turned.duration_s == plain.duration_s
    assert turned.log[0] == (0.0, "q0 rz frame 32")
    assert turned.log[1:] == plain.log
    # Drive phase is axis minus frame: x (0) - pi/4, on the 8-bit register.
    assert turned.pulses[0].phase_rad == pytest.approx(2 * np.pi - np.pi / 4)
    assert turned.program.final_frame_rad == (pytest.approx(np.pi / 4),)


@pytest.mark.parametrize("n_channels, stretch", [(1, 4), (2, 2), (4, 1)])
def test_shared_channels_stretch_single_qubit_layers(n_channels: int, stretch: int) -> None:
    layers = [("ry", q, 0.3 * q + 0.1) for q in range(4)] + [("rx", q, 1.0) for q in range(4)]
    one_each = simulate(layers, StackSpec(n_qubits=4, n_channels=4, **SMALL))
    shared = simulate(layers, StackSpec(n_qubits=4, n_channels=n_channels, **SMALL))
    assert shared.duration_s == pytest.approx(stretch * one_each.duration_s, rel=1e-12)
    # The same pulses are played, so the channels are `stretch` times less idle.
    assert sum(shared.channel_busy_s) == pytest.approx(sum(one_each.channel_busy_s))
    assert shared.utilization == pytest.approx(one_each.utilization * 4 / n_channels / stretch)


def test_qnn_layers_stretch_about_fourfold_on_one_channel() -> None:
    from qnn.architectures import Architecture

    arch = Architecture("rot-only", n_qubits=4, n_layers=3, rotations=("x", "y", "z"))
    rng = np.random.default_rng(0)
    kwargs = dict(x=rng.uniform(0, np.pi, 4), theta=rng.uniform(0, 2 * np.pi, arch.n_params))
    one = simulate(arch.ops(), StackSpec(n_channels=1, gate_2q_s=1e-9), **kwargs)
    four = simulate(arch.ops(), StackSpec(n_channels=4, gate_2q_s=1e-9), **kwargs)
    # Only the (now 1 ns) CNOT rings do not stretch.
    assert 3.5 < one.duration_s / four.duration_s <= 4.0


def test_shallow_fifo_underflows_when_refill_is_slower_than_playback() -> None:
    # Words play in 4 ticks but arrive every 8; an 8-word pulse, FIFO of 2 words.
    base = dict(sample_rate_hz=1e9, samples_per_word=4, refill_rate_hz=1.25e8,
                issue_latency_s=0.0, gate_1q_s=32e-9, n_qubits=1, n_channels=1)
    shallow = simulate([("rx", 0, 1.0)], StackSpec(fifo_depth_words=2, **base))
    # Prefill 2 words by t=16; words 0-2 play on time, words 3..7 each arrive
    # 4 ticks late (at 32, 40, ..., 64): five underflows, 20 ns of stall.
    assert shallow.underflows == 5
    assert shallow.stall_s == pytest.approx(20e-9)
    assert (shallow.pulses[0].play_s, shallow.pulses[0].done_s) == (16e-9, 68e-9)
    assert [t for t, e in shallow.log if "underflow" in e] == [32e-9, 40e-9, 48e-9, 56e-9,
                                                               64e-9]
    # The emitted waveform has zero-amplitude holes where the words were missing.
    wf = shallow.waveforms[0]
    holes = [(wf.t_s[i], wf.t_s[i + 1]) for i in range(len(wf.amplitude))
             if wf.amplitude[i] == 0 and 16e-9 <= wf.t_s[i] < 68e-9]
    assert holes == [(28e-9, 32e-9), (36e-9, 40e-9), (44e-9, 48e-9), (52e-9, 56e-9),
                     (60e-9, 64e-9)]

    deep = simulate([("rx", 0, 1.0)], StackSpec(fifo_depth_words=8, **base))
    assert deep.underflows == 0 and deep.stall_s == 0.0
    assert (deep.pulses[0].play_s, deep.pulses[0].done_s) == (64e-9, 96e-9)


@pytest.mark.parametrize("sample_rate_hz, depth, underflows", [
    (2e9, 16, False),   # DAC drains 5e8 words/s < 1e9 written: never starves
    (8e9, 16, True),    # drains 2e9 words/s; a 40-word pulse outruns a 16-word FIFO
    (8e9, 64, False),   # a FIFO that holds the whole pulse is prefilled
])
def test_fifo_too_shallow_for_the_sample_rate(sample_rate_hz: float, depth: int,
                                              underflows: bool) -> None:
    spec = StackSpec(n_qubits=2, n_channels=1, sample_rate_hz=sample_rate_hz,
                     fifo_depth_words=depth)
    res = simulate([("rx", 0, 1.0), ("ry", 1, 2.0)], spec)
    assert (res.underflows > 0) == underflows
    assert (res.stall_s > 0) == underflows


def test_emitted_waveform_is_the_realized_dac_level() -> None:
    dac = DAC(DACSpec(bits=6, mismatch_sigma=0.05), rng=2)
    spec = StackSpec(n_qubits=2, n_channels=2, angle_bits=6, **SMALL)
    res = simulate([("rx", 0, 1.0), ("ry", 1, 4.0)], spec, dac=dac)
    for rec, theta, phase in zip(res.waveforms, (1.0, 4.0), (0.0, np.pi / 2), strict=True):
        code = int(np.floor(theta / (2 * np.pi / 64) + 0.5))
        assert list(rec.t_s) == [0.0, 7e-9, 15e-9, 16e-9]
        np.testing.assert_array_equal(rec.amplitude, [0.0, dac.levels[code], 0.0])
        assert rec.phase_rad[1] == pytest.approx(phase)
    assert res.rabi_full_scale_rad_s == pytest.approx(2 * np.pi / 8e-9)


def test_utilization_and_idle_time() -> None:
    spec = StackSpec(n_qubits=2, n_channels=2, **SMALL)
    res = simulate([("rx", 0, 1.0), ("rx", 0, 2.0)], spec)
    # q0: two pulses of 8 ns back to back on ch0 (16 ns each incl. overheads); ch1 unused.
    assert res.duration_s == 32e-9
    assert res.channel_busy_s == (16e-9, 0.0)
    assert res.channel_utilization == (0.5, 0.0)
    assert res.utilization == 0.25
    assert res.idle_s == (16e-9, 32e-9)


def test_static_assignment_pins_qubits_to_channels() -> None:
    spec = StackSpec(n_qubits=4, n_channels=2, assignment="static", **SMALL)
    res = simulate([("rx", q, 1.0) for q in range(4)], spec)
    assert [(p.qubit, p.channel, p.acquire_s) for p in res.pulses] == [
        (0, 0, 0.0), (1, 1, 0.0), (2, 0, 16e-9), (3, 1, 16e-9)]


def test_noise_in_emitted_waveforms_follows_the_seed() -> None:
    dac = DAC(DACSpec(bits=8, noise_rms=1e-3), rng=None)
    spec = StackSpec(n_qubits=1, n_channels=1, **SMALL)
    a = simulate([("rx", 0, 1.0)], spec, dac=dac, rng=3)
    b = simulate([("rx", 0, 1.0)], spec, dac=dac, rng=3)
    c = simulate([("rx", 0, 1.0)], spec, dac=dac)
    np.testing.assert_array_equal(a.waveforms[0].amplitude, b.waveforms[0].amplitude)
    # Eight noisy samples instead of one constant segment.
    assert len(a.waveforms[0].amplitude) == 10 and len(c.waveforms[0].amplitude) == 3
