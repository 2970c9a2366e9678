"""The ``search:`` block of a scenario: design variables, objectives, constraints, budget.

::

    search:
      variables:                      # any sweepable key path but the seeds
        dac.bits: {lo: 2, hi: 10}             # integers, step 1
        dac.mismatch_sigma: {lo: 0.005, hi: 0.1, log: true}
        stack.sample_rate_hz: {lo: 0.5e9, hi: 2.0e9, step: 0.5e9}
        dac.architecture: [binary, unary, segmented]   # choices
      objectives:                     # metric, direction, aggregate over draws
        - {metric: ptq_accuracy, direction: maximise, aggregate: p05}
        - {metric: power_per_qubit_w, direction: minimise}
      constraints:                    # min: metric >= value; max: metric <= value
        - {metric: ptq_accuracy, aggregate: yield, min: 0.9}
        - {metric: fridge_budget_fraction, max: 1}
      budget: 40                      # distinct designs to evaluate
      sampler: nsga2                  # nsga2, tpe or random
      seed: 0
      population: null                # NSGA-II population; null: budget // 5, 4..50
      compare_grid: false             # also evaluate every design of the space

A design's draws are its points over the scenario's ``dac.seeds`` (chips)
and ``workload.seeds``; an aggregate reduces a metric over them: ``mean``
(the default), ``std``, ``p05`` (5th percentile), ``min``, ``max``, or, for
an accuracy metric, ``yield`` (the fraction of draws that reach
``study.accuracy_target``, see ``designs.csv``). ``std``, ``p05`` and
``yield`` need at least two chips. Every other key keeps its scenario value, which
must be a single value. Errors follow the scenario error contract, naming
the key path (``search.variables.dac.bits.lo``).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cosim.errors import CosimInputError
from cosim.studies import sweep
from cosim.studies.chips import AGGREGATES, CHIP_PATH
from cosim.studies.metrics import produced_by
from cosim.studies.schema import BY_PATH, SECTIONS

SAMPLERS = ("nsga2", "tpe", "random")
DIRECTIONS = {"maximise": "maximize", "maximize": "maximize", "minimise": "minimize",
              "minimize": "minimize"}
TOP_KEYS = ("variables", "objectives", "constraints", "budget", "sampler", "seed",
            "population", "compare_grid")
# Aggregates that describe a spread over chips and so need at least two of them.
_CHIP_AGGREGATES = ("std", "p05", "yield")


@dataclass(frozen=True)
class Variable:
    """One design variable: a scenario key with its choices or its range.

    Exactly one of ``choices`` and (``lo``, ``hi``) is set. A range with
    ``step`` takes ``lo, lo + step, ...`` up to ``hi``; with ``log`` it is
    sampled on a log scale; with neither (a float key) it is continuous.
    """

    path: str
    choices: tuple[Any, ...] = ()
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    log: bool = False
    integer: bool = False

    def grid(self) -> tuple[Any, ...] | None:
        """Every value the variable takes, or None for a continuous range."""
        if self.choices:
            return self.choices
        if self.integer and not self.log:
            return tuple(range(int(self.lo), int(self.hi) + 1, int(self.step or 1)))
        if self.integer:
            return tuple(range(int(self.lo), int(self.hi) + 1))
        if self.step is None:
            return None
        n = math.floor((self.hi - self.lo) / self.step * (1 + 1e-12) + 1e-9) + 1
        return tuple(float(f"{self.lo + i * self.step:.12g}") for i in range(n))


@dataclass(frozen=True)
class Objective:
    """Optimise ``aggregate`` of ``metric`` over a design's draws in ``direction``."""

    metric: str
    direction: str  # "maximize" or "minimize" (optuna's spelling)
    aggregate: str = "mean"

    @property
    def label(self) -> str:
        return self.metric if self.aggregate == "mean" else f"{self.metric} ({self.aggregate})"


@dataclass(frozen=True)
class Constraint:
    """``aggregate`` of ``metric`` must be >= ``lo`` and/or <= ``hi``."""

    metric: str
    aggregate: str = "mean"
    lo: float | None = None
    hi: float | None = None

    @property
    def label(self) -> str:
        name = self.metric if self.aggregate == "mean" else f"{self.metric} ({self.aggregate})"
        parts = ([f">= {self.lo:g}"] if self.lo is not None else []) + \
            ([f"<= {self.hi:g}"] if self.hi is not None else [])
        return f"{name} {' and '.join(parts)}"

    def violations(self, value: float) -> list[float]:
        """Per bound, the shortfall relative to the bound's size (<= 0: satisfied)."""
        out = []
        if self.lo is not None:
            out.append((self.lo - value) / (abs(self.lo) or 1.0))
        if self.hi is not None:
            out.append((value - self.hi) / (abs(self.hi) or 1.0))
        return out


@dataclass(frozen=True)
class SearchSpec:
    """A validated ``search:`` block (see the module docstring)."""

    variables: tuple[Variable, ...]
    objectives: tuple[Objective, ...]
    constraints: tuple[Constraint, ...]
    budget: int
    sampler: str
    seed: int
    population: int | None
    compare_grid: bool
    raw: dict[str, Any]

    def space_size(self) -> int | None:
        """Number of designs in the space, None when a variable is continuous."""
        grids = [v.grid() for v in self.variables]
        return None if any(g is None for g in grids) else math.prod(len(g) for g in grids)


def _fail(where: str, message: str) -> CosimInputError:
    return CosimInputError(where, message)


def _mapping(raw: Any, where: str, allowed: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise _fail(where, f"must be a mapping of {', '.join(allowed)}, got {raw!r}")
    for key in raw:
        if key not in allowed:
            hint = difflib.get_close_matches(str(key), allowed, n=1)
            raise _fail(f"{where}.{key}", "unknown key" + (f" (did you mean {hint[0]}?)"
                                                           if hint else "")
                        + f"; allowed: {', '.join(allowed)}")
    return raw


def _int(raw: Any, where: str, lo: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < lo:
        raise _fail(where, f"must be an integer >= {lo}, got {raw!r}")
    return raw


def _flatten_variables(raw: Mapping[str, Any], where: str) -> dict[str, tuple[str, Any]]:
    """``{dac.bits: v}`` or ``{dac: {bits: v}}`` -> ``{"dac.bits": (where, v)}``."""
    out: dict[str, tuple[str, Any]] = {}
    for key, value in raw.items():
        if key in SECTIONS and isinstance(value, Mapping) and not (
                set(value) & {"lo", "hi", "step", "log"}):
            for sub, v in value.items():
                out[f"{key}.{sub}"] = (f"{where}.{key}.{sub}", v)
        else:
            out[str(key)] = (f"{where}.{key}", value)
    return out


def _variable(path: str, where: str, raw: Any) -> Variable:
    from cosim.studies.scenario import _coerce  # one checker for every scenario value

    sweepable = sorted(p for p, k in BY_PATH.items() if k.sweep and not p.endswith(".seeds"))
    key = BY_PATH.get(path)
    if key is None or not key.sweep or path.endswith(".seeds"):
        hint = difflib.get_close_matches(path, sweepable, n=1)
        what = "is a seed: chips and training seeds are the draws of every design, not " \
               "design variables" if path.endswith(".seeds") else \
            "unknown key path" + (f" (did you mean {hint[0]}?)" if hint else "") + \
            "; a variable must be a sweepable scenario key such as dac.bits"
        raise _fail(where, what)
    if isinstance(raw, list):
        if not raw:
            raise _fail(where, "an empty list of choices gives no designs; give at least one")
        values = tuple(_coerce(key, v, f"{where}[{i}]") for i, v in enumerate(raw))
        if len(set(values)) != len(values):
            raise _fail(where, f"repeats a choice in {list(values)!r}; each value once")
        return Variable(path, choices=values)
    if not isinstance(raw, Mapping):
        raise _fail(where, "must be a list of choices or a range {lo, hi, step or log}, "
                    f"got {raw!r}")
    if key.kind not in ("int", "float"):
        raise _fail(where, f"{path} takes {key.allowed()}: give a list of choices")
    rng = _mapping(raw, where, ("lo", "hi", "step", "log"))
    for bound in ("lo", "hi"):
        if bound not in rng:
            raise _fail(f"{where}.{bound}", "is missing; a range needs lo and hi")
    lo = _coerce(key, rng["lo"], f"{where}.lo")
    hi = _coerce(key, rng["hi"], f"{where}.hi")
    if lo is None or hi is None or hi < lo:
        raise _fail(where, f"is an empty range: needs lo <= hi, got lo = {lo!r}, hi = {hi!r}")
    log = rng.get("log", False)
    if not isinstance(log, bool):
        raise _fail(f"{where}.log", f"must be true or false, got {log!r}")
    step = rng.get("step")
    if step is not None:
        if log:
            raise _fail(f"{where}.step", "cannot be combined with log: true")
        try:  # numeric strings too, as YAML 1.1 reads 0.5e9 as text
            step = sweep._number(step, f"{where}.step")
        except CosimInputError:
            step = None
        if step is None or not step > 0 or (key.kind == "int" and not isinstance(step, int)):
            kind = "an integer" if key.kind == "int" else "a number"
            raise _fail(f"{where}.step", f"must be {kind} > 0, got {rng['step']!r}")
    if log and lo <= 0:
        raise _fail(f"{where}.lo", f"must be > 0 with log: true, got {lo!r}")
    return Variable(path, lo=lo, hi=hi, step=step, log=log, integer=key.kind == "int")


def produces(stages: tuple[str, ...], metric: str) -> bool:
    """Whether one of ``stages`` stores ``metric`` (the metric table's ``stage``)."""
    return produced_by(stages, metric)


def _metric(raw: Any, where: str, stages: tuple[str, ...], n_chips: int
            ) -> tuple[str, str]:
    metric, aggregate = raw.get("metric"), raw.get("aggregate", "mean")
    if not isinstance(metric, str) or not metric:
        raise _fail(f"{where}.metric", f"must be a metric name, got {metric!r}")
    if not produces(stages, metric):
        raise _fail(f"{where}.metric", f"no stage of study.stages ({', '.join(stages)}) "
                    f"produces {metric!r}; see the stage metrics in docs/scenarios.md")
    if aggregate not in AGGREGATES:
        raise _fail(f"{where}.aggregate", f"must be one of {', '.join(AGGREGATES)}, "
                    f"got {aggregate!r}")
    if aggregate == "yield" and not metric.endswith("accuracy"):
        raise _fail(f"{where}.aggregate", f"yield applies to accuracy metrics, not {metric}")
    if aggregate in _CHIP_AGGREGATES and n_chips < 2:
        raise _fail(CHIP_PATH, f"must give at least 2 chips (values) for the {aggregate} over "
                    f"chips that {where} asks for, got {n_chips}")
    return metric, aggregate


def _number(raw: Any, where: str) -> float:
    return float(sweep._number(raw, where))  # numeric strings too (YAML 1.1 reads 1e-9 as text)


def parse_search(raw: Any, values: Mapping[str, tuple[Any, ...]], stages: tuple[str, ...]
                 ) -> SearchSpec:
    """Validate a ``search:`` block against the scenario's values and stages.

    Parameters
    ----------
    raw : object
        The block as loaded from YAML.
    values : mapping of str to tuple
        The scenario's sweepable key paths and their values.
    stages : tuple of str
        ``study.stages``.
    """
    block = _mapping(raw, "search", TOP_KEYS)
    for key in ("variables", "objectives", "budget"):
        if key not in block:
            raise _fail(f"search.{key}", "is missing; a search needs variables, objectives "
                        "and a budget")
    rawvars = block["variables"]
    if not isinstance(rawvars, Mapping) or not rawvars:
        raise _fail("search.variables", "must be a mapping of at least one key path to its "
                    f"choices or range, got {rawvars!r}")
    variables = tuple(_variable(p, w, v)
                      for p, (w, v) in _flatten_variables(rawvars, "search.variables").items())
    chosen = {v.path for v in variables}
    for path, vals in values.items():
        if len(vals) > 1 and path not in chosen and not path.endswith(".seeds"):
            raise _fail(path, "a search scenario sweeps only the seeds; make this key a search "
                        "variable or give it one value")
    n_chips = len(values[CHIP_PATH])
    objectives = []
    rawobj = block["objectives"]
    if not isinstance(rawobj, list) or not rawobj:
        raise _fail("search.objectives", f"must be a list of at least one objective, "
                    f"got {rawobj!r}")
    for i, item in enumerate(rawobj):
        where = f"search.objectives[{i}]"
        item = _mapping(item, where, ("metric", "direction", "aggregate"))
        metric, aggregate = _metric(item, where, stages, n_chips)
        direction = DIRECTIONS.get(item.get("direction"))
        if direction is None:
            raise _fail(f"{where}.direction", "must be one of maximise, minimise, got "
                        f"{item.get('direction')!r}")
        objectives.append(Objective(metric, direction, aggregate))
    constraints = []
    rawcon = block.get("constraints") or []
    if not isinstance(rawcon, list):
        raise _fail("search.constraints", f"must be a list, got {rawcon!r}")
    for i, item in enumerate(rawcon):
        where = f"search.constraints[{i}]"
        item = _mapping(item, where, ("metric", "aggregate", "min", "max"))
        metric, aggregate = _metric(item, where, stages, n_chips)
        if "min" not in item and "max" not in item:
            raise _fail(where, "needs min (metric >= min) or max (metric <= max)")
        lo = _number(item["min"], f"{where}.min") if "min" in item else None
        hi = _number(item["max"], f"{where}.max") if "max" in item else None
        constraints.append(Constraint(metric, aggregate, lo, hi))
    sampler = block.get("sampler", "nsga2")
    if sampler not in SAMPLERS:
        raise _fail("search.sampler", f"must be one of {', '.join(SAMPLERS)}, got {sampler!r}")
    population = block.get("population")
    compare = block.get("compare_grid", False)
    if not isinstance(compare, bool):
        raise _fail("search.compare_grid", f"must be true or false, got {compare!r}")
    spec = SearchSpec(
        variables=variables, objectives=tuple(objectives), constraints=tuple(constraints),
        budget=_int(block["budget"], "search.budget", 1), sampler=sampler,
        seed=_int(block.get("seed", 0), "search.seed", 0),
        population=None if population is None else _int(population, "search.population", 2),
        compare_grid=compare, raw=dict(block))
    if compare and spec.space_size() is None:
        cont = next(v.path for v in variables if v.grid() is None)
        raise _fail(f"search.variables.{cont}", "is continuous; compare_grid needs a step or "
                    "choices for every variable")
    return spec
