"""The report's view of stage hardware: deployed accuracy against each swept hardware key.

For every numeric key the study sweeps (seeds aside), the mean and spread of
``hardware_accuracy`` at each of its values, over every other key; when the
study sweeps exactly one other key, one line per value of that key (so "T1"
and "shots" give one curve per shot count). Works on stored rows only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cosim.studies import plots, scoring
from cosim.studies.metrics import HARDWARE_ACCURACY
from cosim.studies.scenario import Scenario

Row = Mapping[str, Any]
Series = dict[str, dict[str, list[tuple[float, scoring.Stat]]]]
PLOT = "hardware.png"


def _value(row: Row, path: str) -> Any:
    section, key = path.split(".")
    return row["config"][section][key]


def hardware_series(scenario: Scenario, rows: Sequence[Row]) -> Series:
    """``{axis: {line label: [(value, Stat of hardware_accuracy)]}}`` for the numeric axes."""
    ok = [r for r in scoring.ok_rows(rows) if scoring.stat([r.get(HARDWARE_ACCURACY)])]
    axes = {k: v for k, v in scenario.axes.items() if not k.endswith(".seeds")}
    numeric = [k for k, v in axes.items()
               if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v)]
    out: Series = {}
    for axis in numeric:
        others = [k for k in axes if k != axis]
        split = others[0] if len(others) == 1 else None
        groups: dict[str, list[Row]] = {}
        for row in ok:
            label = f"{split.split('.')[1]} = {_value(row, split)}" if split else "mean"
            groups.setdefault(label, []).append(row)
        lines = {}
        for label, members in groups.items():
            points = []
            for value in axes[axis]:
                st = scoring.stat(r.get(HARDWARE_ACCURACY) for r in members
                                  if _value(r, axis) == value)
                if st is not None:
                    points.append((float(value), st))
            if points:
                lines[label] = points
        if lines:
            out[axis] = lines
    return out


def hardware_section(series: Series, out_dir: Path) -> tuple[str, Path | None]:
    """The report section and its figure (None when there is nothing to draw)."""
    if not series:
        return "", None
    path = plots.hardware_plot(series, out_dir / PLOT)
    lines = ["## Accuracy on the hardware", "", f"![Hardware accuracy]({PLOT})", "",
             "Test accuracy of the deployed model on each point's hardware (stage hardware: "
             "decoherence during pulses and idle waits, CNOT error, readout error, shots), "
             "mean over every other key."]
    for axis, by_line in series.items():
        for label, points in by_line.items():
            first, last = points[0], points[-1]
            where = "" if label == "mean" else f" ({label})"
            lines.append(f"- {axis}{where}: {first[1].mean:.1%} at {first[0]:g}, "
                         f"{last[1].mean:.1%} at {last[0]:g}.")
    return "\n".join(lines), path
