"""The runner and the store: backends agree, failures are kept, runs resume after a kill."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

from cosim.errors import CosimInputError
from cosim.studies.execute import WORKER_DIED
from cosim.studies.runner import run_study, scenario_tasks
from cosim.studies.scenario import parse_scenario
from cosim.studies.store import DB_NAME, ResultStore
from tests.cosim.studies import _fakes

ROOT = Path(__file__).resolve().parents[3]
SCENARIO = parse_scenario(_fakes.scenario_data())


def metrics_by_id(out: Path) -> dict[str, dict]:
    with ResultStore(out / DB_NAME) as store:
        rows = store.rows()
    drop = {"started_at", "seconds"}  # timings differ between runs by nature
    return {r["point_id"]: {k: v for k, v in r.items() if k not in drop} for r in rows}


def point_ids(out: Path) -> list[str]:
    with sqlite3.connect(out / DB_NAME) as db:
        return [r[0] for r in db.execute("SELECT point_id FROM results")]


def test_inline_run_stores_every_point_with_typed_columns(tmp_path: Path) -> None:
    summary = run_study(SCENARIO, tmp_path, evaluate=_fakes.fake_evaluate, workers=1,
                        outputs=False)
    assert (summary.n_points, summary.n_computed, summary.n_ok, summary.n_failed) == (8, 8, 8, 0)
    rows = metrics_by_id(tmp_path)
    assert set(rows) == {pid for pid, _ in scenario_tasks(SCENARIO)}
    with sqlite3.connect(tmp_path / DB_NAME) as db:
        types = {r[1]: r[2] for r in db.execute("PRAGMA table_info(results)")}
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert types["train_accuracy"] == "REAL"
    assert types["fridge_max_qubits"] == "INTEGER"
    assert types["label"] == "TEXT"
    assert all(r["maybe"] is None for r in rows.values())


def test_same_scenario_and_seeds_give_identical_metrics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every real stage, run twice from scratch (the gate-set cache too).
    scenario = parse_scenario({
        "dac": {"bits": [3, 4], "mismatch_sigma": 0.02, "seeds": [0, 1]},
        "workload": {"epochs": 2, "quantizer": "stochastic", "eval_bits": [2, 3]},
        "study": {"stages": ["dac", "cost", "gateset", "schedule", "train", "ptq"]},
    })
    for run in ("a", "b"):
        monkeypatch.setenv("COSIM_CACHE_DIR", str(tmp_path / f"cache-{run}"))
        run_study(scenario, tmp_path / run, workers=1, outputs=False)
    a, b = metrics_by_id(tmp_path / "a"), metrics_by_id(tmp_path / "b")
    assert len(a) == 4 and all(r["status"] == "ok" for r in a.values())
    assert a == b
    # Different mismatch draws really differ, so the equality above is not vacuous.
    assert len({r["dac_inl_max_lsb"] for r in a.values()}) == 4


def test_process_pool_matches_inline(tmp_path: Path) -> None:
    run_study(SCENARIO, tmp_path / "inline", evaluate=_fakes.fake_evaluate, workers=1,
              outputs=False)
    run_study(SCENARIO, tmp_path / "pool", evaluate=_fakes.fake_evaluate, workers=2,
              outputs=False)
    assert metrics_by_id(tmp_path / "inline") == metrics_by_id(tmp_path / "pool")


def test_a_failing_point_is_recorded_and_the_study_goes_on(tmp_path: Path) -> None:
    summary = run_study(SCENARIO, tmp_path, evaluate=_fakes.flaky_evaluate, workers=1,
                        outputs=False)
    assert (summary.n_ok, summary.n_failed) == (6, 2)
    failed = [r for r in metrics_by_id(tmp_path).values() if r["status"] == "failed"]
    assert {r["config"]["dac"]["bits"] for r in failed} == {3}
    assert all(r["error"] == "RuntimeError: no 3-bit model" for r in failed)
    # Failed points stay failed on a rerun unless asked...
    again = run_study(SCENARIO, tmp_path, evaluate=_fakes.fake_evaluate, workers=1,
                      outputs=False)
    assert (again.n_computed, again.n_failed) == (0, 2)
    # ...and a retry replaces them in place.
    retry = run_study(SCENARIO, tmp_path, evaluate=_fakes.fake_evaluate, workers=1,
                      retry_failed=True, outputs=False)
    assert (retry.n_computed, retry.n_ok, retry.n_failed) == (2, 8, 0)
    assert len(point_ids(tmp_path)) == 8


def test_bad_metric_names_fail_the_point(tmp_path: Path) -> None:
    summary = run_study(SCENARIO, tmp_path, evaluate=_fakes.bad_metric_evaluate, workers=1,
                        outputs=False)
    assert summary.n_failed == 8
    row = next(iter(metrics_by_id(tmp_path).values()))
    assert "Bad Name" in row["error"]


def test_a_dying_worker_fails_only_its_own_point(tmp_path: Path) -> None:
    scenario = parse_scenario(_fakes.scenario_data(bits=[2, 3, 4], seeds=[0]))
    summary = run_study(scenario, tmp_path, evaluate=_fakes.crashing_evaluate, workers=2,
                        outputs=False)
    rows = metrics_by_id(tmp_path).values()
    assert (summary.n_ok, summary.n_failed) == (2, 1)
    (dead,) = [r for r in rows if r["status"] == "failed"]
    assert dead["config"]["dac"]["bits"] == 3 and dead["error"] == WORKER_DIED


def test_fresh_starts_over(tmp_path: Path) -> None:
    run_study(SCENARIO, tmp_path, evaluate=_fakes.fake_evaluate, workers=1, outputs=False)
    assert run_study(SCENARIO, tmp_path, evaluate=_fakes.fake_evaluate, workers=1,
                     outputs=False).n_computed == 0
    assert run_study(SCENARIO, tmp_path, evaluate=_fakes.fake_evaluate, workers=1,
                     fresh=True, outputs=False).n_computed == 8


def test_unpicklable_evaluate_and_bad_workers_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="picklable"):
        run_study(SCENARIO, tmp_path, evaluate=lambda c: {}, workers=2, outputs=False)
    with pytest.raises(ValueError, match="workers"):
        run_study(SCENARIO, tmp_path, evaluate=_fakes.fake_evaluate, workers=0, outputs=False)
    assert not (tmp_path / DB_NAME).exists()


def test_a_non_database_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / DB_NAME).write_text("not sqlite " * 100)
    with pytest.raises(CosimInputError, match="not a cosim results database"):
        run_study(SCENARIO, tmp_path, evaluate=_fakes.fake_evaluate, workers=1, outputs=False)


_KILLABLE = """
import sys
from cosim.studies.runner import run_study
from cosim.studies.scenario import parse_scenario
from tests.cosim.studies import _fakes
scenario = parse_scenario(_fakes.scenario_data(bits=[1, 2, 3, 4, 5, 6, 7, 8]))
run_study(scenario, sys.argv[1], evaluate=_fakes.slow_evaluate, workers=1, outputs=False)
"""


def test_a_killed_run_resumes_to_the_uninterrupted_result(tmp_path: Path) -> None:
    scenario = parse_scenario(_fakes.scenario_data(bits=[1, 2, 3, 4, 5, 6, 7, 8]))
    killed = tmp_path / "killed"
    _fakes.kill_after([sys.executable, "-c", _KILLABLE, str(killed)],
                      lambda: len(point_ids(killed)) if (killed / DB_NAME).exists() else 0, 3,
                      cwd=ROOT)
    before = point_ids(killed)
    assert 3 <= len(before) < scenario.n_points  # really killed part-way

    resumed = run_study(scenario, killed, evaluate=_fakes.fake_evaluate, workers=1,
                        outputs=False)
    assert resumed.n_computed == scenario.n_points - len(before)
    run_study(scenario, tmp_path / "whole", evaluate=_fakes.fake_evaluate, workers=1,
              outputs=False)
    after = point_ids(killed)
    assert len(after) == len(set(after)) == scenario.n_points
    assert metrics_by_id(killed) == metrics_by_id(tmp_path / "whole")


def test_dask_local_cluster_matches_the_local_pool(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    run_study(SCENARIO, tmp_path / "pool", evaluate=_fakes.fake_evaluate, workers=2,
              outputs=False)
    # Loopback TCP, so the run goes through the same address parsing as a real cluster.
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  protocol="tcp://", host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        summary = run_study(SCENARIO, tmp_path / "dask", evaluate=_fakes.fake_evaluate,
                            scheduler=cluster.scheduler_address, outputs=False)
    assert summary.n_ok == SCENARIO.n_points
    assert metrics_by_id(tmp_path / "dask") == metrics_by_id(tmp_path / "pool")


def test_unreachable_scheduler_is_an_input_error(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(CosimInputError, match="--scheduler"):
        run_study(SCENARIO, tmp_path, evaluate=_fakes.fake_evaluate,
                  scheduler=f"tcp://127.0.0.1:{port}", outputs=False)
    assert not (tmp_path / DB_NAME).exists()


def test_progress_bar_only_when_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_study(SCENARIO, tmp_path / "quiet", evaluate=_fakes.fake_evaluate, workers=1,
              outputs=False)
    assert capsys.readouterr().err == ""  # stderr is not a terminal here
    run_study(SCENARIO, tmp_path / "bar", evaluate=_fakes.fake_evaluate, workers=1,
              progress=True, outputs=False)
    err = capsys.readouterr().err
    assert "fake" in err and "8/8" in err
