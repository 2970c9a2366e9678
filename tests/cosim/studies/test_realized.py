"""Stage hardware on the realized hardware: stack and qubit keys reach accuracy (issue 12)."""

from __future__ import annotations

import pytest

from cosim.errors import CosimInputError
from cosim.realized import clear_caches
from cosim.studies import qnn_stages
from cosim.studies.hardware_stages import gateset_stage
from cosim.studies.scenario import parse_scenario

BASE = {"stack": {"multiplexing": 1, "sample_rate_hz": 1e9},
        "dac": {"bits": 6, "mismatch_sigma": 0.0},
        "qubit": {"t1_s": 20e-6, "t2_s": 2e-6},
        "workload": {"dataset": "iris", "epochs": 3, "quantizer": "none", "eval_bits": [6]},
        "study": {"stages": ["gateset", "ptq", "hardware"]}}


def _config(**sections: dict) -> dict:
    data = {k: dict(v) for k, v in BASE.items()}
    for section, keys in sections.items():
        data.setdefault(section, {}).update(keys)
    (config,) = parse_scenario(data).points()
    return config


@pytest.fixture(autouse=True)
def _fresh() -> None:
    qnn_stages.clear_caches()
    clear_caches()


def _loss(**sections: dict) -> float:
    return qnn_stages.hardware_stage(_config(**sections), {})["hardware_loss"]


@pytest.mark.parametrize("change", [
    {"stack": {"multiplexing": 4}},
    {"stack": {"issue_latency_s": 40e-9}},
    {"stack": {"fifo_depth": 1, "refill_rate_hz": 1e8}},
    {"stack": {"filter": "rc", "filter_cutoff_hz": 100e6}},
    {"qubit": {"gate_2q_s": 300e-9}},
    {"qubit": {"cnot_error": 0.05}},
    {"dac": {"noise_rms_rad": 0.3}},
])
def test_stack_and_qubit_keys_change_hardware_loss(change: dict) -> None:
    assert _loss(**change) != pytest.approx(_loss(), abs=1e-9)


def test_sharing_costs_loss_only_when_coherence_is_short() -> None:
    short = [_loss(stack={"multiplexing": m}) for m in (1, 4)]
    long = [_loss(stack={"multiplexing": m}, qubit={"t2_s": 40e-6}) for m in (1, 4)]
    assert short[1] > short[0]
    assert abs(long[1] - long[0]) < 0.2 * (short[1] - short[0])


def test_gate_error_parts_sum_and_fall_with_bits() -> None:
    errors = []
    for bits in (3, 6):
        m = gateset_stage(_config(dac={"bits": bits}), {})
        parts = sum(m[f"gate_error_{p}"] for p in ("quantization", "pulse", "nonlinearity",
                                                   "noise_filter", "decoherence"))
        assert parts == pytest.approx(m["gate_error_mean"], rel=1e-9)
        assert m["gate_error_decoherence"] > 0
        errors.append(m["gate_error_mean"])
    assert errors[1] < errors[0]


@pytest.mark.parametrize("change, path", [
    ({"stack": {"filter": "bessel"}}, "stack.filter_cutoff_hz"),
    ({"stack": {"filter": "rc", "filter_cutoff_hz": 0.0}}, "stack.filter_cutoff_hz"),
    ({"stack": {"filter": "rc", "filter_cutoff_hz": -1e6}}, "stack.filter_cutoff_hz"),
    ({"qubit": {"levels": 3}, "dac": {"noise_rms_rad": 0.01}}, "dac.noise_rms_rad"),
    ({"stack": {"filter": "rc", "filter_cutoff_hz": 1e8}, "dac": {"noise_rms_rad": 0.01}},
     "dac.noise_rms_rad"),
    ({"qubit": {"drag": True}}, "qubit.drag"),
    ({"qubit": {"t1_s": 1e-6, "t2_s": 3e-6}}, "qubit.t2_s"),
])
def test_bad_pulse_settings_follow_the_error_contract(change: dict, path: str) -> None:
    with pytest.raises(CosimInputError) as err:
        _config(**change)
    assert path in str(err.value)
