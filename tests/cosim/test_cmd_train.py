"""``cosim train``: JSON report, diagnostics, PTQ deployment, plot and the error contract."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cosim.cli import main
from tests.cosim.test_cli import assert_usage_error, run_cli

OFFLINE = {**os.environ, "COSIM_OFFLINE": "1"}
QUANTIZED = ("deterministic", "stochastic", "ste")
NEW_KEYS = ("bits", "quantizer", "temperature", "schedule", "encode_bits", "mismatch_sigma",
            "chip_seed", "epoch", "codes", "final_codes", "dac",
            "initial_test_accuracy", "updates_applied_fraction", "displacement_ratio",
            "fraction_below_half_lsb", "deadlocked", "final_temperature", "step_lsb_histogram",
            "codes_changed_per_epoch")


def run_train(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cosim", "train", *args], capture_output=True,
                          text=True, timeout=300, env=env or OFFLINE)


def train_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    """Run ``cosim train ... --json`` in process; stdout must be exactly one JSON object."""
    assert main(["train", *args, "--json"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


@pytest.fixture(autouse=True)
def _private_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COSIM_OFFLINE", "1")
    monkeypatch.setenv("COSIM_CACHE_DIR", str(tmp_path / "cache"))


def test_json_report(tmp_path: Path) -> None:
    plot = tmp_path / "loss.png"
    proc = run_train("--dataset", "iris", "--arch", "compact", "--bits", "inf", "--quantizer",
                     "none", "--epochs", "4", "--lr", "0.1", "--seed", "3", "--json",
                     "--plot", str(plot))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no progress bar when stderr is not a terminal
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    assert report["dataset"] == "iris" and report["arch"] == "compact"
    assert report["n_params"] == 16 and report["epochs"] == 4 and report["seed"] == 3
    assert report["bits"] == "inf" and report["quantizer"] == "none"
    for key in ("train_accuracy", "test_accuracy", "classical_baseline_accuracy",
                "initial_test_accuracy"):
        assert 0.0 <= report[key] <= 1.0
    assert len(report["loss_history"]) == 4 and len(report["val_loss_history"]) == 4
    assert report["seconds"] > 0
    # Float training: every proposed update lands, and there is no LSB to count in.
    assert report["updates_applied_fraction"] == 1.0 and report["deadlocked"] is False
    assert report["final_temperature"] is None and report["step_lsb_histogram"]["counts"] == []
    assert "ptq_test_accuracy" not in report
    assert plot.stat().st_size > 1000 and plot.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("quantizer", QUANTIZED)
def test_json_keys_of_each_quantizer(quantizer: str, capsys: pytest.CaptureFixture[str]) -> None:
    r = train_json(capsys, "--dataset", "iris", "--epochs", "3", "--bits", "5",
                   "--quantizer", quantizer)
    for key in NEW_KEYS:
        assert key in r, key
    assert r["bits"] == 5 and r["quantizer"] == quantizer
    assert 0.0 <= r["updates_applied_fraction"] <= 1.0
    assert isinstance(r["deadlocked"], bool)
    assert len(r["codes_changed_per_epoch"]) == 3
    hist = r["step_lsb_histogram"]
    assert hist["edges"][0] == 0.0 and hist["edges"][-1] == "inf"
    assert len(hist["counts"]) == len(hist["edges"]) - 1
    # Every optimizer step proposes one update per angle with a nonzero step.
    n_steps = 3 * math.ceil(r["n_train"] / r["batch_size"])
    assert 0 < sum(hist["counts"]) <= n_steps * r["n_params"]
    expected_t = r["temperature"] if quantizer == "stochastic" else 0.0
    assert r["final_temperature"] == expected_t


def test_stochastic_schedule_reaches_its_end_temperature(
    capsys: pytest.CaptureFixture[str],
) -> None:
    r = train_json(capsys, "--dataset", "iris", "--epochs", "4", "--bits", "6", "--quantizer",
                   "stochastic", "--temperature", "2", "--schedule", "linear")
    assert r["temperature"] == 2.0 and r["schedule"] == "linear"
    assert r["final_temperature"] == 0.0  # linear anneals to 0 by default


def test_initial_accuracy_is_that_of_the_initial_codes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from qnn.datasets import load_dataset
    from qnn.device import DACConfig
    from qnn.executor import Executor
    from qnn.model import Readout
    from qnn.quantizers import AngleGrid
    from qnn.training import init_theta

    r = train_json(capsys, "--dataset", "iris", "--epochs", "1", "--bits", "3", "--quantizer",
                   "ste", "--inl-sigma", "0.05", "--seed", "4", "--chip-seed", "11")
    data = load_dataset("iris", seed=4)
    theta0 = init_theta("compact", np.random.default_rng(4))  # the training seed's first draw
    chip = AngleGrid(DACConfig(bits=3, mismatch_sigma=0.05, chip_seed=11))
    _, expected = Executor("compact").evaluate(data.X_test, data.y_test, chip.quantize(theta0),
                                               Readout(3))
    assert r["initial_test_accuracy"] == expected


@pytest.mark.parametrize("seed", ["0", "1"])
def test_deterministic_rounding_deadlocks_and_stochastic_does_not(seed: str) -> None:
    # Adam proposes steps of about lr = 0.01 rad, far below LSB/2 = 0.196 rad at 4 bits.
    common = ("--dataset", "iris", "--bits", "4", "--lr", "0.01", "--epochs", "40",
              "--seed", seed, "--json")
    det = run_train(*common, "--quantizer", "deterministic")
    assert det.returncode == 0, det.stderr
    d = json.loads(det.stdout)
    assert d["updates_applied_fraction"] == 0.0 and d["deadlocked"] is True
    assert d["fraction_below_half_lsb"] == 1.0
    assert sum(d["codes_changed_per_epoch"]) == 0
    assert d["test_accuracy"] == d["initial_test_accuracy"]
    assert len(set(d["loss_history"])) == 1  # the model never moved
    sto = run_train(*common, "--quantizer", "stochastic")
    assert sto.returncode == 0, sto.stderr
    s = json.loads(sto.stdout)
    # Unbiased rounding moves a code with probability |step|/LSB (~0.025 here): the steps
    # add up to ~22 LSB over the run (measured on seeds 0..3 at 20 epochs: 9..13 moves), so
    # "no move at all" has probability ~e^-22 whatever the seed.
    assert sum(s["codes_changed_per_epoch"]) > 0 and s["deadlocked"] is False
    assert s["initial_test_accuracy"] == d["initial_test_accuracy"]  # same initial codes


def test_ptq_on_grid_and_compiled_gates(capsys: pytest.CaptureFixture[str],
                                        tmp_path: Path) -> None:
    r = train_json(capsys, "--dataset", "iris", "--epochs", "20", "--eval-bits", "3,5,16",
                   "--eval-gates")
    assert r["ptq_path"] == "grid"
    assert list(r["ptq_test_accuracy"]) == ["3", "5", "16"]
    assert r["ptq_test_accuracy"]["16"] == r["test_accuracy"]
    # An ideal DAC compiles to ideal gates, so the gate path repeats the grid path.
    assert set(r["ptq_gate_test_accuracy"]) == {"3", "5", "16"}
    for b in ("3", "5", "16"):
        assert r["ptq_gate_test_loss"][b] == pytest.approx(r["ptq_test_loss"][b], abs=1e-9)
        assert r["ptq_gate_fidelity_mean"][b] == pytest.approx(1.0, abs=1e-9)
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 3  # COSIM_CACHE_DIR is honoured


def test_ptq_at_the_training_width_reproduces_the_quantized_model(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Re-quantizing the trained codes' realized angles on the same chip gives them back.
    r = train_json(capsys, "--dataset", "iris", "--epochs", "5", "--bits", "5", "--quantizer",
                   "deterministic", "--inl-sigma", "0.02", "--eval-bits", "5,4")
    assert r["ptq_path"] == "dac"
    assert r["ptq_test_accuracy"]["5"] == r["test_accuracy"]
    assert r["ptq_test_loss"]["5"] == pytest.approx(r["test_loss"], abs=1e-12)


def test_quantizer_none_with_bits_trains_in_float(capsys: pytest.CaptureFixture[str]) -> None:
    args = ("--dataset", "iris", "--epochs", "5")
    ref = train_json(capsys, *args)
    r = train_json(capsys, *args, "--bits", "6")
    assert r["bits"] == 6 and r["test_accuracy"] == ref["test_accuracy"]
    assert r["loss_history"] == ref["loss_history"]
    assert sum(r["step_lsb_histogram"]["counts"]) > 0  # the LSB only serves the diagnostics


def test_encoding_dac_changes_what_the_circuit_sees(capsys: pytest.CaptureFixture[str]) -> None:
    args = ("--dataset", "iris", "--epochs", "3")
    ideal = train_json(capsys, *args)
    coarse = train_json(capsys, *args, "--encode-bits", "2")
    assert coarse["encode_bits"] == 2 and ideal["encode_bits"] == "inf"
    assert coarse["loss_history"] != ideal["loss_history"]
    assert coarse["classical_baseline_accuracy"] == ideal["classical_baseline_accuracy"]


def test_quantized_plot_has_three_panels(tmp_path: Path) -> None:
    plot = tmp_path / "q.png"
    assert main(["train", "--dataset", "iris", "--epochs", "3", "--bits", "6", "--quantizer",
                 "stochastic", "--plot", str(plot)]) == 0
    import matplotlib.image

    height, width = matplotlib.image.imread(plot).shape[:2]
    assert width > 2.5 * height  # the loss, codes-changed and histogram panels side by side


def test_text_report_names_the_data_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--dataset", "mnist", "--epochs", "1", "--eval-bits", "4"]) == 0
    out = capsys.readouterr().out
    assert "mnist (3, 6;" in out and "logistic regression" in out
    assert "PTQ (grid) test accuracy: 4b" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--dataset", "cifar"], "--dataset: must be one of"),
        (["--dataset", "iris", "--arch", "deep"], "--arch: must be one of"),
        (["--dataset", "iris", "--epochs", "0"], "--epochs: must be an integer 1..100000"),
        (["--dataset", "iris", "--epochs", "1000000000"],
         "--epochs: must be an integer 1..100000"),
        (["--dataset", "iris", "--lr", "-0.1"], "--lr: must be a finite number > 0"),
        (["--dataset", "iris", "--lr", "nan"], "--lr: must be a finite number"),
        (["--dataset", "iris", "--batch-size", "0"], "--batch-size: must be an integer 1.."),
        (["--dataset", "iris", "--seed", "-1"], "--seed: must be an integer 0.."),
        (["--dataset", "iris", "--chip-seed", "-1"], "--chip-seed: must be an integer 0.."),
        (["--dataset", "iris", "--optimizer", "lbfgs"], "--optimizer: must be one of"),
        (["--dataset", "iris", "--bits", "0"], "--bits: must be an integer 1..16 or inf, got 0"),
        (["--dataset", "iris", "--bits", "17"], "--bits: must be an integer 1..16 or inf, got 17"),
        (["--dataset", "iris", "--bits", "six"],
         "--bits: must be an integer 1..16 or inf, got 'six'"),
        (["--dataset", "iris", "--quantizer", "round"],
         "--quantizer: must be one of none, deterministic, stochastic, ste, got 'round'"),
        (["--dataset", "iris", "--quantizer", "ste"],
         "--bits: must be an integer 1..16 with --quantizer ste, got inf"),
        (["--dataset", "iris", "--temperature", "-0.5"],
         "--temperature: must be a number 0..100, got -0.5"),
        (["--dataset", "iris", "--temperature", "nan"], "--temperature: must be a finite number"),
        (["--dataset", "iris", "--temperature", "hot"], "--temperature"),
        (["--dataset", "iris", "--schedule", "step"],
         "--schedule: must be one of constant, linear, exp, cosine, got 'step'"),
        (["--dataset", "iris", "--schedule", "exp", "--temperature", "0"],
         "--temperature: must be > 0 with schedule exp, got 0"),
        (["--dataset", "iris", "--kernel", "gauss"], "--kernel: must be one of tilt, boltzmann"),
        (["--dataset", "iris", "--select", "first"], "--select: must be one of best_loss"),
        (["--dataset", "iris", "--dac-architecture", "r2r"],
         "--dac-architecture: must be one of binary, unary, segmented"),
        (["--dataset", "iris", "--gain-error", "-1"], "--gain-error: must be a finite number > -1"),
        (["--dataset", "iris", "--noise-rms-rad", "-0.1"], "--noise-rms-rad: must be a finite"),
        (["--dataset", "iris", "--eval-bits", "2,x"],
         "--eval-bits: must be comma-separated distinct integers 1..16, got '2,x'"),
        (["--dataset", "iris", "--eval-bits", "0,4"], "--eval-bits: must be comma-separated"),
        (["--dataset", "iris", "--eval-bits", "4,17"], "--eval-bits: must be comma-separated"),
        (["--dataset", "iris", "--eval-bits", "4,4"], "--eval-bits: must be comma-separated"),
        (["--dataset", "iris", "--eval-bits", ""], "--eval-bits: must be comma-separated"),
        (["--dataset", "iris", "--eval-gates"], "--eval-gates: needs --eval-bits"),
        (["--dataset", "iris", "--encode-bits", "0"],
         "--encode-bits: must be an integer 1..16 or inf, got 0"),
        (["--dataset", "iris", "--inl-sigma", "-0.01"], "--mismatch-sigma: must be a finite"),
        (["--dataset", "iris", "--mismatch-sigma", "2"], "--mismatch-sigma: must be a number 0..1"),
        (["--dataset", "iris", "--t1", "1e-6", "--t2", "3e-6"], "--t2: must be <= 2 * t1_s"),
        (["--dataset", "iris", "--t1=-1e-6"], "--t1: must be a finite number > 0"),
        (["--dataset", "iris", "--gate-2q=-1e-9"], "--gate-2q: must be a finite number > 0"),
        (["--dataset", "iris", "--cnot-error", "1.5"], "--cnot-error: must be a probability"),
        (["--dataset", "iris", "--readout-error", "0.6,0.5"],
         "--readout-error: must have e0 + e1 < 1"),
        (["--dataset", "iris", "--readout-error", "0.1"],
         "--readout-error: must be two comma-separated numbers"),
        (["--dataset", "iris", "--shots", "-5"], "--shots: must be an integer 0.."),
        (["--dataset", "iris", "--shots", "2.5"], "--shots"),
        (["--dataset", "mnist", "--classes", "3"], "--classes: must name >= 2"),
        (["--dataset", "mnist", "--classes", "3,x"], "--classes: must be comma-separated"),
        (["--dataset", "mnist", "--classes", "3,12", "--epochs", "1"], "--classes:"),
        (["--dataset", "iris", "--plot", "/no/such/dir/loss.png"], "--plot: directory"),
        (["--epochs", "3"], "--dataset"),
        (["--dataset", "iris", "--epochs", "many"], "--epochs"),
    ],
)
def test_bad_input_is_one_error_line(args: list[str], needle: str) -> None:
    assert_usage_error(run_cli("train", *args), needle)


def test_progress_bar_only_on_a_terminal(capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import cosim.commands.train as cmd

    monkeypatch.setattr(cmd, "progress_enabled", lambda: True)
    assert main(["train", "--dataset", "iris", "--epochs", "2", "--json"]) == 0
    captured = capsys.readouterr()
    assert "train iris/compact" in captured.err  # the bar is on stderr...
    assert json.loads(captured.out)["epochs"] == 2  # ...and stdout is still one JSON object
