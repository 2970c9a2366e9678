"""The amplitude DAC seen as an angle DAC: rotation angle -> code -> per-sample levels.

The ``2**N`` codes of a :class:`hardware_models.dac.DAC` span one full turn of
rotation: code ``k`` nominally means ``k * 2 pi / 2**N`` (qnn's convention,
LSB = ``2 pi / 2**N``). An angle is wrapped into ``[0, 2 pi)`` (so negative
angles turn the long way round, which is the same rotation), mapped onto the
DAC's output scale and rounded to the nearest code of the *ideal* grid, modulo
``2**N`` (the digital side does not know the mismatch). The DAC then emits
its *realized* level of that code, so INL/DNL, gain and offset errors reach
the qubit as amplitude errors.

Square pulses play the angle code on every sample. Shaped pulses ask for the
level ``A_k s_i`` on sample ``i`` (``A_k`` the ideal level of the angle code,
``s_i`` the envelope), and each of those values is quantized by the DAC again,
as an AWG would, so their realized angle can be off by more than LSB/2.
"""

from __future__ import annotations

import numpy as np

from cosim.pulse.waveforms import Drive, PulseSpec, envelope_samples, full_scale_rabi_rad_s
from hardware_models.dac import DAC
from qnn.vocabulary import lsb_rad

TWO_PI = 2.0 * np.pi


class AngleDAC:
    """Map rotation angles onto the codes and realized levels of an amplitude DAC.

    Parameters
    ----------
    dac : hardware_models.dac.DAC
        The amplitude DAC; its full scale is one full turn.

    Attributes
    ----------
    bits : int
    n_codes : int
    lsb_rad : float
        ``2 pi / 2**bits``, the nominal angle step in rad.
    full_scale : float
        DAC full scale in its output units (``lsb * 2**bits``).
    """

    def __init__(self, dac: DAC) -> None:
        if not isinstance(dac, DAC):
            raise ValueError(f"dac: must be a hardware_models.dac.DAC, got {type(dac).__name__}")
        self.dac = dac
        self.bits = int(dac.bits)
        self.n_codes = int(dac.n_codes)
        self.lsb_rad = lsb_rad(self.bits)
        self.full_scale = float(dac.lsb) * self.n_codes

    def codes(self, theta_rad: float | np.ndarray) -> np.ndarray:
        """Nearest code of each angle (rad, any real value), int64 in ``0..2**N-1``."""
        theta = np.asarray(theta_rad, dtype=float)
        if not np.all(np.isfinite(theta)):
            raise ValueError("theta_rad: must be finite angles in rad")
        values = np.mod(theta, TWO_PI) / TWO_PI * self.full_scale
        return self.dac.to_code(values, rounding="nearest", wrap=True)

    def nominal_angle_rad(self, codes: np.ndarray) -> np.ndarray:
        """The angle a code stands for, ``k * lsb_rad``."""
        return np.asarray(codes, dtype=float) * self.lsb_rad

    def sample_codes(self, codes: np.ndarray, pulse: PulseSpec) -> np.ndarray:
        """Per-sample codes of the pulses for angle ``codes``, shape ``codes.shape + (n,)``."""
        codes = np.asarray(codes, dtype=np.int64)
        n = pulse.n_samples
        if pulse.envelope == "square":
            return np.broadcast_to(codes[..., None], codes.shape + (n,)).copy()
        wanted = self.dac.ideal_levels[codes][..., None] * envelope_samples(pulse)
        # Clip, not wrap: a shaped sample never exceeds its (in-range) peak level.
        return self.dac.to_code(wanted, rounding="nearest", wrap=False)

    def level_fraction(
        self, sample_codes: np.ndarray, rng: int | np.random.Generator | None = None
    ) -> np.ndarray:
        """Realized DAC output of each sample as a fraction of full scale.

        With ``rng`` and a DAC with ``noise_rms > 0`` white output noise is
        added per sample; without it the static levels are returned.
        """
        return self.dac.to_value(sample_codes, rng=rng) / self.full_scale

    def drive(
        self,
        codes: np.ndarray,
        pulse: PulseSpec,
        phase_rad: float | np.ndarray = 0.0,
        rng: int | np.random.Generator | None = None,
    ) -> Drive:
        """The drive that the pulses of angle ``codes`` produce (batched over ``codes``).

        ``Omega_i = Omega_fs * L(c_i) / full_scale`` with ``Omega_fs`` from
        :func:`~cosim.pulse.waveforms.full_scale_rabi_rad_s`.
        """
        fraction = self.level_fraction(self.sample_codes(codes, pulse), rng=rng)
        rabi = full_scale_rabi_rad_s(pulse) * fraction
        phase = np.asarray(phase_rad, dtype=float)
        if phase.ndim:
            phase = phase[..., None]
        return Drive(pulse.dt_s, rabi, np.broadcast_to(phase, rabi.shape))
