"""``cosim gate`` end to end, through a subprocess."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.cosim.test_cli import assert_usage_error, run_cli, run_json


def _gate(*args: str) -> dict:
    return run_json("gate", *args)


def test_pi_pulse_from_ideal_12_bit_dac() -> None:
    out = _gate("--bits", "12", "--theta", str(math.pi))
    assert out["fidelity"] > 0.99999
    assert out["solver"] == "closed-form"
    assert out["leakage"] is None
    assert abs(out["theta_realized"] - math.pi) < 1e-9
    u = out["unitary"]
    assert len(u) == 2 and all(len(row) == 2 and all(len(z) == 2 for z in row) for row in u)
    # RX(pi) = -i X: off-diagonal -i, diagonal 0.
    assert u[0][1] == pytest.approx([0.0, -1.0], abs=1e-12)
    assert u[0][0] == pytest.approx([0.0, 0.0], abs=1e-12)


@pytest.mark.parametrize("theta, bits", [(-2.5, 5), (7.0, 9)])
def test_ideal_dac_realizes_within_half_lsb(theta: float, bits: int) -> None:
    out = _gate("--bits", str(bits), "--theta", str(theta), "--axis", "y")
    err = math.remainder(out["theta_realized"] - theta, 2 * math.pi)
    assert abs(err) <= math.pi / 2**bits + 1e-9
    assert out["theta_target"] == theta and out["axis"] == "y"
    # Same-axis error: 1 - F = 4 sin^2(err / 2) / 6.
    assert 1 - out["fidelity"] == pytest.approx(4 * math.sin(err / 2) ** 2 / 6, abs=1e-12)


def test_three_levels_with_decoherence_use_mesolve_and_report_leakage() -> None:
    closed = _gate("--bits", "8", "--theta", "3.14159", "--levels", "3")
    assert closed["solver"] == "qutip-sesolve" and closed["leakage"] > 0
    noisy = _gate("--bits", "8", "--theta", "3.14159", "--levels", "3",
                  "--t1", "20e-6", "--t2", "30e-6")
    assert noisy["solver"] == "qutip-mesolve"
    assert noisy["fidelity"] < closed["fidelity"]


def test_plot_and_text_output(tmp_path: Path) -> None:
    png = tmp_path / "gate.png"
    proc = run_cli("gate", "--bits", "4", "--theta", "1.0", "--inl-sigma", "0.05",
                   "--envelope", "cosine", "--plot", str(png))
    assert proc.returncode == 0, proc.stderr
    assert "fidelity" in proc.stdout and "closed-form" in proc.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--bits", "0", "--theta", "1"], "--bits"),
        (["--bits", "17", "--theta", "1"], "--bits"),
        (["--bits", "8", "--theta", "nan"], "--theta"),
        (["--bits", "8", "--theta", "1", "--axis", "z"], "--axis"),
        (["--bits", "8", "--theta", "1", "--t1", "-1e-6"], "--t1"),
        (["--bits", "8", "--theta", "1", "--t1", "1e-6", "--t2", "3e-6"], "--t2"),
        (["--bits", "8", "--theta", "1", "--levels", "4"], "--levels"),
        (["--bits", "8", "--theta", "1", "--inl-sigma", "-0.1"], "--mismatch-sigma"),
        (["--bits", "8"], "--theta"),
    ],
    ids=["bits-low", "bits-high", "theta-nan", "axis", "t1-negative", "t2-above-2t1",
         "levels", "inl-negative", "theta-missing"],
)
def test_bad_input_is_one_error_line(args: list[str], needle: str) -> None:
    assert_usage_error(run_cli("gate", *args), needle)


def test_gate_error_is_the_studies_definition() -> None:
    from tests.cosim.test_cli import run_json as _run_json

    out = _run_json("gate", "--bits", "4", "--theta", "1.0", "--t1", "20e-6", "--t2", "10e-6",
                    "--inl-sigma", "0.02")
    # Two levels: 1 - F of the whole process against the requested angle.
    assert out["gate_error"] == pytest.approx(out["infidelity"], rel=1e-6)
    assert sum(out["gate_error_parts"].values()) == pytest.approx(out["gate_error"], rel=1e-9)
    assert out["gate_error_parts"]["quantization"] > out["gate_error_parts"]["decoherence"] > 0
