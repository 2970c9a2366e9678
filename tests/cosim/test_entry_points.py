"""The same settings give the same model from every entry: CLI, scenario and estimator.

``cosim train``, a one-point scenario and :class:`qnn.QNNClassifier` all go
through :func:`qnn.fit.fit`; with the same training seed and chip seed they
must train the very same model, bit for bit. The DAC's gain error, offset and
output noise are reachable from all three and each changes the result.
"""

from __future__ import annotations

import numpy as np
import pytest

from cosim.studies.evaluate import evaluate
from cosim.studies.qnn_stages import clear_caches
from cosim.studies.scenario import parse_scenario
from qnn.classifier import QNNClassifier
from qnn.datasets import load_dataset
from tests.cosim.test_cmd_train import train_json

# The example, at 30 epochs.
SETTINGS = {"dataset": "iris", "arch": "compact", "bits": 5, "quantizer": "stochastic",
            "mismatch_sigma": 0.02, "seed": 3, "chip_seed": 7, "epochs": 30}


def _cli(capsys: pytest.CaptureFixture[str], **extra: object) -> dict:
    s = {**SETTINGS, **extra}
    args = [f"--{k.replace('_', '-')}={v}" for k, v in s.items()]
    return train_json(capsys, *args)


def _scenario(**extra: object) -> dict:
    s = {**SETTINGS, **extra}
    dac = {"bits": s["bits"], "mismatch_sigma": s["mismatch_sigma"], "seeds": s["chip_seed"]}
    for key in ("gain_error", "offset_rad", "noise_rms_rad"):
        if key in s:
            dac[key] = s[key]
    data = {"dac": dac,
            "workload": {"dataset": s["dataset"], "arch": s["arch"], "quantizer": s["quantizer"],
                         "seeds": s["seed"], "epochs": s["epochs"]},
            "study": {"stages": ["train", "hardware"]}}
    for key in ("t1_s", "t2_s"):
        if key in s:
            data.setdefault("qubit", {})[key] = s[key]
    if "shots" in s:
        data["measurement"] = {"shots": s["shots"]}
    (config,) = parse_scenario(data).points()
    clear_caches()
    return evaluate(config)


def _estimator(**extra: object) -> QNNClassifier:
    s = {**SETTINGS, **extra}
    ds = load_dataset(s["dataset"], seed=s["seed"])
    clf = QNNClassifier(s["arch"], epochs=s["epochs"], bits=s["bits"], quantizer=s["quantizer"],
                        mismatch_sigma=s["mismatch_sigma"], chip_seed=s["chip_seed"],
                        preprocess=False, random_state=s["seed"],
                        **{k: v for k, v in extra.items()
                           if k in ("gain_error", "offset_rad", "noise_rms_rad")})
    return clf.fit(ds.X_train, ds.y_train)


def test_cli_scenario_and_estimator_train_the_same_model(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cli = _cli(capsys)
    point = _scenario()
    assert cli["test_accuracy"] == point["train_accuracy"]
    assert cli["test_loss"] == point["train_loss"]
    assert cli["epoch"] == point["train_epoch"]
    assert ",".join(map(str, cli["codes"])) == point["train_codes"]
    # The estimator sees no validation set, so it may return another epoch; the
    # trajectory, and so the codes after the last step, are the same.
    clf = _estimator()
    np.testing.assert_array_equal(clf.final_codes_, cli["final_codes"])
    assert cli["chip_seed"] == 7 and cli["seed"] == 3


@pytest.mark.parametrize(("field", "value"), [("gain_error", 0.08), ("offset_rad", 0.05)])
def test_static_dac_errors_reach_every_entry(capsys: pytest.CaptureFixture[str], field: str,
                                             value: float) -> None:
    base_cli, base_point = _cli(capsys), _scenario()
    cli, point = _cli(capsys, **{field: value}), _scenario(**{field: value})
    # A static error moves every realized angle, so the loss changes, identically everywhere.
    assert cli["test_loss"] != base_cli["test_loss"]
    assert cli["dac"][field] == value
    assert (cli["test_accuracy"], cli["test_loss"], cli["epoch"]) == (
        point["train_accuracy"], point["train_loss"], point["train_epoch"])
    assert point["train_loss"] != base_point["train_loss"]
    clf, base = _estimator(**{field: value}), _estimator()
    assert not np.allclose(clf.theta_, base.theta_)
    np.testing.assert_array_equal(clf.final_codes_, cli["final_codes"])


def test_dac_output_noise_reaches_every_entry(capsys: pytest.CaptureFixture[str]) -> None:
    sigma = 0.5  # rad per sample; a 20-sample pulse averages it to 0.5 / sqrt(20)
    cli, point = _cli(capsys, noise_rms_rad=sigma), _scenario(noise_rms_rad=sigma)
    assert cli["noise"]["angle_noise_rms_rad"] == pytest.approx(sigma / 20**0.5)
    # Training runs on the ideal circuit, so the codes are those of the noiseless chip...
    base = _cli(capsys)
    assert cli["final_codes"] == base["final_codes"]
    # ...and the deployed model loses on the noisy hardware: the same realized
    # hardware (pulse-level processes, scheduled timing) in the CLI and in a study.
    assert cli["hardware_path"] == "realized"
    assert cli["hardware_test_loss"] > cli["test_loss"]
    assert cli["hardware_test_loss"] == pytest.approx(point["hardware_loss"], abs=1e-12)
    assert point["hardware_loss"] > _scenario()["hardware_loss"]
    ds = load_dataset("iris", seed=SETTINGS["seed"])
    noisy, ideal = _estimator(noise_rms_rad=sigma), _estimator()
    assert not np.allclose(noisy.predict_proba(ds.X_test), ideal.predict_proba(ds.X_test))


def test_decoherence_and_shots_reach_the_cli_and_a_study(
    capsys: pytest.CaptureFixture[str],
) -> None:
    extra = {"t1": 3e-6, "t2": 3e-6, "shots": 64}
    cli = _cli(capsys, **extra)
    point = _scenario(t1_s=3e-6, t2_s=3e-6, shots=64)
    assert cli["noise"]["t1_s"] == 3e-6 and cli["shots"] == 64
    # The same seeded shot stream on the same realized hardware: identical figures.
    assert cli["hardware_test_accuracy"] == point["hardware_accuracy"]
    assert cli["hardware_test_loss"] == point["hardware_loss"]
    assert cli["hardware_test_loss"] != cli["test_loss"]
