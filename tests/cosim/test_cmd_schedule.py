"""``cosim schedule`` end to end, through a subprocess."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cosim.test_cli import assert_usage_error, run_cli, run_json


def _schedule(*args: str) -> dict:
    return run_json("schedule", *args)


def test_one_channel_is_slower_than_one_per_qubit() -> None:
    one = _schedule("--qubits", "4", "--channels", "1", "--arch", "compact")
    four = _schedule("--qubits", "4", "--channels", "4", "--arch", "compact")
    for out in (one, four):
        assert set(out) >= {"duration_s", "utilization", "underflows", "idle_s"}
        assert len(out["idle_s"]) == 4 and out["underflows"] == 0
        assert 0 < out["utilization"] <= 1
    assert one["duration_s"] > four["duration_s"]
    # One channel plays the same pulses in less channel-time overall: higher utilization.
    assert one["utilization"] > four["utilization"]
    assert one["n_pulses"] == four["n_pulses"] == 4 + 2 * 4


def test_fifo_depth_against_sample_rate() -> None:
    shallow = _schedule("--arch", "expressive", "--sample-rate", "8e9", "--fifo-depth", "16")
    deep = _schedule("--arch", "expressive", "--sample-rate", "8e9", "--fifo-depth", "64")
    assert shallow["underflows"] > 0 and shallow["stall_s"] > 0
    assert deep["underflows"] == 0


def test_same_seed_same_schedule() -> None:
    a = _schedule("--qubits", "3", "--channels", "2", "--seed", "5")
    b = _schedule("--qubits", "3", "--channels", "2", "--seed", "5")
    assert a == b


def test_plot_and_text_output(tmp_path: Path) -> None:
    png = tmp_path / "schedule.png"
    proc = run_cli("schedule", "--qubits", "3", "--channels", "1", "--arch", "expressive",
                   "--plot", str(png))
    assert proc.returncode == 0, proc.stderr
    assert "utilization" in proc.stdout and "underflows" in proc.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--qubits", "4", "--channels", "5"], "--channels"),
        (["--qubits", "0"], "--qubits"),
        (["--fifo-depth", "0"], "--fifo-depth"),
        (["--arch", "deep"], "--arch"),
        (["--sample-rate", "-1e9"], "--sample-rate"),
        (["--gate-1q", "1e-12"], "--gate-1q"),
        (["--issue-latency", "-1e-9"], "--issue-latency"),
    ],
    ids=["channels>qubits", "qubits", "fifo-depth", "arch", "sample-rate", "gate-1q",
         "latency-negative"],
)
def test_bad_input_is_one_error_line(args: list[str], needle: str) -> None:
    assert_usage_error(run_cli("schedule", *args), needle)


def test_simulate_adds_fast_path_and_qutip_expectations() -> None:
    out = _schedule("--channels", "2", "--t1", "20e-6", "--t2", "10e-6", "--simulate",
                    "--fifo-depth", "2", "--refill-rate", "1e8")
    assert out["underflows"] > 0
    assert len(out["expectation_z"]) == len(out["expectation_z_qutip"]) == 4
    assert out["max_abs_diff"] < 1e-6


@pytest.mark.parametrize("args, flag", [
    (("--t1", "1e-6", "--t2", "5e-6"), "--t2"),
    (("--t1", "0",), "--t1"),
    (("--simulate", "--qubits", "8"), "--qubits"),
])
def test_simulate_bad_input(args: tuple[str, ...], flag: str) -> None:
    assert_usage_error(run_cli("schedule", *args), flag)
