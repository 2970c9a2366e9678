"""Scoring stored results: spread over seeds, Pareto designs, and bits that meet a target.

Everything here works on rows read back from the store; nothing runs physics.
The metric names it looks for are the contract with the stages of
:mod:`cosim.studies.evaluate` (listed in ``docs/scenarios.md``).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from cosim.studies.metrics import (  # noqa: F401  (re-exported names of the metric table)
    AREA_PER_QUBIT,
    BUDGET_FRACTION,
    FLOAT_ACCURACY,
    HARDWARE_ACCURACY,
    MAX_QUBITS,
    POWER_PER_QUBIT,
    PTQ_ACCURACY,
    PTQ_PREFIX,
    TRAIN_ACCURACY,
    TRAIN_DEADLOCKED,
)
from cosim.studies.pareto import knee_index, pareto_ranks
from cosim.studies.points import design_id, flatten, without_seeds
from cosim.studies.schema import PTQ_IGNORED_PATHS


@dataclass(frozen=True)
class Stat:
    """Mean, sample standard deviation (None for one value) and count."""

    mean: float
    std: float | None
    n: int


def stat(values: Iterable[float]) -> Stat | None:
    """:class:`Stat` of the finite values, or None when there are none."""
    v = np.array([x for x in values if _numeric(x) and math.isfinite(x)], dtype=float)
    if v.size == 0:
        return None
    return Stat(float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else None, int(v.size))


@dataclass(frozen=True)
class Design:
    """One design: the successful points that differ only in their seeds.

    Attributes
    ----------
    design_id : str
    config : dict
        Its config without the seed keys.
    metrics : dict of str to Stat
        Each numeric metric over the seeds.
    """

    design_id: str
    config: dict[str, Any]
    metrics: dict[str, Stat]

    @property
    def bits(self) -> int:
        return int(self.config["dac"]["bits"])

    def get(self, metric: str) -> float | None:
        """Mean of ``metric``, or None when the design lacks it."""
        s = self.metrics.get(metric)
        return None if s is None else s.mean


def ok_rows(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The rows of points that succeeded."""
    return [r for r in rows if r["status"] == "ok"]


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def designs(rows: Iterable[Mapping[str, Any]]) -> list[Design]:
    """Group successful rows by design and summarise every numeric metric over seeds."""
    groups: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in ok_rows(rows):
        groups[design_id(row["config"])].append(row)
    out = []
    for did, members in groups.items():
        names = {k for r in members for k, v in r.items() if _numeric(v)}
        names -= {"seconds"}
        metrics = {k: s for k in sorted(names) if (s := stat(r.get(k) for r in members))}
        out.append(Design(did, without_seeds(members[0]["config"]), metrics))
    return out


def deployed_accuracy(design: Design) -> tuple[Stat, str] | None:
    """The design's accuracy as deployed on its DAC at ``dac.bits``, and where it came from.

    On the point's hardware (``hardware_accuracy``, source ``"hardware"``) when
    stage hardware ran; otherwise quantized training (``train_accuracy``, source
    ``"train"``) when the design trains on the DAC grid; otherwise post-training
    quantization of the float model (``ptq_accuracy``, source ``"ptq"``). A
    float-trained design without PTQ has no deployed accuracy: its float
    accuracy is not something the DAC can deliver.
    """
    hardware = design.metrics.get(HARDWARE_ACCURACY)
    if hardware is not None:
        return hardware, "hardware"
    trained = design.metrics.get(TRAIN_ACCURACY)
    if trained is not None and design.config["workload"]["quantizer"] != "none":
        return trained, "train"
    ptq = design.metrics.get(PTQ_ACCURACY)
    return None if ptq is None else (ptq, "ptq")


def _task(config: Mapping[str, Any]) -> tuple[str, str]:
    return config["workload"]["dataset"], config["workload"]["arch"]


def float_reference(rows: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], Stat]:
    """Float accuracy per (dataset, arch): the ptq stage's float model, else quantizer none.

    Each workload seed is counted once, however many DAC settings repeat it.
    """
    per_task: dict[tuple[str, str], dict[Any, float]] = defaultdict(dict)
    fallback: dict[tuple[str, str], dict[Any, float]] = defaultdict(dict)
    for row in ok_rows(rows):
        w = row["config"]["workload"]
        seed_key = _float_model_key(row["config"], keep_seeds=True)
        if _numeric(row.get(FLOAT_ACCURACY)):
            per_task[_task(row["config"])][seed_key] = row[FLOAT_ACCURACY]
        elif w["quantizer"] == "none" and _numeric(row.get(TRAIN_ACCURACY)):
            fallback[_task(row["config"])][seed_key] = row[TRAIN_ACCURACY]
    out = {}
    for task in set(per_task) | set(fallback):
        s = stat((per_task.get(task) or fallback[task]).values())
        if s is not None:
            out[task] = s
    return out


def _float_model_key(config: Mapping[str, Any], *, keep_seeds: bool) -> str:
    """What a float-trained model depends on: the workload keys PTQ reads (and the seed)."""
    w = {k: v for k, v in config["workload"].items()
         if f"workload.{k}" not in PTQ_IGNORED_PATHS and (keep_seeds or k != "seeds")}
    return json.dumps(w, sort_keys=True)


def _ptq_key(config: Mapping[str, Any], *, keep_seeds: bool) -> str:
    """What PTQ at a given bit width depends on: the float model and the DAC but its bits."""
    dac = {k: v for k, v in config["dac"].items()
           if k != "bits" and (keep_seeds or k != "seeds")}
    return json.dumps({"workload": json.loads(_float_model_key(config, keep_seeds=keep_seeds)),
                       "dac": dac}, sort_keys=True)


def threshold(options: Mapping[str, Any], reference: Stat | None) -> float | None:
    """Accuracy a design must reach, or None when a relative target has no float reference."""
    target = float(options["study.accuracy_target"])
    if options["study.target"] == "absolute":
        return target
    return None if reference is None else target * reference.mean


@dataclass(frozen=True)
class Ranked:
    """A design with its Pareto rank in (accuracy, power per qubit) within its task.

    Attributes
    ----------
    design : Design
    task : str
        ``dataset / arch``: designs are only compared with designs of the same task.
    accuracy, accuracy_std : float
        Deployed accuracy (:func:`deployed_accuracy`) over seeds.
    power_w : float
        Control power per qubit, W.
    rank : int
        Non-dominated rank within the task (0: on its Pareto front).
    knee : bool
        Whether it is the knee of its task's front.
    """

    design: Design
    task: str
    accuracy: float
    accuracy_std: float | None
    power_w: float
    rank: int
    knee: bool


def pareto_designs(found: Sequence[Design]) -> list[Ranked]:
    """Rank designs by (max deployed accuracy, min power per qubit) within each task.

    Accuracies of different tasks are not comparable, so each (dataset, arch)
    gets its own front and knee. Sorted by task, then front first.
    """
    by_task: dict[str, list[tuple[Design, Stat]]] = defaultdict(list)
    for d in found:
        acc = deployed_accuracy(d)
        if acc is not None and d.get(POWER_PER_QUBIT) is not None:
            by_task[" / ".join(_task(d.config))].append((d, acc[0]))
    out = []
    for task, members in sorted(by_task.items()):
        obj = np.array([[acc.mean, d.get(POWER_PER_QUBIT)] for d, acc in members], dtype=float)
        ranks = pareto_ranks(obj, maximize=(True, False))
        knee = knee_index(obj, maximize=(True, False))
        ranked = [Ranked(d, task, acc.mean, acc.std, float(p), int(r), i == knee)
                  for i, ((d, acc), p, r) in enumerate(zip(members, obj[:, 1], ranks,
                                                           strict=True))]
        out += sorted(ranked, key=lambda x: (x.rank, x.power_w, -x.accuracy))
    return out


def _without_bits(config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` without dac.bits: the design's family."""
    return {**config, "dac": {k: v for k, v in config["dac"].items() if k != "bits"}}


@dataclass(frozen=True)
class BitsAnswer:
    """The lowest-bit design of one family that meets the accuracy target.

    Attributes
    ----------
    label : str
        What sets the family apart (``dataset / arch`` and any other key that
        differs between families).
    design : Design
        The lowest-bit design that meets the threshold or, when none does,
        the family's most accurate design.
    threshold : float
        The accuracy it had to reach.
    met : bool
        Whether any design of the family meets the threshold.
    """

    label: str
    design: Design
    threshold: float
    met: bool


def fewest_bits(found: Sequence[Design], options: Mapping[str, Any],
                reference: Mapping[tuple[str, str], Stat]) -> list[BitsAnswer]:
    """Per design family (all keys but dac.bits), the lowest-bit design meeting the target.

    Uses :func:`deployed_accuracy`. Families whose threshold is unknown
    (a relative target without a float accuracy) are left out; those that
    never meet it come last with ``met=False``.
    """
    families: dict[str, list[Design]] = defaultdict(list)
    for d in found:
        if deployed_accuracy(d) is not None:
            families[design_id(_without_bits(d.config))].append(d)
    labels = series_labels({f: _without_bits(m[0].config) for f, m in families.items()},
                     always=("workload.dataset", "workload.arch"))
    out = []
    for family, members in families.items():
        limit = threshold(options, reference.get(_task(members[0].config)))
        if limit is None:
            continue
        meeting = [d for d in members if deployed_accuracy(d)[0].mean >= limit - 1e-12]
        if meeting:
            out.append(BitsAnswer(labels[family], min(meeting, key=lambda d: d.bits), limit,
                                  met=True))
        else:
            best = max(members, key=lambda d: deployed_accuracy(d)[0].mean)
            out.append(BitsAnswer(labels[family], best, limit, met=False))
    return sorted(out, key=lambda a: (not a.met, a.design.bits, a.label))


@dataclass(frozen=True)
class Elbow:
    """PTQ accuracy against bits for one float-trained model family.

    Attributes
    ----------
    label : str
        ``dataset / arch`` plus any other key that differs between families.
    points : list of (int, Stat)
        Bits and accuracy over the workload seeds.
    float_accuracy : Stat or None
        The float model's accuracy over the same seeds.
    """

    label: str
    points: list[tuple[int, Stat]]
    float_accuracy: Stat | None


def elbow_series(rows: Iterable[Mapping[str, Any]]) -> list[Elbow]:
    """One :class:`Elbow` per float-model family and DAC design but its bits.

    Each (workload seed, DAC seed) pair counts once, however many other keys
    (``dac.bits``, the training quantizer) repeat the same PTQ result.
    """
    per_family: dict[str, dict[str, Mapping[str, Any]]] = defaultdict(dict)
    for row in ok_rows(rows):
        family = _ptq_key(row["config"], keep_seeds=False)
        per_family[family][_ptq_key(row["config"], keep_seeds=True)] = row
    labels = series_labels({f: json.loads(f) for f in per_family},
                     always=("workload.dataset", "workload.arch"))
    out = []
    for family, members in per_family.items():
        bits = sorted({int(k[len(PTQ_PREFIX):]) for r in members.values() for k in r
                       if k.startswith(PTQ_PREFIX) and _numeric(r[k])})
        series = [(b, s) for b in bits
                  if (s := stat(r.get(f"{PTQ_PREFIX}{b}") for r in members.values()))]
        if series:
            ref = stat(r.get(FLOAT_ACCURACY) for r in members.values())
            out.append(Elbow(labels[family], series, ref))
    return sorted(out, key=lambda e: e.label)


def series_labels(configs: Mapping[str, Mapping[str, Any]], always: Sequence[str]
            ) -> dict[str, str]:
    """Short series labels: the keys whose values differ between the configs.

    The ``always`` keys come first; they alone label a single config. A key
    whose value follows from the keys before it (``workload.data_digest`` from
    the data set) tells no two series apart and is left out.
    """
    flat = {f: flatten(c) for f, c in configs.items()}
    first = next(iter(flat.values()), {})
    varying = [k for k in first if len({json.dumps(c.get(k)) for c in flat.values()}) > 1]
    keys: list[str] = []
    for k in [k for k in always if k in varying] + [k for k in varying if k not in always]:
        groups: dict[str, set[str]] = defaultdict(set)
        for c in flat.values():
            groups[json.dumps([c.get(j) for j in keys])].add(json.dumps(c.get(k)))
        if any(len(values) > 1 for values in groups.values()):
            keys.append(k)
    keys = keys or list(always)

    def part(c: Mapping[str, Any], k: str) -> str:
        v = c.get(k)
        shown = f"{v:g}" if isinstance(v, float) else str(v)
        return shown if k in always else f"{k.split('.')[-1]}={shown}"

    return {f: " / ".join(part(c, k) for k in keys) for f, c in flat.items()}


def deadlock_series(found: Sequence[Design]) -> dict[str, dict[str, list[tuple[int, Stat]]]]:
    """Trained accuracy against dac.bits: per task, one series per quantizer.

    Returns ``{"dataset / arch": {label: [(bits, Stat), ...]}}``; labels name
    the quantizer and any other key that differs between series of the task.
    """
    by_task: dict[str, dict[str, list[Design]]] = defaultdict(lambda: defaultdict(list))
    configs: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for d in found:
        if d.metrics.get(TRAIN_ACCURACY) is None:
            continue
        task = " / ".join(_task(d.config))
        rest = _without_bits(d.config)
        by_task[task][design_id(rest)].append(d)
        configs[task][design_id(rest)] = rest
    out: dict[str, dict[str, list[tuple[int, Stat]]]] = {}
    for task in sorted(by_task):
        labels = series_labels(configs[task], always=("workload.quantizer",))
        out[task] = {labels[f]: sorted(((d.bits, d.metrics[TRAIN_ACCURACY]) for d in members),
                                       key=lambda x: x[0])
                     for f, members in sorted(by_task[task].items(), key=lambda x: labels[x[0]])}
    return out
