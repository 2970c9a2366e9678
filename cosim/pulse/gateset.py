"""Gate-set compilation: the realized operation of every amplitude-DAC code, cached on disk.

For a DAC instance, pulse and qubit model, :func:`compile_gateset` propagates
the pulse of every code ``0 .. 2**N - 1`` about X (drive phase 0) and fills a
:class:`qnn.gateset.TableGateSet`:

* ``x``: the qubit-subspace propagator of each code. For three levels the
  block is not unitary (leakage); the table holds its closest unitary (polar
  factor) and the lost population is in :attr:`CompiledGateSet.leakage`. For
  open systems the table holds the coherent part (the same pulse with T1/T2
  off) and decoherence enters only :attr:`CompiledGateSet.fidelity`.
* ``y``: ``R x R^dag`` with ``R = diag(1, i)``. Driving at phase pi/2 is
  exactly this frame rotation of the phase-0 evolution for every model here
  (see :func:`cosim.pulse.models.frame_rotation`), so Y costs no second solve;
  the tests check it against a direct Y solve.
* ``z``: virtual Z at the phase-register resolution (:mod:`cosim.pulse.virtual_z`).

Fidelities are average gate fidelities against the *nominal* rotation of each
code, ``k * 2 pi / 2**N``.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np

from cosim.pulse import cache
from cosim.pulse.angle_dac import AngleDAC
from cosim.pulse.fidelity import (
    nearest_unitary,
    subspace_block,
    superop_fidelity,
    unitary_fidelity,
    unitary_leakage,
)
from cosim.pulse.models import QubitModel, frame_rotation
from cosim.pulse.solvers import ClosedFormSolver, QutipSolver, SolverOptions, resolve_solver
from cosim.pulse.virtual_z import virtual_z_table
from cosim.pulse.waveforms import PulseSpec
from hardware_models.dac import DAC
from qnn.gateset import TableGateSet, rotation


class CompiledGateSet(TableGateSet):
    """A :class:`~qnn.gateset.TableGateSet` with the figures of its compilation.

    Attributes
    ----------
    bits : int
        Angle-DAC resolution.
    tables : dict of {"x", "y", "z"} to ndarray of shape (2**bits, 2, 2)
    fidelity : dict of {"x", "y"} to ndarray of shape (2**bits,)
        Average gate fidelity of each code against its nominal rotation.
    leakage : dict of {"x", "y"} to ndarray of shape (2**bits,), or None
        Average leakage out of the qubit subspace (three levels only).
    phase_bits : int
        Virtual-Z register resolution.
    solver : str
        ``closed-form``, ``qutip-sesolve`` or ``qutip-mesolve``.
    key : str
        Cache key of the configuration.
    from_cache : bool
        True when the tables were read from disk.
    path : pathlib.Path or None
        Cache file, if the cache was used.
    """

    def __init__(self, bits: int, tables: dict[str, np.ndarray], *,
                 fidelity: dict[str, np.ndarray], leakage: dict[str, np.ndarray] | None,
                 phase_bits: int, solver: str, key: str, from_cache: bool,
                 path: Path | None) -> None:
        super().__init__(bits, tables)
        self.fidelity = fidelity
        self.leakage = leakage
        self.phase_bits = phase_bits
        self.solver = solver
        self.key = key
        self.from_cache = from_cache
        self.path = path


def _x_operations(angle: AngleDAC, pulse: PulseSpec, model: QubitModel, label: str,
                  options: SolverOptions) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Table, fidelity and leakage of every code about X."""
    codes = np.arange(angle.n_codes)
    drive = angle.drive(codes, pulse, phase_rad=0.0)
    target = rotation("x", angle.nominal_angle_rad(codes))
    if label == "closed-form":
        u = ClosedFormSolver().unitaries(drive, model)
        return u, unitary_fidelity(target, u), None
    qsolver = QutipSolver(options)
    closed = dataclasses.replace(model, t1_s=None, t2_s=None)
    u = qsolver.unitaries(drive, closed)
    if label == "qutip-sesolve":
        fid, leak = unitary_fidelity(target, u), unitary_leakage(u)
    else:
        fid, leak = superop_fidelity(target, qsolver.superoperators(drive, model), model.levels)
    block = subspace_block(u)
    table = nearest_unitary(block) if model.levels > 2 else block
    return table, fid, (leak if model.levels > 2 else None)


def compile_gateset(
    dac: DAC,
    *,
    pulse: PulseSpec | None = None,
    model: QubitModel | None = None,
    phase_bits: int | None = None,
    solver: str = "auto",
    options: SolverOptions | None = None,
    cache_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
) -> CompiledGateSet:
    """Compile (or load) the realized gate set of an amplitude DAC.

    Parameters
    ----------
    dac : hardware_models.dac.DAC
        The DAC instance; its realized levels (mismatch draw included) are
        part of the cache key. Output noise is not applied: the table is static.
    pulse : PulseSpec, optional
        Pulse timing and envelope; default 20 ns square at 1 GS/s.
    model : QubitModel, optional
        Qubit model; default closed, resonant two-level.
    phase_bits : int, optional
        Virtual-Z register bits; default ``max(dac.bits, 2)``.
    solver : {"auto", "closed-form", "qutip"}, default="auto"
        ``auto`` uses the closed form when the model allows it.
    options : SolverOptions, optional
        QuTiP integrator settings (part of the key for QuTiP solves).
    cache_dir : str or path-like, optional
        Cache directory; default ``$COSIM_CACHE_DIR`` or ``~/.cache/cosim/gatesets``.
    use_cache : bool, default=True
        Read and write the cache.

    Returns
    -------
    CompiledGateSet
    """
    if not isinstance(dac, DAC):
        raise ValueError(f"dac: must be a hardware_models.dac.DAC, got {type(dac).__name__}")
    pulse = PulseSpec() if pulse is None else pulse
    model = QubitModel() if model is None else model
    options = SolverOptions() if options is None else options
    phase_bits = max(dac.bits, 2) if phase_bits is None else phase_bits
    label = resolve_solver(solver, model)
    angle = AngleDAC(dac)
    key = cache.config_key({
        "dac": dac.spec, "levels_sha256": cache.array_digest(dac.levels), "pulse": pulse,
        "model": model, "phase_bits": phase_bits, "solver": label,
        "options": None if label == "closed-form" else options,
    })
    directory = cache.cache_directory(cache_dir)
    if use_cache:
        n = 1 << dac.bits
        shapes = {"x": (n, 2, 2), "y": (n, 2, 2), "z": (n, 2, 2), "fidelity": (n,),
                  "leakage": (n,)}
        stored = cache.load(directory, key, shapes, nan_ok=("leakage",))
        if stored is not None:
            return _from_arrays(stored, dac.bits, phase_bits, label, key, directory / f"{key}.npz")
    table_x, fid, leak = _x_operations(angle, pulse, model, label, options)
    r = frame_rotation(2, np.pi / 2)
    arrays = {
        "x": table_x,
        "y": r @ table_x @ r.conj().T,
        "z": virtual_z_table(dac.bits, phase_bits),
        "fidelity": fid,
        "leakage": np.full(angle.n_codes, np.nan) if leak is None else leak,
    }
    path = cache.save(directory, key, arrays) if use_cache else None
    gs = _from_arrays(arrays, dac.bits, phase_bits, label, key, path)
    gs.from_cache = False
    return gs


def _from_arrays(arrays: dict[str, np.ndarray], bits: int, phase_bits: int, label: str,
                 key: str, path: Path | None) -> CompiledGateSet:
    fid = np.asarray(arrays["fidelity"], dtype=float)
    leak = np.asarray(arrays["leakage"], dtype=float)
    return CompiledGateSet(
        bits,
        {axis: arrays[axis] for axis in ("x", "y", "z")},
        fidelity={"x": fid, "y": fid},
        leakage=None if np.all(np.isnan(leak)) else {"x": leak, "y": leak},
        phase_bits=phase_bits, solver=label, key=key, from_cache=True, path=path,
    )
