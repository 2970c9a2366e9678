"""Cryostat budget arithmetic against a hand calculation."""

from __future__ import annotations

import pytest

from hardware_models.costs import channel_power_w
from hardware_models.cryostat import budget
from hardware_models.presets import FridgePreset, StagePreset, list_presets
from tests.hardware_models.test_costs import ROUND

FRIDGE = FridgePreset(
    name="hand",
    description="round numbers",
    stages=(
        StagePreset(name="4K", temperature_k=4.0, cooling_power_w=1.0, line_heat_load_w=1e-3),
        StagePreset(name="still", temperature_k=1.0, cooling_power_w=20e-3,
                    line_heat_load_w=1e-5),
        StagePreset(name="mxc", temperature_k=0.01, cooling_power_w=12e-6,
                    line_heat_load_w=1e-8),
    ),
)


# ROUND at 8 bits, 1 GS/s and the 4 K stage: 1 mW static + 0.6 mW digital + 0.4 mW output
# (tests/hardware_models/test_costs.py) plus its array (1.2 uW) and thermal (22 nW) terms.
P_CH = channel_power_w(bits=8, sample_rate_hz=1e9, tech=ROUND, temperature_k=4.0)


def test_channel_power_is_about_two_milliwatts() -> None:
    assert P_CH == pytest.approx(2e-3, rel=1e-3) and P_CH > 2e-3


def test_controller_at_4k_matches_hand_calculation() -> None:
    # 2 channels per qubit shared by 4 qubits -> 0.5 channel (= 0.5 line) per qubit.
    #   4K:    P_CH * 0.5 = 1 mW/qubit;   100 qubits -> 0.1 W = 10 % of 1 W;  max 999
    #          (P_CH is a little above 2 mW, so 1000 qubits would exceed 1 W)
    #   still: 10 uW * 0.5 = 5 uW/qubit;  -> 0.5 mW = 2.5 % of 20 mW;          max 4000
    #   mxc:   10 nW * 0.5 = 5 nW/qubit;  -> 0.5 uW = 4.17 % of 12 uW;         max 2400
    r = budget(bits=8, sample_rate_hz=1e9, tech=ROUND, fridge=FRIDGE, controller_stage="4K",
               channels_per_qubit=2, qubits_per_channel=4, n_qubits=100)
    assert r.channel_power_w == P_CH
    assert sum(r.channel_power_breakdown_w.values()) == P_CH
    assert r.controller_power_per_qubit_w == pytest.approx(P_CH / 2)
    expected = {"4K": (P_CH / 2, 50 * P_CH, 50 * P_CH, 999),
                "still": (5e-6, 0.5e-3, 0.025, 4000),
                "mxc": (5e-9, 0.5e-6, 0.5e-6 / 12e-6, 2400)}
    for stage, (per_qubit, total, fraction, limit) in expected.items():
        s = r.stage(stage)
        assert s.power_per_qubit_w == pytest.approx(per_qubit)
        assert s.power_w == pytest.approx(total)
        assert s.fraction_used == pytest.approx(fraction)
        assert s.max_qubits == limit
    assert (r.max_qubits, r.limiting_stage) == (999, "4K")
    assert r.room_temperature_power_w == 0.0


def test_controller_at_room_temperature_only_lines_load_the_fridge() -> None:
    # 1 channel per qubit: 4K 1 mW/qubit -> 1000; still 10 uW -> 2000; mxc 10 nW -> 1200.
    r = budget(bits=8, sample_rate_hz=1e9, tech=ROUND, fridge=FRIDGE, controller_stage="300K",
               n_qubits=10)
    assert [s.max_qubits for s in r.stages] == [1000, 2000, 1200]
    assert (r.max_qubits, r.limiting_stage) == (1000, "4K")
    p_room = channel_power_w(bits=8, sample_rate_hz=1e9, tech=ROUND, temperature_k=300.0)
    assert r.room_temperature_power_w == pytest.approx(10 * p_room)


def test_controller_at_still_leaves_4k_unloaded() -> None:
    r = budget(bits=8, sample_rate_hz=1e9, tech=ROUND, fridge=FRIDGE, controller_stage="still")
    assert r.stage("4K").power_w == 0.0 and r.stage("4K").max_qubits is None
    assert r.stage("still").max_qubits == 9         # 20 mW / just over 2 mW
    assert r.stage("mxc").max_qubits == 1200
    assert (r.max_qubits, r.limiting_stage) == (9, "still")


def test_architecture_reaches_the_budget() -> None:
    kw = {"bits": 8, "sample_rate_hz": 1e9, "tech": ROUND, "fridge": FRIDGE}
    unary = budget(**kw, architecture="unary")
    assert unary.channel_power_w == channel_power_w(
        bits=8, sample_rate_hz=1e9, tech=ROUND, temperature_k=4.0, architecture="unary")
    assert unary.channel_power_w > budget(**kw).channel_power_w


def test_multiplexing_raises_the_qubit_limit() -> None:
    for fridge in list_presets()["fridge"]:
        alone = budget(bits=8, sample_rate_hz=1e9, tech="cryo_cmos_22nm_finfet", fridge=fridge)
        shared = budget(bits=8, sample_rate_hz=1e9, tech="cryo_cmos_22nm_finfet", fridge=fridge,
                        qubits_per_channel=8)
        assert shared.max_qubits >= 8 * alone.max_qubits


def test_report_serialises() -> None:
    d = budget(bits=6, sample_rate_hz=1e9, tech="rt_awg", fridge="dr_large",
               controller_stage="300K").to_dict()
    assert {s["stage"] for s in d["stages"]} == {"4K", "still", "mxc"}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"controller_stage": "50K"}, "^controller_stage: must be one of 300K, 4K, still, mxc"),
        ({"channels_per_qubit": 0}, "^channels_per_qubit: must be"),
        ({"qubits_per_channel": 0}, "^qubits_per_channel: must be an integer >= 1"),
        ({"n_qubits": 1.5}, "^n_qubits: must be an integer >= 1"),
        ({"fridge": "icebox"}, "^preset: must be one of"),
    ],
)
def test_validation(kwargs: dict, match: str) -> None:
    args = {"bits": 8, "sample_rate_hz": 1e9, "tech": ROUND, "fridge": FRIDGE, **kwargs}
    with pytest.raises(ValueError, match=match):
        budget(**args)
