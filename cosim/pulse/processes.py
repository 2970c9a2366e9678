"""Realized processes per DAC code: the whole pulse as a channel, for the noisy executor.

:func:`compile_processes` plays the pulse of every angle-DAC code through the
waveform chain -- code -> per-sample codes -> realized DAC levels -> (FIFO
stalls) -> reconstruction filter -> drive -- and propagates it with T1/T2
during the pulse. The result, :class:`PulseChannels`, is a
:class:`qnn.noise.ChannelSet`: per axis and code a 4x4 Liouville matrix
(row-major vec), the input of :class:`qnn.executor.Executor`.

* **Two levels**: vectorised Lindblad steps (:mod:`cosim.pulse.liouville`)
  over all codes at once; DAC output noise (``dac.spec.noise_rms``, white,
  per emitted sample) is averaged exactly per sample by Gauss-Hermite
  quadrature, because independent samples average to the product of their
  averages.
* **Three levels**: QuTiP propagators per code. Population that leaves the
  qubit subspace is not renormalised away: it is read as ``|1>`` (the
  two-state discriminator's answer for ``|2>``), which keeps the qubit map
  trace preserving and counts leakage as error. Later pulses cannot bring it
  back, which the real transmon could; that is why the three-level model
  matches a full-circuit QuTiP reference only to the leakage level. DRAG
  adds ``-beta * dOmega/dt / alpha`` on the quadrature, played by a DAC of
  ``drag_bits`` (ideal, symmetric full scale at the largest correction);
  square pulses have no derivative and get none. DAC output noise is not
  available here (each noise node would be another QuTiP solve).
* ``emitted``: the ticks of the pulse window on which the DAC plays a sample
  (False: a FIFO underflow, the DAC holds its zero code). The stall pattern of
  a stack is the same for every pulse (:func:`cosim.stack.timing.emission_mask`).
* ``y`` is the frame rotation of ``x`` (exact, see
  :func:`cosim.pulse.models.frame_rotation`); ``z`` is the virtual-Z table of
  the phase register: no pulse, no noise, no mismatch.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from cosim.pulse.angle_dac import AngleDAC
from cosim.pulse.filters import FilterSpec, filter_samples
from cosim.pulse.liouville import step_propagators, superop_left_right
from cosim.pulse.models import QubitModel, frame_rotation
from cosim.pulse.solvers import QutipSolver, SolverOptions, _time_ordered_product
from cosim.pulse.virtual_z import virtual_z_table
from cosim.pulse.waveforms import Drive, PulseSpec, envelope_derivative, full_scale_rabi_rad_s
from hardware_models.dac import DAC
from hardware_models.validation import check_int
from qnn.noise import unitary_superoperator

_QUBIT = np.array([0, 1])


@dataclass(frozen=True)
class Drag:
    """DRAG correction on the quadrature channel (three levels).

    Parameters
    ----------
    beta : float, default=1.0
        Scale of ``-dOmega/dt / alpha`` on the quadrature (``alpha = 2 pi anharmonicity``).
        Measured on a 20 ns cosine pi pulse at -200 MHz: leakage 2.3e-5 without DRAG,
        7.1e-6 at beta 0.5, 2.6e-6 at beta 1.
    bits : int, default=8
        Resolution of the quadrature DAC (1..16).
    """

    beta: float = 1.0
    bits: int = 8

    def __post_init__(self) -> None:
        if not np.isfinite(self.beta):
            raise ValueError(f"drag_beta: must be finite, got {self.beta!r}")
        check_int("drag_bits", self.bits, 1, 16)


class PulseChannels:
    """Each code's realized process: a :class:`qnn.noise.ChannelSet`.

    Attributes
    ----------
    bits : int
    duration_s : float
        Length of the pulse window (samples and stalls) in s.
    leakage : ndarray of shape (2**bits,)
        Population that leaves the qubit subspace, averaged over qubit inputs
        (zero for two levels).
    """

    def __init__(self, bits: int, superops: dict[str, np.ndarray], leakage: np.ndarray,
                 duration_s: float, codes: np.ndarray | None = None) -> None:
        self.bits = bits
        self._superops = superops
        self.leakage = leakage
        self.duration_s = duration_s
        # Row of each code when only some codes were compiled (-1: not compiled).
        self._row = None
        if codes is not None:
            self._row = np.full(1 << bits, -1, dtype=np.int64)
            self._row[codes] = np.arange(codes.size)

    def superoperators(self, axis: str, codes: np.ndarray) -> np.ndarray:
        if axis not in self._superops:
            raise ValueError(f"axis: must be x, y or z, got {axis!r}")
        codes = np.asarray(codes, dtype=np.int64) % (1 << self.bits)
        if axis == "z" or self._row is None:
            return self._superops[axis][codes]
        rows = self._row[codes]
        if np.any(rows < 0):
            raise ValueError("codes: some codes were not compiled in this channel set")
        return self._superops[axis][rows]


def _window(samples: np.ndarray, emitted: np.ndarray | None, idle_value: float) -> np.ndarray:
    """Place the pulse samples on the emitted ticks of the window; stalls hold ``idle_value``."""
    if emitted is None:
        return samples
    out = np.full(samples.shape[:-1] + (emitted.size,), idle_value)
    out[..., emitted] = samples
    return out


def drive_waveforms(angle: AngleDAC, pulse: PulseSpec, model: QubitModel, *,
                    filt: FilterSpec, emitted: np.ndarray | None = None,
                    drag: Drag | None = None, codes: np.ndarray | None = None,
                    ) -> tuple[np.ndarray, np.ndarray, float]:
    """Quadratures ``(wx, wy)`` in rad/s of every code's pulse about X, and their step in s.

    Shapes ``(n_codes, n_ticks * oversample)``; without a filter ``oversample`` is 1.
    """
    codes = np.arange(angle.n_codes) if codes is None else np.asarray(codes)
    fs = full_scale_rabi_rad_s(pulse)
    amp = _window(angle.level_fraction(angle.sample_codes(codes, pulse)), emitted,
                  float(angle.level_fraction(np.array(0))))
    quad = np.zeros_like(amp)
    if drag is not None:
        # Derivative of the ideal amplitude, quantized by the quadrature DAC.
        ideal = angle.dac.ideal_levels[codes][:, None] / angle.full_scale
        deriv = ideal * envelope_derivative(pulse) * fs
        corr = -drag.beta * deriv / (2 * np.pi * model.anharmonicity_hz)
        peak = float(np.abs(corr).max())
        if peak > 0:
            step = 2 * peak / ((1 << drag.bits) - 1)
            corr = np.round(corr / step) * step
        quad = _window(corr, emitted, 0.0)
    k = filt.oversample if filt.active else 1
    if filt.active:
        amp = filter_samples(amp, pulse.dt_s, filt)
        quad = filter_samples(quad, pulse.dt_s, filt)
    return fs * amp, quad, pulse.dt_s / k


def _qubit_superop_from_qutip(ops: np.ndarray, levels: int) -> tuple[np.ndarray, np.ndarray]:
    """QuTiP propagators -> row-major qubit maps ``(..., 4, 4)`` and their leakage.

    ``ops`` are column-stacking superoperators ``(..., d^2, d^2)`` or, for a
    closed model, unitaries ``(..., d, d)``. Leaked population (``1 - trace``
    of the qubit block's output) is added to ``|1><1|``.
    """
    d = levels
    ops = np.asarray(ops, dtype=complex)
    if ops.shape[-1] == d:
        full = superop_left_right(ops, np.swapaxes(ops.conj(), -1, -2))
        rows = np.array([d * i + j for i in _QUBIT for j in _QUBIT])
    else:
        full = ops
        rows = np.array([i + d * j for i in _QUBIT for j in _QUBIT])  # column stacking
    s = full[..., rows[:, None], rows[None, :]].copy()
    kept = s[..., 0, :] + s[..., 3, :]  # trace of the output, per input element
    lost = np.array([1.0, 0.0, 0.0, 1.0]) - kept
    s[..., 3, :] += lost
    leakage = np.clip(np.real(lost[..., 0] + lost[..., 3]) / 2, 0.0, None)
    return s, leakage


def compile_processes(
    dac: DAC,
    *,
    pulse: PulseSpec | None = None,
    model: QubitModel | None = None,
    filt: FilterSpec | None = None,
    emitted: np.ndarray | None = None,
    drag: Drag | None = None,
    phase_bits: int | None = None,
    noise: bool = True,
    options: SolverOptions | None = None,
    codes: np.ndarray | None = None,
) -> PulseChannels:
    """Compile the realized process of every code of ``dac``.

    Parameters
    ----------
    dac : hardware_models.dac.DAC
        The angle DAC instance (full scale one turn); its realized levels and
        ``spec.noise_rms`` (same units as its levels) are played.
    pulse : PulseSpec, optional
        Default 20 ns square at 1 GS/s.
    model : QubitModel, optional
        Two or three levels, T1/T2 during the pulse.
    filt : FilterSpec, optional
        Reconstruction filter; default none.
    emitted : ndarray of bool, optional
        Per tick of the pulse window, whether a sample is played (``sum ==
        pulse.n_samples``); default all ticks, no stalls.
    drag : Drag, optional
        DRAG correction (three levels only).
    phase_bits : int, optional
        Virtual-Z register bits; default ``max(dac.bits, 2)``.
    noise : bool, default=True
        Average over the DAC output noise; False plays the static levels.
    options : SolverOptions, optional
        QuTiP settings (three levels).
    codes : ndarray of int, optional
        Compile only these codes (x and y); default all.

    Returns
    -------
    PulseChannels
    """
    pulse = PulseSpec() if pulse is None else pulse
    model = QubitModel() if model is None else model
    filt = FilterSpec() if filt is None else filt
    phase_bits = max(dac.bits, 2) if phase_bits is None else phase_bits
    if emitted is not None:
        emitted = np.asarray(emitted, dtype=bool)
        if emitted.ndim != 1 or int(emitted.sum()) != pulse.n_samples:
            raise ValueError(f"emitted: must be a 1-D mask with {pulse.n_samples} True ticks, "
                             f"got {int(emitted.sum())} of {emitted.size}")
    if drag is not None and model.levels < 3:
        raise ValueError("drag: needs qubit.levels 3 (a two-level qubit cannot leak)")
    angle = AngleDAC(dac)
    noise_fraction = float(dac.spec.noise_rms) / angle.full_scale if noise else 0.0
    if noise_fraction > 0 and model.levels > 2:
        raise ValueError("noise_rms: DAC output noise is averaged only for two levels; the "
                         "three-level QuTiP solver cannot take it (set it to 0)")
    if noise_fraction > 0 and filt.active:
        raise ValueError("noise_rms: DAC output noise through a reconstruction filter is "
                         "correlated across samples and not averaged here; use filter none")
    if codes is not None:
        codes = np.unique(np.asarray(codes, dtype=np.int64) % angle.n_codes)
    wx, wy, dt = drive_waveforms(angle, pulse, model, filt=filt, emitted=emitted, drag=drag,
                                 codes=codes)
    if model.levels == 2:
        steps = step_propagators(wx, wy, dt, model, noise_fraction,
                                 full_scale_rabi_rad_s(pulse))
        s_x = _time_ordered_product(steps)
        leakage = np.zeros(wx.shape[0])
    else:
        solver = QutipSolver(options)
        drive = Drive(dt, np.hypot(wx, wy), np.arctan2(wy, wx))
        s_x, leakage = _qubit_superop_from_qutip(solver.superoperators(drive, model),
                                                 model.levels)
    k = unitary_superoperator(frame_rotation(2, np.pi / 2))
    superops = {
        "x": s_x,
        "y": k @ s_x @ k.conj().T,
        "z": unitary_superoperator(virtual_z_table(dac.bits, phase_bits)),
    }
    return PulseChannels(dac.bits, superops, leakage, wx.shape[-1] * dt, codes)


def closed_model(model: QubitModel) -> QubitModel:
    """The same qubit without T1/T2."""
    return dataclasses.replace(model, t1_s=None, t2_s=None)
