"""The results table and the deadlock phase diagram, on rows whose answer is known."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from cosim.studies import phase, tables
from cosim.studies.runner import run_study
from cosim.studies.scenario import parse_scenario
from tests.cosim.studies import _fakes

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _row(bits: int, seed: int, quantizer: str, lr: float = 0.02, **metrics: float) -> dict:
    config = {"dac": {"bits": bits, "seeds": 0}, "stages": ["train"],
              "workload": {"seeds": seed, "dataset": "iris", "arch": "compact",
                           "quantizer": quantizer, "lr": lr}}
    return {"point_id": f"{bits}-{seed}-{quantizer}-{lr}", "status": "ok", "config": config,
            "seconds": 1.0, **metrics}


def test_table_has_one_row_per_bit_width_and_counts_each_seed_once() -> None:
    rows = []
    for seed, acc in ((0, 0.8), (1, 0.9)):
        for bits in (4, 6):
            rows.append(_row(bits, seed, "none", train_accuracy=acc, ptq_accuracy=acc - 0.1,
                             train_updates_applied_fraction=1.0, train_deadlocked=0))
            rows.append(_row(bits, seed, "deterministic", train_accuracy=0.5,
                             ptq_accuracy=acc - 0.1, train_updates_applied_fraction=0.0,
                             train_deadlocked=1))
    rows.append({**_row(8, 0, "deterministic", train_accuracy=0.0), "status": "failed"})
    scenario = parse_scenario({"name": "t", "dac": {"bits": [4, 6]},
                               "workload": {"quantizer": ["none", "deterministic"]}})
    text = tables.results_table(scenario, rows)
    assert text is not None
    # Float is the same at every width: 2 seeds, not 4 rows.
    assert "Float (quantizer none): 85.0 ± 7.1 % over 2 seeds." in text
    assert "| bits | PTQ (%) | deterministic (%) | deterministic applied | " \
           "deterministic deadlocked |" in text
    assert "| 4 | 75.0 ± 7.1 | 50.0 ± 0.0 | 0.000 ± 0.000 | 2/2 |" in text
    assert "| 6 | 75.0 ± 7.1 |" in text
    assert "| 8 |" not in text  # failed points are left out


def test_sections_are_labelled_by_what_tells_them_apart() -> None:
    """The data digest follows from the data set: it labels no section unless it alone
    separates two (the same data set loaded from other files)."""
    from cosim.studies.scoring import series_labels

    def config(dataset: str, digest: str, lr: float) -> dict:
        return {"workload": {"dataset": dataset, "arch": "compact", "data_digest": digest,
                             "lr": lr}}

    configs = {"a": config("iris", "d1", 0.1), "b": config("mnist", "d2", 0.1),
               "c": config("iris", "d1", 0.2)}
    labels = series_labels(configs, always=("workload.dataset", "workload.arch"))
    assert labels == {"a": "iris / lr=0.1", "b": "mnist / lr=0.1",
                      "c": "iris / lr=0.2"}
    configs["d"] = config("iris", "d3", 0.1)
    labels = series_labels(configs, always=("workload.dataset", "workload.arch"))
    assert labels["a"] == "iris / data_digest=d1 / lr=0.1"
    assert labels["d"] == "iris / data_digest=d3 / lr=0.1"
    assert len(set(labels.values())) == 4


def test_no_table_without_training_or_ptq() -> None:
    scenario = parse_scenario({"name": "t"})
    assert tables.results_table(scenario, [_row(4, 0, "none", power_per_qubit_w=1.0)]) is None


def _phase_rows(shift: float = 1.0) -> list[dict]:
    """Deadlocked exactly below lr = shift * LSB/2."""
    rows = []
    for bits in range(2, 9):
        for lr in (1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0):
            stuck = lr < shift * math.pi / 2.0**bits
            rows.append(_row(bits, 0, "deterministic", lr=lr, train_accuracy=0.9,
                             train_initial_accuracy=0.9 if stuck else 0.5,
                             train_updates_applied_fraction=0.0 if stuck else 0.4,
                             train_deadlocked=int(stuck)))
    return rows


def test_phase_map_finds_the_half_lsb_boundary() -> None:
    (only,) = phase.phase_maps(_phase_rows())
    assert only.bits == tuple(range(2, 9)) and only.lrs[0] == 1e-3
    expected = np.array([[lr < math.pi / 2.0**b for lr in only.lrs] for b in only.bits])
    np.testing.assert_array_equal(only.deadlocked, expected.astype(float))
    np.testing.assert_allclose(only.gain, np.where(expected, 0.0, 0.4))
    edge = phase.boundary(only)
    assert edge.clean and edge.max_deadlocked < 1.0 <= edge.min_training
    assert "The boundary is lr ≈ LSB/2" in phase.boundary_sentence(only)


def test_a_boundary_away_from_half_an_lsb_is_reported_as_such() -> None:
    (only,) = phase.phase_maps(_phase_rows(shift=4.0))
    edge = phase.boundary(only)
    assert edge.max_deadlocked > 1.0 and edge.clean
    # Deadlocked cells that trained elsewhere at a lower lr / (LSB/2) break the rule.
    rows = _phase_rows()
    rows[-1]["train_deadlocked"] = 1  # bits 8, lr 1.0: far above the line
    (broken,) = phase.phase_maps(rows)
    assert not phase.boundary(broken).clean
    assert "not sharp" in phase.boundary_sentence(broken)


@pytest.mark.parametrize("lr", [[0.001, 0.1], 0.01])
def test_report_draws_the_map_only_when_bits_and_lr_are_swept(tmp_path: Path,
                                                              lr: list | float) -> None:
    scenario = parse_scenario({"name": "phase", "dac": {"bits": [2, 6, 10]},
                               "workload": {"quantizer": "deterministic", "lr": lr}})
    summary = run_study(scenario, tmp_path, evaluate=_fakes.phase_evaluate, workers=1)
    names = {p.name for p in summary.outputs}
    report = (tmp_path / "report.md").read_text()
    assert "results_table.md" in names
    if isinstance(lr, list):
        assert "deadlock_map.png" in names
        assert (tmp_path / "deadlock_map.png").read_bytes()[:8] == PNG_MAGIC
        assert "## Deadlock phase diagram" in report and "lr ≈ LSB/2" in report
    else:
        assert "deadlock_map.png" not in names and "Deadlock phase" not in report
