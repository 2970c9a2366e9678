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

import itertools
import os
import pickle
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cosim.errors import CosimInputError, CosimRunError
from cosim.studies import execute
from cosim.studies.data_identity import with_data_digest
from cosim.studies.execute import Evaluate, Group, Prepare, Task
from cosim.studies.lock import DirectoryLock
from cosim.studies.points import point_id
from cosim.studies.scenario import Scenario
from cosim.studies.store import DB_NAME, PointResult, ResultStore, remove_database, sqlite_problem


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


CHUNK_POINTS = 2048
"""Points created, looked up in the store and grouped at a time: a study of a
million points never holds more than about this many configs (some 9 MB)."""


def iter_tasks(scenario: Scenario) -> Iterator[Task]:
    """``(point_id, config)`` of every point of ``scenario``, in scenario order, lazily.

    A point that reads a data set carries its content digest
    (:mod:`cosim.studies.data_identity`), so its id names the data too.
    """
    for config in scenario.points():
        with_data_digest(config)
        yield point_id(config), config


def scenario_tasks(scenario: Scenario) -> list[Task]:
    """Every task of :func:`iter_tasks`, as a list."""
    return list(iter_tasks(scenario))


def _chunks(scenario: Scenario) -> Iterator[list[Task]]:
    tasks = iter_tasks(scenario)
    while chunk := list(itertools.islice(tasks, CHUNK_POINTS)):
        yield chunk


def _todo(scenario: Scenario, store: ResultStore, retry_failed: bool) -> Iterator[Task]:
    """The tasks the store lacks (or holds as failed, with ``retry_failed``), chunk by chunk."""
    for chunk in _chunks(scenario):
        done = store.statuses([pid for pid, _ in chunk])
        for task in chunk:
            status = done.get(task[0])
            if status is None or (retry_failed and status == "failed"):
                yield task


def _todo_groups(scenario: Scenario, store: ResultStore, retry_failed: bool,
                 key: Callable[[dict[str, Any]], Any], workers: int,
                 cost: Callable[[dict[str, Any]], float] | None) -> Iterator[Group]:
    """The groups of :func:`group_tasks`, formed chunk by chunk of the points to compute."""
    todo = _todo(scenario, store, retry_failed)
    while chunk := list(itertools.islice(todo, CHUNK_POINTS)):
        yield from group_tasks(chunk, key, workers=workers, cost=cost)


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
    if outputs and out.is_dir():
        from cosim.studies.report import check_output_files  # matplotlib is heavy

        check_output_files(out)
    next(iter_tasks(scenario))  # the data sets load, or their error stops the run here
    client = _dask_client(scheduler) if scheduler is not None else None
    out.mkdir(parents=True, exist_ok=True)
    n_computed = 0
    db = out / DB_NAME
    try:
        # One writer per directory: a second run refuses (or waits) before it
        # deletes, computes or writes anything.
        with DirectoryLock(out, wait=wait):
            if fresh:
                remove_database(out)
            with ResultStore(db) as store:
                store.check_integrity()
                _check_owner(store, scenario, out)
                store.set_meta("scenario", scenario.to_dict())
                show = progress_wanted() if progress is None else progress
                total = sum(1 for _ in _todo(scenario, store, retry_failed)) if show else 0
                groups = _todo_groups(scenario, store, retry_failed, key, workers, cost)
                results = _backend(groups, evaluate, prepare, workers=workers, client=client)
                for result in _with_progress(results, total, scenario.name, show):
                    store.record(result)
                    n_computed += 1
                counts, rows = _stored(scenario, store, outputs)
            written: tuple[Path, ...] = ()
            if outputs:
                from cosim.studies.report import write_outputs  # matplotlib is heavy

                written = write_outputs(scenario, rows, out)
    except sqlite3.Error as exc:
        raise sqlite_problem(db, exc) from None
    except execute.DaskLost as exc:
        raise CosimRunError("--scheduler", f"{exc}; {n_computed} points were computed and "
                            "stored, the others stay unfinished: rerun the same command to "
                            "finish them") from None
    finally:
        if client is not None:
            _close(client)
    return RunSummary(
        out_dir=out,
        n_points=scenario.n_points,
        n_computed=n_computed,
        n_ok=counts["ok"],
        n_failed=counts["failed"],
        seconds=time.perf_counter() - start,
        outputs=written,
    )


def _stored(scenario: Scenario, store: ResultStore, rows_wanted: bool
            ) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """How many of the scenario's points are stored ok and failed, and (if wanted) their rows."""
    counts = {"ok": 0, "failed": 0}
    rows: list[dict[str, Any]] = []
    for chunk in _chunks(scenario):
        ids = [pid for pid, _ in chunk]
        for status in store.statuses(ids).values():
            counts[status] += 1
        if rows_wanted:
            rows.extend(store.rows(ids))
    return counts, rows


def _check_owner(store: ResultStore, scenario: Scenario, out: Path) -> None:
    """Refuse to mix two studies in one directory; the same name may grow its axes."""
    try:
        previous = store.get_meta("scenario")
    except ValueError:  # not JSON: written by something else
        raise CosimInputError(str(store.path), "is not a cosim results database (its meta "
                              "table does not hold JSON)") from None
    name = previous.get("name") if isinstance(previous, dict) else None
    if name is not None and name != scenario.name:
        raise CosimInputError("--out", f"{str(out)!r} holds the results of scenario {name!r}, "
                              f"not {scenario.name!r}; use another directory, or pass --fresh "
                              "to delete them")


def _backend(groups: Iterator[Group], evaluate: Evaluate, prepare: Prepare | None, *,
             workers: int, client: Any) -> Iterator[PointResult]:
    if client is not None:
        return execute.run_dask(groups, evaluate, client=client, prepare=prepare)
    # A look at the first few groups: no pool of 8 processes for 2 groups.
    head = list(itertools.islice(groups, workers))
    rest = itertools.chain(head, groups)
    if workers == 1 or len(head) <= 1:
        return execute.run_inline(rest, evaluate, prepare)
    return execute.run_pool(rest, evaluate, workers=len(head), prepare=prepare)


def _with_progress(results: Iterator[PointResult], total: int, name: str,
                   show: bool) -> Iterator[PointResult]:
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


def _close(client: Any) -> None:
    """Close a Dask client; one whose scheduler is gone is closed without waiting for it."""
    try:
        client.close(timeout=2)
    except Exception:  # noqa: BLE001 - the scheduler may be gone; nothing is left to do
        pass


def _dask_client(address: str) -> Any:
    try:
        return execute.connect_dask(address)
    except ImportError:
        raise CosimInputError("--scheduler", "needs dask[distributed]; install it with "
                              "pip install 'cosim[dask]'") from None
    except (OSError, ValueError, TypeError) as exc:
        raise CosimInputError("--scheduler", f"cannot reach a Dask scheduler at {address!r} "
                              f"({exc})") from None
