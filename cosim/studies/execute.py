"""How points get computed: in-process, on a local process pool, or on Dask.

Each backend takes groups of ``(point_id, config)`` tasks, an ``evaluate``
function and optionally a ``prepare`` context (:func:`evaluate_group`), and
yields a :class:`~cosim.studies.store.PointResult` per task as its group
finishes, in completion order. A group is the unit a worker runs; its points
are still evaluated, and stored, one by one. None of the backends knows what
a point means.
"""

from __future__ import annotations

import datetime as _dt
import logging
import math
import multiprocessing
import os
import queue
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import Any

import numpy as np

from cosim.studies.points import design_id
from cosim.studies.store import Metric, PointResult, check_metric_name

Evaluate = Callable[[dict[str, Any]], Mapping[str, Any]]
Task = tuple[str, dict[str, Any]]
Group = list[Task]
"""Points a worker evaluates together; the backends also take bare tasks (groups of one)."""
Prepare = Callable[[list[dict[str, Any]]], AbstractContextManager[Any]]
WORKER_DIED = "worker process died while evaluating this point (a crash or out of memory)"
BLAS_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                         "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
"""Environment variables that size the thread pools of BLAS and OpenMP libraries."""


def limit_blas_threads() -> Any:
    """Run BLAS and OpenMP on one thread in this process, for good.

    A study runs one point per worker process and as many workers as cores;
    a multi-threaded BLAS in every worker would oversubscribe the cores, and
    the small matrices of a point gain nothing from threads. The variables
    cover libraries loaded later (scipy ships its own OpenBLAS); threadpoolctl
    resizes the ones already loaded.

    Returns
    -------
    threadpoolctl.threadpool_limits
        The limiter; ``restore_original_limits()`` undoes it for the loaded libraries.
    """
    from threadpoolctl import threadpool_limits

    for name in BLAS_THREAD_VARIABLES:
        os.environ[name] = "1"
    return threadpool_limits(limits=1)


def _metric(name: str, value: Any) -> Metric:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        x = float(value)
        return None if math.isnan(x) else x
    raise TypeError(f"metric {name!r} must be a float, int, str or None, "
                    f"got {type(value).__name__}")


def evaluate_point(evaluate: Evaluate, point_id: str, config: dict[str, Any]) -> PointResult:
    """Run ``evaluate(config)`` and wrap its outcome; an exception becomes a failed result.

    Module-level so that process pools and Dask can pickle it.
    """
    started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")
    t0 = time.perf_counter()
    try:
        raw = evaluate(config)
        if not isinstance(raw, Mapping):
            raise TypeError(f"evaluate must return a mapping, got {type(raw).__name__}")
        metrics = {check_metric_name(k): _metric(k, v) for k, v in raw.items()}
        status, error = "ok", None
    except Exception as exc:  # noqa: BLE001 - a failing point must not stop the study
        metrics, status, error = {}, "failed", f"{type(exc).__name__}: {exc}"
    return PointResult(point_id=point_id, design_id=design_id(config), config=config,
                       status=status, error=error, started_at=started,
                       seconds=time.perf_counter() - t0, metrics=metrics)


def evaluate_group(evaluate: Evaluate, prepare: Prepare | None, tasks: Group
                   ) -> list[PointResult]:
    """Evaluate a group of points, inside ``prepare(configs)`` when given and useful.

    ``prepare`` does work the points share (e.g. trains all their models in
    one pass) without changing any point's metrics; each point is then
    evaluated and wrapped on its own (:func:`evaluate_point`), and the
    preparation's wall time is shared among the points' ``seconds``.
    Module-level so that process pools and Dask can pickle it.
    """
    if prepare is None or len(tasks) < 2:
        return [evaluate_point(evaluate, pid, config) for pid, config in tasks]
    t0 = time.perf_counter()
    with prepare([config for _, config in tasks]):
        share = (time.perf_counter() - t0) / len(tasks)
        results = [evaluate_point(evaluate, pid, config) for pid, config in tasks]
    return [replace(r, seconds=r.seconds + share) for r in results]


def _groups(items: Iterable[Task | Group]) -> Iterator[Group]:
    for item in items:
        yield item if isinstance(item, list) else [item]


def failed(task: Task, message: str) -> PointResult:
    """A failed result for a point that never reported back."""
    now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")
    return PointResult(point_id=task[0], design_id=design_id(task[1]), config=task[1],
                       status="failed", error=message, started_at=now, seconds=0.0)


def run_inline(groups: Iterable[Task | Group], evaluate: Evaluate,
               prepare: Prepare | None = None) -> Iterator[PointResult]:
    """Evaluate every group (or task) in this process, one after the other."""
    for group in _groups(groups):
        yield from evaluate_group(evaluate, prepare, group)


# --- local process pool ------------------------------------------------------------------


def die_with_parent(parent_pid: int, *, poll_s: float = 1.0) -> None:
    """End this process when ``parent_pid``, its parent, ends, however it ends.

    Pool workers outlive a parent killed by SIGKILL, SIGTERM or SIGHUP
    unless told otherwise, each holding its memory and the parent's pipes (so
    ``cosim run ... | tee log`` never returns). On Linux the kernel sends
    SIGTERM on the parent's death (``prctl(PR_SET_PDEATHSIG)``); elsewhere a
    daemon thread polls the parent id every ``poll_s`` seconds.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)
    else:  # pragma: no cover - no prctl
        def watch() -> None:
            while os.getppid() == parent_pid:
                time.sleep(poll_s)
            os._exit(1)

        threading.Thread(target=watch, name="cosim-parent-watch", daemon=True).start()
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)


def _init_worker(parent_pid: int) -> None:
    # Ctrl-C is handled once, by the parent, which then stops the workers;
    # otherwise every worker would print its own KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent_pid)
    limit_blas_threads()


def _executor(workers: int) -> ProcessPoolExecutor:
    # spawn: workers start clean, without copies of the parent's threads
    # (tqdm's monitor, sqlite) that fork would duplicate mid-state.
    return ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                               initargs=(os.getpid(),),
                               mp_context=multiprocessing.get_context("spawn"))


def _stop(executor: ProcessPoolExecutor) -> None:
    # Python 3.11 has no public way to stop running tasks; without this an
    # interrupted study would wait for its slowest point before exiting.
    for process in list(getattr(executor, "_processes", {}).values()):
        process.terminate()
    executor.shutdown(wait=True, cancel_futures=True)


def _drain(source: Iterator[Group], evaluate: Evaluate, prepare: Prepare | None, workers: int
           ) -> Iterator[PointResult | list[Task]]:
    """Run groups from ``source`` on one pool; on a crash yield the tasks in flight as a list.

    Groups are drawn from ``source`` only as workers free up, so a study of a
    million points never holds more than ``2 * workers`` groups here.
    """
    executor = _executor(workers)
    inflight: dict[Future[list[PointResult]], Group] = {}
    exhausted = False
    try:
        while inflight or not exhausted:
            # A bounded number in flight keeps memory flat and bounds what a
            # kill can lose.
            while not exhausted and len(inflight) < 2 * workers:
                group = next(source, None)
                if group is None:
                    exhausted = True
                else:
                    inflight[executor.submit(evaluate_group, evaluate, prepare, group)] = group
            if not inflight:
                break
            done, _ = wait(inflight, return_when=FIRST_COMPLETED)
            for future in done:
                group = inflight.pop(future)
                try:
                    yield from future.result()
                except BrokenProcessPool:
                    yield [*group, *(t for g in inflight.values() for t in g)]
                    inflight.clear()
                    return
                except Exception as exc:  # noqa: BLE001 - e.g. a config that cannot pickle
                    for task in group:
                        yield failed(task, f"{type(exc).__name__}: {exc}")
    finally:
        if inflight:
            _stop(executor)
        else:
            executor.shutdown(wait=True)


def run_pool(groups: Iterable[Task | Group], evaluate: Evaluate, *, workers: int,
             prepare: Prepare | None = None) -> Iterator[PointResult]:
    """Evaluate groups of tasks (or tasks) on a pool of ``workers`` local processes, lazily.

    When a worker dies, the points of the groups that were in flight are each
    rerun alone in a fresh single-worker pool, so only the point that kills
    its worker is recorded as failed; then a fresh pool goes on with the rest.
    """
    source = _groups(groups)
    while True:
        suspects: list[Task] = []
        for item in _drain(source, evaluate, prepare, workers):
            if isinstance(item, list):
                suspects = item
            else:
                yield item
        if not suspects:
            return
        for task in suspects:
            outcome = list(_drain(iter([[task]]), evaluate, None, 1))
            yield outcome[0] if isinstance(outcome[0], PointResult) else failed(task, WORKER_DIED)


# --- Dask distributed ----------------------------------------------------------------------


def _probe_dask(host: str, port: int, timeout_s: float) -> None:
    """Raise OSError unless a Dask endpoint answers at ``host:port`` within ``timeout_s``.

    A Dask scheduler speaks first: its handshake starts with two little-endian
    uint64s, the message size and the frame count. distributed.Client itself
    would wait for ever on a service that accepts and stays silent.
    """
    with socket.create_connection((host, port), timeout=timeout_s) as sock:
        header = b""
        deadline = time.monotonic() + timeout_s
        while len(header) < 16:
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            try:
                chunk = sock.recv(16 - len(header))
            except TimeoutError:
                raise OSError(f"no Dask handshake within {timeout_s:g} s (is this the "
                              "scheduler's port?)") from None
            if not chunk:
                raise OSError("the service closed the connection without a Dask handshake")
            header += chunk
    size, frames = struct.unpack("<QQ", header)
    if not (0 < size < 1 << 26 and 0 < frames < 1024):
        raise OSError("the service does not speak the Dask protocol")


DASK_CONNECT_TIMEOUT_S = 5.0
"""How long connecting to a Dask scheduler may take before ``--scheduler`` is refused, s."""


def connect_dask(address: str, *, timeout_s: float | None = None) -> Any:
    """A ``distributed.Client`` for the scheduler at ``address``.

    Raises
    ------
    ImportError
        dask[distributed] is not installed.
    OSError
        The scheduler cannot be reached within ``timeout_s``.
    """
    import distributed  # optional dependency, imported on use

    timeout_s = DASK_CONNECT_TIMEOUT_S if timeout_s is None else timeout_s
    scheme, sep, rest = address.partition("://")
    if not sep:  # distributed reads a bare host:port as TCP
        scheme, rest = "tcp", address
    if scheme in ("tcp", "tls"):
        # Check the form and, for TCP, that something listens: distributed
        # would otherwise retry until its timeout and then warn from a
        # half-built client's destructor.
        host, _, port = rest.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"must look like {scheme}://host:port")
        if scheme == "tcp":
            _probe_dask(host.strip("[]"), int(port), timeout_s)
    # distributed logs connection retries on stderr; the caller reports one line.
    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    try:
        return distributed.Client(address, timeout=timeout_s, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise OSError(str(exc) or type(exc).__name__) from None


class DaskLost(RuntimeError):
    """The Dask scheduler went away, or no worker served the study for too long.

    The points not yet finished stay unfinished: nothing is recorded for them,
    so a plain resume computes them.
    """


NO_WORKER_TIMEOUT_S = 120.0
"""How long a study waits with no Dask worker connected before it gives up, s."""


def run_dask(groups: Iterable[Task | Group], evaluate: Evaluate, *, client: Any,
             prepare: Prepare | None = None, poll_s: float = 1.0,
             no_worker_timeout_s: float = NO_WORKER_TIMEOUT_S) -> Iterator[PointResult]:
    """Evaluate groups of tasks (or tasks) on the Dask cluster behind ``client``, lazily.

    At most two groups per worker thread (and at least 8) are submitted at a
    time. Dask reschedules the points of a lost worker; a point that keeps
    killing workers comes back as ``KilledWorker`` and is recorded as failed.

    Raises
    ------
    DaskLost
        The scheduler connection is lost (Dask cancels every future), or no
        worker was connected for ``no_worker_timeout_s``. Points in flight are
        not yielded.
    """
    import distributed

    from cosim.studies.dask_workers import OneBlasThread

    # Workers started by a nanny already get OMP_NUM_THREADS=1 and friends;
    # the plugin also covers workers without one and BLAS loaded before.
    plugin = OneBlasThread()
    client.register_plugin(plugin)
    source = _groups(groups)
    futures: dict[Any, Group] = {}
    finished = distributed.as_completed(loop=client.loop)
    exhausted = False
    threads, checked, alone_since = 0, -math.inf, None
    try:
        while futures or not exhausted:
            if client.status != "running":  # Dask has cancelled every future by now
                raise DaskLost("lost the connection to the scheduler")
            if time.monotonic() - checked >= poll_s:  # one scheduler call per poll
                checked = time.monotonic()
                try:
                    threads = sum(client.nthreads(callback_timeout=2 * poll_s).values())
                except OSError:  # no answer yet: a lost scheduler shows as cancelled futures
                    pass
                else:
                    alone_since = _check_workers(threads, alone_since, no_worker_timeout_s)
            while not exhausted and len(futures) < max(8, 2 * threads):
                group = next(source, None)
                if group is None:
                    exhausted = True
                    break
                future = client.submit(evaluate_group, evaluate, prepare, group,
                                       key=f"cosim-point-{group[0][0]}", pure=False)
                futures[future] = group
                finished.add(future)
            if not futures:
                break
            try:  # wait at most poll_s, so a silent cluster is noticed
                done = [finished.queue.get(timeout=poll_s), *finished.next_batch(block=False)]
            except queue.Empty:
                continue
            for future in done:
                group = futures.pop(future)
                try:
                    yield from future.result()
                except distributed.KilledWorker as exc:
                    for task in group:
                        yield failed(task, f"KilledWorker: {exc}")
                except Exception as exc:  # noqa: BLE001 - cancelled: the scheduler is gone
                    why = f"{type(exc).__name__}: {exc}".splitlines()[0]
                    raise DaskLost(f"lost the connection to the scheduler ({why})") from None
    except OSError as exc:  # a call to a scheduler that went away
        raise DaskLost(f"lost the connection to the scheduler ({type(exc).__name__}: {exc})"
                       ) from None
    finally:
        if client.status == "running":  # after a loss there is nothing left to cancel
            try:
                client.cancel(list(futures))
                client.unregister_worker_plugin(plugin.name)
            except Exception:  # noqa: BLE001 - the scheduler went away just now
                pass


def _check_workers(threads: int, alone_since: float | None, timeout_s: float) -> float | None:
    """Track how long the cluster has had no worker; raise DaskLost past ``timeout_s``."""
    if threads:
        return None
    now = time.monotonic()
    if alone_since is None:
        return now
    if now - alone_since > timeout_s:
        raise DaskLost(f"no Dask worker was connected for {timeout_s:g} s")
    return alone_since
