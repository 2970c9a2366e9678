"""The QNN study stages: one float training shared by PTQ and quantizer none, and the deadlock."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cosim.studies import qnn_stages
from cosim.studies.device import recipe_from_config, task_from_config
from cosim.studies.scenario import parse_scenario
from qnn.device import DACConfig, Device
from qnn.fit import fit


def _config(**workload: object) -> dict:
    data = {"dac": {"bits": 6, "mismatch_sigma": 0.0},
            "workload": {"dataset": "iris", "epochs": 5, "eval_bits": [4, 6], **workload},
            "study": {"stages": ["train", "ptq"]}}
    (config,) = parse_scenario(data).points()
    return config


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    qnn_stages.clear_caches()


def test_ptq_and_float_training_share_one_float_model() -> None:
    ptq = qnn_stages.ptq_stage(_config(quantizer="none"), {})
    trained = [qnn_stages.train_stage({**_config(quantizer="none"),
                                       "dac": {**_config()["dac"], "bits": b}}, {})
               for b in (2, 6, 12)]
    info = qnn_stages._float_model_for.cache_info()
    assert (info.misses, info.hits) == (1, 3)
    assert {t["train_accuracy"] for t in trained} == {ptq["float_accuracy"]}
    assert [t["train_deadlocked"] for t in trained] == [0, 0, 0]
    # The float model's steps against half an LSB: more bits, a smaller LSB, fewer below it.
    below = [t["train_below_half_lsb_fraction"] for t in trained]
    assert below == sorted(below, reverse=True) and below[0] == 1.0 > below[-1]


@pytest.mark.parametrize("bits", [2, 6, 12])
def test_float_steps_below_half_an_lsb_match_the_store_diagnostics(bits: int) -> None:
    # The memoised count must equal what a float store with that LSB records.
    config = _config(quantizer="none")
    config["dac"]["bits"] = bits
    ds = task_from_config(config)
    result = fit(config["workload"]["arch"], ds.X_train, ds.y_train, n_classes=ds.n_classes,
                 x_val=ds.X_val, y_val=ds.y_val, recipe=recipe_from_config(config),
                 device=Device(angle_dac=DACConfig(bits=bits)),
                 seed=config["workload"]["seeds"])
    expected = result.diagnostics.fraction_below_half_lsb
    got = qnn_stages.train_stage(config, {})["train_below_half_lsb_fraction"]
    assert got == pytest.approx(expected, abs=1e-12)


def test_default_lr_deadlocks_nearest_rounding_at_6_bits() -> None:
    # lr = 0.02 rad < LSB/2 = pi/64: every update is erased, the model stays the initial one.
    config = _config(quantizer="deterministic")
    assert config["workload"]["lr"] < math.pi / 2**6
    m = qnn_stages.train_stage(config, {})
    assert m["train_updates_applied_fraction"] == 0.0 and m["train_deadlocked"] == 1
    assert m["train_accuracy"] == m["train_initial_accuracy"] and m["train_epoch"] == 0


def test_stochastic_rounding_moves_the_codes_at_6_bits() -> None:
    m = qnn_stages.train_stage(_config(quantizer="stochastic"), {})
    assert m["train_deadlocked"] == 0 and m["train_displacement_ratio"] > 0.5
    assert 0 < m["train_updates_applied_fraction"] < 1
    assert 0 <= m["train_epoch"] < 5 and np.isfinite(m["train_loss"])


def test_float_model_is_shared_across_what_float_training_ignores() -> None:
    # Temperature and kernel only drive stochastic rounding: every point below reads
    # the same float model (TrainingRecipe.float_recipe), trained once.
    data = {"dac": {"bits": 6}, "workload": {"dataset": "iris", "epochs": 3,
                                             "quantizer": "none", "temperature": [0.5, 1.0],
                                             "kernel": ["tilt", "boltzmann"]},
            "study": {"stages": ["ptq"]}}
    scores = {qnn_stages.ptq_stage(p, {})["ptq_accuracy"]
              for p in parse_scenario(data).points()}
    info = qnn_stages._float_model_for.cache_info()
    assert (info.misses, info.hits) == (1, 3)
    assert len(scores) == 1
