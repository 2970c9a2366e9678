"""Realize one rotation gate through the DAC at pulse level (what ``cosim gate`` reports)."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from cosim.pulse.angle_dac import AngleDAC
from cosim.pulse.fidelity import (
    rotation_angle,
    subspace_block,
    superop_fidelity,
    unitary_fidelity,
    unitary_leakage,
)
from cosim.pulse.models import QubitModel
from cosim.pulse.solvers import ClosedFormSolver, QutipSolver, SolverOptions, resolve_solver
from cosim.pulse.waveforms import Drive, PulseSpec
from hardware_models.dac import DAC
from qnn.gateset import rotation

DRIVE_AXES = ("x", "y")
_AXIS_PHASE = {"x": 0.0, "y": np.pi / 2}


@dataclass(frozen=True, eq=False)
class GateRealization:
    """One rotation as the DAC and the qubit realize it.

    Attributes
    ----------
    axis : {"x", "y"}
    theta_target_rad : float
        Requested angle (rad).
    code : int
        Angle-DAC code played.
    theta_nominal_rad : float
        ``code * 2 pi / 2**N``.
    theta_realized_rad : float
        Angle in ``[0, 2 pi)`` of the rotation about ``axis`` closest to ``unitary``.
    unitary : ndarray of shape (2, 2)
        Qubit-subspace block of the coherent propagator (T1/T2 off); not
        unitary when three levels leak.
    fidelity : float
        Average gate fidelity against ``R_axis(theta_target_rad)`` (with T1/T2 when given).
    leakage : float or None
        Average population leaving the qubit subspace; ``None`` for two levels,
        where it is not modelled.
    solver : str
        ``closed-form``, ``qutip-sesolve`` or ``qutip-mesolve``.
    drive : Drive
        The emitted drive (one pulse).
    """

    axis: str
    theta_target_rad: float
    code: int
    theta_nominal_rad: float
    theta_realized_rad: float
    unitary: np.ndarray
    fidelity: float
    leakage: float | None
    solver: str
    drive: Drive


def realize_gate(
    theta_rad: float,
    *,
    axis: str = "x",
    dac: DAC,
    pulse: PulseSpec | None = None,
    model: QubitModel | None = None,
    solver: str = "auto",
    options: SolverOptions | None = None,
) -> GateRealization:
    """Quantize ``theta_rad`` with the DAC, play the pulse and propagate it.

    Parameters
    ----------
    theta_rad : float
        Target rotation angle in rad (any real value; wrapped into ``[0, 2 pi)``).
    axis : {"x", "y"}, default="x"
    dac : hardware_models.dac.DAC
        Amplitude DAC whose full scale is one full turn.
    pulse, model, solver, options
        As in :func:`cosim.pulse.gateset.compile_gateset`.

    Returns
    -------
    GateRealization
    """
    if axis not in DRIVE_AXES:
        raise ValueError(f"axis: must be one of {', '.join(DRIVE_AXES)}, got {axis!r}")
    if isinstance(theta_rad, bool) or not math.isfinite(float(theta_rad)):
        raise ValueError(f"theta_rad: must be a finite angle in rad, got {theta_rad!r}")
    pulse = PulseSpec() if pulse is None else pulse
    model = QubitModel() if model is None else model
    label = resolve_solver(solver, model)
    angle = AngleDAC(dac)
    code = int(angle.codes(theta_rad))
    drive = angle.drive(np.array([code]), pulse, phase_rad=_AXIS_PHASE[axis])
    target = rotation(axis, float(theta_rad))
    leakage = None
    if label == "closed-form":
        u = ClosedFormSolver().unitaries(drive, model)[0]
        fidelity = float(unitary_fidelity(target, u))
    else:
        qsolver = QutipSolver(options)
        u = qsolver.unitaries(drive, dataclasses.replace(model, t1_s=None, t2_s=None))[0]
        if label == "qutip-sesolve":
            fidelity = float(unitary_fidelity(target, u))
            leak = float(unitary_leakage(u))
        else:
            f, lk = superop_fidelity(target, qsolver.superoperators(drive, model)[0],
                                     model.levels)
            fidelity, leak = float(f), float(lk)
        leakage = leak if model.levels > 2 else None
    block = subspace_block(u)
    return GateRealization(
        axis=axis, theta_target_rad=float(theta_rad), code=code,
        theta_nominal_rad=float(angle.nominal_angle_rad(code)),
        theta_realized_rad=float(rotation_angle(block, axis)), unitary=block,
        fidelity=fidelity, leakage=leakage, solver=label, drive=drive[0],
    )
