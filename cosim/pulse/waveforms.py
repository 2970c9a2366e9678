"""Pulse shapes and the drive signal they become: the last stage of the waveform chain.

The chain is ``angle -> code -> per-sample codes -> DAC levels -> drive``
(see :mod:`cosim.pulse.angle_dac` for the first three stages). A
:class:`Drive` states its meaning exactly, as a discrete signal: sample ``i``
holds the Rabi rate ``rabi_rad_s[..., i]`` and phase ``phase_rad[..., i]`` on
``[i * dt_s, (i + 1) * dt_s)``; it knows nothing about qubits.

Envelopes are sampled at sample midpoints ``t_i = (i + 1/2) dt`` and scaled
so their peak value is 1:

* ``square``: ``s_i = 1``;
* ``cosine``: ``s_i = sin^2(pi t_i / T)`` (raised cosine / Hann);
* ``gaussian``: ``s_i = exp(-(t_i - T/2)^2 / (2 sigma^2))`` with
  ``sigma = gaussian_sigma_frac * T``, truncated at the pulse edges.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from qnn.vocabulary import ENVELOPES as ENVELOPES
from qnn.vocabulary import MAX_SAMPLES_PER_PULSE as MAX_SAMPLES_PER_PULSE


@dataclass(frozen=True)
class PulseSpec:
    """Timing and shape of one single-qubit pulse.

    Parameters
    ----------
    duration_s : float, default=20e-9
        Pulse duration in s; rounded to whole samples, at least one.
    sample_rate_hz : float, default=1e9
        DAC sample rate in Hz.
    envelope : {"square", "cosine", "gaussian"}, default="square"
        Pulse shape. Square pulses give ``theta = Omega * T``; shaped pulses
        have every sample quantized by the DAC (see :class:`~cosim.pulse.angle_dac.AngleDAC`).
    gaussian_sigma_frac : float, default=0.25
        Gaussian width as a fraction of the duration, in ``(0, 1]``.
    """

    duration_s: float = 20e-9
    sample_rate_hz: float = 1e9
    envelope: str = "square"
    gaussian_sigma_frac: float = 0.25

    def __post_init__(self) -> None:
        for name in ("duration_s", "sample_rate_hz"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
                raise ValueError(f"{name}: must be a positive number, got {value!r}")
            if not math.isfinite(value) or value <= 0:
                raise ValueError(f"{name}: must be a positive finite number, got {value!r}")
        if self.envelope not in ENVELOPES:
            raise ValueError(
                f"envelope: must be one of {', '.join(ENVELOPES)}, got {self.envelope!r}"
            )
        sigma = self.gaussian_sigma_frac
        if not (isinstance(sigma, (int, float)) and 0 < sigma <= 1):
            raise ValueError(f"gaussian_sigma_frac: must be in (0, 1], got {sigma!r}")
        if self.duration_s * self.sample_rate_hz > MAX_SAMPLES_PER_PULSE:
            raise ValueError(
                f"duration_s: must span at most {MAX_SAMPLES_PER_PULSE} samples at "
                f"sample_rate_hz, got {self.duration_s * self.sample_rate_hz:.3g}"
            )

    @property
    def dt_s(self) -> float:
        """Sample period in s."""
        return 1.0 / self.sample_rate_hz

    @property
    def n_samples(self) -> int:
        """Samples per pulse, ``max(1, round(duration_s * sample_rate_hz))``."""
        return max(1, round(self.duration_s * self.sample_rate_hz))

    @property
    def played_duration_s(self) -> float:
        """Duration actually played, ``n_samples / sample_rate_hz``, in s."""
        return self.n_samples / self.sample_rate_hz


def envelope_samples(pulse: PulseSpec) -> np.ndarray:
    """Envelope values in ``(0, 1]`` at the sample midpoints, shape ``(n_samples,)``."""
    n = pulse.n_samples
    if pulse.envelope == "square":
        return np.ones(n)
    u = (np.arange(n) + 0.5) / n  # midpoint times in units of the duration
    if pulse.envelope == "cosine":
        s = np.sin(np.pi * u) ** 2
    else:
        s = np.exp(-((u - 0.5) ** 2) / (2 * pulse.gaussian_sigma_frac**2))
    return s / s.max()


def envelope_derivative(pulse: PulseSpec) -> np.ndarray:
    """``ds/dt`` in 1/s of :func:`envelope_samples` at the sample midpoints (0 for square)."""
    n = pulse.n_samples
    if pulse.envelope == "square":
        return np.zeros(n)
    u = (np.arange(n) + 0.5) / n
    duration = n * pulse.dt_s
    if pulse.envelope == "cosine":
        s = np.sin(np.pi * u) ** 2
        ds = np.pi * np.sin(2 * np.pi * u) / duration
    else:
        sig = pulse.gaussian_sigma_frac
        s = np.exp(-((u - 0.5) ** 2) / (2 * sig**2))
        ds = -s * (u - 0.5) / sig**2 / duration
    return ds / s.max()


def full_scale_rabi_rad_s(pulse: PulseSpec) -> float:
    """Rabi rate at DAC full scale, chosen so a full-scale pulse turns by 2 pi.

    ``Omega_fs = 2 pi / (dt * sum_i s_i)``: an amplitude ``A`` (fraction of
    full scale) on envelope ``s`` then rotates by ``2 pi A`` before the
    per-sample quantization. Square pulses: ``Omega_fs = 2 pi / T``.
    """
    return 2 * np.pi / (pulse.dt_s * float(envelope_samples(pulse).sum()))


@dataclass(frozen=True, eq=False)
class Drive:
    """A piecewise-constant drive, one value per DAC sample.

    Parameters
    ----------
    dt_s : float
        Sample period in s.
    rabi_rad_s : ndarray of shape (..., n)
        Rabi rate ``Omega`` of each sample in rad/s (leading axes batch pulses).
    phase_rad : ndarray broadcastable to ``rabi_rad_s``
        Drive phase ``phi`` of each sample in rad (0 drives X, pi/2 drives Y).
    """

    dt_s: float
    rabi_rad_s: np.ndarray
    phase_rad: np.ndarray = field(default_factory=lambda: np.zeros(1))

    def __post_init__(self) -> None:
        if not (math.isfinite(self.dt_s) and self.dt_s > 0):
            raise ValueError(f"dt_s: must be a positive finite number, got {self.dt_s!r}")
        rabi = np.asarray(self.rabi_rad_s, dtype=float)
        if rabi.ndim < 1 or rabi.shape[-1] < 1:
            raise ValueError(f"rabi_rad_s: must have a sample axis, got shape {rabi.shape}")
        phase = np.broadcast_to(np.asarray(self.phase_rad, dtype=float), rabi.shape)
        if not (np.all(np.isfinite(rabi)) and np.all(np.isfinite(phase))):
            raise ValueError("rabi_rad_s: must be finite (and phase_rad too)")
        object.__setattr__(self, "rabi_rad_s", rabi)
        object.__setattr__(self, "phase_rad", phase)

    @property
    def n_samples(self) -> int:
        return int(self.rabi_rad_s.shape[-1])

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return tuple(self.rabi_rad_s.shape[:-1])

    @property
    def duration_s(self) -> float:
        return self.n_samples * self.dt_s

    @property
    def quadratures(self) -> tuple[np.ndarray, np.ndarray]:
        """``(Omega cos phi, Omega sin phi)`` in rad/s, each of shape (..., n)."""
        return (self.rabi_rad_s * np.cos(self.phase_rad),
                self.rabi_rad_s * np.sin(self.phase_rad))

    def is_constant(self) -> bool:
        """True when every pulse in the batch holds one value over all samples."""
        return bool(np.all(self.rabi_rad_s == self.rabi_rad_s[..., :1])
                    and np.all(self.phase_rad == self.phase_rad[..., :1]))

    def __getitem__(self, index: int | slice | tuple[int | slice, ...]) -> Drive:
        """Index the batch axes (the sample axis is kept)."""
        return Drive(self.dt_s, self.rabi_rad_s[index], self.phase_rad[index])

    def sample_edges_s(self) -> np.ndarray:
        """Sample boundaries ``i * dt_s`` for ``i = 0..n``, in s."""
        return np.arange(self.n_samples + 1) * self.dt_s
