"""``cosim dac`` end to end through a subprocess."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.cosim.test_cli import assert_usage_error, run_cli, run_json

KEYS = {"bits", "lsb", "levels", "inl_lsb", "dnl_lsb", "inl_max_lsb", "dnl_max_lsb",
        "monotonic", "sqnr_db", "enob", "power_w", "area_mm2"}


def _json(*args: str) -> dict:
    return run_json("dac", *args)


def test_ideal_dac_json() -> None:
    out = _json("--bits", "6")
    assert KEYS <= set(out)
    assert out["bits"] == 6 and out["lsb"] == pytest.approx(1 / 64)
    assert len(out["levels"]) == 64 and len(out["inl_lsb"]) == 64 and len(out["dnl_lsb"]) == 63
    assert out["inl_max_lsb"] == 0.0 and out["dnl_max_lsb"] == 0.0 and out["monotonic"] is True
    assert abs(out["sqnr_db"] - (6.02 * 6 + 1.76)) < 0.5
    assert out["power_w"] > 0 and out["area_mm2"] > 0


def test_same_seed_same_dac_and_fields_agree() -> None:
    args = ("--bits", "8", "--arch", "segmented", "--unary-msbs", "3", "--inl-sigma", "0.03")
    a = _json(*args, "--seed", "5")
    b = _json(*args, "--seed", "5")
    c = _json(*args, "--seed", "6")
    assert a == b and a["levels"] != c["levels"]
    assert np.cumsum(a["dnl_lsb"]) == pytest.approx(a["inl_lsb"][1:], abs=1e-9)
    assert a["inl_max_lsb"] == pytest.approx(max(abs(x) for x in a["inl_lsb"]))


def test_preset_and_rate_change_power() -> None:
    cryo = _json("--bits", "8", "--preset", "cryo_cmos_22nm_finfet")
    awg = _json("--bits", "8", "--preset", "rt_awg")
    fast = _json("--bits", "8", "--preset", "cryo_cmos_22nm_finfet", "--sample-rate", "4e9")
    assert awg["power_w"] > 100 * cryo["power_w"]
    assert fast["power_w"] > cryo["power_w"]


def test_power_terms_rise_with_bits_and_sum_to_the_total() -> None:
    outs = {n: _json("--bits", str(n), "--sample-rate", "1e9") for n in (6, 10, 14)}
    for out in outs.values():
        terms = out["power_breakdown_w"]
        assert list(terms) == ["static", "digital", "array", "thermal", "output"]
        assert sum(terms.values()) == out["power_w"]
    assert outs[6]["power_w"] < outs[10]["power_w"] < outs[14]["power_w"]
    assert outs[14]["power_w"] / outs[6]["power_w"] >= 4.0  # README, docs/hardware_models.md


def test_architecture_sets_area() -> None:
    area = {arch: _json("--bits", "8", "--arch", arch)["area_mm2"]
            for arch in ("binary", "segmented", "unary")}
    assert area["unary"] > area["segmented"] > area["binary"]


def test_summary_and_plot(tmp_path: Path) -> None:
    png = tmp_path / "dac.png"
    proc = run_cli("dac", "--bits", "8", "--inl-sigma", "0.02", "--plot", str(png))
    assert proc.returncode == 0, proc.stderr
    assert "INL" in proc.stdout and "SQNR" in proc.stdout and "mW" in proc.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--bits", "0"], ["--bits", "1..16"]),
        (["--bits", "17"], ["--bits", "1..16"]),
        (["--bits", "eight"], ["--bits", "1..16"]),
        (["--bits", "8", "--inl-sigma", "-0.1"], ["--mismatch-sigma", ">= 0"]),
        (["--bits", "8", "--arch", "thermo"], ["--arch", "binary, unary, segmented"]),
        (["--bits", "8", "--preset", "tsmc_1nm"], ["--preset", "cryo_cmos_28nm_bulk"]),
        (["--bits", "8", "--arch", "segmented", "--unary-msbs", "9"], ["--unary-msbs", "1..8"]),
        (["--bits", "8", "--arch", "segmented", "--unary-msbs", "0"], ["--unary-msbs", "1..8"]),
        (["--bits", "8", "--unary-msbs", "2"], ["--unary-msbs", "segmented"]),
        (["--bits", "8", "--sample-rate", "-1"], ["--sample-rate", "> 0"]),
        (["--bits", "8", "--seed", "-3"], ["--seed", ">= 0"]),
        (["--bits", "8", "--plot", "out.txt"], ["--plot", ".png"]),
    ],
)
def test_bad_arguments(args: list[str], needles: list[str]) -> None:
    assert_usage_error(run_cli("dac", *args), *needles)
