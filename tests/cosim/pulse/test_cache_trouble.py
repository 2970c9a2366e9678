"""The gate-set cache is only a cache: bad entries and unwritable directories are misses."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cosim.pulse import cache, compile_gateset
from hardware_models.dac import DAC, DACSpec


@pytest.fixture(autouse=True)
def _fresh_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "_warned", set())


def _dac(bits: int = 3) -> DAC:
    return DAC(DACSpec(bits=bits))


def _warnings(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line]


def _rewrite(path: Path, **changes: np.ndarray) -> None:
    with np.load(path) as data:
        arrays = {name: data[name] for name in data.files}
    arrays.update(changes)
    for name in [n for n, v in changes.items() if v is None]:
        del arrays[name]
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def test_truncated_entry_is_a_miss_with_one_warning(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    first = compile_gateset(_dac(), cache_dir=tmp_path)
    data = first.path.read_bytes()
    first.path.write_bytes(data[: len(data) // 2])
    again = compile_gateset(_dac(), cache_dir=tmp_path)
    assert not again.from_cache
    assert np.array_equal(again.tables["x"], first.tables["x"])
    (line,) = _warnings(capsys)
    assert line.startswith("warning: ignoring the unreadable cache entry") and "BadZipFile" in line
    assert compile_gateset(_dac(), cache_dir=tmp_path).from_cache  # rewritten whole


@pytest.mark.parametrize(("change", "needle"), [
    ({"x": np.full((8, 2, 2), np.nan, dtype=complex)}, "x holds non-finite values"),
    ({"fidelity": np.array([np.inf] * 8)}, "fidelity holds non-finite values"),
    ({"leakage": np.array([np.nan] * 7 + [0.0])}, "leakage holds non-finite values"),
    ({"y": np.zeros((4, 2, 2), dtype=complex)}, "y has shape (4, 2, 2)"),
    ({"z": np.array(["a"] * 8).reshape(8, 1, 1)}, "z has shape"),
    ({"x": None}, "it holds"),
])
def test_invalid_entries_are_misses(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    change: dict, needle: str) -> None:
    first = compile_gateset(_dac(), cache_dir=tmp_path)
    _rewrite(first.path, **change)
    again = compile_gateset(_dac(), cache_dir=tmp_path)
    assert not again.from_cache
    for axis in ("x", "y", "z"):
        assert np.array_equal(again.tables[axis], first.tables[axis])
    (line,) = _warnings(capsys)
    assert needle in line


def test_unwritable_directory_computes_without_caching(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    (tmp_path / "file").write_text("")
    blocked = tmp_path / "file" / "cache"  # under a regular file: mkdir fails for root too
    writable = compile_gateset(_dac(), cache_dir=tmp_path / "ok")
    capsys.readouterr()
    first = compile_gateset(_dac(), cache_dir=blocked)
    second = compile_gateset(_dac(4), cache_dir=blocked)
    assert first.path is None and second.path is None and not first.from_cache
    for axis in ("x", "y", "z"):
        assert np.array_equal(first.tables[axis], writable.tables[axis])
    (line,) = _warnings(capsys)  # once, not per gate set
    assert line.startswith(f"warning: cannot write the gate-set cache in {blocked}")
    assert "COSIM_CACHE_DIR" in line
