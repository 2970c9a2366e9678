"""Figure of a stack run: a Gantt timeline of the channels and the emitted waveforms.

matplotlib (Agg) is imported inside :func:`plot_schedule`.
"""

from __future__ import annotations

import os

import numpy as np

from cosim.files import save_figure
from cosim.stack.results import StackResult


def _time_unit(duration_s: float) -> tuple[float, str]:
    return (1e6, "µs") if duration_s >= 2e-6 else (1e9, "ns")


def plot_schedule(result: StackResult, path: str | os.PathLike) -> None:
    """Save a two-panel figure: channel/CNOT Gantt chart and per-qubit DAC output.

    Parameters
    ----------
    result : StackResult
    path : str or path-like
        Output file; the format follows the suffix.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    spec = result.spec
    scale, unit = _time_unit(result.duration_s)
    n_rows = spec.n_channels + 1
    colors = [plt.get_cmap("tab10")(q % 10) for q in range(spec.n_qubits)]
    height = 1.6 + 0.35 * n_rows + 0.45 * spec.n_qubits
    fig, (ax_g, ax_w) = plt.subplots(2, 1, sharex=True, figsize=(10.0, height), dpi=200,
                                     gridspec_kw={"height_ratios": (n_rows, spec.n_qubits)})
    for p in result.pulses:
        row = p.channel
        # Overhead (issue latency + prefill, gap) light, playback solid.
        ax_g.broken_barh([(p.acquire_s * scale, (p.play_s - p.acquire_s) * scale)],
                         (row - 0.35, 0.7), facecolors=colors[p.qubit], alpha=0.3)
        ax_g.broken_barh([(p.play_s * scale, (p.done_s - p.play_s) * scale)],
                         (row - 0.35, 0.7), facecolors=colors[p.qubit],
                         edgecolor="k" if p.underflows else "none", linewidth=0.8)
        if p.release_s > p.done_s:
            ax_g.broken_barh([(p.done_s * scale, (p.release_s - p.done_s) * scale)],
                             (row - 0.35, 0.7), facecolors="0.7")
    cnot_row = spec.n_channels
    for c in result.two_qubit:
        ax_g.broken_barh([(c.start_s * scale, (c.done_s - c.start_s) * scale)],
                         (cnot_row - 0.35, 0.7), facecolors="0.35", edgecolor="w",
                         linewidth=0.8)
        ax_g.text((c.start_s + c.done_s) / 2 * scale, cnot_row, f"{c.control}→{c.target}",
                  ha="center", va="center", fontsize=6, color="w")
    ax_g.set_yticks(range(n_rows), [f"ch{c}" for c in range(spec.n_channels)] + ["CNOT"])
    ax_g.invert_yaxis()
    ax_g.grid(axis="x", alpha=0.3)
    ax_g.set_title(
        f"{spec.n_qubits} qubits on {spec.n_channels} channel(s): "
        f"{result.duration_s * scale:.4g} {unit}, utilization {result.utilization:.1%}, "
        f"{result.underflows} underflow(s)", fontsize=10)
    handles = [Patch(color=colors[q], label=f"q{q}") for q in range(spec.n_qubits)]
    handles.append(Patch(color=colors[0], alpha=0.3, label="issue + prefill"))
    if result.underflows:
        handles.append(Patch(facecolor="w", edgecolor="k", label="pulse with underflow"))
    ax_g.legend(handles=handles, fontsize=7, frameon=False, loc="upper left",
                bbox_to_anchor=(1.01, 1.0))

    for rec in result.waveforms:
        amp = rec.amplitude
        peak = max(float(np.abs(amp).max()), 1e-12)
        offset = rec.qubit
        # Rows grow upwards on the inverted axis: baseline at offset + 0.4.
        ax_w.stairs(offset + 0.4 - 0.8 * amp / peak, rec.t_s * scale,
                    baseline=offset + 0.4, fill=True, color=colors[rec.qubit], alpha=0.8)
    ax_w.set_yticks(range(spec.n_qubits), [f"q{q}" for q in range(spec.n_qubits)])
    ax_w.set_ylim(spec.n_qubits - 0.5, -0.5)
    ax_w.set_xlabel(f"time ({unit})")
    ax_w.set_ylabel("DAC output (per-qubit scale)")
    ax_w.grid(axis="x", alpha=0.3)
    ax_w.set_xlim(0, result.duration_s * scale)
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)
