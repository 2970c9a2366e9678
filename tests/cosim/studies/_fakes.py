"""Test-only point functions for the study machinery (module level, so pools can pickle them).

``fake_evaluate`` is a pure, seeded function of the config that writes the
metric names the scoring and report read, with a shape that has a known
answer: accuracy rises with bits towards 0.9, power per qubit rises with bits.
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np

FLOAT_ACCURACY = 0.9


def _rng(config: dict[str, Any]) -> np.random.Generator:
    return np.random.default_rng([config["dac"]["seeds"], config["workload"]["seeds"],
                                  config["dac"]["bits"]])


def fake_evaluate(config: dict[str, Any]) -> dict[str, Any]:
    """Accuracy, power and PTQ metrics with a seeded wobble."""
    bits = config["dac"]["bits"]
    wobble = _rng(config).normal(0.0, 0.002)
    accuracy = FLOAT_ACCURACY * (1 - 2.0 ** -bits) + wobble
    return {
        "train_accuracy": accuracy,
        "ptq_accuracy": accuracy,
        "float_accuracy": FLOAT_ACCURACY,
        **{f"ptq_accuracy_b{b}": FLOAT_ACCURACY * (1 - 2.0 ** -b)
           for b in config["workload"]["eval_bits"]},
        "power_per_qubit_w": 1e-3 * (1 + 0.1 * bits),
        "fridge_max_qubits": int(500 / (1 + 0.1 * bits)),
        "label": f"b{bits}",
        "maybe": None,
    }


def phase_evaluate(config: dict[str, Any]) -> dict[str, Any]:
    """Quantized training that deadlocks exactly when ``lr < pi / 2**bits`` (LSB/2)."""
    stuck = config["workload"]["lr"] < np.pi / 2.0 ** config["dac"]["bits"]
    return {
        "train_accuracy": 0.4 if stuck else 0.9,
        "train_initial_accuracy": 0.4,
        "train_updates_applied_fraction": 0.0 if stuck else 0.5,
        "train_deadlocked": int(stuck),
    }


def slow_evaluate(config: dict[str, Any]) -> dict[str, Any]:
    """``fake_evaluate`` after a pause, so a run can be killed part-way."""
    time.sleep(0.25)
    return fake_evaluate(config)


def flaky_evaluate(config: dict[str, Any]) -> dict[str, Any]:
    """Raises for 3-bit points, like a stage that cannot handle them."""
    if config["dac"]["bits"] == 3:
        raise RuntimeError("no 3-bit model")
    return fake_evaluate(config)


def crashing_evaluate(config: dict[str, Any]) -> dict[str, Any]:
    """Kills its worker process for 3-bit points, like a segfault in native code."""
    if config["dac"]["bits"] == 3:
        os._exit(13)
    return fake_evaluate(config)


def bad_metric_evaluate(config: dict[str, Any]) -> dict[str, Any]:
    """Returns a metric name that cannot be a column."""
    return {"Bad Name": 1.0}


def scenario_data(bits: list[int] | None = None, seeds: list[int] | None = None) -> dict:
    """A small scenario as YAML data: bits x workload seeds."""
    return {
        "name": "fake",
        "dac": {"bits": bits or [1, 2, 3, 4], "architecture": "segmented", "unary_msbs": 2},
        "workload": {"seeds": seeds or [0, 1], "eval_bits": [1, 2, 4, 8]},
        "study": {"stages": ["dac", "cost"], "accuracy_target": 0.9},
    }


def logged_evaluate(config: dict[str, Any]) -> dict[str, Any]:
    """``fake_evaluate`` that appends the point's id to the file in ``COSIM_TEST_EVAL_LOG``.

    With ``COSIM_TEST_SLOW`` set it pauses first, so a search can be killed part-way.
    """
    from cosim.studies.points import point_id

    if os.environ.get("COSIM_TEST_SLOW"):
        time.sleep(0.05)
    metrics = fake_evaluate(config)
    log = os.environ.get("COSIM_TEST_EVAL_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(point_id(config) + "\n")
    return metrics


def search_data(budget: int = 8, **search: Any) -> dict:
    """A search scenario over dac.bits x dac.architecture (24 designs) on 2 chips."""
    return {
        "name": "fake_search",
        "dac": {"seeds": [0, 1], "unary_msbs": 2},
        "workload": {"eval_bits": [4]},
        "study": {"stages": ["cost", "ptq"], "accuracy_target": 0.9},
        "search": {
            "variables": {"dac.bits": {"lo": 1, "hi": 12},
                          "dac.architecture": ["binary", "unary"]},
            "objectives": [{"metric": "ptq_accuracy", "aggregate": "p05",
                            "direction": "maximise"},
                           {"metric": "power_per_qubit_w", "direction": "minimise"}],
            "constraints": [{"metric": "ptq_accuracy", "min": 0.5}],
            "budget": budget, "sampler": "nsga2", "seed": 0, **search,
        },
    }


def kill_after(argv: list[str], landed: Any, at_least: int, *, env: dict[str, str] | None = None,
               cwd: Any = None) -> None:
    """Run ``argv``, SIGKILL it once ``landed()`` counts ``at_least`` stored results.

    ``landed`` may raise ``sqlite3.OperationalError`` while the store is being
    created (counted as 0). The 120 s deadline is a safety net, not a timing assertion.
    """
    import signal
    import sqlite3
    import subprocess

    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        done = 0
        while done < at_least:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "no results landed"
            time.sleep(0.05)
            try:
                done = landed()
            except sqlite3.OperationalError:  # not created yet
                done = 0
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
