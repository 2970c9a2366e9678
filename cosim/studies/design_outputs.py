"""``designs.csv`` and the report's yield section: one row per design, over its chips.

Built from :mod:`cosim.studies.chips`; written by ``cosim run`` next to
``results.csv`` and by ``cosim search``.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cosim.files import replacing
from cosim.studies import chips, scoring
from cosim.studies.points import flatten

DESIGNS_CSV = "designs.csv"
MAX_TABLE_ROWS = 40
# Cost columns copied from the design's means, when its stages stored them.
COST_COLUMNS = (scoring.POWER_PER_QUBIT, scoring.AREA_PER_QUBIT, scoring.MAX_QUBITS,
                scoring.BUDGET_FRACTION)


def design_rows(summaries: Sequence[chips.ChipSummary], options: Mapping[str, Any],
                extra: Mapping[str, Mapping[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The rows of ``designs.csv`` as dicts, in the order of ``summaries``.

    Columns: ``design_id``, every config key but the seeds, ``n_chips``,
    ``n_seeds``, ``n_draws``, ``accuracy_metric`` (the deployed one),
    ``accuracy_mean``, ``accuracy_std``, ``accuracy_p05``,
    ``accuracy_threshold``, ``accuracy_yield``, ``meets_target`` (at
    ``study.yield_target`` when set, else by the mean), then mean, std and p05
    of each accuracy metric present, the cost columns, ``on_front`` and
    ``knee``, then any ``extra[design_id]`` columns.
    """
    target = options.get("study.yield_target")
    flags = chips.front_flags(summaries, target)
    out = []
    for s in summaries:
        row: dict[str, Any] = {"design_id": s.design_id}
        row.update({k: v for k, v in flatten(s.config).items() if not k.endswith(".seeds")})
        row.update(n_chips=s.n_chips, n_seeds=s.n_seeds, n_draws=s.n_draws,
                   accuracy_metric=s.deployed)
        mean, std, p05 = s.spread(s.deployed) if s.deployed else (None, None, None)
        meets = s.meets(target)
        row.update(accuracy_mean=mean, accuracy_std=std, accuracy_p05=p05,
                   accuracy_threshold=s.threshold, accuracy_yield=s.yield_fraction,
                   meets_target=None if meets is None else int(meets))
        for metric in chips.ACCURACY_METRICS:
            if metric in s.draws:
                m, sd, p = s.spread(metric)
                row.update({f"{metric}_mean": m, f"{metric}_std": sd, f"{metric}_p05": p})
        for metric in COST_COLUMNS:
            row[metric] = s.means.get(metric)
        on_front, knee = flags.get(s.design_id, (False, False))
        row.update(on_front=int(on_front), knee=int(knee))
        row.update((extra or {}).get(s.design_id, {}))
        out.append(row)
    return out


def write_designs_csv(rows: Sequence[Mapping[str, Any]], path: Path) -> Path:
    """Write ``rows`` (:func:`design_rows`) with the union of their columns, first-seen order."""
    fields: dict[str, None] = {}
    for row in rows:
        fields.update(dict.fromkeys(row))
    with replacing(path) as tmp, tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(fields) or ["design_id"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def _pct(x: float) -> str:
    return f"{x * 100:.1f} %"


def _design_words(s: chips.ChipSummary) -> str:
    mean, std, p05 = s.spread(s.deployed)  # type: ignore[arg-type]
    text = (f"{s.bits}-bit (mismatch σ {s.config['dac']['mismatch_sigma']:g}): yield "
            f"{_pct(s.yield_fraction or 0.0)} of {s.n_draws} draws, accuracy "
            f"{_pct(mean)} ± {_pct(std)}, p05 {_pct(p05)}")
    area = s.means.get(scoring.AREA_PER_QUBIT)
    if area is not None:
        text += f", {area * 1e6:.3g} mm² per qubit"
    power = s.means.get(scoring.POWER_PER_QUBIT)
    if power is not None:
        text += f", {power * 1e3:.3g} mW per qubit"
    return text


def yield_section(summaries: Sequence[chips.ChipSummary], options: Mapping[str, Any]) -> str:
    """The report's section on accuracy across chips ('' when no design has an accuracy)."""
    judged = [s for s in summaries if s.deployed is not None]
    if not judged:
        return ""
    head = "## Accuracy yield across chips\n\n"
    chips_n = sorted({s.n_chips for s in judged})
    target = options.get("study.yield_target")
    goal = (f"{_pct(options['study.accuracy_target'])} of float accuracy"
            if options["study.target"] == "relative"
            else f"{_pct(options['study.accuracy_target'])} test accuracy")
    lines = [f"Each design ran on {', '.join(map(str, chips_n))} chips (dac.seeds); "
             f"[{DESIGNS_CSV}]({DESIGNS_CSV}) has, per design, the mean, std and 5th "
             f"percentile of the deployed accuracy over chips and training seeds and the "
             f"fraction of draws that reach {goal} (the yield)."]
    if target is None:
        lines.append("\nNo study.yield_target is set, so no design is judged by its yield.")
        return head + "\n".join(lines)
    lines += ["", f"Designs that reach {goal} on at least {_pct(target)} of chips, per DAC "
              "architecture:"]
    for answer in chips.yield_answers(judged, target):
        if answer.fewest_bits is None:
            lines.append(f"- {answer.label}: no design meets the yield target; the best is "
                         f"{_design_words(answer.best)}.")
            continue
        lines.append(f"- {answer.label}: fewest bits {_design_words(answer.fewest_bits)}.")
        if answer.smallest_area is not answer.fewest_bits:
            lines.append(f"  Smallest area: {_design_words(answer.smallest_area)}.")
        else:
            lines.append("  It is also the smallest area that meets the target.")
    archs, table = chips.fewest_bits_table(judged, target)
    if len(table) > 1:
        lines += ["", "Fewest bits that meet the yield target (and the yield there):", "",
                  "| design | " + " | ".join(archs) + " |", "|---" * (len(archs) + 1) + "|"]
        for label, by_arch in list(table.items())[:MAX_TABLE_ROWS]:
            cells = ["-" if a not in by_arch else "none" if by_arch[a] is None else
                     f"{by_arch[a].bits} ({_pct(by_arch[a].yield_fraction or 0.0)})"
                     for a in archs]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return head + "\n".join(lines)
