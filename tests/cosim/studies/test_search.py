"""Design search: the search: block, budget and sharing, resume after kill -9, outputs."""

from __future__ import annotations

import copy
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cosim.errors import CosimInputError
from cosim.studies import search_spec
from cosim.studies.evaluate import evaluate
from cosim.studies.runner import run_study
from cosim.studies.scenario import parse_scenario
from cosim.studies.search import SEARCH_DB, run_search
from cosim.studies.store import DB_NAME
from tests.cosim.studies import _fakes

ROOT = Path(__file__).resolve().parents[3]


def _stored(out: Path) -> list[str]:
    with sqlite3.connect(out / DB_NAME) as db:
        return [r[0] for r in db.execute("SELECT point_id FROM results")]


def _trials(out: Path) -> list[tuple[int, str, str | None, bool]]:
    """(number, state, design_id, duplicate) of every trial in the search database."""
    with sqlite3.connect(out / SEARCH_DB) as db:
        states = dict(db.execute("SELECT trial_id, state FROM trials"))
        numbers = dict(db.execute("SELECT trial_id, number FROM trials"))
        attrs: dict[int, dict[str, str]] = {}
        for tid, key, value in db.execute("SELECT trial_id, key, value_json FROM "
                                          "trial_user_attributes"):
            attrs.setdefault(tid, {})[key] = value
    return [(numbers[t], states[t], attrs.get(t, {}).get("design_id"),
             "duplicate_of" in attrs.get(t, {})) for t in sorted(states)]


# --- the search: block ---------------------------------------------------------------------


def _bad(change: dict) -> dict:
    data = _fakes.search_data()
    for path, value in change.items():
        node = data["search"]
        *parents, last = path.split("/")
        for p in parents:
            node = node[p]
        node[last] = value
    return data


MALFORMED = {
    "unknown key path": ({"variables/dac.bitz": [4, 6]},
                         r"^search.variables.dac.bitz: unknown key path \(did you mean dac.bits"),
    "empty range": ({"variables/dac.bits": {"lo": 8, "hi": 4}},
                    r"^search.variables.dac.bits: is an empty range"),
    "empty choices": ({"variables/dac.architecture": []},
                      r"^search.variables.dac.architecture: an empty list"),
    "objective no stage produces": (
        {"objectives": [{"metric": "hardware_accuracy", "direction": "maximise"}]},
        r"^search.objectives\[0\].metric: no stage of study.stages \(cost, ptq\) produces"),
    "budget below 1": ({"budget": 0}, r"^search.budget: must be an integer >= 1, got 0"),
    "unknown block key": ({"budgett": 3}, r"^search.budgett: unknown key \(did you mean budget"),
    "seed as a variable": ({"variables/dac.seeds": [0, 1]},
                           r"^search.variables.dac.seeds: is a seed"),
    "value out of range": ({"variables/dac.bits": {"lo": 0, "hi": 4}},
                           r"^search.variables.dac.bits.lo: must be an integer 1..16"),
    "bad direction": ({"objectives": [{"metric": "power_per_qubit_w", "direction": "up"}]},
                      r"^search.objectives\[0\].direction: must be one of maximise"),
    "bad sampler": ({"sampler": "cmaes"}, r"^search.sampler: must be one of nsga2, tpe, random"),
    "constraint without bound": ({"constraints": [{"metric": "power_per_qubit_w"}]},
                                 r"^search.constraints\[0\]: needs min"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_search_blocks_name_the_key_path(case: str) -> None:
    change, message = MALFORMED[case]
    with pytest.raises(CosimInputError, match=message):
        parse_scenario(_bad(change))


def test_chip_aggregates_need_two_chips_and_other_axes_must_be_variables() -> None:
    data = _fakes.search_data()
    data["dac"]["seeds"] = 0
    with pytest.raises(CosimInputError, match=r"^dac.seeds: must give at least 2 chips"):
        parse_scenario(data)
    data = _fakes.search_data()
    data["dac"]["mismatch_sigma"] = [0.01, 0.1]
    with pytest.raises(CosimInputError, match=r"^dac.mismatch_sigma: a search scenario sweeps "
                       "only the seeds"):
        parse_scenario(data)


def test_variable_grids_and_nested_form() -> None:
    data = _fakes.search_data()
    data["search"]["variables"] = {"dac": {"bits": {"lo": 2, "hi": 8, "step": 3}},
                                   "dac.mismatch_sigma": {"lo": 0.1, "hi": 0.5, "step": 0.1}}
    spec = parse_scenario(data).search
    assert [v.grid() for v in spec.variables] == [(2, 5, 8), (0.1, 0.2, 0.3, 0.4, 0.5)]
    assert spec.space_size() == 15
    assert parse_scenario(parse_scenario(data).to_dict()).search == spec  # round trip


def test_the_metric_table_covers_what_the_stages_store() -> None:
    config = next(parse_scenario({"workload": {"epochs": 1, "eval_bits": [3]},
                                  "study": {"stages": ["dac", "cost", "ptq"]}}).points())
    for name, value in evaluate(config).items():
        if isinstance(value, (int, float)):
            assert search_spec.produces(("dac", "cost", "ptq"), name), name


# --- budget, sharing, resume ----------------------------------------------------------------


def test_budget_counts_distinct_designs_whose_points_cosim_run_reuses(tmp_path: Path) -> None:
    scenario = parse_scenario(_fakes.search_data(budget=8))
    summary = run_search(scenario, tmp_path, evaluate=_fakes.fake_evaluate, workers=1,
                         outputs=False)
    ids = [e.design_id for e in summary.evaluations]
    assert len(ids) == len(set(ids)) == 8
    assert summary.n_computed == 16 == len(_stored(tmp_path))  # 2 chips each
    # More trials extend the same search; the first 8 are not evaluated again.
    more = run_search(scenario, tmp_path, evaluate=_fakes.fake_evaluate, workers=1,
                      trials=10, outputs=False)
    assert len(more.evaluations) == 10 and more.n_computed == 4
    # The same space as a grid: cosim run computes only what the search did not.
    grid = copy.deepcopy(_fakes.search_data())
    grid.pop("search")
    grid["dac"].update(bits={"range": [1, 12]}, architecture=["binary", "unary"])
    ran = run_study(parse_scenario(grid), tmp_path, evaluate=_fakes.fake_evaluate, workers=1,
                    outputs=False)
    assert ran.n_computed == 48 - 20


_KILLABLE = """
import sys
from cosim.studies.scenario import parse_scenario
from cosim.studies.search import run_search
from tests.cosim.studies import _fakes
scenario = parse_scenario(_fakes.search_data(budget=12))
run_search(scenario, sys.argv[1], evaluate=_fakes.logged_evaluate, workers=1, outputs=False)
"""


def test_a_search_killed_with_sigkill_resumes_without_losing_or_repeating(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    env = {**os.environ, "COSIM_TEST_SLOW": "1",
           "COSIM_TEST_EVAL_LOG": str(tmp_path / "first.log")}
    _fakes.kill_after([sys.executable, "-c", _KILLABLE, str(out)],
                      lambda: sum(s == "COMPLETE" for _, s, _, _ in _trials(out)), 3,
                      env=env, cwd=ROOT)
    before = set(_stored(out))
    assert 6 <= len(before) < 24  # really killed part-way

    monkeypatch.setenv("COSIM_TEST_EVAL_LOG", str(tmp_path / "second.log"))
    scenario = parse_scenario(_fakes.search_data(budget=12))
    summary = run_search(scenario, out, evaluate=_fakes.logged_evaluate, workers=1,
                         outputs=False)
    again = (tmp_path / "second.log").read_text().split()
    assert not before & set(again)  # no stored point computed twice
    assert len(again) == len(set(again)) == 24 - len(before)  # and none lost
    trials = _trials(out)
    assert all(s != "RUNNING" for _, s, _, _ in trials)
    evaluated = [d for _, s, d, dup in trials if s == "COMPLETE" and not dup]
    assert len(evaluated) == len(set(evaluated)) == 12 == len(summary.evaluations)
    assert len(_stored(out)) == 24


# --- outputs and the command line ----------------------------------------------------------


def _cli(tmp_path: Path, data: dict, *args: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    return subprocess.run([sys.executable, "-m", "cosim", "search", str(path), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


COST_SEARCH = {
    "name": "cost_search",
    "study": {"stages": ["cost"]},
    "search": {
        "variables": {"dac.bits": {"lo": 2, "hi": 9},
                      "stack.technology": ["cryo_cmos_28nm_bulk", "cryo_cmos_22nm_finfet"]},
        "objectives": [{"metric": "dac_enob", "direction": "maximise"}],
        "budget": 6, "sampler": "random", "seed": 1,
    },
}


def test_cli_writes_the_outputs_and_names_the_cheapest_feasible_design(tmp_path: Path) -> None:
    data = copy.deepcopy(COST_SEARCH)
    data["search"]["objectives"] = [
        {"metric": "power_per_qubit_w", "direction": "minimise"},
        {"metric": "fridge_max_qubits", "direction": "maximise"}]
    data["search"]["constraints"] = [{"metric": "fridge_max_qubits", "min": 500}]
    data["search"]["compare_grid"] = True
    out = tmp_path / "out"
    proc = _cli(tmp_path, data, "--out", str(out), "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    assert {"designs.csv", "pareto.png", "search.png", "report.md", DB_NAME,
            SEARCH_DB} <= {p.name for p in out.iterdir()}
    report = (out / "report.md").read_text()
    assert "## Cheapest feasible design" in report
    assert "fridge_max_qubits >= 500: " in report and "(violated)" not in report.split(
        "## Cheapest feasible design")[1].split("##")[0]
    assert "Power per qubit at each cryostat stage" in report
    assert "Fridge capacity: the dr_pt405 fridge holds" in report
    assert "The full grid has 16 designs" in report
    lines = (out / "designs.csv").read_text().splitlines()
    assert len(lines) == 1 + 16  # the grid's designs, the searched ones marked


def test_cli_bad_block_is_one_error_line(tmp_path: Path) -> None:
    proc = _cli(tmp_path, COST_SEARCH, "--out", str(tmp_path / "o"))
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: search.objectives[0].metric: no stage of "
                                  "study.stages (cost) produces 'dac_enob'")
    assert len(proc.stderr.strip().splitlines()) == 1 and not (tmp_path / "o").exists()


def test_an_infeasible_problem_exits_0_and_names_the_closest_design(tmp_path: Path) -> None:
    data = _fakes.search_data(budget=5)
    data["search"]["constraints"] = [{"metric": "power_per_qubit_w", "max": 1e-9}]
    summary = run_search(parse_scenario(data), tmp_path, evaluate=_fakes.fake_evaluate,
                         workers=1)
    assert not any(e.feasible for e in summary.evaluations)
    report = (tmp_path / "report.md").read_text()
    assert "No feasible design: none of the 5 evaluated designs meets every constraint." \
        in report
    closest = min(summary.evaluations, key=lambda e: e.violation)
    assert f"dac.bits = {closest.params['dac.bits']}," in report.split("The closest")[1]
    assert closest.params["dac.bits"] == min(e.params["dac.bits"] for e in
                                             summary.evaluations)  # least power


def test_dask_cluster_evaluates_the_same_designs_as_the_local_run(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    scenario = parse_scenario(_fakes.search_data(budget=4, sampler="random"))
    local = run_search(scenario, tmp_path / "local", evaluate=_fakes.fake_evaluate, workers=1,
                       outputs=False)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  protocol="tcp://", host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        remote = run_search(scenario, tmp_path / "dask", evaluate=_fakes.fake_evaluate,
                            scheduler=cluster.scheduler_address, outputs=False)
    assert [e.values for e in remote.evaluations] == [e.values for e in local.evaluations]


def test_cli_trials_below_1_is_one_error_line(tmp_path: Path) -> None:
    proc = _cli(tmp_path, _fakes.search_data(), "--trials", "0")
    assert proc.returncode == 2 and proc.stderr.startswith("error: --trials: must be an integer")
