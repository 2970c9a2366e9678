"""Figure of one realized gate: the emitted waveform and the Bloch-sphere trajectory.

matplotlib (Agg) and QuTiP are imported inside :func:`plot_gate`.
"""

from __future__ import annotations

import os

import numpy as np

from cosim.files import save_figure
from cosim.pulse.gate import GateRealization
from cosim.pulse.models import QubitModel
from cosim.pulse.solvers import QutipSolver


def _sphere(ax) -> None:
    u, v = np.mgrid[0 : 2 * np.pi : 40j, 0 : np.pi : 20j]
    ax.plot_wireframe(np.cos(u) * np.sin(v), np.sin(u) * np.sin(v), np.cos(v),
                      color="0.85", linewidth=0.4)
    for axis in np.eye(3):
        ax.plot(*np.stack([-axis, axis], axis=1), color="0.6", linewidth=0.6)
    for label, pos in (("|0⟩", (0, 0, 1.12)), ("|1⟩", (0, 0, -1.22)), ("+x", (1.25, 0, 0)),
                       ("+y", (0, 1.25, 0))):
        ax.text(*pos, label, fontsize=9, ha="center")
    ax.set_box_aspect((1, 1, 1), zoom=1.25)
    ax.set_axis_off()
    ax.view_init(elev=20, azim=35)


def plot_gate(g: GateRealization, model: QubitModel, path: str | os.PathLike) -> None:
    """Save a two-panel figure: DAC output vs time, and the qubit's Bloch trajectory.

    Parameters
    ----------
    g : GateRealization
    model : QubitModel
        The model the gate was realized with (decoherence shortens the vector).
    path : str or path-like
        Output file; the format follows the suffix.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    drive = g.drive
    edges_ns = drive.sample_edges_s() * 1e9
    rabi_mhz = drive.rabi_rad_s / (2 * np.pi) / 1e6
    # Pad with the idle (zero) output so the pulse edges show.
    pad = 0.15 * edges_ns[-1]
    t_ns = np.concatenate(([-pad], edges_ns, [edges_ns[-1] + pad]))
    values = np.concatenate(([0.0], rabi_mhz, [0.0]))
    # The unquantized square-pulse Rabi rate of the target angle, for reference.
    ideal_mhz = np.mod(g.theta_target_rad, 2 * np.pi) / drive.duration_s / (2 * np.pi) / 1e6
    times, bloch = QutipSolver().bloch_trajectory(drive, model)

    fig = plt.figure(figsize=(10.0, 4.2), dpi=200)
    grid = fig.add_gridspec(1, 2, width_ratios=(1.15, 1.0))
    ax_w = fig.add_subplot(grid[0])
    ax_w.stairs(values, t_ns, color="C0", linewidth=1.4, baseline=None,
                label=f"DAC output, code {g.code}")
    if g.drive.is_constant():
        ax_w.hlines(ideal_mhz, edges_ns[0], edges_ns[-1], colors="0.4", linestyles="--",
                    linewidth=1.0, label="unquantized target")
    ax_w.set_xlabel("time (ns)")
    ax_w.set_ylabel("Rabi rate Ω/2π (MHz)")
    ax_w.set_title(f"Emitted drive for R{g.axis}({g.theta_target_rad:.4g} rad)", fontsize=10)
    ax_w.set_xlim(t_ns[0], t_ns[-1])
    top = max(float(values.max()), ideal_mhz)
    ax_w.set_ylim(min(0.0, float(values.min()) * 1.1), 1.15 * top if top > 0 else 1.0)
    ax_w.grid(alpha=0.3)
    ax_w.legend(frameon=False, fontsize=8, loc="upper right")

    ax_b = fig.add_subplot(grid[1], projection="3d")
    _sphere(ax_b)
    ax_b.plot(bloch[:, 0], bloch[:, 1], bloch[:, 2], color="C3", linewidth=1.8)
    ax_b.scatter(*bloch[0], color="k", s=14, label="start |0⟩")
    ax_b.scatter(*bloch[-1], color="C3", s=20, label=f"end, t = {times[-1] * 1e9:.3g} ns")
    note = f"F = {g.fidelity:.6f}" + ("" if g.leakage is None else f", leakage {g.leakage:.2g}")
    ax_b.set_title(f"Bloch trajectory\n{note}", fontsize=10)
    ax_b.legend(frameon=False, fontsize=8, loc="lower left")
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)
