"""``cosim train``: JSON report, loss plot and the one-line error contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cosim.cli import main

OFFLINE = {**os.environ, "COSIM_OFFLINE": "1"}


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cosim", "train", *args], capture_output=True,
                          text=True, timeout=300, env=OFFLINE)


def test_json_report(tmp_path: Path) -> None:
    plot = tmp_path / "loss.png"
    proc = run_cli("--dataset", "iris", "--arch", "compact", "--bits", "inf", "--quantizer",
                   "none", "--epochs", "4", "--lr", "0.1", "--seed", "3", "--json",
                   "--plot", str(plot))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no progress bar when stderr is not a terminal
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    assert report["dataset"] == "iris" and report["arch"] == "compact"
    assert report["n_params"] == 16 and report["epochs"] == 4 and report["seed"] == 3
    for key in ("train_accuracy", "test_accuracy", "classical_baseline_accuracy"):
        assert 0.0 <= report[key] <= 1.0
    assert len(report["loss_history"]) == 4 and len(report["val_loss_history"]) == 4
    assert report["seconds"] > 0
    assert plot.stat().st_size > 1000 and plot.read_bytes()[:4] == b"\x89PNG"


def test_text_report_names_the_data_source(capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COSIM_OFFLINE", "1")
    assert main(["train", "--dataset", "mnist", "--epochs", "1"]) == 0
    out = capsys.readouterr().out
    assert "mnist (3, 6;" in out and "logistic regression" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--dataset", "cifar"], "--dataset: must be one of"),
        (["--dataset", "iris", "--arch", "deep"], "--arch: must be one of"),
        (["--dataset", "iris", "--epochs", "0"], "--epochs: must be an integer >= 1"),
        (["--dataset", "iris", "--lr", "-0.1"], "--lr: must be > 0"),
        (["--dataset", "iris", "--lr", "nan"], "--lr: must be a finite number"),
        (["--dataset", "iris", "--batch-size", "0"], "--batch-size: must be an integer >= 1"),
        (["--dataset", "iris", "--seed", "-1"], "--seed: must be an integer >= 0"),
        (["--dataset", "iris", "--optimizer", "lbfgs"], "--optimizer: must be one of"),
        (["--dataset", "iris", "--bits", "6"], "--bits: finite resolution 6 arrives with the"),
        (["--dataset", "iris", "--bits", "0"], "--bits: must be an integer 1..16"),
        (["--dataset", "iris", "--bits", "six"], "--bits: must be an integer 1..16 or inf"),
        (["--dataset", "iris", "--quantizer", "ste"], "--quantizer: 'ste' arrives with the"),
        (["--dataset", "mnist", "--classes", "3"], "--classes: must name >= 2"),
        (["--dataset", "mnist", "--classes", "3,x"], "--classes: must be comma-separated"),
        (["--dataset", "iris", "--plot", "/no/such/dir/loss.png"], "--plot: directory"),
        (["--epochs", "3"], "--dataset"),
        (["--dataset", "iris", "--epochs", "many"], "--epochs"),
    ],
)
def test_bad_input_is_one_error_line(args: list[str], needle: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["train", *args])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and needle in err[0], err


def test_unknown_class_label_names_the_argument() -> None:
    proc = run_cli("--dataset", "mnist", "--classes", "3,12", "--epochs", "1")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --classes:"), proc.stderr
    assert "Traceback" not in proc.stderr


def test_progress_bar_only_on_a_terminal(capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import cosim.commands.train as cmd

    monkeypatch.setattr(cmd, "progress_enabled", lambda: True)
    assert main(["train", "--dataset", "iris", "--epochs", "2", "--json"]) == 0
    captured = capsys.readouterr()
    assert "train iris/compact" in captured.err  # the bar is on stderr...
    assert json.loads(captured.out)["epochs"] == 2  # ...and stdout is still one JSON object
