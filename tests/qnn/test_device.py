"""The device description: validation, and how its noise reaches the executor."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from qnn.architectures import Architecture
from qnn.circuits import expectation_z
from qnn.device import ControlStack, DACConfig, Device, Measurement, Qubit
from qnn.executor import Executor
from qnn.noise import NoiseModel

ONE = Architecture("one", n_qubits=1, n_layers=1, rotations=("y",))


def test_an_ideal_device_runs_the_pure_state_circuit() -> None:
    device = Device()
    assert device.noise_model() is None and device.is_ideal
    ex = Executor.for_device("compact", device)
    assert ex.noise is None and ex.shots == 0


@pytest.mark.parametrize("sigma", [0.05, 0.3, 1.0])
def test_dac_output_noise_averages_into_axis_dephasing(sigma: float) -> None:
    # R_y(theta + eps)|0> has <Z> = cos(theta + eps); E[cos(theta + eps)] = cos(theta) e^{-s^2/2}.
    theta = np.array([0.7])
    noise = NoiseModel(angle_noise_rms_rad=sigma)
    z = expectation_z(ONE, np.zeros((1, 1)), theta, noise=noise)
    assert z[0, 0] == pytest.approx(math.cos(0.7) * math.exp(-sigma**2 / 2), abs=1e-12)
    # And a Monte Carlo over noisy angles agrees within its sampling error.
    eps = np.random.default_rng(0).normal(0, sigma, 200_000)
    assert z[0, 0] == pytest.approx(np.mean(np.cos(0.7 + eps)), abs=5 * sigma / 450)


def test_the_pulse_averages_the_sample_noise() -> None:
    # A 20-sample square pulse: the angle is the mean of 20 noisy samples.
    device = Device(angle_dac=DACConfig(bits=8, noise_rms_rad=0.2),
                    qubit=Qubit(gate_1q_s=20e-9), stack=ControlStack(sample_rate_hz=1e9))
    assert device.samples_per_pulse == 20
    assert device.noise_model().angle_noise_rms_rad == pytest.approx(0.2 / math.sqrt(20))
    # No DAC (float angles) plays no noise; the ideal encoding neither.
    assert device.noise_model().encoding_noise_rms_rad == 0.0


def test_qubit_and_measurement_reach_the_noise_model() -> None:
    device = Device(qubit=Qubit(t1_s=10e-6, t2_s=15e-6, cnot_error=0.02, idle_decoherence=False),
                    measurement=Measurement(readout_error=(0.01, 0.03), shots=100))
    noise = device.noise_model()
    assert (noise.t1_s, noise.t2_s, noise.cnot_depolarizing, noise.idle) == (10e-6, 15e-6, 0.02,
                                                                              False)
    assert noise.readout_error == (0.01, 0.03) and not device.is_ideal
    ex = Executor.for_device("compact", device, rng=np.random.default_rng(1))
    assert ex.shots == 100 and ex.noise == noise


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Qubit(t1_s=1e-6, t2_s=3e-6), "t2_s: must be <= 2 * t1_s"),
        (lambda: Qubit(t1_s=-1e-6), "t1_s: must be a finite number > 0"),
        (lambda: Qubit(cnot_error=1.5), "cnot_error: must be a probability in [0, 1]"),
        (lambda: Measurement(readout_error=(0.6, 0.5)), "readout_error: must have e0 + e1 < 1"),
        (lambda: Measurement(shots=-1), "shots: must be an integer 0.."),
        (lambda: Measurement(shots=2.5), "shots: must be an integer 0.."),
        (lambda: DACConfig(bits=4, noise_rms_rad=-0.1), "noise_rms_rad: must be a finite"),
        (lambda: DACConfig(bits=0), "bits: must be an integer 1..16 or inf"),
        (lambda: DACConfig(architecture="segmented", unary_msbs=0), "unary_msbs: must be"),
    ],
)
def test_bad_descriptions_name_the_field(build, message: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        build()
