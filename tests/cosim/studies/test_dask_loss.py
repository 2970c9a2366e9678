"""Dask trouble: a lost scheduler leaves points unfinished (not failed), a wrong address fails fast.

The scheduler and its worker run in a subprocess (a threaded LocalCluster on
127.0.0.1), so the test can kill it with SIGKILL half-way through a study.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cosim.errors import EXIT_FAILURE, CosimInputError, CosimRunError
from cosim.studies.runner import run_study
from cosim.studies.scenario import parse_scenario
from cosim.studies.store import DB_NAME, ResultStore
from tests.cosim.studies import _fakes
from tests.cosim.studies.test_runner import metrics_by_id

distributed = pytest.importorskip("distributed")

SCENARIO = parse_scenario(_fakes.scenario_data())
CLUSTER = """
import time
from distributed import LocalCluster
cluster = LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp://",
                       host="127.0.0.1", dashboard_address=None)
print(cluster.scheduler_address, flush=True)
while True:
    time.sleep(1)
"""


def _cluster() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-c", CLUSTER], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def _stored(out: Path) -> dict[str, str]:
    with ResultStore(out / DB_NAME) as store:
        return store.statuses()


def test_a_killed_scheduler_leaves_points_unfinished_and_a_plain_resume_finishes_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proc, address = _cluster()
    try:
        killed = {"done": False}

        def record_then_kill(results):  # kill the cluster once 3 points are stored
            for n, result in enumerate(results, 1):
                yield result
                if n == 3 and not killed["done"]:
                    proc.kill()
                    killed["done"] = True

        from cosim.studies import runner

        original = runner._with_progress
        monkeypatch.setattr(runner, "_with_progress",
                            lambda results, *a: record_then_kill(original(results, *a)))
        started = time.monotonic()
        with pytest.raises(CosimRunError, match="--scheduler: lost") as info:
            run_study(SCENARIO, tmp_path, evaluate=_fakes.slow_evaluate, scheduler=address,
                      outputs=False)
        assert time.monotonic() - started < 20
    finally:
        proc.kill()
        proc.wait()
    assert info.value.status == EXIT_FAILURE
    assert "rerun the same command" in str(info.value)
    partial = _stored(tmp_path)
    assert 3 <= len(partial) < SCENARIO.n_points
    assert set(partial.values()) == {"ok"}  # nothing stored as failed
    summary = run_study(SCENARIO, tmp_path, evaluate=_fakes.fake_evaluate, workers=1,
                        outputs=False)
    assert summary.n_computed == SCENARIO.n_points - len(partial)
    assert summary.n_ok == SCENARIO.n_points
    run_study(SCENARIO, tmp_path / "whole", evaluate=_fakes.fake_evaluate, workers=1,
              outputs=False)
    assert metrics_by_id(tmp_path) == metrics_by_id(tmp_path / "whole")


@pytest.mark.parametrize("service", ["silent", "talks"])
def test_a_scheduler_address_that_is_not_dask_fails_within_seconds(
        tmp_path: Path, service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from cosim.studies import execute

    monkeypatch.setattr(execute, "DASK_CONNECT_TIMEOUT_S", 1.0)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        port = server.getsockname()[1]
        if service == "talks":  # answer like an HTTP server and hang up
            import threading

            def answer() -> None:
                conn, _ = server.accept()
                with conn:
                    conn.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\n")

            threading.Thread(target=answer, daemon=True).start()
        started = time.monotonic()
        with pytest.raises(CosimInputError, match="--scheduler: cannot reach a Dask"):
            run_study(SCENARIO, tmp_path, evaluate=_fakes.fake_evaluate,
                      scheduler=f"tcp://127.0.0.1:{port}", outputs=False)
        assert time.monotonic() - started < 3
    assert not (tmp_path / DB_NAME).exists()
