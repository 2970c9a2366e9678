"""The files a study leaves next to its database: results.csv, the plots and report.md.

The report states answers in sentences built only from stored numbers. A
figure whose data the study did not compute is not drawn; the report says
which stage would provide it.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from cosim.errors import CosimInputError
from cosim.files import replacing, write_text
from cosim.studies import chips, design_outputs, phase, plots, scoring, tables
from cosim.studies.hardware_report import hardware_section, hardware_series
from cosim.studies.metrics import headline_metrics
from cosim.studies.points import flatten
from cosim.studies.scenario import Scenario
from cosim.studies.store import FIXED_COLUMNS, metric_columns

Row = Mapping[str, Any]
PLOTS = ("pareto.png", "elbow.png", "deadlock.png", "deadlock_map.png", "power_terms.png")
TABLE = "results_table.md"
# Longest list of per-family sentences in one section; the CSV has the rest.
MAX_LINES = 32


def check_output_files(out_dir: Path) -> None:
    """Refuse, before any work, a results directory where an output cannot be replaced.

    Each output is written beside its name and renamed over it, which works
    for a missing name, a file or a symlink (replaced, not followed), but not
    for a directory or another non-file in its place.
    """
    for name in ("results.csv", design_outputs.DESIGNS_CSV, "report.md", TABLE, *PLOTS):
        path = out_dir / name
        if path.exists() and not path.is_symlink() and not path.is_file():
            raise CosimInputError(str(path), "is in the way of an output cosim writes (it is "
                                  "not a regular file); move it away")


def write_outputs(scenario: Scenario, rows: Sequence[Row], out_dir: Path) -> tuple[Path, ...]:
    """Write results.csv, the plots that have data, results_table.md and report.md.

    ``results_table.md`` (:mod:`cosim.studies.tables`) is written when a point
    ran stage train or ptq; ``deadlock_map.png`` when the scenario sweeps both
    ``dac.bits`` and ``workload.lr`` and trained.

    Parameters
    ----------
    scenario : Scenario
        The study the rows belong to.
    rows : sequence of dict
        Stored rows of the scenario's points (:meth:`ResultStore.rows`).
    out_dir : Path
        Results directory.

    Returns
    -------
    tuple of Path
        The files written.
    """
    for name in (*PLOTS, TABLE):  # an output of an earlier run must not outlive its data
        (out_dir / name).unlink(missing_ok=True)
    written = [write_csv(rows, out_dir / "results.csv")]
    summaries = chips.summarise(rows, scenario.options)
    written.append(design_outputs.write_designs_csv(
        design_outputs.design_rows(summaries, scenario.options),
        out_dir / design_outputs.DESIGNS_CSV))
    table = tables.results_table(scenario, rows)
    if table is not None:
        write_text(out_dir / TABLE, table)
        written.append(out_dir / TABLE)
    found = scoring.designs(rows)
    reference = scoring.float_reference(rows)
    sections = [_summary(scenario, rows)]

    ranked = scoring.pareto_designs(found)
    if ranked:
        written.append(plots.pareto_plot(ranked, ACCURACY_LABEL, out_dir / "pareto.png"))
    has_accuracy = any(scoring.deployed_accuracy(d) for d in found)
    sections.append(_pareto_section(ranked, has_accuracy))
    sections.append(_bits_section(found, has_accuracy, scenario.options, reference))
    terms = power_term_groups(rows)
    if terms:
        written.append(plots.power_terms_plot(terms, out_dir / "power_terms.png"))
        sections.append(_power_terms_section(terms))
    sections.append(design_outputs.yield_section(summaries, scenario.options))
    text, figure = hardware_section(hardware_series(scenario, rows), out_dir)
    if figure is not None:
        written.append(figure)
    sections.append(text)

    elbows = scoring.elbow_series(rows)
    if elbows:
        written.append(plots.elbow_plot(elbows, out_dir / "elbow.png"))
    sections.append(_elbow_section(elbows, scenario.options))

    series = scoring.deadlock_series(found)
    if series:
        written.append(plots.deadlock_plot(series, out_dir / "deadlock.png"))
    sections.append(_deadlock_section(series, found))
    maps = phase.phase_maps(rows) if phase.sweeps_bits_and_lr(scenario.axes) else []
    if maps:
        written.append(plots.phase_plot(maps, out_dir / "deadlock_map.png"))
        sections.append(_phase_section(maps))
    if table is not None:
        sections.append(f"The full table (every bit width and mode): [{TABLE}]({TABLE}).")
    sections.append(_axis_tables(scenario, rows))
    sections.append(_failures(rows))
    report = out_dir / "report.md"
    write_text(report, "\n\n".join(s for s in sections if s).rstrip() + "\n")
    written.append(report)
    return tuple(written)


def write_csv(rows: Sequence[Row], path: Path) -> Path:
    """One line per point: ids, status, timings, every config key, then the metrics."""
    flat = [{**{k: r[k] for k in FIXED_COLUMNS if k != "config"}, **flatten(r["config"]),
             **{k: r[k] for k in r if k not in FIXED_COLUMNS}} for r in rows]
    config_keys = list(flatten(rows[0]["config"])) if rows else []
    fields = [k for k in FIXED_COLUMNS if k != "config"] + config_keys + metric_columns(rows)
    with replacing(path) as tmp, tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(flat)
    return path


# --- number formatting --------------------------------------------------------------------


def _pct(x: float) -> str:
    return f"{x * 100:.1f} %"


def _pct_stat(s: scoring.Stat) -> str:
    if s.std is None:
        return _pct(s.mean)
    return f"{s.mean * 100:.1f} ± {s.std * 100:.1f} %"


def _bits(n: int) -> str:
    return f"{n} bit" if n == 1 else f"{n} bits"


def _si(value: float, unit: str) -> str:
    for factor, prefix in ((1.0, ""), (1e-3, "m"), (1e-6, "µ"), (1e-9, "n")):
        if abs(value) >= factor or factor == 1e-9:
            return f"{value / factor:.3g} {prefix}{unit}"
    return f"{value:.3g} {unit}"


def _area(m2: float) -> str:
    return f"{m2 * 1e6:.3g} mm²"


ACCURACY_LABEL = "test accuracy on the DAC"
_SOURCE = {"hardware": "on the point's noisy hardware", "train": "rounding in training",
           "ptq": "PTQ of the float model"}


# --- sections -------------------------------------------------------------------------------


def _summary(scenario: Scenario, rows: Sequence[Row]) -> str:
    status = Counter(r["status"] for r in rows)
    axes = ", ".join(f"{k} ({len(v)} values)" for k, v in scenario.axes.items()) or "none"
    seconds = sum(r["seconds"] or 0.0 for r in rows)
    lines = [f"# {scenario.name}", ""]
    if scenario.description:
        lines += [scenario.description.strip(), ""]
    lines.append(
        f"{scenario.n_points} points over the axes {axes}; stages "
        f"{', '.join(scenario.stages)}. {status['ok']} succeeded, {status['failed']} failed, "
        f"{scenario.n_points - len(rows)} were not computed. Evaluation time over all "
        f"points: {seconds:.1f} s. Every number below is a mean over seeds ± the sample "
        "standard deviation where more than one seed ran."
    )
    return "\n".join(lines)


def _pareto_section(ranked: Sequence[scoring.Ranked], has_accuracy: bool) -> str:
    head = "## Accuracy against control power\n\n"
    if not ranked:
        need = "the same points" if has_accuracy else \
            "an accuracy on the DAC (stage train with a quantizer, or stage ptq)"
        return head + ("No Pareto plot: it needs the power per qubit (stage cost) and "
                       f"{need}; this study did not compute both.")
    lines = ["![Pareto front](pareto.png)", "",
             f"Each task's Pareto front (highest {ACCURACY_LABEL}, lowest power per qubit):"]
    for task in dict.fromkeys(r.task for r in ranked):
        members = [r for r in ranked if r.task == task]
        front = [r for r in members if r.rank == 0]
        bits = ", ".join(map(str, sorted({r.design.bits for r in front})))
        text = (f"- {task}: {len(front)} of {len(members)} designs, with DAC resolutions of "
                f"{bits} bit.")
        knee = next((r for r in members if r.knee), None)
        if knee is None:
            text += (" No knee: that needs at least three front designs on a front that "
                     "bends towards the ideal corner.")
        else:
            text += (f" Knee: the {knee.design.bits}-bit design, "
                     f"{_pct_stat(scoring.Stat(knee.accuracy, knee.accuracy_std, 0))} at "
                     f"{_si(knee.power_w, 'W')} per qubit.")
        lines.append(text)
    return head + "\n".join(lines)


def _bits_section(found: Sequence[scoring.Design], has_accuracy: bool,
                  options: Mapping[str, Any], reference: Mapping[tuple[str, str], Any]) -> str:
    head = "## Fewest bits that meet the target\n\n"
    target = options["study.accuracy_target"]
    if not has_accuracy:
        return head + ("No accuracy on the DAC was computed (stage train with a quantizer, or "
                       "stage ptq), so no target applies.")
    if options["study.target"] == "relative" and not reference:
        return head + (f"The target is {_pct(target)} of float accuracy, but no float accuracy "
                       "was computed (stage ptq, or stage train with quantizer none).")
    answers = scoring.fewest_bits(found, options, reference)
    if not answers:
        return head + "No design has an accuracy to compare with the target."
    goal = (f"keep {_pct(target)} of float accuracy" if options["study.target"] == "relative"
            else f"reach {_pct(target)}")
    lines = []
    for answer in answers[:MAX_LINES]:
        design = answer.design
        accuracy, source = scoring.deployed_accuracy(design)
        how = (f"{design.config['workload']['quantizer']} {_SOURCE[source]}"
               if source == "train" else _SOURCE[source])
        if not answer.met:
            lines.append(f"- {answer.label}: no resolution studied reaches "
                         f"{_pct(answer.threshold)} ({how}); the best is "
                         f"{_pct_stat(accuracy)} at {_bits(design.bits)}.")
            continue
        sentence = (f"- {answer.label}: {design.bits}-bit DACs {goal} ({how}): "
                    f"{_pct_stat(accuracy)} against a threshold of {_pct(answer.threshold)}")
        power = design.get(scoring.POWER_PER_QUBIT)
        if power is not None:
            sentence += f", at {_si(power, 'W')} per qubit"
        area = design.get(scoring.AREA_PER_QUBIT)
        if area is not None:
            sentence += f" and {_area(area)} per qubit"
        capacity = design.get(scoring.MAX_QUBITS)
        if capacity is not None:
            sentence += (f"; the {design.config['stack']['fridge']} fridge holds "
                         f"{int(capacity)} qubits at that cost")
        lines.append(sentence + ".")
    if len(answers) > MAX_LINES:
        lines.append(f"- and {len(answers) - MAX_LINES} more families (see results.csv).")
    return head + "\n".join(lines)


def power_term_groups(rows: Sequence[Row]) -> dict[str, dict[int, dict[str, float]]]:
    """Mean of each ``power_<term>_w`` column per technology/architecture and bits.

    Returns ``{"<technology> / <architecture>": {bits: {term: W}}}``; empty when no
    point ran stage cost.
    """
    from hardware_models.costs import POWER_TERMS  # physics imports stay lazy

    samples: dict[str, dict[int, dict[str, list[float]]]] = {}
    for r in scoring.ok_rows(rows):
        cols = [f"power_{t}_w" for t in POWER_TERMS if r.get(f"power_{t}_w") is not None]
        if not cols:
            continue
        label = f"{r['config']['stack']['technology']} / {r['config']['dac']['architecture']}"
        cell = samples.setdefault(label, {}).setdefault(r["config"]["dac"]["bits"], {})
        for k in cols:
            cell.setdefault(k[len("power_"):-len("_w")], []).append(float(r[k]))
    return {label: {b: {t: float(np.mean(v)) for t, v in terms.items()}
                    for b, terms in by_bits.items()} for label, by_bits in samples.items()}


def _power_terms_section(groups: Mapping[str, Mapping[int, Mapping[str, float]]]) -> str:
    lines = ["## Channel power by term", "", "![Power terms](power_terms.png)", ""]
    for label, by_bits in list(groups.items())[:MAX_LINES]:
        lo, hi = min(by_bits), max(by_bits)
        top = max(by_bits[hi], key=lambda t: by_bits[hi][t])
        lines.append(f"- {label}: {_si(sum(by_bits[lo].values()), 'W')} per channel at "
                     f"{_bits(lo)}, {_si(sum(by_bits[hi].values()), 'W')} at {_bits(hi)}, "
                     f"where the largest term is {top}.")
    return "\n".join(lines)


def _elbow_section(elbows: Sequence[scoring.Elbow], options: Mapping[str, Any]) -> str:
    head = "## Post-training quantization\n\n"
    if not elbows:
        return head + "No PTQ elbow: the study did not run stage ptq."
    lines = ["![PTQ elbow](elbow.png)", ""]
    for e in elbows[:MAX_LINES]:
        limit = scoring.threshold(options, e.float_accuracy)
        if limit is None:
            lines.append(f"- {e.label}: no float accuracy to compare with.")
            continue
        meeting = [b for b, s in e.points if s.mean >= limit - 1e-12]
        ref = (f" (float: {_pct(e.float_accuracy.mean)})" if e.float_accuracy is not None
               else "")
        if meeting:
            lines.append(f"- {e.label}: PTQ first reaches {_pct(limit)}{ref} at "
                         f"{_bits(meeting[0])}.")
        else:
            best_b, best = max(e.points, key=lambda p: p[1].mean)
            lines.append(f"- {e.label}: PTQ stays below {_pct(limit)}{ref} at every bit width "
                         f"evaluated; best {_pct_stat(best)} at {_bits(best_b)}.")
    if len(elbows) > MAX_LINES:
        lines.append(f"- and {len(elbows) - MAX_LINES} more families (see results.csv).")
    return head + "\n".join(lines)


def _deadlock_section(series: Mapping[str, Mapping[str, list[tuple[int, scoring.Stat]]]],
                      found: Sequence[scoring.Design]) -> str:
    head = "## Quantized training\n\n"
    if not series:
        return head + "No training plot: the study did not run stage train."
    lines = ["![Training outcome](deadlock.png)", ""]
    for task, by_label in series.items():
        for label, points in by_label.items():
            (lo_b, lo), (hi_b, hi) = points[0], points[-1]
            lines.append(f"- {task}, {label}: {_pct_stat(lo)} at {_bits(lo_b)}, "
                         f"{_pct_stat(hi)} at {_bits(hi_b)}.")
    stuck: dict[str, list[int]] = {}
    for d in sorted(found, key=lambda d: d.bits):
        if (d.get(scoring.TRAIN_DEADLOCKED) or 0) > 0:
            stuck.setdefault(d.config["workload"]["quantizer"], []).append(d.bits)
    if stuck:
        where = "; ".join(f"{q} rounding at {', '.join(map(str, sorted(set(b))))} bit"
                          for q, b in stuck.items())
        lines.append("\nTraining deadlocked (the stored angles moved by at most 5 % of what "
                     f"the optimizer asked) in at least one seed with {where}.")
    return head + "\n".join(lines)


def _phase_section(maps: Sequence[phase.PhaseMap]) -> str:
    lines = ["## Deadlock phase diagram", "", "![Deadlock map](deadlock_map.png)", "",
             "Nearest rounding erases every step below half an LSB (π / 2^bits rad) and Adam "
             "proposes steps of about lr, so training on the grid should freeze below the "
             "dashed line lr = LSB/2. A cell is deadlocked when most of its seeds' stored "
             "angles moved by at most 5 % of what the optimizer asked.", ""]
    lines += [f"- {phase.boundary_sentence(m)}" for m in maps[:MAX_LINES]]
    return "\n".join(lines)


def _axis_tables(scenario: Scenario, rows: Sequence[Row]) -> str:
    """For each swept key, the mean of each headline metric at each of its values."""
    ok = scoring.ok_rows(rows)
    columns = [(m.name, m.label, m.scale) for m in headline_metrics()
               if any(scoring.stat([r.get(m.name)]) for r in ok)]
    axes = {k: v for k, v in scenario.axes.items() if not k.endswith(".seeds")}
    if not ok or not columns or not axes:
        return ""
    lines = ["## Each swept key on its own", "",
             "Means over every other key's values, from the points that succeeded.", ""]
    for key, values in axes.items():
        section, name = key.split(".")
        lines += [f"| {key} | " + " | ".join(h for _, h, _ in columns) + " |",
                  "|---" * (len(columns) + 1) + "|"]
        for value in values:
            members = [r for r in ok if r["config"][section][name] == value]
            cells = []
            for metric, _, scale in columns:
                st = scoring.stat(r.get(metric) for r in members)
                cells.append("-" if st is None else f"{st.mean * scale:.4g}")
            shown = f"{value:g}" if isinstance(value, float) else value
            lines.append(f"| {shown} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines).rstrip()


def _failures(rows: Sequence[Row]) -> str:
    errors = Counter(r["error"] for r in rows if r["status"] == "failed")
    if not errors:
        return ""
    lines = ["## Failed points", ""]
    lines += [f"- {n} × `{msg}`" for msg, n in errors.most_common(10)]
    if len(errors) > 10:
        lines.append(f"- and {len(errors) - 10} other messages (see results.csv).")
    return "\n".join(lines)
