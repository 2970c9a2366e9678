"""Accuracy across chips: each ``dac.seeds`` value is one chip of a design.

A design is every key but the chip seed (``dac.seeds``) and the training seed
(``workload.seeds``), the same grouping as :func:`cosim.studies.points.design_id`.
One *draw* is one stored point of the design: one chip running the model
trained with one workload seed. Over its draws a design has the mean, the
sample standard deviation and the 5th percentile of each deployed-accuracy
metric, and an *accuracy yield*: the fraction of draws whose deployed accuracy
reaches the study's accuracy target. With one workload seed this is the
fraction of chips that meet the target.

A relative target is read per draw: the draw's accuracy against
``study.accuracy_target`` times the float accuracy of the same trained model
(the draw's ``float_accuracy``), so a chip is judged against the model it
runs. Without a float accuracy in the row the task's mean float accuracy
(:func:`cosim.studies.scoring.float_reference`) is used.

Everything here works on stored rows; nothing runs physics.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from cosim.studies import scoring
from cosim.studies.pareto import knee_index, pareto_ranks
from cosim.studies.points import design_id, without_seeds

CHIP_PATH = "dac.seeds"
HARDWARE_ACCURACY = scoring.HARDWARE_ACCURACY
# Deployed-accuracy metrics summarised over chips, in the order a design's
# deployed accuracy is picked (the most physical first).
ACCURACY_METRICS = (HARDWARE_ACCURACY, scoring.TRAIN_ACCURACY, scoring.PTQ_ACCURACY)
# How a metric is reduced over a design's draws (chips x workload seeds).
AGGREGATES = ("mean", "std", "p05", "min", "max", "yield")
YIELD_PERCENTILE = 5.0


def _finite(values: Iterable[Any]) -> np.ndarray:
    return np.array([float(v) for v in values if scoring._numeric(v) and math.isfinite(v)],
                    dtype=float)


def reduce(values: Iterable[Any], how: str) -> float | None:
    """Reduce the finite ``values`` with one of :data:`AGGREGATES` but ``yield``.

    ``std`` is the sample standard deviation (0 for one value); ``p05`` is the
    5th percentile with linear interpolation (:func:`numpy.percentile`).
    Returns None when there is no finite value.
    """
    v = _finite(values)
    if v.size == 0:
        return None
    if how == "mean":
        return float(v.mean())
    if how == "std":
        return float(v.std(ddof=1)) if v.size > 1 else 0.0
    if how == "p05":
        return float(np.percentile(v, YIELD_PERCENTILE))
    if how == "min":
        return float(v.min())
    if how == "max":
        return float(v.max())
    raise ValueError(f"how: must be one of mean, std, p05, min, max, got {how!r}")


def deployed_metric(members: Sequence[Mapping[str, Any]]) -> str | None:
    """Which accuracy the design's DAC delivers, as in :func:`scoring.deployed_accuracy`.

    ``hardware_accuracy`` when stored; else ``train_accuracy`` when the design
    trains with a quantizer; else ``ptq_accuracy``; None when it has none.
    """
    def has(metric: str) -> bool:
        return any(scoring._numeric(r.get(metric)) for r in members)

    if has(HARDWARE_ACCURACY):
        return HARDWARE_ACCURACY
    quantizer = members[0]["config"]["workload"].get("quantizer")
    if has(scoring.TRAIN_ACCURACY) and quantizer != "none":
        return scoring.TRAIN_ACCURACY
    return scoring.PTQ_ACCURACY if has(scoring.PTQ_ACCURACY) else None


def draw_threshold(row: Mapping[str, Any], options: Mapping[str, Any],
                   reference: Mapping[tuple[str, str], scoring.Stat]) -> float | None:
    """Accuracy one draw must reach, or None when a relative target has no float accuracy."""
    if options["study.target"] == "absolute":
        return float(options["study.accuracy_target"])
    own = row.get(scoring.FLOAT_ACCURACY)
    if scoring._numeric(own):
        return float(options["study.accuracy_target"]) * float(own)
    w = row["config"]["workload"]
    return scoring.threshold(options, reference.get((w["dataset"], w["arch"])))


def yield_fraction(members: Sequence[Mapping[str, Any]], metric: str,
                   options: Mapping[str, Any],
                   reference: Mapping[tuple[str, str], scoring.Stat]) -> float | None:
    """Fraction of draws whose ``metric`` reaches their threshold (None: nothing to judge)."""
    judged = [(r[metric], t) for r in members
              if scoring._numeric(r.get(metric))
              and (t := draw_threshold(r, options, reference)) is not None]
    if not judged:
        return None
    return float(sum(bool(a >= t - 1e-12) for a, t in judged) / len(judged))


def aggregate(members: Sequence[Mapping[str, Any]], metric: str, how: str,
              options: Mapping[str, Any],
              reference: Mapping[tuple[str, str], scoring.Stat]) -> float | None:
    """``metric`` over a design's draws reduced by ``how`` (one of :data:`AGGREGATES`)."""
    if how == "yield":
        return yield_fraction(members, metric, options, reference)
    return reduce((r.get(metric) for r in members), how)


@dataclass(frozen=True)
class ChipSummary:
    """One design summarised over its chips and training seeds.

    Attributes
    ----------
    design_id : str
    config : dict
        The design's config without the seed keys.
    n_chips, n_seeds, n_draws : int
        Distinct ``dac.seeds``, distinct ``workload.seeds``, successful points.
    draws : dict of str to tuple of float
        Per accuracy metric present: its value in each draw, sorted.
    deployed : str or None
        The deployed accuracy metric (:func:`deployed_metric`).
    threshold : float or None
        Mean over draws of the accuracy each had to reach.
    yield_fraction : float or None
        Fraction of draws whose deployed accuracy reaches its threshold.
    means : dict of str to float
        Mean over draws of every other numeric metric (power, area, ...).
    """

    design_id: str
    config: dict[str, Any]
    n_chips: int
    n_seeds: int
    n_draws: int
    draws: dict[str, tuple[float, ...]]
    deployed: str | None
    threshold: float | None
    yield_fraction: float | None
    means: dict[str, float]

    @property
    def bits(self) -> int:
        return int(self.config["dac"]["bits"])

    @property
    def task(self) -> str:
        return f"{self.config['workload']['dataset']} / {self.config['workload']['arch']}"

    def spread(self, metric: str) -> tuple[float, float, float]:
        """Mean, sample std (0 for one draw) and 5th percentile of an accuracy metric."""
        v = self.draws[metric]
        return (reduce(v, "mean"), reduce(v, "std"), reduce(v, "p05"))  # type: ignore[return-value]

    def deployed_at(self, yield_target: float | None) -> float | None:
        """Deployed accuracy that a ``yield_target`` share of draws reach (mean when None)."""
        if self.deployed is None:
            return None
        v = np.asarray(self.draws[self.deployed])
        return float(v.mean() if yield_target is None else np.quantile(v, 1.0 - yield_target))

    def meets(self, yield_target: float | None) -> bool | None:
        """Whether the design meets the target at ``yield_target`` (mean when None)."""
        if self.threshold is None or self.deployed is None:
            return None
        if yield_target is None:
            return bool(np.mean(self.draws[self.deployed]) >= self.threshold - 1e-12)
        return self.yield_fraction is not None and bool(self.yield_fraction >= yield_target - 1e-12)


def group_by_design(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Successful rows grouped by :func:`cosim.studies.points.design_id`."""
    groups: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in scoring.ok_rows(rows):
        groups[design_id(row["config"])].append(row)
    return dict(groups)


def summarise(rows: Iterable[Mapping[str, Any]], options: Mapping[str, Any]
              ) -> list[ChipSummary]:
    """One :class:`ChipSummary` per design of the successful ``rows``."""
    rows = list(rows)
    reference = scoring.float_reference(rows)
    out = []
    for did, members in group_by_design(rows).items():
        draws = {m: tuple(sorted(v.tolist())) for m in ACCURACY_METRICS
                 if (v := _finite(r.get(m) for r in members)).size}
        deployed = deployed_metric(members)
        limits = [t for r in members if (t := draw_threshold(r, options, reference)) is not None]
        names = {k for r in members for k, v in r.items() if scoring._numeric(v)}
        names -= {"seconds", *ACCURACY_METRICS}
        means = {k: m for k in sorted(names) if (m := reduce((r.get(k) for r in members),
                                                             "mean")) is not None}
        summary = ChipSummary(
            design_id=did, config=without_seeds(members[0]["config"]),
            n_chips=len({r["config"]["dac"]["seeds"] for r in members}),
            n_seeds=len({r["config"]["workload"]["seeds"] for r in members}),
            n_draws=len(members), draws=draws, deployed=deployed,
            threshold=float(np.mean(limits)) if limits else None,
            yield_fraction=(yield_fraction(members, deployed, options, reference)
                            if deployed else None),
            means=means)
        out.append(summary)
    return out


def front_flags(summaries: Sequence[ChipSummary], yield_target: float | None
                ) -> dict[str, tuple[bool, bool]]:
    """``design_id -> (on_front, knee)`` in (accuracy at yield, min power per qubit) per task.

    The accuracy axis is :meth:`ChipSummary.deployed_at`: the accuracy that
    ``yield_target`` of the draws reach, or the mean without a target. Designs
    lacking an accuracy or a power are left out.
    """
    by_task: dict[str, list[ChipSummary]] = defaultdict(list)
    for s in summaries:
        if s.deployed_at(yield_target) is not None and scoring.POWER_PER_QUBIT in s.means:
            by_task[s.task].append(s)
    flags = {}
    for members in by_task.values():
        obj = np.array([[s.deployed_at(yield_target), s.means[scoring.POWER_PER_QUBIT]]
                        for s in members], dtype=float)
        ranks = pareto_ranks(obj, maximize=(True, False))
        knee = knee_index(obj, maximize=(True, False))
        for i, s in enumerate(members):
            flags[s.design_id] = (bool(ranks[i] == 0), i == knee)
    return flags


def _without(config: Mapping[str, Any], path: str) -> dict[str, Any]:
    section, key = path.split(".")
    return {**config, section: {k: v for k, v in config[section].items() if k != key}}


@dataclass(frozen=True)
class YieldAnswer:
    """Per task and DAC architecture: the designs that meet the yield target.

    Attributes
    ----------
    label : str
        ``dataset / arch / DAC architecture``.
    fewest_bits, smallest_area : ChipSummary or None
        Among the designs meeting the yield target, the one with the fewest
        bits (ties: smallest area) and the one with the smallest area per
        qubit (ties: fewest bits); None when no design meets it.
    best : ChipSummary
        The design with the highest yield, for when none meets it.
    """

    label: str
    fewest_bits: ChipSummary | None
    smallest_area: ChipSummary | None
    best: ChipSummary


def yield_answers(summaries: Sequence[ChipSummary], yield_target: float) -> list[YieldAnswer]:
    """The fewest bits and the smallest area meeting ``yield_target``, per architecture."""
    groups: dict[str, list[ChipSummary]] = defaultdict(list)
    for s in summaries:
        if s.yield_fraction is not None:
            groups[f"{s.task} / {s.config['dac']['architecture']}"].append(s)
    out = []
    for label, members in sorted(groups.items()):
        meeting = [s for s in members if s.meets(yield_target)]

        def area(s: ChipSummary) -> float:
            return s.means.get(scoring.AREA_PER_QUBIT, math.inf)

        out.append(YieldAnswer(
            label=label,
            fewest_bits=min(meeting, key=lambda s: (s.bits, area(s))) if meeting else None,
            smallest_area=min(meeting, key=lambda s: (area(s), s.bits)) if meeting else None,
            best=max(members, key=lambda s: (s.yield_fraction, -s.bits))))
    return out


def fewest_bits_table(summaries: Sequence[ChipSummary], yield_target: float
                      ) -> tuple[list[str], dict[str, dict[str, ChipSummary | None]]]:
    """Fewest bits meeting ``yield_target`` per family (rows) and DAC architecture (columns).

    A family is a design's config without ``dac.bits``, ``dac.architecture``
    and ``dac.unary_msbs``; rows are labelled by the keys that differ between
    families. Returns the architectures in order of appearance and
    ``{row label: {architecture: design or None}}``.
    """
    rows: dict[str, dict[str, list[ChipSummary]]] = defaultdict(lambda: defaultdict(list))
    configs: dict[str, dict[str, Any]] = {}
    for s in summaries:
        if s.yield_fraction is None:
            continue
        rest = _without(_without(_without(s.config, "dac.bits"), "dac.architecture"),
                        "dac.unary_msbs")
        key = design_id(rest)
        configs[key] = rest
        rows[key][s.config["dac"]["architecture"]].append(s)
    labels = scoring.series_labels(configs, always=("workload.dataset", "workload.arch"))
    archs = list(dict.fromkeys(a for by_arch in rows.values() for a in by_arch))
    table = {}
    for key in sorted(rows, key=lambda k: labels[k]):
        table[labels[key]] = {
            a: min((s for s in rows[key][a] if s.meets(yield_target)), key=lambda s: s.bits,
                   default=None) for a in rows[key]}
    return archs, table
