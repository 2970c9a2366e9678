"""What a design search leaves behind: designs.csv, pareto.png, search.png, report.md.

Hypervolumes are taken in objectives scaled to [0, 1] between the best and
worst feasible values over every design shown (the search's and, when
computed, the full grid's), with the reference point at 1.1 in each scaled
objective, so that the search's and the grid's fronts are measured alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from cosim.files import save_figure, write_text
from cosim.studies import chips, design_outputs, scoring
from cosim.studies.pareto import hypervolume, knee_index, pareto_ranks
from cosim.studies.report import _si
from cosim.studies.scenario import Scenario
from cosim.studies.search import Evaluation
from cosim.studies.search_spec import SearchSpec
from hardware_models.costs import POWER_TERMS

REFERENCE = 1.1
DPI = 200


class Scale:
    """Maps objective values to minimisation in [0, 1] (0: best seen, 1: worst feasible)."""

    def __init__(self, spec: SearchSpec, evaluations: Sequence[Evaluation]) -> None:
        feasible = np.array([e.values for e in evaluations if e.feasible], dtype=float)
        self.sign = np.array([-1.0 if o.direction == "maximize" else 1.0
                              for o in spec.objectives])
        if feasible.size == 0:
            self.lo = self.span = None
            return
        f = feasible * self.sign
        self.lo = f.min(axis=0)
        self.span = np.where(f.max(axis=0) > self.lo, f.max(axis=0) - self.lo, 1.0)

    def hypervolume(self, evaluations: Sequence[Evaluation]) -> float:
        """Scaled hypervolume of the feasible ``evaluations`` (reference 1.1 each)."""
        feasible = [e.values for e in evaluations if e.feasible]
        if not feasible or self.lo is None:
            return 0.0
        g = (np.array(feasible, dtype=float) * self.sign - self.lo) / self.span
        return hypervolume(g, [False] * g.shape[1], [REFERENCE] * g.shape[1])


def front(spec: SearchSpec, evaluations: Sequence[Evaluation]) -> tuple[list[Evaluation],
                                                                        Evaluation | None]:
    """The feasible Pareto front (sorted by the first objective) and its knee."""
    feasible = [e for e in evaluations if e.feasible]
    if not feasible:
        return [], None
    maximize = [o.direction == "maximize" for o in spec.objectives]
    obj = np.array([e.values for e in feasible], dtype=float)
    ranks = pareto_ranks(obj, maximize)
    members = [e for e, r in zip(feasible, ranks, strict=True) if r == 0]
    knee = None
    if len(maximize) == 2:
        k = knee_index(obj, maximize)
        knee = None if k is None else feasible[k]
    members.sort(key=lambda e: e.values[0], reverse=maximize[0])
    return members, knee


def cheapest(spec: SearchSpec, evaluations: Sequence[Evaluation]) -> Evaluation | None:
    """The feasible design best in the first minimised objective (else the first objective)."""
    feasible = [e for e in evaluations if e.feasible]
    if not feasible:
        return None
    index = next((i for i, o in enumerate(spec.objectives) if o.direction == "minimize"), 0)
    sign = 1.0 if spec.objectives[index].direction == "minimize" else -1.0
    return min(feasible, key=lambda e: sign * e.values[index])


def _plot_pareto(spec: SearchSpec, found: Sequence[Evaluation],
                 grid: Sequence[Evaluation] | None, path: Path) -> Path:
    fig = Figure(figsize=(6.0, 4.0), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    if len(spec.objectives) >= 2:
        xi, yi = 1, 0
        ax.set_xlabel(spec.objectives[1].label)
    else:
        xi, yi = None, 0
        ax.set_xlabel("evaluation")

    def xy(evals: Sequence[Evaluation]) -> tuple[list[float], list[float]]:
        xs = [e.values[xi] if xi is not None else i for i, e in enumerate(evals)]
        return xs, [e.values[yi] for e in evals]

    bad = [e for e in found if e.values is not None and not e.feasible]
    if bad:
        ax.scatter(*xy(bad), s=14, color="0.75", label="infeasible", zorder=2)
    good = [e for e in found if e.feasible]
    if good:
        ax.scatter(*xy(good), s=16, color="C0", alpha=0.45, label="feasible", zorder=3)
    members, knee = front(spec, found)
    if members:
        ax.plot(*xy(members), "o-", color="C0", ms=5, lw=1.2, label="search front", zorder=4)
    if grid:
        grid_front, _ = front(spec, grid)
        if grid_front:
            ax.plot(*xy(grid_front), "s--", color="C1", ms=3, lw=1.0, label="grid front",
                    zorder=3)
    if knee is not None:
        ax.scatter(*xy([knee]), s=140, facecolors="none", edgecolors="C3", lw=1.5,
                   label="knee", zorder=5)
    ax.set_ylabel(spec.objectives[0].label)
    ax.set_title("Design search: feasible front (infeasible designs grey)")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best")
    save_figure(fig, path)
    return path


def _plot_progress(curve: Sequence[float], grid_hv: float | None, path: Path) -> Path:
    fig = Figure(figsize=(6.0, 3.5), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot(np.arange(1, len(curve) + 1), curve, "o-", ms=3, label="search")
    if grid_hv is not None:
        ax.axhline(grid_hv, color="C1", ls="--", label="full grid")
        ax.axhline(0.95 * grid_hv, color="C1", ls=":", label="95 % of the grid")
    ax.set_xlabel("designs evaluated")
    ax.set_ylabel("hypervolume of the feasible front (scaled)")
    ax.set_title("Search progress")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right")
    save_figure(fig, path)
    return path


def _params_text(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}"
                     for k, v in params.items())


def _values_text(spec: SearchSpec, e: Evaluation) -> str:
    return "; ".join(f"{o.label} {v:.4g}" for o, v in zip(spec.objectives, e.values or (),
                                                          strict=False))


def _constraints_text(spec: SearchSpec, e: Evaluation) -> str:
    parts = []
    for c, v in zip(spec.constraints, e.constraint_values, strict=True):
        shown = "missing" if v is None else f"{v:.4g}"
        ok = v is not None and all(x <= 0 for x in c.violations(v))
        parts.append(f"{c.label}: {shown} ({'met' if ok else 'violated'})")
    return "; ".join(parts) or "no constraints"


def _cost_lines(e: Evaluation, rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Power per cryostat stage, per-term power and fridge capacity of one design."""
    mine = [r for r in scoring.ok_rows(rows) if r["point_id"] in set(e.point_ids)]
    summary = chips.summarise(mine, {"study.target": "absolute",
                                     "study.accuracy_target": 1.0})
    if not summary:
        return []
    means = summary[0].means
    lines = []
    stages = [(k[len("stage_"):-len("_power_per_qubit_w")], v) for k, v in means.items()
              if k.startswith("stage_") and k.endswith("_power_per_qubit_w")]
    if stages:
        lines.append("Power per qubit at each cryostat stage (share of its cooling power):")
        lines += [f"- {name}: {_si(v, 'W')} ({means.get(f'stage_{name}_fraction', 0) * 100:.3g}"
                  " % of the stage at stack.qubits)" for name, v in stages]
    terms = [(t, means[f"power_{t}_w"]) for t in POWER_TERMS if f"power_{t}_w" in means]
    if terms:
        lines.append("Channel power by term:")
        lines += [f"- {k}: {_si(v, 'W')}" for k, v in terms]
    if scoring.MAX_QUBITS in means:
        limiting = next((r.get("fridge_limiting_stage") for r in mine), None)
        fridge = mine[0]["config"]["stack"]["fridge"]
        lines.append(f"Fridge capacity: the {fridge} fridge holds {int(means[scoring.MAX_QUBITS])}"
                     f" qubits of this design" + (f", limited by its {limiting} stage"
                                                  if limiting else "")
                     + (f"; stack.qubits use {means[scoring.BUDGET_FRACTION] * 100:.3g} % of "
                        "the tightest stage." if scoring.BUDGET_FRACTION in means else "."))
    return lines


def write_search_outputs(scenario: Scenario, found: Sequence[Evaluation],
                         grid: Sequence[Evaluation] | None, rows: Sequence[Mapping[str, Any]],
                         out: Path, *, n_trials: int) -> tuple[Path, ...]:
    """Write designs.csv, pareto.png, search.png and report.md; return their paths."""
    spec = scenario.search
    shown = [*found, *(grid or [])]
    scale = Scale(spec, shown)
    curve = [scale.hypervolume(found[: k + 1]) for k in range(len(found))]
    grid_hv = scale.hypervolume(grid) if grid else None
    written = [_designs_csv(scenario, found, grid, rows, out / design_outputs.DESIGNS_CSV),
               _plot_pareto(spec, found, grid, out / "pareto.png"),
               _plot_progress(curve, grid_hv, out / "search.png")]
    report = out / "report.md"
    write_text(report, _report(scenario, found, grid, rows, n_trials, curve, grid_hv))
    return (*written, report)


def _designs_csv(scenario: Scenario, found: Sequence[Evaluation],
                 grid: Sequence[Evaluation] | None, rows: Sequence[Mapping[str, Any]],
                 path: Path) -> Path:
    spec = scenario.search
    members, knee = front(spec, found)
    on_front = {e.design_id for e in members}
    extra = {}
    for e in [*(grid or []), *found]:  # the search's entries win
        cols: dict[str, Any] = {"trial": e.number, "searched": int(e.number is not None),
                                "feasible": int(e.feasible), "violation": e.violation}
        for o, v in zip(spec.objectives, e.values or (None,) * len(spec.objectives),
                        strict=True):
            cols[f"objective_{o.metric}_{o.aggregate}"] = v
        for c, v in zip(spec.constraints, e.constraint_values, strict=True):
            cols[f"constraint_{c.metric}_{c.aggregate}"] = v
        cols["on_front"] = int(e.design_id in on_front)
        cols["knee"] = int(knee is not None and e.design_id == knee.design_id)
        extra[e.design_id] = cols
    summaries = [s for s in chips.summarise(rows, scenario.options) if s.design_id in extra]
    table = design_outputs.design_rows(summaries, scenario.options, extra)
    table.sort(key=lambda r: (r["trial"] is None, r["trial"] or 0))
    return design_outputs.write_designs_csv(table, path)


def _report(scenario: Scenario, found: Sequence[Evaluation], grid: Sequence[Evaluation] | None,
            rows: Sequence[Mapping[str, Any]], n_trials: int, curve: Sequence[float],
            grid_hv: float | None) -> str:
    spec = scenario.search
    size = spec.space_size()
    lines = [f"# {scenario.name}: design search", ""]
    if scenario.description:
        lines += [scenario.description.strip(), ""]
    space = "; ".join(f"{v.path} in {list(v.choices) if v.choices else f'[{v.lo:g}, {v.hi:g}]'}"
                      + (f" step {v.step:g}" if v.step else "") + (" (log)" if v.log else "")
                      for v in spec.variables)
    lines += [
        f"Variables: {space} ({'continuous' if size is None else f'{size} designs'}). "
        f"Objectives: {', '.join(f'{o.direction[:-1]}e {o.label}' for o in spec.objectives)}. "
        f"Constraints: {'; '.join(c.label for c in spec.constraints) or 'none'}. "
        f"Sampler {spec.sampler}, seed {spec.seed}.",
        "",
        f"{len(found)} distinct designs evaluated over {n_trials} trials "
        f"({n_trials - len(found)} proposals repeated an evaluated design or were not a valid "
        "design, and cost nothing). Each design's metrics are aggregated over its "
        f"{len(scenario.values['dac.seeds'])} chips (dac.seeds) and "
        f"{len(scenario.values['workload.seeds'])} training seeds.",
    ]
    feasible = [e for e in found if e.feasible]
    members, knee = front(spec, found)
    lines += ["", "## Feasible front", "", "![Pareto front](pareto.png)", ""]
    if not feasible:
        lines += _infeasible(spec, found)
    else:
        lines.append(f"{len(feasible)} of {len(found)} designs meet every constraint; "
                     f"{len(members)} are on the feasible front:")
        lines += [f"- {_params_text(e.params)}: {_values_text(spec, e)}" for e in members]
        if knee is not None:
            lines.append(f"\nKnee: {_params_text(knee.params)}.")
        best = cheapest(spec, found)
        lines += ["", "## Cheapest feasible design", "",
                  f"{_params_text(best.params)}: {_values_text(spec, best)}. Constraints: "
                  f"{_constraints_text(spec, best)}.", ""]
        lines += _cost_lines(best, rows)
    lines += ["", "## Search progress", "", "![Hypervolume against evaluations](search.png)",
              "", f"Hypervolume of the feasible front after {len(found)} designs: "
              f"{curve[-1] if curve else 0.0:.4f} (objectives scaled to [0, 1] over the designs "
              f"shown, reference point {REFERENCE} in each)."]
    if grid is not None:
        ratio = (curve[-1] / grid_hv) if curve and grid_hv else 0.0
        lines += ["", "## Against the full grid", "",
                  f"The full grid has {len(grid)} designs; its feasible front's hypervolume is "
                  f"{grid_hv:.4f}. The search reached {ratio * 100:.1f} % of it with "
                  f"{len(found)} evaluations ({len(found) / len(grid) * 100:.1f} % of the "
                  "grid's)."]
    failed = sum(r["status"] == "failed" for r in rows)
    if failed:
        lines += ["", f"{failed} points failed; their errors are in results.sqlite."]
    return "\n".join(lines).rstrip() + "\n"


def _infeasible(spec: SearchSpec, found: Sequence[Evaluation]) -> list[str]:
    scored = [e for e in found if e.values is not None]
    lines = [f"No feasible design: none of the {len(found)} evaluated designs meets every "
             "constraint."]
    if scored:
        close = min(scored, key=lambda e: e.violation)
        lines.append(f"The closest (smallest total violation, each shortfall relative to its "
                     f"bound: {close.violation:.3g}) is {_params_text(close.params)}: "
                     f"{_constraints_text(spec, close)}; {_values_text(spec, close)}.")
    return lines
