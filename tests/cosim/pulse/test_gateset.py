"""Gate-set compilation: tables, the GateSet protocol, virtual Z and the disk cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cosim.pulse import PulseSpec, QubitModel, compile_gateset
from cosim.pulse.cache import ENV_VAR, cache_directory
from cosim.pulse.fidelity import rotation_angle
from hardware_models.dac import DAC, DACSpec
from qnn.gateset import GateSet, IdealGateSet, lsb_rad


def _dac(bits: int = 6, sigma: float = 0.0, seed: int = 0) -> DAC:
    return DAC(DACSpec(bits=bits, mismatch_sigma=sigma), rng=seed)


def test_ideal_dac_gives_the_ideal_gate_set(tmp_path: Path) -> None:
    gs = compile_gateset(_dac(8), cache_dir=tmp_path)
    assert isinstance(gs, GateSet)
    assert gs.solver == "closed-form"
    codes = np.arange(256)
    ideal = IdealGateSet(8)
    for axis in ("x", "y", "z"):
        got = gs.unitaries(axis, codes)
        # Identical up to a global phase (+-1 for angles past 2 pi wrap).
        overlap = np.abs(np.trace(np.swapaxes(ideal.unitaries(axis, codes).conj(), -1, -2)
                                  @ got, axis1=-2, axis2=-1))
        np.testing.assert_allclose(overlap, 2.0, atol=1e-12)
    np.testing.assert_allclose(gs.fidelity["x"], 1.0, atol=1e-12)
    assert gs.leakage is None


def test_y_table_matches_a_direct_y_solve(tmp_path: Path) -> None:
    from cosim.pulse import AngleDAC, ClosedFormSolver

    dac = _dac(5, sigma=0.05, seed=3)
    pulse = PulseSpec(envelope="gaussian")
    model = QubitModel(detuning_hz=3e6)
    gs = compile_gateset(dac, pulse=pulse, model=model, cache_dir=tmp_path)
    angle = AngleDAC(dac)
    drive = angle.drive(np.arange(32), pulse, phase_rad=np.pi / 2)
    np.testing.assert_allclose(gs.tables["y"], ClosedFormSolver().unitaries(drive, model),
                               atol=1e-13)


def test_three_level_tables_are_unitary_and_report_leakage(tmp_path: Path) -> None:
    gs = compile_gateset(_dac(3), model=QubitModel(levels=3), cache_dir=tmp_path)
    assert gs.solver == "qutip-sesolve"
    u = gs.tables["x"]
    np.testing.assert_allclose(u @ np.swapaxes(u.conj(), -1, -2), np.broadcast_to(np.eye(2),
                               u.shape), atol=1e-10)
    assert gs.leakage["x"][0] == pytest.approx(0.0, abs=1e-12)
    assert np.all(gs.leakage["x"][1:] > 0)
    # Leakage grows with drive amplitude up to the pi pulse (code 4 of 8).
    assert np.all(np.diff(gs.leakage["x"][:5]) > 0)


def test_virtual_z_codes_at_phase_register_resolution(tmp_path: Path) -> None:
    fine = compile_gateset(_dac(6), phase_bits=8, cache_dir=tmp_path)
    coarse = compile_gateset(_dac(6), phase_bits=4, cache_dir=tmp_path)
    codes = np.arange(64)
    nominal = codes * lsb_rad(6)
    np.testing.assert_allclose(rotation_angle(fine.tables["z"], "z"), nominal, atol=1e-12)
    realized = rotation_angle(coarse.tables["z"], "z")
    # Four z codes share each 4-bit register value; the error is within half its LSB.
    err = np.angle(np.exp(1j * (realized - nominal)))
    assert np.all(np.abs(err) <= lsb_rad(4) / 2 + 1e-12)
    assert len(np.unique(np.round(realized, 9))) == 16


def test_cache_hit_returns_identical_tables(tmp_path: Path) -> None:
    dac = _dac(7, sigma=0.02, seed=5)
    first = compile_gateset(dac, cache_dir=tmp_path)
    again = compile_gateset(dac, cache_dir=tmp_path)
    assert not first.from_cache and again.from_cache
    assert again.key == first.key and again.path == first.path and first.path.is_file()
    for axis in ("x", "y", "z"):
        assert np.array_equal(again.tables[axis], first.tables[axis])
    assert np.array_equal(again.fidelity["x"], first.fidelity["x"])


@pytest.mark.parametrize(
    "change",
    [
        {"dac": DAC(DACSpec(bits=7, mismatch_sigma=0.02), rng=6)},  # another mismatch draw
        {"pulse": PulseSpec(duration_s=30e-9)},
        {"model": QubitModel(detuning_hz=1e5)},
        {"phase_bits": 5},
    ],
    ids=["dac-draw", "pulse", "model", "phase-bits"],
)
def test_changed_config_misses_the_cache(tmp_path: Path, change: dict) -> None:
    base = {"dac": _dac(7, sigma=0.02, seed=5)}
    first = compile_gateset(**base, cache_dir=tmp_path)
    other = compile_gateset(**{**base, **change}, cache_dir=tmp_path)
    assert not other.from_cache
    assert other.key != first.key
    assert len(list(tmp_path.glob("*.npz"))) == 2


def test_cache_directory_from_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env"))
    assert cache_directory() == tmp_path / "env"
    assert cache_directory(tmp_path / "arg") == tmp_path / "arg"
    gs = compile_gateset(_dac(4))
    assert gs.path.parent == tmp_path / "env"
    monkeypatch.delenv(ENV_VAR)
    assert cache_directory() == Path.home() / ".cache" / "cosim" / "gatesets"


def test_corrupt_cache_entry_is_recomputed(tmp_path: Path) -> None:
    first = compile_gateset(_dac(4), cache_dir=tmp_path)
    first.path.write_bytes(b"not an npz")
    again = compile_gateset(_dac(4), cache_dir=tmp_path)
    assert not again.from_cache
    assert np.array_equal(again.tables["x"], first.tables["x"])


def test_no_cache_writes_nothing(tmp_path: Path) -> None:
    gs = compile_gateset(_dac(4), cache_dir=tmp_path, use_cache=False)
    assert gs.path is None and not any(tmp_path.iterdir())


def test_gate_set_drives_the_qnn_interface(tmp_path: Path) -> None:
    gs = compile_gateset(_dac(5, sigma=0.05, seed=2), cache_dir=tmp_path)
    codes = np.array([[1, 2], [3, 31]])
    assert gs.unitaries("x", codes).shape == (2, 2, 2, 2)
    # Codes wrap modulo 2**bits, as the GateSet contract says.
    np.testing.assert_array_equal(gs.unitaries("y", np.array([33])), gs.unitaries("y", [1]))
    assert np.all(gs.fidelity["x"] <= 1 + 1e-12)
    # With mismatch, the realized angle of the MSB code differs from nominal.
    assert abs(rotation_angle(gs.tables["x"][16], "x") - np.pi) > 1e-4


def test_bad_arguments_name_themselves(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="^dac:"):
        compile_gateset("8 bits", cache_dir=tmp_path)
    with pytest.raises(ValueError, match="^solver:"):
        compile_gateset(_dac(4), solver="closed-form", model=QubitModel(levels=3),
                        cache_dir=tmp_path)
    with pytest.raises(ValueError, match="^phase_bits:"):
        compile_gateset(_dac(4), phase_bits=1, cache_dir=tmp_path)
