"""Propagate a :class:`~cosim.pulse.waveforms.Drive` through a qubit model.

Two implementations of one interface, ``unitaries(drive, model)``:

* :class:`ClosedFormSolver` - closed two-level systems only. Each sample is a
  constant Hamiltonian ``Delta/2 I + b . sigma``, whose propagator is the
  exact SU(2) step ``exp(-i Delta dt/2) (cos(|b| dt) I - i sin(|b| dt) b.sigma/|b|)``;
  the pulse is their time-ordered product. Everything is vectorised over the
  batch axes of the drive (all DAC codes at once) and the product is a
  pairwise tree of batched 2x2 matmuls.
* :class:`QutipSolver` - the reference, and the only path for three levels
  and for open systems (``superoperators``). Coefficients are order-0 step
  functions on the sample edges and the ODE ``max_step`` is below one sample
  period, so no sample is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cosim.pulse.models import QubitModel, collapse_operators, drift, drive_operators
from cosim.pulse.waveforms import Drive

SOLVERS = ("auto", "closed-form", "qutip")
# Codes per block in the closed form: bounds memory at ~block * n_samples * 64 B.
_BLOCK = 4096


@dataclass(frozen=True)
class SolverOptions:
    """Integrator settings of the QuTiP reference.

    Parameters
    ----------
    method : str, default="adams"
        QuTiP ODE method.
    atol, rtol : float, default=1e-14, 1e-12
        Absolute and relative tolerances. With these the reference matches the
        closed form to ~1e-9 on 20-sample pulses.
    max_step_fraction : float, default=0.5
        ``max_step`` as a fraction of the sample period (must be < 1).
    nsteps : int, default=1000000
        Maximum internal steps per output interval.
    """

    method: str = "adams"
    atol: float = 1e-14
    rtol: float = 1e-12
    max_step_fraction: float = 0.5
    nsteps: int = 1_000_000

    def __post_init__(self) -> None:
        if not 0 < self.max_step_fraction < 1:
            raise ValueError(
                f"max_step_fraction: must be in (0, 1), got {self.max_step_fraction!r}"
            )
        if not (self.atol > 0 and self.rtol > 0):
            raise ValueError(f"atol: atol and rtol must be > 0, got {self.atol}, {self.rtol}")

    def qutip_options(self, dt_s: float) -> dict:
        return {"method": self.method, "atol": self.atol, "rtol": self.rtol,
                "max_step": self.max_step_fraction * dt_s, "nsteps": self.nsteps}


def resolve_solver(solver: str, model: QubitModel) -> str:
    """The concrete solver label: ``closed-form``, ``qutip-sesolve`` or ``qutip-mesolve``.

    ``auto`` picks the closed form for a closed two-level model, else QuTiP.
    """
    if solver not in SOLVERS:
        raise ValueError(f"solver: must be one of {', '.join(SOLVERS)}, got {solver!r}")
    qutip_label = "qutip-mesolve" if model.is_open else "qutip-sesolve"
    if solver == "qutip":
        return qutip_label
    closed_ok = model.levels == 2 and not model.is_open
    if solver == "closed-form" and not closed_ok:
        raise ValueError("solver: closed-form needs a closed two-level model "
                         f"(levels=2, no t1_s/t2_s), got levels={model.levels}, "
                         f"t1_s={model.t1_s}, t2_s={model.t2_s}")
    return "closed-form" if closed_ok else qutip_label


def _step_unitaries(wx: np.ndarray, wy: np.ndarray, delta: float, dt: float) -> np.ndarray:
    """``exp(-i dt (delta |1><1| + wx sx/2 + wy sy/2))`` for arrays of quadratures (rad/s)."""
    bx, by, bz = wx / 2, wy / 2, np.full_like(wx, -delta / 2)
    norm = np.sqrt(bx**2 + by**2 + bz**2)
    c = np.cos(norm * dt)
    # sin(|b| dt) / |b| without dividing by zero on idle samples.
    s = dt * np.sinc(norm * dt / np.pi)
    phase = np.exp(-0.5j * delta * dt)
    u = np.empty(wx.shape + (2, 2), dtype=complex)
    u[..., 0, 0] = phase * (c - 1j * s * bz)
    u[..., 1, 1] = phase * (c + 1j * s * bz)
    u[..., 0, 1] = phase * (-1j * s * bx - s * by)
    u[..., 1, 0] = phase * (-1j * s * bx + s * by)
    return u


def _time_ordered_product(steps: np.ndarray) -> np.ndarray:
    """``U_{n-1} ... U_1 U_0`` over axis -3 of ``steps`` (..., n, 2, 2), by pairwise halving."""
    while steps.shape[-3] > 1:
        n = steps.shape[-3]
        odd = steps[..., n - 1 :, :, :] if n % 2 else None
        pairs = steps[..., 1 : n - n % 2 : 2, :, :] @ steps[..., 0 : n - n % 2 : 2, :, :]
        steps = pairs if odd is None else np.concatenate([pairs, odd], axis=-3)
    return steps[..., 0, :, :]


class ClosedFormSolver:
    """Exact product of piecewise-constant SU(2) steps; closed two-level systems only."""

    name = "closed-form"

    def unitaries(self, drive: Drive, model: QubitModel) -> np.ndarray:
        """Propagators of every pulse in the batch, shape ``drive.batch_shape + (2, 2)``."""
        resolve_solver("closed-form", model)
        delta = 2 * np.pi * model.detuning_hz
        wx, wy = drive.quadratures
        if drive.is_constant():
            # A constant pulse is one step of the whole duration: same exact result.
            return _step_unitaries(wx[..., 0], wy[..., 0], delta, drive.duration_s)
        batch = drive.batch_shape
        wx = wx.reshape(-1, drive.n_samples)
        wy = wy.reshape(-1, drive.n_samples)
        out = np.empty((wx.shape[0], 2, 2), dtype=complex)
        block = max(1, _BLOCK * 64 // max(drive.n_samples, 64))
        for lo in range(0, wx.shape[0], block):
            steps = _step_unitaries(wx[lo : lo + block], wy[lo : lo + block], delta, drive.dt_s)
            out[lo : lo + block] = _time_ordered_product(steps)
        return out.reshape(batch + (2, 2))


class QutipSolver:
    """QuTiP reference: sesolve for unitaries, mesolve-based propagators for channels.

    Parameters
    ----------
    options : SolverOptions, optional
        Integrator settings.
    """

    name = "qutip"

    def __init__(self, options: SolverOptions | None = None) -> None:
        self.options = SolverOptions() if options is None else options

    def hamiltonian(self, drive: Drive, model: QubitModel):
        """``QobjEvo`` of one unbatched drive: drift plus step-function quadratures."""
        import qutip

        if drive.batch_shape:
            raise ValueError(f"drive: must be a single pulse, got batch {drive.batch_shape}")
        edges = drive.sample_edges_s()
        hx, hy = drive_operators(model.levels)
        terms: list = [qutip.Qobj(drift(model))]
        for op, w in zip((hx, hy), drive.quadratures, strict=True):
            if np.any(w != 0):
                # order=0: value w[i] on [t_i, t_{i+1}); the last edge repeats the last sample.
                coeff = qutip.coefficient(np.append(w, w[-1]), tlist=edges, order=0)
                terms.append([qutip.Qobj(op), coeff])
        return qutip.QobjEvo(terms)

    def _batched(self, drive: Drive, one) -> np.ndarray:
        flat_r = drive.rabi_rad_s.reshape(-1, drive.n_samples)
        flat_p = drive.phase_rad.reshape(-1, drive.n_samples)
        mats = [one(Drive(drive.dt_s, r, p)) for r, p in zip(flat_r, flat_p, strict=True)]
        return np.asarray(mats).reshape(drive.batch_shape + mats[0].shape)

    def unitaries(self, drive: Drive, model: QubitModel) -> np.ndarray:
        """Closed-system propagators (T1/T2 ignored), shape ``batch + (d, d)``."""
        import qutip

        opts = self.options.qutip_options(drive.dt_s)
        eye = qutip.qeye(model.levels)

        def one(d: Drive) -> np.ndarray:
            res = qutip.sesolve(self.hamiltonian(d, model), eye, [0.0, d.duration_s],
                                options=opts)
            return res.states[-1].full()

        return self._batched(drive, one)

    def superoperators(self, drive: Drive, model: QubitModel) -> np.ndarray:
        """Channel superoperators (column-stacking ``vec``), shape ``batch + (d^2, d^2)``."""
        import qutip

        opts = self.options.qutip_options(drive.dt_s)
        c_ops = [qutip.Qobj(c) for c in collapse_operators(model)]

        def one(d: Drive) -> np.ndarray:
            h = self.hamiltonian(d, model)
            return qutip.propagator(h, d.duration_s, c_ops=c_ops, options=opts).full()

        return self._batched(drive, one)

    def bloch_trajectory(
        self, drive: Drive, model: QubitModel, points_per_sample: int = 8
    ) -> tuple[np.ndarray, np.ndarray]:
        """Times (s) and qubit-subspace Bloch vectors (T, 3) of ``|0>`` under one drive."""
        import qutip

        d = model.levels
        sx, sy, sz = (np.zeros((d, d), complex) for _ in range(3))
        sx[:2, :2] = [[0, 1], [1, 0]]
        sy[:2, :2] = [[0, -1j], [1j, 0]]
        sz[:2, :2] = [[1, 0], [0, -1]]
        tlist = np.linspace(0.0, drive.duration_s, drive.n_samples * points_per_sample + 1)
        e_ops = [qutip.Qobj(m) for m in (sx, sy, sz)]
        h = self.hamiltonian(drive, model)
        opts = self.options.qutip_options(drive.dt_s)
        psi0 = qutip.basis(d, 0)
        if model.is_open:
            c_ops = [qutip.Qobj(c) for c in collapse_operators(model)]
            res = qutip.mesolve(h, psi0, tlist, c_ops=c_ops, e_ops=e_ops, options=opts)
        else:
            res = qutip.sesolve(h, psi0, tlist, e_ops=e_ops, options=opts)
        return tlist, np.real(np.stack(res.expect, axis=-1))
