"""Reading a scenario file without trusting it: file types, size, aliases, keys, depth."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest

from cosim.errors import CosimInputError
from cosim.studies import scenario_file
from cosim.studies.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[3]

# "Billion laughs": nine levels of nine aliases each, 9**9 values from 500 bytes.
LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True))


def error(path: Path) -> str:
    with pytest.raises(CosimInputError) as info:
        load_scenario(path)
    return str(info.value)


def test_alias_bomb_is_refused_naming_the_key_not_the_value(tmp_path: Path) -> None:
    (tmp_path / "bomb.yaml").write_text(LAUGHS)
    tracemalloc.start()
    message = error(tmp_path / "bomb.yaml")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert message.startswith("f: holds more than 200000 values")  # 9**6 > 2e5 at key f
    assert "lol" not in message
    assert peak < 20e6  # bytes; the expansion would be 9**9 values


def test_aliases_within_bounds_still_load(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text("dac:\n  bits: &b [4, 6]\nworkload:\n  eval_bits: *b\n")
    scenario = load_scenario(tmp_path / "ok.yaml")
    assert scenario.values["dac.bits"] == (4, 6)


@pytest.mark.parametrize(("text", "where", "lines"), [
    ("workload:\n  epochs: 3\ndac:\n  bits: 4\nworkload:\n  epochs: 4\n", "workload",
     "lines 1 and 5"),
    ("dac:\n  bits: 4\n  seeds: 0\n  bits: 5\n", "dac.bits", "lines 2 and 4"),
    ("dac: {bits: 4, bits: 5}\n", "dac.bits", "line 1, columns 7 and 16"),
])
def test_duplicate_keys_name_both_places(tmp_path: Path, text: str, where: str,
                                         lines: str) -> None:
    (tmp_path / "dup.yaml").write_text(text)
    assert error(tmp_path / "dup.yaml") == f"{where}: is given twice, at {lines}; give each " \
                                           "key once"


def test_deep_nesting_and_recursive_aliases_are_refused(tmp_path: Path) -> None:
    (tmp_path / "deep.yaml").write_text("dac: " + "[" * 5000 + "]" * 5000 + "\n")
    assert "nests more than 32 levels deep" in error(tmp_path / "deep.yaml")
    # Aliases can stack depth without nesting in the text.
    chain = "a: &a [[[[[[[[1]]]]]]]]\n" + "".join(
        f"{c}: &{c} [[[[[[[[*{p}]]]]]]]]\n" for p, c in zip("abcd", "bcde", strict=True))
    (tmp_path / "chain.yaml").write_text(chain)
    assert "nests more than 32 levels deep with its YAML aliases" in error(tmp_path / "chain.yaml")
    (tmp_path / "rec.yaml").write_text("dac:\n  bits: &r [*r]\n")
    assert "a scenario cannot be recursive" in error(tmp_path / "rec.yaml")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    assert "is not a regular file" in error(tmp_path / "pipe.yaml")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_device_is_refused() -> None:
    assert error(Path("/dev/zero")) == ("/dev/zero: is not a regular file (a device, FIFO or "
                                        "socket); expected a scenario YAML file")


def test_a_file_over_the_size_cap_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * scenario_file.MAX_SCENARIO_BYTES + "\n")
    assert "is larger than 1048576 bytes" in error(big)


def test_long_keys_and_values_are_cut_in_messages(tmp_path: Path) -> None:
    (tmp_path / "long.yaml").write_text(f"dac:\n  {'k' * 1000}: 1\n")
    message = error(tmp_path / "long.yaml")
    assert message.startswith("dac.'kkk") and len(message) < 600
    (tmp_path / "text.yaml").write_text(f"dac:\n  bits: {'x' * 5000}\n")
    assert len(error(tmp_path / "text.yaml")) < 300
    (tmp_path / "digits.yaml").write_text(f"dac:\n  bits: {'9' * 5000}\n")
    assert "digits.yaml: holds a value YAML cannot read" in error(tmp_path / "digits.yaml")
    (tmp_path / "value.yaml").write_text(f"dac:\n  bits: [{', '.join(['x'] * 5000)}]\n")
    assert len(error(tmp_path / "value.yaml")) < 300


def test_shipped_scenarios_are_within_the_bounds() -> None:
    for path in sorted(ROOT.glob("studies/*.yaml")):
        assert path.stat().st_size < scenario_file.MAX_SCENARIO_BYTES / 10
        load_scenario(path)
