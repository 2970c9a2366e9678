"""Run a study: compute the points a results directory lacks, then write the outputs.

The runner decides *how* points are computed (in-process, a local pool, Dask)
and keeps the store; what a point computes is the ``evaluate`` function it is
given (:func:`cosim.studies.evaluate.evaluate` by default).

Grouping: with the default ``evaluate``, points that can train in one pass
(:func:`cosim.studies.evaluate.group_key`) run as one task of the backend,
inside :func:`cosim.studies.evaluate.shared_training`; every point is still
evaluated and stored on its own, with exactly the metrics it gets alone.

Resuming: a point whose ``point_id`` is already stored is not computed again.
Failed points stay failed unless ``retry_failed`` is set. ``fresh`` deletes the
database first.
"""

from __future__ import annotations

import os
import pickle
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cosim.errors import CosimInputError
from cosim.studies import execute
from cosim.studies.execute import Evaluate, Group, Prepare, Task
from cosim.studies.lock import DirectoryLock
from cosim.studies.points import point_id
from cosim.studies.scenario import Scenario
from cosim.studies.store import DB_NAME, PointResult, ResultStore, remove_database


@dataclass(frozen=True)
class RunSummary:
    """What one call of :func:`run_study` did.

    Attributes
    ----------
    out_dir : Path
    n_points : int
        Points of the scenario.
    n_computed : int
        Points computed by this call.
    n_ok, n_failed : int
        Status of the scenario's points in the store after the run.
    seconds : float
        Wall time of the call, s.
    outputs : tuple of Path
        Files written after the run (CSV, plots, report).
    """

    out_dir: Path
    n_points: int
    n_computed: int
    n_ok: int
    n_failed: int
    seconds: float
    outputs: tuple[Path, ...] = ()


def progress_wanted() -> bool:
    """A progress bar only on an interactive terminal, never under CI or a dumb terminal."""
    return (sys.stderr.isatty() and not os.environ.get("CI")
            and os.environ.get("TERM", "") != "dumb")


def scenario_tasks(scenario: Scenario) -> list[Task]:
    """``(point_id, config)`` of every point of ``scenario``, in scenario order."""
    return [(point_id(c), c) for c in scenario.points()]


#: Most points one group holds: bounds a worker's memory and what a kill can lose.
MAX_GROUP = 64


def _default_evaluate(scenario: Scenario) -> Evaluate:
    from cosim.studies.evaluate import check_available, evaluate

    check_available(scenario.stages)
    return evaluate


def group_tasks(tasks: list[Task], key: Callable[[dict[str, Any]], Any], *, workers: int = 1,
                max_size: int = MAX_GROUP,
                cost: Callable[[dict[str, Any]], float] | None = None) -> list[Group]:
    """Tasks with equal, non-None ``key(config)`` in groups, in order of first appearance.

    A group holds at most ``max_size`` points, and groups are split further
    (evenly) while there are fewer groups than ``workers``; a None key is a
    group of one. With ``cost``, the groups come costliest first (``cost``
    of a group's first config, which stands for its task, times its points;
    ties keep their order), so that a pool does not end on one long group
    while its other workers idle.
    """
    by_key: dict[Any, list[Task]] = {}
    singles: list[Group] = []
    for task in tasks:
        k = key(task[1])
        if k is None:
            singles.append([task])
        else:
            by_key.setdefault(k, []).append(task)
    n_groups = sum(-(-len(g) // max_size) for g in by_key.values())
    pieces = max(1, -(-workers // max(n_groups, 1))) if n_groups < workers else 1
    groups: list[Group] = []
    for members in by_key.values():
        n = max(-(-len(members) // max_size), min(pieces, len(members)))
        size = -(-len(members) // n)
        groups.extend(members[i:i + size] for i in range(0, len(members), size))
    groups += singles
    if cost is not None:
        groups.sort(key=lambda g: -cost(g[0][1]) * len(g))
    return groups


def run_study(
    scenario: Scenario,
    out_dir: str | Path,
    *,
    evaluate: Evaluate | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    fresh: bool = False,
    retry_failed: bool = False,
    progress: bool | None = None,
    outputs: bool = True,
    wait: bool = False,
    group: bool = True,
) -> RunSummary:
    """Compute every missing point of ``scenario`` into ``out_dir/results.sqlite``.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    out_dir : str or Path
        Results directory; created when missing.
    evaluate : callable, optional
        ``evaluate(config) -> dict of metrics``; default
        :func:`cosim.studies.evaluate.evaluate`, which first checks that this
        build provides every stage the scenario names. Must be a picklable
        module-level function unless ``workers == 1``.
    workers : int, optional
        Local processes; default ``os.cpu_count()``. 1 evaluates in this process.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:port``); when given,
        points run there and ``workers`` is ignored.
    fresh : bool, default=False
        Delete the results database before starting.
    retry_failed : bool, default=False
        Compute again the points stored as failed.
    progress : bool, optional
        Show a tqdm bar on stderr; default :func:`progress_wanted`.
    outputs : bool, default=True
        Write ``results.csv``, the plots and ``report.md`` afterwards.
    wait : bool, default=False
        When another run holds the directory (:mod:`cosim.studies.lock`),
        wait for it instead of refusing.
    group : bool, default=True
        With the default ``evaluate``, run the points that can train in one
        pass together (see the module docstring); stored results are the same.

    Returns
    -------
    RunSummary

    Raises
    ------
    CosimInputError
        A stage is not available, the scheduler cannot be used, the directory
        holds something that is not a results database, holds another
        scenario's results (without ``fresh``), or is in use by another run
        (without ``wait``).
    """
    start = time.perf_counter()
    prepare: Prepare | None = None
    key: Callable[[dict[str, Any]], Any] = lambda config: None  # noqa: E731
    cost = None
    if evaluate is None:
        evaluate = _default_evaluate(scenario)
        if group:
            from cosim.studies.evaluate import group_cost, group_key, shared_training

            prepare, key, cost = shared_training, group_key, group_cost
    workers = (os.cpu_count() or 1) if workers is None else workers
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers: must be an integer >= 1, got {workers!r}")
    if workers > 1 or scheduler is not None:
        _check_picklable(evaluate)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise CosimInputError(str(out), "exists and is not a directory")
    client = _dask_client(scheduler) if scheduler is not None else None
    tasks = scenario_tasks(scenario)
    out.mkdir(parents=True, exist_ok=True)
    n_computed = 0
    try:
        # One writer per directory: a second run refuses (or waits) before it
        # deletes, computes or writes anything.
        with DirectoryLock(out, wait=wait):
            if fresh:
                remove_database(out)
            with ResultStore(out / DB_NAME) as store:
                _check_owner(store, scenario, out)
                store.set_meta("scenario", scenario.to_dict())
                done = store.statuses()
                todo = [t for t in tasks
                        if t[0] not in done or (retry_failed and done[t[0]] == "failed")]
                groups = group_tasks(todo, key, workers=workers, cost=cost)
                results = _backend(groups, evaluate, prepare, workers=workers, client=client)
                for result in _with_progress(results, len(todo), scenario.name, progress):
                    store.record(result)
                    n_computed += 1
                statuses = store.statuses()
                rows = store.rows([t[0] for t in tasks]) if outputs else []
            written: tuple[Path, ...] = ()
            if outputs:
                from cosim.studies.report import write_outputs  # matplotlib is heavy

                written = write_outputs(scenario, rows, out)
    finally:
        if client is not None:
            client.close()
    ids = {t[0] for t in tasks}
    return RunSummary(
        out_dir=out,
        n_points=len(tasks),
        n_computed=n_computed,
        n_ok=sum(1 for p, s in statuses.items() if p in ids and s == "ok"),
        n_failed=sum(1 for p, s in statuses.items() if p in ids and s == "failed"),
        seconds=time.perf_counter() - start,
        outputs=written,
    )


def _check_owner(store: ResultStore, scenario: Scenario, out: Path) -> None:
    """Refuse to mix two studies in one directory; the same name may grow its axes."""
    previous = store.get_meta("scenario")
    name = previous.get("name") if isinstance(previous, dict) else None
    if name is not None and name != scenario.name:
        raise CosimInputError("--out", f"{str(out)!r} holds the results of scenario {name!r}, "
                              f"not {scenario.name!r}; use another directory, or pass --fresh "
                              "to delete them")


def _backend(groups: list[Group], evaluate: Evaluate, prepare: Prepare | None, *, workers: int,
             client: Any) -> Iterator[PointResult]:
    if client is not None:
        return execute.run_dask(groups, evaluate, client=client, prepare=prepare)
    if workers == 1 or len(groups) <= 1:
        return execute.run_inline(groups, evaluate, prepare)
    return execute.run_pool(groups, evaluate, workers=min(workers, len(groups)), prepare=prepare)


def _with_progress(results: Iterator[PointResult], total: int, name: str,
                   progress: bool | None) -> Iterator[PointResult]:
    show = progress_wanted() if progress is None else progress
    if not show or total == 0:
        yield from results
        return
    from tqdm import tqdm

    with tqdm(total=total, desc=name, unit="pt", file=sys.stderr, mininterval=0.5,
              dynamic_ncols=True) as bar:
        for result in results:
            bar.update(1)
            if result.status == "failed":
                bar.set_postfix_str("some points failed", refresh=False)
            yield result


def _check_picklable(evaluate: Callable[..., Any]) -> None:
    try:
        pickle.dumps(evaluate)
    except Exception as exc:  # noqa: BLE001 - pickling raises many types
        raise ValueError(f"evaluate: must be a picklable module-level function to run in "
                         f"other processes, got {evaluate!r} ({exc})") from None


def _dask_client(address: str) -> Any:
    try:
        return execute.connect_dask(address)
    except ImportError:
        raise CosimInputError("--scheduler", "needs dask[distributed]; install it with "
                              "pip install 'cosim[dask]'") from None
    except (OSError, ValueError, TypeError) as exc:
        raise CosimInputError("--scheduler", f"cannot reach a Dask scheduler at {address!r} "
                              f"({exc})") from None
