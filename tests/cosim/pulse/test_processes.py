"""Realized processes per code: QuTiP spot checks, filters, DAC noise, leakage (issue 12)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from cosim.pulse.angle_dac import AngleDAC
from cosim.pulse.filters import FilterSpec, filter_samples, window_area_s
from cosim.pulse.models import QubitModel
from cosim.pulse.processes import Drag, _qubit_superop_from_qutip, compile_processes
from cosim.pulse.solvers import QutipSolver
from cosim.pulse.waveforms import PulseSpec
from hardware_models.dac import DAC, DACSpec
from qnn._ptm import axis_dephasing_ptm, checked_ptm, rotation_ptm
from qnn.noise import ChannelSet

TWO_PI = 2 * np.pi


def _dac(bits: int, sigma: float = 0.0, noise: float = 0.0) -> DAC:
    return DAC(DACSpec(bits=bits, full_scale=TWO_PI, mismatch_sigma=sigma, noise_rms=noise),
               rng=0)


def test_two_level_processes_match_qutip_on_48_codes() -> None:
    dac = _dac(12, sigma=0.01)
    model = QubitModel(t1_s=20e-6, t2_s=15e-6, detuning_hz=1e5)
    channels = compile_processes(dac, model=model)
    assert isinstance(channels, ChannelSet)
    codes = np.random.default_rng(1).choice(4096, 48, replace=False)
    ref = QutipSolver().superoperators(AngleDAC(dac).drive(codes, PulseSpec()), model)
    s, leak = _qubit_superop_from_qutip(ref, 2)
    assert np.abs(s - channels.superoperators("x", codes)).max() < 1e-8
    assert leak.max() < 1e-12
    checked_ptm("x", channels.superoperators("y", codes))  # CPTP


def test_stalled_pulse_matches_qutip_with_the_gap() -> None:
    dac = _dac(6)
    model = QubitModel(t1_s=5e-6, t2_s=4e-6)
    emitted = np.ones(28, dtype=bool)
    emitted[8:16] = False  # an 8-tick FIFO underflow: the DAC holds its zero code
    channels = compile_processes(dac, model=model, emitted=emitted)
    codes = np.array([5, 17, 40])
    drive = AngleDAC(dac).drive(codes, PulseSpec())
    rabi = np.zeros((3, 28))
    rabi[:, emitted] = drive.rabi_rad_s
    from cosim.pulse.waveforms import Drive

    ref = QutipSolver().superoperators(Drive(1e-9, rabi, 0.0), model)
    assert np.abs(_qubit_superop_from_qutip(ref, 2)[0]
                  - channels.superoperators("x", codes)).max() < 1e-8
    assert channels.duration_s == pytest.approx(28e-9)


@pytest.mark.parametrize("kind", ["rc", "chebyshev", "bessel"])
def test_filtered_square_pulse_loses_the_filters_pulse_area(kind: str) -> None:
    spec = FilterSpec(kind, cutoff_hz=150e6, oversample=16)
    duration = 20e-9
    area = window_area_s(spec, duration)
    if kind == "rc":
        tau = 1 / (TWO_PI * 150e6)
        assert area == pytest.approx(duration - tau * (1 - np.exp(-duration / tau)), rel=1e-12)
    else:  # the step response integrated numerically by scipy
        z, p, k = (signal.cheby1(3, 0.5, TWO_PI * 150e6, analog=True, output="zpk")
                   if kind == "chebyshev" else
                   signal.bessel(3, TWO_PI * 150e6, analog=True, norm="phase", output="zpk"))
        dc = np.real(k * np.prod(-z) / np.prod(-p))
        t = np.linspace(0, duration, 20001)
        _, y = signal.step((z, p, k), T=t)
        assert area == pytest.approx(np.trapezoid(y, t) / dc, rel=1e-6)
    # Closed resonant qubit: the rotation angle is the drive's area, so the error is
    # the filter's lost area times the full-scale Rabi rate.
    dac = _dac(8)
    channels = compile_processes(dac, filt=spec)
    code = 64  # pi / 2 nominal
    r = checked_ptm("x", channels.superoperators("x", np.array(code)))
    angle = np.arctan2(r[3, 2], r[2, 2])
    want = code / 256 * TWO_PI * area / duration
    assert angle == pytest.approx(want, abs=1e-10)
    assert want < np.pi / 2 - 1e-3  # the filter visibly costs area


def test_filter_none_repeats_samples() -> None:
    x = np.array([[1.0, 2.0]])
    assert np.array_equal(filter_samples(x, 1e-9, FilterSpec(oversample=3)),
                          [[1, 1, 1, 2, 2, 2]])


def test_dac_output_noise_averages_into_axis_dephasing() -> None:
    noise_rms = 0.05  # rad of full scale (2 pi) per sample
    dac = _dac(8, noise=noise_rms)
    channels = compile_processes(dac)
    codes = np.array([0, 37, 128, 201])
    got = checked_ptm("x", channels.superoperators("x", codes))
    # The angle is the mean of 20 samples' levels: RMS noise_rms / sqrt(20).
    s = noise_rms / np.sqrt(20)
    want = rotation_ptm("x", codes * TWO_PI / 256)[0] @ axis_dephasing_ptm("x", s)
    assert np.abs(got - want).max() < 1e-12
    assert got[2, 2] != pytest.approx(np.cos(codes[1] * TWO_PI / 256), abs=1e-4)


def test_three_levels_count_leakage_as_error_and_drag_reduces_it() -> None:
    dac = _dac(4)
    square = compile_processes(dac, model=QubitModel(levels=3))
    pi = np.array(8)
    leak_square = float(square.leakage[8])
    assert 5e-3 < leak_square < 1e-2  # a 20 ns square pi pulse at -200 MHz leaks
    r = checked_ptm("x", square.superoperators("x", pi))  # trace preserving after folding
    assert r[0, 0] == pytest.approx(1.0)
    cosine = PulseSpec(envelope="cosine")
    plain = compile_processes(dac, pulse=cosine, model=QubitModel(levels=3))
    drag = compile_processes(dac, pulse=cosine, model=QubitModel(levels=3), drag=Drag(1.0, 10))
    assert drag.leakage[8] < 0.5 * plain.leakage[8]


@pytest.mark.parametrize("kwargs, match", [
    ({"model": QubitModel(levels=3), "dac": _dac(3, noise=0.01)}, "noise_rms"),
    ({"drag": Drag(), "dac": _dac(3)}, "drag"),
])
def test_bad_combinations_are_refused(kwargs: dict, match: str) -> None:
    dac = kwargs.pop("dac")
    with pytest.raises(ValueError, match=match):
        compile_processes(dac, **kwargs)


@pytest.mark.parametrize("cutoff", [0.0, -1e6, None, float("nan")])
def test_filter_cutoff_must_be_positive(cutoff: float | None) -> None:
    with pytest.raises(ValueError, match="filter_cutoff_hz"):
        FilterSpec("rc", cutoff_hz=cutoff)
