"""Grouped study runs (one training pass per group) store exactly the ungrouped results."""

from __future__ import annotations

from pathlib import Path

import pytest

from cosim.studies import qnn_stages
from cosim.studies.evaluate import evaluate, group_key, shared_training
from cosim.studies.runner import group_tasks, run_study, scenario_tasks
from cosim.studies.scenario import parse_scenario
from cosim.studies.store import DB_NAME, ResultStore

SCENARIO = parse_scenario({
    "dac": {"bits": [2, 5], "mismatch_sigma": [0.0, 0.02], "seeds": 0},
    "workload": {"dataset": "iris", "arch": "compact", "epochs": 3, "seeds": [0, 1],
                 "quantizer": ["none", "deterministic", "stochastic", "ste"],
                 "eval_bits": [3]},
    "study": {"stages": ["cost", "train", "ptq", "hardware"]},
})


def _metrics(out: Path) -> dict[str, dict]:
    with ResultStore(out / DB_NAME) as store:
        rows = store.rows()
    drop = {"started_at", "seconds"}  # timings differ between runs by nature
    return {r["point_id"]: {k: v for k, v in r.items() if k not in drop} for r in rows}


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    qnn_stages.clear_caches()


def test_grouped_run_stores_the_ungrouped_metrics(tmp_path: Path) -> None:
    alone = run_study(SCENARIO, tmp_path / "alone", workers=1, group=False, outputs=False)
    qnn_stages.clear_caches()
    grouped = run_study(SCENARIO, tmp_path / "grouped", workers=1, outputs=False)
    assert alone.n_ok == grouped.n_ok == alone.n_points == 32
    assert _metrics(tmp_path / "grouped") == _metrics(tmp_path / "alone")


def test_points_group_by_task_seed_and_optimisation() -> None:
    tasks = scenario_tasks(SCENARIO)
    groups = group_tasks(tasks, group_key)
    # Two training seeds; bits, chips and quantizers share a pass.
    assert sorted(len(g) for g in groups) == [16, 16]
    assert all(len({c["workload"]["seeds"] for _, c in g}) == 1 for g in groups)
    assert sorted(len(g) for g in group_tasks(tasks, group_key, max_size=5)) == [4] * 8
    # More workers than groups: the groups split so that every worker has one.
    assert len(group_tasks(tasks, group_key, workers=4)) == 4
    assert len(group_tasks(tasks, lambda c: None)) == 32
    # With a cost, the costliest group comes first.
    first = group_tasks(tasks, group_key, cost=lambda c: c["workload"]["seeds"])[0]
    assert {c["workload"]["seeds"] for _, c in first} == {1}


def test_a_failing_pass_leaves_each_point_its_own_outcome() -> None:
    configs = [c for _, c in scenario_tasks(SCENARIO)][:4]
    broken = {**configs[1], "workload": {**configs[1]["workload"], "lr": -1.0}}
    with shared_training([configs[0], broken]):
        ok = evaluate(configs[0])
        with pytest.raises(ValueError, match="lr"):
            evaluate(broken)
    qnn_stages.clear_caches()
    assert evaluate(configs[0]) == ok
