"""Design search: an Optuna sampler chooses designs, the study machinery evaluates them.

A design is one value per ``search.variables`` key; its points are the
scenario's configs with those values, one per chip (``dac.seeds``) and
training seed (``workload.seeds``), built by :func:`parse_scenario` exactly as
``cosim run`` builds them, so their ``point_id`` is the same and results are
shared through ``results.sqlite`` with any grid run into the same directory.
Points are computed by the runner's backends (:mod:`cosim.studies.execute`).

The sampler runs ask/tell on an Optuna study stored in ``search.sqlite``. A
trial's design id is stored on it before its points are computed, every point
is committed as it finishes, and the trial is told afterwards. After a kill,
the next run finishes the trials left RUNNING from their stored points
(computing only the missing ones). A design the sampler proposes again is
told its stored values and does not count against the budget, so the budget
is the number of distinct designs evaluated.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cosim.errors import CosimInputError
from cosim.studies import chips, execute, runner, scoring
from cosim.studies.execute import Evaluate, Task
from cosim.studies.points import design_id
from cosim.studies.scenario import Scenario, parse_scenario
from cosim.studies.search_spec import SearchSpec, Variable
from cosim.studies.store import DB_NAME, PointResult, ResultStore, remove_database

SEARCH_DB = "search.sqlite"
STUDY_NAME = "cosim-search"
# Proposals (duplicates and invalid designs included) per budgeted design
# before the search gives up on finding new designs.
MAX_TRIALS_PER_DESIGN = 20


@dataclass(frozen=True)
class Evaluation:
    """One evaluated design and its score.

    Attributes
    ----------
    number : int or None
        Optuna trial number (None for a design evaluated only for the grid).
    design_id : str
    params : dict
        The variables' values.
    point_ids : tuple of str
    values : tuple of float or None
        Objective values in the order of ``search.objectives``; None if the
        design has no value for one of them (failed points).
    constraint_values : tuple of float or None
        Each constraint's aggregated metric.
    violation : float
        Sum of the positive relative shortfalls (0: feasible).
    """

    number: int | None
    design_id: str
    params: dict[str, Any]
    point_ids: tuple[str, ...]
    values: tuple[float, ...] | None
    constraint_values: tuple[float | None, ...]
    violation: float

    @property
    def feasible(self) -> bool:
        return self.values is not None and self.violation <= 0.0


@dataclass(frozen=True)
class SearchSummary:
    """What one call of :func:`run_search` did and found."""

    out_dir: Path
    evaluations: tuple[Evaluation, ...]
    grid: tuple[Evaluation, ...] | None
    n_trials: int
    n_computed: int
    n_failed_points: int
    seconds: float
    outputs: tuple[Path, ...] = ()


def design_tasks(scenario: Scenario, params: Mapping[str, Any]) -> list[Task]:
    """``(point_id, config)`` of every point of one design."""
    data = scenario.to_dict()
    data.pop("search", None)
    for path, value in params.items():
        section, key = path.split(".")
        data[section][key] = value
    return runner.scenario_tasks(parse_scenario(data, default_name=scenario.name))


def _suggest(trial: Any, v: Variable) -> Any:
    if v.choices:
        return trial.suggest_categorical(v.path, list(v.choices))
    if v.integer:
        return trial.suggest_int(v.path, int(v.lo), int(v.hi), step=int(v.step or 1),
                                 log=v.log)
    x = trial.suggest_float(v.path, v.lo, v.hi, step=v.step, log=v.log)
    return float(f"{x:.12g}")  # the sweep's rounding, so ids match listed values


def _params(spec: SearchSpec, raw: Mapping[str, Any]) -> dict[str, Any]:
    return {v.path: (float(f"{raw[v.path]:.12g}") if not v.choices and not v.integer
                     else raw[v.path]) for v in spec.variables}


def score(spec: SearchSpec, options: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]
          ) -> tuple[tuple[float, ...] | None, tuple[float | None, ...], float]:
    """Objective values, constraint values and total violation of one design's rows."""
    ok = scoring.ok_rows(rows)
    reference = scoring.float_reference(ok)
    values = [chips.aggregate(ok, o.metric, o.aggregate, options, reference)
              for o in spec.objectives]
    cons = [chips.aggregate(ok, c.metric, c.aggregate, options, reference)
            for c in spec.constraints]
    violation = sum(max(0.0, x) for c, v in zip(spec.constraints, cons, strict=True)
                    for x in (c.violations(v) if v is not None else [float("inf")]))
    final = None if any(v is None for v in values) else tuple(values)
    return final, tuple(cons), float(violation)


def _constraints_of(trial: Any) -> Sequence[float]:
    return trial.user_attrs.get("constraints", [0.0])


def make_sampler(spec: SearchSpec) -> Any:
    """The Optuna sampler the block names, seeded with ``search.seed``."""
    import optuna

    cons = _constraints_of if spec.constraints else None
    if spec.sampler == "nsga2":
        population = spec.population or min(50, max(4, spec.budget // 5))
        return optuna.samplers.NSGAIISampler(population_size=population, seed=spec.seed,
                                             constraints_func=cons)
    if spec.sampler == "tpe":
        return optuna.samplers.TPESampler(seed=spec.seed, multivariate=True,
                                          n_startup_trials=min(10, max(2, spec.budget // 4)),
                                          constraints_func=cons)
    return optuna.samplers.RandomSampler(seed=spec.seed)


def _fingerprint(scenario: Scenario) -> str:
    data = scenario.to_dict()
    search = {k: v for k, v in data.pop("search").items() if k != "budget"}
    text = json.dumps({"scenario": data, "search": search}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def open_study(out: Path, scenario: Scenario) -> Any:
    """The Optuna study in ``out/search.sqlite``, created or resumed."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    spec = scenario.search
    storage = optuna.storages.RDBStorage(f"sqlite:///{out / SEARCH_DB}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # experimental-feature warnings of the samplers
        study = optuna.create_study(storage=storage, study_name=STUDY_NAME, load_if_exists=True,
                                    sampler=make_sampler(spec),
                                    directions=[o.direction for o in spec.objectives])
    mark = _fingerprint(scenario)
    stored = study.user_attrs.get("fingerprint")
    if stored is None:
        study.set_user_attr("fingerprint", mark)
    elif stored != mark:
        raise CosimInputError("--out", f"{out} holds a search of another scenario or search: "
                              "block; use --fresh or another directory")
    return study


class _Backend:
    """The runner's backends, with one local pool kept for the whole search.

    Keeping the pool keeps each worker's memoised float models and datasets.
    """

    def __init__(self, evaluate: Evaluate, workers: int, client: Any) -> None:
        self.evaluate, self.workers, self.client = evaluate, workers, client
        self._pool: Any = None

    def run(self, tasks: list[Task]) -> Iterator[PointResult]:
        if self.client is not None:
            yield from execute.run_dask(tasks, self.evaluate, client=self.client)
            return
        if self.workers == 1 or len(tasks) <= 1:
            yield from execute.run_inline(tasks, self.evaluate)
            return
        if self._pool is None:
            self._pool = execute._executor(self.workers)
        futures = {self._pool.submit(execute.evaluate_point, self.evaluate, *t): t
                   for t in tasks}
        crashed: list[Task] = []
        for future in as_completed(futures):
            try:
                yield future.result()
            except BrokenProcessPool:
                crashed.append(futures[future])
            except Exception as exc:  # noqa: BLE001 - e.g. a config that cannot pickle
                yield execute.failed(futures[future], f"{type(exc).__name__}: {exc}")
        if crashed:  # the runner's pool isolates the point that kills its worker
            self.close()
            yield from execute.run_pool(crashed, self.evaluate, workers=self.workers)

    def close(self) -> None:
        if self._pool is not None:
            execute._stop(self._pool)
            self._pool = None


class _Search:
    """The ask/evaluate/tell loop over one study, store and backend."""

    def __init__(self, scenario: Scenario, study: Any, store: ResultStore,
                 backend: _Backend) -> None:
        self.scenario, self.spec = scenario, scenario.search
        self.study, self.store, self.backend = study, store, backend
        self.n_computed = 0
        self.evaluated: dict[str, int] = {}
        for t in study.get_trials(deepcopy=False):
            did = t.user_attrs.get("design_id")
            if t.state.is_finished() and did and "duplicate_of" not in t.user_attrs:
                self.evaluated.setdefault(did, t.number)

    def compute(self, tasks: list[Task]) -> None:
        """Compute and store the tasks the store lacks."""
        done = self.store.statuses()
        todo = list({pid: (pid, c) for pid, c in tasks if pid not in done}.values())
        for result in self.backend.run(todo):
            self.store.record(result)
            self.n_computed += 1

    def resume(self) -> None:
        """Finish the trials a killed run left RUNNING, from their stored points."""
        import optuna

        names = {v.path for v in self.spec.variables}
        pending = []
        for t in self.study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
            trial = optuna.trial.Trial(self.study, t._trial_id)
            if set(t.params) != names:  # killed between its suggestions: nothing computed
                self.study.tell(trial, state=optuna.trial.TrialState.FAIL)
            else:
                pending.append((trial, _params(self.spec, t.params)))
        if pending:
            self._finish(pending)

    def run(self, budget: int, batch: int) -> None:
        """Ask, evaluate and tell until ``budget`` distinct designs are evaluated."""
        size = self.spec.space_size()
        goal = budget if size is None else min(budget, size)
        asked = len(self.study.get_trials(deepcopy=False))
        cap = asked + MAX_TRIALS_PER_DESIGN * budget + 100
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # optuna's experimental-feature warnings
            while len(self.evaluated) < goal and asked < cap:
                pending = []
                for _ in range(min(batch, goal - len(self.evaluated))):
                    trial = self.study.ask()
                    pending.append((trial, {v.path: _suggest(trial, v)
                                            for v in self.spec.variables}))
                    asked += 1
                self._finish(pending)

    def _finish(self, pending: list[tuple[Any, dict[str, Any]]]) -> None:
        import optuna

        jobs = []
        for trial, params in pending:
            try:
                tasks = design_tasks(self.scenario, params)
            except CosimInputError as exc:  # e.g. t2 > 2 t1: not a design
                trial.set_user_attr("error", str(exc))
                self.study.tell(trial, state=optuna.trial.TrialState.FAIL)
                continue
            did = design_id(tasks[0][1])
            trial.set_user_attr("design_id", did)
            earlier = self.evaluated.get(did)
            if earlier is None and any(j[2] == did and not j[3] for j in jobs):
                earlier = next(j[0].number for j in jobs if j[2] == did and not j[3])
            if earlier is not None:
                trial.set_user_attr("duplicate_of", earlier)
            jobs.append((trial, tasks, did, earlier is not None))
        self.compute([t for _, tasks, _, dup in jobs if not dup for t in tasks])
        for trial, tasks, did, dup in jobs:
            rows = self.store.rows([pid for pid, _ in tasks])
            values, measured, violation = score(self.spec, self.scenario.options, rows)
            cons = [x for c, v in zip(self.spec.constraints, measured, strict=True)
                    for x in (c.violations(v) if v is not None else [1e9])]
            trial.set_user_attr("constraints", cons or [0.0])
            trial.set_user_attr("violation", violation)
            if values is None:
                self.study.tell(trial, state=optuna.trial.TrialState.FAIL)
            else:
                self.study.tell(trial, list(values))
            if not dup:
                self.evaluated.setdefault(did, trial.number)

    def evaluations(self) -> list[Evaluation]:
        """Every distinct design the search evaluated, in evaluation order."""
        by_number = {t.number: t for t in self.study.get_trials(deepcopy=False)}
        out = []
        for did, number in sorted(self.evaluated.items(), key=lambda x: x[1]):
            params = _params(self.spec, by_number[number].params)
            out.append(self._evaluation(number, params, did))
        return out

    def _evaluation(self, number: int | None, params: dict[str, Any], did: str
                    ) -> Evaluation:
        tasks = design_tasks(self.scenario, params)
        rows = self.store.rows([pid for pid, _ in tasks])
        values, cons, violation = score(self.spec, self.scenario.options, rows)
        return Evaluation(number, did, params, tuple(pid for pid, _ in tasks), values, cons,
                          violation)

    def grid(self) -> list[Evaluation]:
        """Every design of the (discrete) space, computing the points the store lacks."""
        import itertools

        grids = [v.grid() for v in self.spec.variables]
        designs = []
        for combo in itertools.product(*grids):
            params = dict(zip((v.path for v in self.spec.variables), combo, strict=True))
            try:
                tasks = design_tasks(self.scenario, params)
            except CosimInputError:
                continue
            designs.append((params, tasks))
        self.compute([t for _, tasks in designs for t in tasks])
        numbers = dict(self.evaluated)
        return [self._evaluation(numbers.get(design_id(tasks[0][1])), params,
                                 design_id(tasks[0][1])) for params, tasks in designs]


def run_search(scenario: Scenario, out_dir: str | Path, *, evaluate: Evaluate | None = None,
               workers: int | None = None, scheduler: str | None = None,
               trials: int | None = None, fresh: bool = False, outputs: bool = True
               ) -> SearchSummary:
    """Search ``scenario``'s design space into ``out_dir``; resume what is stored there.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario with a ``search:`` block.
    out_dir : str or Path
        Results directory: ``results.sqlite`` (points, shared with ``cosim
        run``), ``search.sqlite`` (the Optuna study) and the outputs.
    evaluate : callable, optional
        The point function; default :func:`cosim.studies.evaluate.evaluate`.
    workers : int, optional
        Local processes; default ``os.cpu_count()``; 1 runs in-process.
    scheduler : str, optional
        Dask scheduler address; points then run there.
    trials : int, optional
        Number of distinct designs to evaluate; default ``search.budget``.
    fresh : bool, default=False
        Delete ``results.sqlite`` and ``search.sqlite`` first.
    outputs : bool, default=True
        Write designs.csv, pareto.png, search.png and report.md.
    """
    start = time.perf_counter()
    spec = scenario.search
    if spec is None:
        raise CosimInputError("search", "the scenario has no search: block (variables, "
                              "objectives, budget); see docs/scenarios.md")
    budget = spec.budget if trials is None else trials
    evaluate = runner._default_evaluate(scenario) if evaluate is None else evaluate
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers > 1 or scheduler is not None:
        runner._check_picklable(evaluate)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise CosimInputError(str(out), "exists and is not a directory")
    client = runner._dask_client(scheduler) if scheduler is not None else None
    out.mkdir(parents=True, exist_ok=True)
    if fresh:
        remove_database(out)
        (out / SEARCH_DB).unlink(missing_ok=True)
    backend = _Backend(evaluate, workers, client)
    try:
        study = open_study(out, scenario)
        with ResultStore(out / DB_NAME) as store:
            search = _Search(scenario, study, store, backend)
            search.resume()
            batch = (sum(client.nthreads().values()) if client is not None else workers)
            search.run(budget, max(1, batch))
            found = search.evaluations()
            grid = search.grid() if spec.compare_grid else None
            ids = {p for e in [*found, *(grid or [])] for p in e.point_ids}
            rows = store.rows(sorted(ids))
    finally:
        backend.close()
        if client is not None:
            client.close()
    written: tuple[Path, ...] = ()
    if outputs:
        from cosim.studies.search_report import write_search_outputs  # matplotlib is heavy

        written = write_search_outputs(scenario, found, grid, rows, out, n_trials=len(
            study.get_trials(deepcopy=False)))
    return SearchSummary(out_dir=out, evaluations=tuple(found),
                         grid=None if grid is None else tuple(grid),
                         n_trials=len(study.get_trials(deepcopy=False)),
                         n_computed=search.n_computed,
                         n_failed_points=sum(r["status"] == "failed" for r in rows),
                         seconds=time.perf_counter() - start, outputs=written)
