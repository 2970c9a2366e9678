"""Gate error against the requested continuous angle, split by cause.

The error of a realized gate is ``1 - F_avg`` of its whole process (a
:class:`~cosim.pulse.processes.PulseChannels` entry, leakage read as ``|1>``)
against the rotation that was *asked for*, ``R(theta)`` with ``theta`` any
real angle, not the nominal angle of the code it rounds to. Averaged over
requested angles spread uniformly over a turn, it answers what an architect
asks: how far from the wanted gate is the gate this hardware plays.

:func:`gate_error_breakdown` switches the causes on one at a time and reports
the increments, which add up to the total by construction:

1. ``quantization``: the code's nominal rotation (the grid alone);
2. ``pulse``: an ideal DAC through the pulse on the closed qubit (envelope
   re-quantization, leakage and phase errors of three levels);
3. ``nonlinearity``: the chip's realized levels (INL/DNL, gain, offset);
4. ``noise_filter``: DAC output noise and the reconstruction filter;
5. ``decoherence``: T1/T2 during the pulse window.

RZ is a virtual phase update (:mod:`cosim.pulse.virtual_z`): no DAC level, so
no mismatch, noise or decoherence -- only the code grid and the phase
register's resolution, reported as ``rz``.
"""

from __future__ import annotations

import numpy as np

from cosim.pulse.angle_dac import AngleDAC
from cosim.pulse.filters import FilterSpec
from cosim.pulse.models import QubitModel
from cosim.pulse.processes import Drag, closed_model, compile_processes
from cosim.pulse.virtual_z import virtual_z_table
from cosim.pulse.waveforms import PulseSpec
from hardware_models.dac import DAC, DACSpec
from qnn.gateset import rotation
from qnn.noise import unitary_superoperator
from qnn.vocabulary import nearest_codes

COMPONENTS = ("quantization", "pulse", "nonlinearity", "noise_filter", "decoherence")


def requested_angles(n: int = 1024) -> np.ndarray:
    """``n`` requested angles spread uniformly over a turn (sample midpoints), rad."""
    return (np.arange(n) + 0.5) * 2 * np.pi / n


def process_error(superops: np.ndarray, target: np.ndarray) -> np.ndarray:
    """``1 - F_avg`` of trace-preserving qubit maps (row-major Liouville) against unitaries.

    ``F_pro = Tr(S_U^dag S) / 4`` and ``F_avg = (2 F_pro + 1) / 3``.
    """
    s_u = unitary_superoperator(target)
    f_pro = np.real(np.einsum("...ij,...ij->...", s_u.conj(), superops)) / 4
    return 1.0 - (2 * f_pro + 1) / 3


def _ideal_copy(dac: DAC) -> DAC:
    spec = DACSpec(bits=dac.bits, full_scale=dac.spec.full_scale)
    return DAC(spec, rng=0)


def gate_error_breakdown(
    dac: DAC,
    *,
    pulse: PulseSpec | None = None,
    model: QubitModel | None = None,
    filt: FilterSpec | None = None,
    emitted: np.ndarray | None = None,
    drag: Drag | None = None,
    phase_bits: int | None = None,
    angles: np.ndarray | None = None,
    axis: str = "x",
) -> dict[str, float]:
    """Mean gate error against the requested angles, in total and per cause.

    Parameters
    ----------
    dac, pulse, model, filt, emitted, drag, phase_bits
        As in :func:`cosim.pulse.processes.compile_processes`.
    angles : ndarray, optional
        Requested angles in rad; default :func:`requested_angles`.
    axis : {"x", "y"}, default="x"

    Returns
    -------
    dict
        ``total``, one entry per name in :data:`COMPONENTS` (summing to
        ``total``) and ``rz`` (the virtual RZ's error at ``phase_bits``).
    """
    pulse = PulseSpec() if pulse is None else pulse
    model = QubitModel() if model is None else model
    filt = FilterSpec() if filt is None else filt
    phase_bits = max(dac.bits, 2) if phase_bits is None else phase_bits
    theta = requested_angles() if angles is None else np.atleast_1d(np.asarray(angles, float))
    angle = AngleDAC(dac)
    codes = angle.codes(theta)
    target = rotation(axis, theta)
    closed = closed_model(model)
    common = {"pulse": pulse, "emitted": emitted, "drag": drag, "phase_bits": phase_bits,
              "codes": codes}
    none = FilterSpec(oversample=filt.oversample)
    stages = [
        unitary_superoperator(rotation(axis, angle.nominal_angle_rad(codes))),
        compile_processes(_ideal_copy(dac), model=closed, filt=none, noise=False, **common),
        compile_processes(dac, model=closed, filt=none, noise=False, **common),
        compile_processes(dac, model=closed, filt=filt, **common),
        compile_processes(dac, model=model, filt=filt, **common),
    ]
    errors = [float(np.mean(process_error(
        s if isinstance(s, np.ndarray) else s.superoperators(axis, codes), target)))
        for s in stages]
    out = {"total": errors[-1], COMPONENTS[0]: errors[0]}
    for name, before, after in zip(COMPONENTS[1:], errors[:-1], errors[1:], strict=True):
        out[name] = after - before
    z_codes = nearest_codes(theta, dac.bits)
    realized = virtual_z_table(dac.bits, phase_bits)[z_codes]
    out["rz"] = float(np.mean(process_error(unitary_superoperator(realized),
                                            rotation("z", theta))))
    return out

