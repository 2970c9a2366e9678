"""Accuracy over chips: spread, 5th percentile, yield, designs.csv and the yield section."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from cosim.errors import CosimInputError
from cosim.studies import chips, design_outputs
from cosim.studies.scenario import parse_scenario

ROOT = Path(__file__).resolve().parents[3]
RELATIVE = {"study.accuracy_target": 0.99, "study.target": "relative",
            "study.yield_target": 0.9}


def _row(chip: int, acc: float, *, bits: int = 4, arch: str = "binary", seed: int = 0,
         float_acc: float = 1.0, area: float = 1e-8, power: float = 1e-3) -> dict:
    config = {"dac": {"bits": bits, "architecture": arch, "seeds": chip, "unary_msbs": 0,
                      "mismatch_sigma": 0.1},
              "stack": {"fridge": "f"},
              "workload": {"seeds": seed, "dataset": "iris", "arch": "compact",
                           "quantizer": "none"}}
    return {"point_id": f"{bits}{arch}{chip}{seed}", "status": "ok", "config": config,
            "seconds": 0.1, "ptq_accuracy": acc, "float_accuracy": float_acc,
            "area_per_qubit_m2": area, "power_per_qubit_w": power}


def test_spread_and_yield_over_chips_match_numpy() -> None:
    acc = np.linspace(0.9, 1.0, 20)  # 20 chips
    rows = [_row(c, a) for c, a in enumerate(acc)]
    rows.append({**_row(99, 0.0), "status": "failed"})  # not a draw
    (s,) = chips.summarise(rows, RELATIVE)
    assert (s.n_chips, s.n_seeds, s.n_draws, s.deployed) == (20, 1, 20, "ptq_accuracy")
    mean, std, p05 = s.spread("ptq_accuracy")
    assert mean == pytest.approx(acc.mean())
    assert std == pytest.approx(acc.std(ddof=1))
    assert p05 == pytest.approx(np.percentile(acc, 5))
    # Threshold 0.99 * float 1.0: the chips at >= 0.99 are 0.9947.. and 1.0 -> 2 of 20.
    assert s.yield_fraction == pytest.approx(np.mean(acc >= 0.99 - 1e-12))
    assert s.deployed_at(0.9) == pytest.approx(np.quantile(acc, 0.1))
    assert s.meets(0.9) is False and s.meets(0.05) is True


def test_relative_target_is_read_against_each_draws_own_float_model() -> None:
    # Two training seeds with different float accuracies; each chip judged by its own.
    rows = [_row(0, 0.80, seed=0, float_acc=0.80), _row(1, 0.79, seed=0, float_acc=0.80),
            _row(0, 0.90, seed=1, float_acc=0.95), _row(1, 0.95, seed=1, float_acc=0.95)]
    (s,) = chips.summarise(rows, RELATIVE)
    # Thresholds 0.792 and 0.9405: 0.80 and 0.95 pass, 0.79 and 0.90 do not.
    assert (s.n_chips, s.n_seeds) == (2, 2)
    assert s.yield_fraction == 0.5
    assert chips.aggregate(rows, "ptq_accuracy", "yield", RELATIVE, {}) == 0.5
    absolute = {**RELATIVE, "study.target": "absolute", "study.accuracy_target": 0.85}
    assert chips.aggregate(rows, "ptq_accuracy", "yield", absolute, {}) == 0.5
    assert chips.aggregate(rows, "ptq_accuracy", "min", absolute, {}) == 0.79


def test_fewest_bits_and_smallest_area_at_yield_per_architecture() -> None:
    rows = []
    # binary: 4 bits yields 1/2, 6 bits 2/2, 8 bits 2/2 but 6 bits has more area.
    for bits, accs, area in ((4, (1.0, 0.5), 1e-8), (6, (1.0, 1.0), 3e-8),
                             (8, (1.0, 1.0), 2e-8)):
        rows += [_row(c, a, bits=bits, area=area) for c, a in enumerate(accs)]
    rows += [_row(c, 0.5, bits=4, arch="unary") for c in range(2)]  # never meets it
    answers = {a.label: a for a in chips.yield_answers(chips.summarise(rows, RELATIVE), 0.9)}
    binary, unary = answers["iris / compact / binary"], answers["iris / compact / unary"]
    assert binary.fewest_bits.bits == 6 and binary.smallest_area.bits == 8
    assert unary.fewest_bits is None and unary.best.bits == 4


def test_designs_csv_has_one_row_per_design_with_the_spread_and_flags(tmp_path: Path) -> None:
    rows = [_row(c, a, bits=b, power=1e-3 * b) for b, accs in ((4, (0.9, 0.8)),
                                                               (6, (1.0, 0.99)))
            for c, a in enumerate(accs)]
    summaries = chips.summarise(rows, RELATIVE)
    path = design_outputs.write_designs_csv(design_outputs.design_rows(summaries, RELATIVE),
                                            tmp_path / "designs.csv")
    with path.open() as fh:
        table = {int(r["dac.bits"]): r for r in csv.DictReader(fh)}
    assert set(table) == {4, 6}
    for column in ("accuracy_mean", "accuracy_std", "accuracy_p05", "accuracy_yield",
                   "power_per_qubit_w", "area_per_qubit_m2", "fridge_max_qubits",
                   "on_front", "knee", "n_chips"):
        assert column in table[4]
    assert "dac.seeds" not in table[4]
    assert float(table[6]["accuracy_yield"]) == 1.0 and table[6]["meets_target"] == "1"
    assert float(table[4]["accuracy_mean"]) == pytest.approx(0.85)
    # Both on the front: 6 bits more accurate, 4 bits cheaper.
    assert table[4]["on_front"] == table[6]["on_front"] == "1"


@pytest.mark.parametrize("value", [0, 1, 1.5, -0.1])
def test_yield_target_outside_the_open_interval_is_refused(value: float) -> None:
    with pytest.raises(CosimInputError, match=r"study.yield_target: must be a number > 0 "
                       r"and < 1"):
        parse_scenario({"dac": {"seeds": [0, 1]}, "study": {"yield_target": value}})


def test_a_yield_figure_needs_two_chips() -> None:
    with pytest.raises(CosimInputError, match=r"^dac.seeds: must give at least 2 chips"):
        parse_scenario({"dac": {"seeds": 3}, "study": {"yield_target": 0.95}})
    assert parse_scenario({"dac": {"seeds": [3, 4]}, "study": {"yield_target": 0.95}})


def test_cli_yield_study_end_to_end(tmp_path: Path) -> None:
    scenario = {"name": "y", "dac": {"bits": [4, 6], "architecture": ["binary", "unary"],
                                     "mismatch_sigma": 0.05, "seeds": {"range": [0, 3]}},
                "workload": {"quantizer": "none", "epochs": 3, "eval_bits": [4]},
                "study": {"stages": ["cost", "ptq"], "yield_target": 0.75,
                          "accuracy_target": 0.9}}
    path = tmp_path / "y.yaml"
    path.write_text(yaml.safe_dump(scenario))
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "cosim", "run", str(path), "--out", str(out),
                           "--workers", "1"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    with (out / "designs.csv").open() as fh:
        table = list(csv.DictReader(fh))
    assert len(table) == 4 and {r["n_chips"] for r in table} == {"4"}
    report = (out / "report.md").read_text()
    assert "## Accuracy yield across chips" in report
    assert "iris / compact / binary:" in report and "iris / compact / unary:" in report
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({**scenario, "dac": {"seeds": 0}}))
    proc = subprocess.run([sys.executable, "-m", "cosim", "validate", str(bad)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: dac.seeds: must give at least 2 chips")
    assert len(proc.stderr.strip().splitlines()) == 1
