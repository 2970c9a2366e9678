"""Shipped presets: loading, SI conversion, sources on every number, name errors."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from hardware_models.presets import (
    FridgePreset,
    StagePreset,
    TechnologyPreset,
    list_presets,
    load_fridge,
    load_technology,
)


def test_required_presets_ship() -> None:
    names = list_presets()
    assert {"cryo_cmos_22nm_finfet", "cryo_cmos_28nm_bulk", "rt_awg"} <= set(names["technology"])
    assert len(names["fridge"]) >= 2


def test_every_preset_loads_with_si_units() -> None:
    for name in list_presets()["technology"]:
        t = load_technology(name)
        assert isinstance(t, TechnologyPreset) and t.name == name
        assert 1e-9 < t.a_beta_m < 1e-7           # 0.1-10 %um
        assert 1e-16 < t.switched_cap_per_bit_f < 1e-12
    for name in list_presets()["fridge"]:
        f = load_fridge(name)
        assert f.stage_names == ("4K", "still", "mxc")
        assert 0.005 <= f.stage("mxc").temperature_k <= 0.02
        assert 0.7 <= f.stage("still").temperature_k <= 1.0
        assert 0.4 <= f.stage("4K").cooling_power_w <= 1.5
        assert 10e-6 <= f.stage("mxc").cooling_power_w <= 20e-6


def test_anchors() -> None:
    assert load_technology("cryo_cmos_28nm_bulk").node_nm == 28
    assert load_technology("cryo_cmos_22nm_finfet").node_nm == 22
    assert load_fridge("dr_pt405").stage("4K").cooling_power_w == 0.5


def test_every_number_has_a_source_or_is_an_assumption() -> None:
    text = resources.files("hardware_models").joinpath("data/presets.yaml").read_text()
    numeric = re.compile(r"^\s*[\w]+:\s*[-+0-9.eE]+\s*(#.*)?$")
    checked = 0
    for line in text.splitlines():
        if numeric.match(line):
            checked += 1
            comment = line.split("#", 1)[1] if "#" in line else ""
            assert re.search(r"\[\w+\]|assumption|room temperature", comment), line
    assert checked > 40


def test_unknown_names() -> None:
    with pytest.raises(ValueError, match=r"^preset: must be one of .*rt_awg.*, got 'x'"):
        load_technology("x")
    with pytest.raises(ValueError, match=r"^preset: must be one of dr_pt405, dr_large, got 'y'"):
        load_fridge("y")
    with pytest.raises(ValueError, match="^stage: must be one of 4K, still, mxc"):
        load_fridge("dr_large").stage("50K")


def test_fridge_stage_order_validated() -> None:
    warm = StagePreset(name="a", temperature_k=4.0, cooling_power_w=1.0, line_heat_load_w=0.0)
    cold = StagePreset(name="b", temperature_k=0.1, cooling_power_w=1e-3, line_heat_load_w=0.0)
    assert FridgePreset(name="f", description="", stages=(warm, cold)).stage("b") is cold
    with pytest.raises(ValueError, match="^stages: must be ordered warm to cold"):
        FridgePreset(name="f", description="", stages=(cold, warm))
