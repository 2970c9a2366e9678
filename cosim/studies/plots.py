"""The study figures: Pareto front, PTQ elbow, quantized-training outcome, deadlock map.

Figures are drawn on the Agg canvas directly (no pyplot), so nothing here
touches matplotlib's global backend or state.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ParamSpec

import numpy as np
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from cosim.files import save_figure
from cosim.studies.phase import MAJORITY, PhaseMap, lsb_line
from cosim.studies.scoring import Elbow, Ranked, Stat

DPI = 200
MAX_INSIDE_LEGEND = 5
P = ParamSpec("P")
_STYLE = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
}


def _figure(n_series: int = 1) -> Figure:
    # Wider when the legend has to sit beside the axes (see _legend).
    width_in = 6.0 if n_series <= MAX_INSIDE_LEGEND else 9.0
    fig = Figure(figsize=(width_in, 4.0), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _styled(draw: Callable[P, Path]) -> Callable[P, Path]:
    """Draw inside the house rc settings without changing matplotlib's global ones."""

    @functools.wraps(draw)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Path:
        with rc_context(_STYLE):
            return draw(*args, **kwargs)

    return wrapper


def _legend(ax: Axes, n_series: int, **entries: Any) -> None:
    # Beyond a few series the legend would hide the data: put it outside.
    if n_series <= MAX_INSIDE_LEGEND:
        ax.legend(*entries.values(), loc="lower right")
    else:
        ax.legend(*entries.values(), loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=6,
                  frameon=False)


def _linestyle(i: int) -> str:
    # The colour cycle has 10 entries; the line style tells series 1 and 11 apart.
    return ("-", "--", ":", "-.")[(i // 10) % 4]


def _std(s: Stat) -> float:
    return 0.0 if s.std is None else s.std


@_styled
def pareto_plot(ranked: Sequence[Ranked], accuracy_label: str, path: Path) -> Path:
    """Accuracy against control power per qubit, fronts highlighted and labelled by bits.

    One panel per task (dataset / arch), since their accuracies do not compare.

    Parameters
    ----------
    ranked : sequence of Ranked
        Designs with their Pareto rank (from :func:`cosim.studies.scoring.pareto_designs`).
    accuracy_label : str
        What the accuracy axis shows.
    path : Path
        Output PNG.
    """
    tasks = list(dict.fromkeys(r.task for r in ranked))
    fig, axes = _panels(len(tasks))
    for ax, task in zip(axes, tasks, strict=False):
        _pareto_panel(ax, [r for r in ranked if r.task == task])
        ax.set_title(task if len(tasks) > 1 else "Accuracy against cryogenic control power")
    fig.supxlabel("control power per qubit (mW)", fontsize=9)
    fig.supylabel(f"{accuracy_label} (%)", fontsize=9)
    _shared_legend(fig, axes, single=len(tasks) == 1)
    save_figure(fig, path)
    return path


def _pareto_panel(ax: Axes, ranked: Sequence[Ranked]) -> None:
    power_mw = np.array([r.power_w * 1e3 for r in ranked])
    acc = np.array([r.accuracy * 100 for r in ranked])
    front = np.array([r.rank == 0 for r in ranked])
    ax.scatter(power_mw[~front], acc[~front], s=14, color="0.7", label="dominated designs",
               zorder=2)
    order = np.argsort(power_mw[front])
    fx, fy = power_mw[front][order], acc[front][order]
    ax.step(fx, fy, where="post", color="C0", lw=1.2, zorder=3)
    errors = np.array([(r.accuracy_std or 0.0) * 100 for r in ranked if r.rank == 0])
    ax.errorbar(fx, fy, yerr=errors[order], fmt="o", ms=5, color="C0", capsize=2,
                label="Pareto front (mean ± std over seeds)", zorder=4)
    for r in ranked:
        if r.rank == 0:
            ax.annotate(f"{r.design.bits} b", (r.power_w * 1e3, r.accuracy * 100),
                        textcoords="offset points", xytext=(4, -10), fontsize=7)
        if r.knee:
            ax.scatter([r.power_w * 1e3], [r.accuracy * 100], s=140, facecolors="none",
                       edgecolors="C3", lw=1.5, label="knee", zorder=5)
    # Over a wide range of powers a log axis keeps the cheap designs apart.
    if power_mw.max() > 20 * power_mw.min() > 0:
        ax.set_xscale("log")
    ax.grid(True, alpha=0.3)


@_styled
def elbow_plot(elbows: Sequence[Elbow], path: Path) -> Path:
    """PTQ test accuracy against DAC bits, one line per dataset and architecture."""
    fig = _figure(len(elbows))
    ax = fig.add_subplot()
    for i, e in enumerate(elbows):
        color = f"C{i % 10}"
        bits = np.array([b for b, _ in e.points])
        mean = np.array([s.mean for _, s in e.points]) * 100
        std = np.array([_std(s) for _, s in e.points]) * 100
        ax.plot(bits, mean, marker="o", ms=3.5, ls=_linestyle(i), color=color, label=e.label)
        ax.fill_between(bits, mean - std, mean + std, color=color, alpha=0.15, lw=0)
        if e.float_accuracy is not None:
            ax.axhline(e.float_accuracy.mean * 100, color=color, ls=":", lw=1)
    ax.set_xlabel("DAC resolution (bit)")
    ax.set_ylabel("test accuracy after PTQ (%)")
    ax.set_title("Post-training quantization (dotted: float model; band: ± std over seeds)")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(True, alpha=0.3)
    _legend(ax, len(elbows))
    save_figure(fig, path)
    return path


@_styled
def deadlock_plot(series: dict[str, dict[str, list[tuple[int, Stat]]]], path: Path) -> Path:
    """Test accuracy after quantized training against DAC bits, a line per quantizer.

    One panel per task (:func:`cosim.studies.scoring.deadlock_series`).
    """
    tasks = list(series)
    labels = list(dict.fromkeys(label for t in tasks for label in series[t]))
    fig, axes = _panels(len(tasks))
    for ax, task in zip(axes, tasks, strict=False):
        for label, points in series[task].items():
            i = labels.index(label)
            bits = [b for b, _ in points]
            mean = [s.mean * 100 for _, s in points]
            std = [_std(s) * 100 for _, s in points]
            ax.errorbar(bits, mean, yerr=std, marker="o", ls=_linestyle(i), ms=3, capsize=2,
                        color=f"C{i % 10}", label=label)
        ax.set_title(task if len(tasks) > 1 else
                     "Quantized training outcome (mean ± std over seeds)")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(True, alpha=0.3)
    fig.supxlabel("DAC resolution during training (bit)", fontsize=9)
    fig.supylabel("test accuracy after training (%)", fontsize=9)
    _shared_legend(fig, axes, single=len(tasks) == 1)
    save_figure(fig, path)
    return path


def _panels(n: int) -> tuple[Figure, list[Axes]]:
    """A figure with ``n`` panels, at most four a row; unused cells hidden."""
    ncols = min(n, 4)
    nrows = -(-n // ncols)
    size = (6.0, 4.0) if n == 1 else (3.2 * ncols, 2.8 * nrows + 0.6)
    fig = Figure(figsize=size, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = list(fig.subplots(nrows, ncols, squeeze=False).flat)
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _shared_legend(fig: Figure, axes: Sequence[Axes], *, single: bool) -> None:
    """One legend for all panels: inside a lone panel, above a grid."""
    entries: dict[str, object] = {}
    for ax in axes:
        handles, labels = ax.get_legend_handles_labels()
        entries.update(zip(labels, handles, strict=True))
    if single:
        _legend(axes[0], len(entries), handles=list(entries.values()), labels=list(entries))
    else:
        fig.legend(list(entries.values()), list(entries), loc="outside upper center",
                   ncols=min(len(entries), 4))


@_styled
def phase_plot(maps: Sequence[PhaseMap], path: Path) -> Path:
    """Deadlock phase diagram: per map, applied-update fraction and accuracy gain over (lr, bits).

    The dashed line is ``lr = LSB/2 = pi / 2**bits``; nearest rounding erases
    every step below it, and Adam's steps are about ``lr``.
    """
    fig = Figure(figsize=(9.0, 2.6 * len(maps) + 0.4), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(maps), 2, squeeze=False)
    gain_span = max(float(np.nanmax(np.abs(m.gain))) if np.isfinite(m.gain).any() else 0.0
                    for m in maps) * 100 or 1.0
    for row, phase in zip(axes, maps, strict=True):
        lr_edges = _log_edges(phase.lrs)
        bit_edges = np.log2(_log_edges([2.0**b for b in phase.bits]))
        panels = ((phase.applied, "viridis", (0.0, 1.0), "updates applied (fraction)"),
                  (phase.gain * 100, "RdBu", (-gain_span, gain_span),
                   "accuracy gain over initial (pp)"))
        for ax, (values, cmap, (lo, hi), label) in zip(row, panels, strict=True):
            mesh = ax.pcolormesh(lr_edges, bit_edges, np.ma.masked_invalid(values), cmap=cmap,
                                 vmin=lo, vmax=hi, shading="flat")
            fig.colorbar(mesh, ax=ax, label=label, fraction=0.05)
            line_lr, line_bits = lsb_line(lr_edges)
            ax.plot(line_lr, line_bits, ls="--", color="k", lw=1.2, label="lr = LSB/2")
            i, j = np.nonzero(np.nan_to_num(phase.deadlocked) > MAJORITY)
            if i.size:
                ax.scatter(np.asarray(phase.lrs)[j], np.asarray(phase.bits)[i], marker="x",
                           s=12, lw=0.8, color="w", label="deadlocked")
            ax.set_xscale("log")
            ax.set_xlim(lr_edges[0], lr_edges[-1])
            ax.set_ylim(bit_edges[0], bit_edges[-1])
            ax.yaxis.get_major_locator().set_params(integer=True)
            ax.set_title(phase.label, fontsize=8)
            ax.set_xlabel("learning rate (rad)")
            ax.set_ylabel("DAC resolution (bit)")
            ax.legend(loc="upper right", fontsize=6)
    fig.suptitle("Training on the DAC grid: where updates are erased (mean over seeds)")
    save_figure(fig, path)
    return path


def _log_edges(values: Sequence[float]) -> np.ndarray:
    """Cell edges around log-spaced ``values`` (geometric midpoints)."""
    v = np.log(np.asarray(values, dtype=float))
    if v.size == 1:
        return np.exp(np.array([v[0] - 0.5, v[0] + 0.5]))
    mid = (v[1:] + v[:-1]) / 2
    return np.exp(np.concatenate([[v[0] - (mid[0] - v[0])], mid, [v[-1] + (v[-1] - mid[-1])]]))


@_styled
def power_terms_plot(groups: dict[str, dict[int, dict[str, float]]], path: Path) -> Path:
    """Channel power per term, stacked, against DAC bits; one panel per technology/architecture.

    Parameters
    ----------
    groups : dict
        ``{label: {bits: {term: mean W}}}`` (:func:`cosim.studies.report.power_term_groups`).
    path : Path
        Output PNG.
    """
    labels = list(groups)
    fig, axes = _panels(len(labels))
    for ax, label in zip(axes, labels, strict=False):
        by_bits = groups[label]
        bits = sorted(by_bits)
        terms = list(dict.fromkeys(t for b in bits for t in by_bits[b]))
        bottom = np.zeros(len(bits))
        for i, term in enumerate(terms):
            mw = np.array([by_bits[b].get(term, 0.0) for b in bits]) * 1e3
            ax.bar(bits, mw, bottom=bottom, width=0.7, color=f"C{i % 10}", label=term)
            bottom += mw
        ax.set_title(label if len(labels) > 1 else f"Channel power by term ({label})")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(True, axis="y", alpha=0.3)
    fig.supxlabel("DAC resolution (bit)", fontsize=9)
    fig.supylabel("channel power (mW, mean over points)", fontsize=9)
    if len(labels) == 1:  # the tallest bars are on the right: keep the legend off them
        axes[0].legend(loc="upper left")
    else:
        _shared_legend(fig, axes, single=False)
    save_figure(fig, path)
    return path


@_styled
def hardware_plot(series: dict[str, dict[str, list[tuple[float, Stat]]]], path: Path) -> Path:
    """Deployed accuracy on the hardware against each swept key (one panel a key)."""
    fig, axes = _panels(len(series))
    for ax, (axis, lines) in zip(axes, series.items(), strict=True):
        values = [v for points in lines.values() for v, _ in points]
        positive = min(values) > 0
        for i, (label, points) in enumerate(lines.items()):
            x = [v for v, _ in points]
            y = [100 * s.mean for _, s in points]
            err = [100 * _std(s) for _, s in points]
            ax.errorbar(x, y, yerr=err, marker="o", ms=3, capsize=2, label=label,
                        linestyle=_linestyle(i))
        if positive and max(values) / min(values) >= 20:
            ax.set_xscale("log")
        ax.set_xlabel(axis)
        ax.set_ylabel("test accuracy on the hardware (%)")
        if len(lines) > 1:  # each panel splits by another key: a legend of its own
            _legend(ax, len(lines))
    fig.savefig(path)
    return path
