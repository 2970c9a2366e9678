"""Scoring over seeds, the fewest-bits answer, and the files a run leaves behind."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cosim.studies import scoring
from cosim.studies.docs import render_markdown
from cosim.studies.runner import run_study
from cosim.studies.scenario import parse_scenario
from tests.cosim.studies import _fakes

ROOT = Path(__file__).resolve().parents[3]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _row(bits: int, seed: int, acc: float, **metrics: float) -> dict:
    config = {"dac": {"bits": bits, "seeds": 0, "unary_msbs": 0}, "stack": {"fridge": "f"},
              "workload": {"seeds": seed, "dataset": "iris", "arch": "compact",
                           "quantizer": "stochastic"}}
    return {"point_id": f"{bits}-{seed}", "status": "ok", "config": config, "seconds": 1.0,
            "train_accuracy": acc, **metrics}


def test_designs_summarise_over_seeds() -> None:
    rows = [_row(4, 0, 0.80), _row(4, 1, 0.90), _row(4, 2, 0.85), _row(6, 0, 0.95)]
    rows.append({**_row(6, 1, 0.0), "status": "failed"})  # failures do not count
    by_bits = {d.bits: d.metrics["train_accuracy"] for d in scoring.designs(rows)}
    assert by_bits[4].mean == pytest.approx(0.85) and by_bits[4].n == 3
    assert by_bits[4].std == pytest.approx(0.05)
    assert by_bits[6] == scoring.Stat(0.95, None, 1)


def test_fewest_bits_meets_absolute_and_relative_targets() -> None:
    rows = [_row(b, s, a) for b, a in ((2, 0.5), (4, 0.86), (6, 0.89), (8, 0.9))
            for s in (0, 1)]
    found = scoring.designs(rows)
    absolute = {"study.accuracy_target": 0.88, "study.target": "absolute"}
    (answer,) = scoring.fewest_bits(found, absolute, {})
    assert (answer.design.bits, answer.threshold) == (6, 0.88)
    relative = {"study.accuracy_target": 0.95, "study.target": "relative"}
    ref = {("iris", "compact"): scoring.Stat(0.9, None, 1)}
    (answer,) = scoring.fewest_bits(found, relative, ref)
    assert answer.design.bits == 4 and answer.threshold == pytest.approx(0.855)
    assert scoring.fewest_bits(found, relative, {}) == []
    strict = {"study.accuracy_target": 0.95, "study.target": "absolute"}
    (answer,) = scoring.fewest_bits(found, strict, {})
    assert not answer.met and answer.design.bits == 8  # the best it has


def test_float_training_counts_only_through_ptq() -> None:
    # A float-trained design's own accuracy is not what its DAC delivers.
    rows = [_row(4, 0, 0.95, power_per_qubit_w=1e-3), _row(6, 0, 0.90, power_per_qubit_w=2e-3)]
    rows[0]["config"]["workload"]["quantizer"] = "none"
    ranked = scoring.pareto_designs(scoring.designs(rows))
    assert [(r.design.bits, r.rank) for r in ranked] == [(6, 0)]
    rows[0]["ptq_accuracy"] = 0.5
    ranked = scoring.pareto_designs(scoring.designs(rows))
    assert {(r.design.bits, r.accuracy, r.rank) for r in ranked} == {(4, 0.5, 0), (6, 0.9, 0)}


def test_a_run_writes_csv_plots_and_a_report_from_its_numbers(tmp_path: Path) -> None:
    scenario = parse_scenario(_fakes.scenario_data())
    summary = run_study(scenario, tmp_path, evaluate=_fakes.fake_evaluate, workers=1)
    names = {p.name for p in summary.outputs}
    assert names == {"results.csv", "designs.csv", "pareto.png", "elbow.png", "deadlock.png",
                     "report.md", "results_table.md"}
    for png in ("pareto.png", "elbow.png", "deadlock.png"):
        assert (tmp_path / png).read_bytes()[:8] == PNG_MAGIC
    with (tmp_path / "results.csv").open() as fh:
        table = list(csv.DictReader(fh))
    assert len(table) == scenario.n_points
    assert {"point_id", "status", "dac.bits", "workload.seeds", "train_accuracy"} <= set(table[0])
    report = (tmp_path / "report.md").read_text()
    # fake accuracy = 0.9 (1 - 2**-bits): 4 bits is the first to keep 90 % of 0.9.
    assert "- iris / compact: 4-bit DACs keep 90.0 % of float accuracy" in report
    assert "8 points over the axes dac.bits (4 values), workload.seeds (2 values)" in report
    assert "![Pareto front](pareto.png)" in report
    assert "- iris / compact: 4 of 4 designs" in report  # accuracy and power rise with bits
    assert "iris / compact: PTQ first reaches 81.0 % (float: 90.0 %) at 4 bits." in report


def test_plots_without_data_are_skipped_and_explained(tmp_path: Path) -> None:
    run_study(parse_scenario(_fakes.scenario_data()), tmp_path,
              evaluate=_fakes.fake_evaluate, workers=1)
    assert (tmp_path / "pareto.png").exists()
    # A study of DAC linearity and cost only, into the same directory (another
    # scenario, so --fresh: a directory holds one scenario's results).
    dac_only = parse_scenario({"dac": {"bits": [4, 6]}, "study": {"stages": ["dac", "cost"]}})
    summary = run_study(dac_only, tmp_path, workers=1, fresh=True)
    # Stage cost ran, so the power terms have data; nothing else does.
    assert {p.name for p in summary.outputs} == {"results.csv", "designs.csv", "report.md",
                                                 "power_terms.png"}
    assert (tmp_path / "power_terms.png").read_bytes()[:8] == PNG_MAGIC
    assert not (tmp_path / "pareto.png").exists()  # stale figure removed
    report = (tmp_path / "report.md").read_text()
    assert "![Power terms](power_terms.png)" in report
    # 0.35 mW static + 0.25 mW output + (0.5*30 fF*N + 100 fF + 10 fF*N) * 1 GS/s * 1 V².
    assert ("- cryo_cmos_28nm_bulk / binary: 800 µW per channel at 4 bits, 850 µW at 6 bits, "
            "where the largest term is static.") in report
    with (tmp_path / "results.csv").open() as fh:
        table = list(csv.DictReader(fh))
    terms = ("power_static_w", "power_digital_w", "power_array_w", "power_thermal_w",
             "power_output_w")
    for row in table:
        assert sum(float(row[t]) for t in terms) == pytest.approx(float(row["channel_power_w"]),
                                                                  rel=1e-12)
    assert "No Pareto plot: it needs the power per qubit (stage cost) and an accuracy" in report
    assert "No PTQ elbow: the study did not run stage ptq." in report
    assert "No training plot" in report


def test_committed_scenario_reference_is_generated_from_the_schema() -> None:
    committed = (ROOT / "docs" / "scenarios.md").read_text()
    assert committed == render_markdown(), (
        "docs/scenarios.md is stale: python -m cosim.studies.docs > docs/scenarios.md")
