"""Pool and Dask workers run BLAS on one thread (one point per core, no oversubscription)."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest

from cosim.studies import execute

TASKS = [(f"p{i}", {"dac": {"bits": i}}) for i in range(3)]


def blas_threads(config: dict[str, Any] | None = None) -> dict[str, Any]:
    """The largest BLAS thread count in this process, and the OpenBLAS variable."""
    import numpy  # noqa: F401 - loads the BLAS that threadpoolctl inspects
    from threadpoolctl import threadpool_info

    counts = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    return {"blas_threads": max(counts), "openblas_env": os.environ.get("OPENBLAS_NUM_THREADS")}


def _plain_spawn_worker_threads() -> int:
    # The control: a spawned worker without the study's initializer.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(blas_threads).result()["blas_threads"]


@pytest.fixture(scope="module")
def default_threads() -> int:
    n = _plain_spawn_worker_threads()
    if n < 2:
        pytest.skip("BLAS runs on one thread here anyway (one core or a limit in the env)")
    return n


def test_pool_workers_run_blas_on_one_thread(default_threads: int) -> None:
    results = list(execute.run_pool(TASKS, blas_threads, workers=2))
    assert [r.status for r in results] == ["ok"] * len(TASKS)
    assert {r.metrics["blas_threads"] for r in results} == {1}
    assert {r.metrics["openblas_env"] for r in results} == {"1"}


def test_dask_workers_run_blas_on_one_thread_and_get_it_back(default_threads: int) -> None:
    distributed = pytest.importorskip("distributed")
    before = blas_threads()
    # In-process workers: the limit lands in this process, so teardown must undo it.
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster, set_as_default=False) as client:
        results = list(execute.run_dask(TASKS, blas_threads, client=client))
    assert [r.status for r in results] == ["ok"] * len(TASKS)
    assert {r.metrics["blas_threads"] for r in results} == {1}
    assert blas_threads() == before
