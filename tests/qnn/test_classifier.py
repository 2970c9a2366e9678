"""QNNClassifier: scikit-learn's estimator checks and the estimator's own contract.

The checks run on the default (float) estimator and on a quantized one
(stochastic rounding on a 6-bit angle DAC with a 6-bit encoding DAC); none is
skipped by us. scikit-learn itself skips ``check_array_api_input`` (needs
SCIPY_ARRAY_API) and, when pandas is not installed,
``check_classifier_data_not_an_array``.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.utils.estimator_checks import parametrize_with_checks

from qnn.circuits import expectation_z
from qnn.classifier import QNNClassifier
from qnn.device import ControlStack, DACConfig, Device, Measurement, Qubit
from qnn.fit import TrainingRecipe, fit
from qnn.model import Readout
from qnn.stores import StoreDiagnostics


@parametrize_with_checks(
    [QNNClassifier(), QNNClassifier(bits=6, quantizer="stochastic", encode_bits=6)]
)
def test_sklearn_estimator_checks(estimator, check) -> None:
    check(estimator)


def test_iris_fit_predict_and_fitted_attributes() -> None:
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = QNNClassifier(epochs=30, random_state=0).fit(X, names)
    assert clf.theta_.shape == (16,)
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
    assert clf.n_features_in_ == 4 and clf.n_iter_ == 30
    assert clf.loss_history_.shape == (30,) and clf.loss_history_[-1] < clf.loss_history_[0]
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert clf.score(X, names) > 0.8
    assert set(clf.predict(X)) <= set(clf.classes_)


def test_same_random_state_same_model() -> None:
    X, y = load_iris(return_X_y=True)
    a = QNNClassifier(epochs=5, random_state=3).fit(X, y)
    b = clone(a).fit(X, y)
    np.testing.assert_array_equal(a.theta_, b.theta_)
    c = QNNClassifier(epochs=5, random_state=np.random.default_rng(3)).fit(X, y)
    np.testing.assert_array_equal(a.theta_, c.theta_)


def test_preprocess_false_takes_angles_directly() -> None:
    rng = np.random.default_rng(0)
    angles = rng.uniform(0, np.pi, (40, 4))
    y = (angles[:, 0] > np.pi / 2).astype(int)
    clf = QNNClassifier(epochs=5, preprocess=False, random_state=0).fit(angles, y)
    assert clf.encoder_ is None
    with pytest.raises(ValueError, match="^X: with preprocess=False must have 4"):
        QNNClassifier(preprocess=False).fit(angles[:, :3], y)


def test_too_many_classes_and_bad_options() -> None:
    X = np.random.default_rng(0).normal(size=(50, 4))
    with pytest.raises(ValueError, match="^y: at most 4 classes"):
        QNNClassifier().fit(X, np.arange(50) % 5)
    with pytest.raises(ValueError, match="^optimizer: must"):
        QNNClassifier(optimizer="newton").fit(X, np.arange(50) % 2)
    with pytest.raises(ValueError, match="^random_state: must"):
        QNNClassifier(random_state="seed").fit(X, np.arange(50) % 2)


def test_defaults_are_those_of_the_recipe_and_the_dac() -> None:
    # One set of defaults: the estimator's are those of TrainingRecipe and DACConfig.
    params = QNNClassifier().get_params()
    recipe, dac = TrainingRecipe(), DACConfig()
    for name in ("quantizer", "temperature", "temperature_final", "schedule", "kernel",
                 "epochs", "lr", "batch_size", "optimizer", "select"):
        assert params[name] == getattr(recipe, name), name
    for name in ("bits", "unary_msbs", "mismatch_sigma", "gain_error", "offset_rad",
                 "noise_rms_rad", "chip_seed"):
        assert params[name] == getattr(dac, name), name
    assert params["dac_architecture"] == dac.architecture
    assert params["encode_bits"] == float("inf")
    qubit, measurement = Qubit(), Measurement()
    for name in ("t1_s", "t2_s", "gate_1q_s", "gate_2q_s", "cnot_error", "idle_decoherence"):
        assert params[name] == getattr(qubit, name), name
    assert tuple(params["readout_error"]) == measurement.readout_error
    assert params["shots"] == measurement.shots
    assert params["sample_rate_hz"] == ControlStack().sample_rate_hz
    assert params["noisy_training"] == recipe.noisy_training


def test_bits_without_a_quantizer_is_float_training() -> None:
    # As in make_store: bits only sets the LSB of the step diagnostics.
    X, y = load_iris(return_X_y=True)
    a = QNNClassifier(epochs=5, random_state=0).fit(X, y)
    b = QNNClassifier(epochs=5, bits=6, random_state=0).fit(X, y)
    np.testing.assert_array_equal(a.theta_, b.theta_)
    assert a.codes_ is None and b.codes_ is None
    assert a.diagnostics_.bits == float("inf") and b.diagnostics_.bits == 6
    assert sum(b.diagnostics_.step_lsb_counts) > 0 and a.diagnostics_.step_lsb_counts == ()


@pytest.mark.parametrize("quantizer", ["deterministic", "stochastic", "ste"])
def test_quantized_fit_holds_codes_and_diagnostics(quantizer: str) -> None:
    X, y = load_iris(return_X_y=True)
    clf = QNNClassifier(epochs=8, bits=5, quantizer=quantizer, mismatch_sigma=0.02,
                        random_state=1).fit(X, y)
    assert clf.codes_.shape == (16,) and clf.codes_.dtype == np.int64
    assert clf.codes_.min() >= 0 and clf.codes_.max() < 32
    assert isinstance(clf.diagnostics_, StoreDiagnostics)
    assert clf.diagnostics_.quantizer == quantizer and clf.diagnostics_.bits == 5
    assert len(clf.diagnostics_.codes_changed_per_epoch) == 8
    # theta_ is what the chip realizes for the codes, not the nominal grid.
    nominal = clf.codes_ * (2 * np.pi / 32)
    assert 0 < np.max(np.abs(clf.theta_ - nominal)) < np.pi / 32


def test_quantized_fit_equals_the_training_path() -> None:
    # The estimator is qnn.fit.fit on its recipe and device, seeded by random_state.
    from qnn.preprocess import AngleEncoder

    X, y = load_iris(return_X_y=True)
    clf = QNNClassifier(epochs=6, bits=4, quantizer="stochastic", temperature=0.5,
                        schedule="linear", mismatch_sigma=0.03, chip_seed=9,
                        random_state=3).fit(X, y)
    device = Device(angle_dac=DACConfig(bits=4, mismatch_sigma=0.03, chip_seed=9))
    result = fit("compact", AngleEncoder(4).fit(X).transform(X), y, n_classes=3,
                 recipe=TrainingRecipe(quantizer="stochastic", temperature=0.5,
                                       schedule="linear", epochs=6),
                 device=device, seed=3)
    np.testing.assert_array_equal(clf.theta_, result.theta)
    np.testing.assert_array_equal(clf.codes_, result.codes)
    np.testing.assert_array_equal(clf.final_codes_, result.final_codes)
    assert clf.epoch_ == result.epoch
    assert clf.diagnostics_.temperature_per_epoch == result.diagnostics.temperature_per_epoch


def test_encoding_dac_is_used_in_predict() -> None:
    rng = np.random.default_rng(0)
    angles = rng.uniform(0, np.pi, (60, 4))
    y = (angles[:, 0] > np.pi / 2).astype(int)
    clf = QNNClassifier(epochs=5, preprocess=False, encode_bits=3, random_state=0)
    clf.fit(angles, y)
    z = expectation_z("compact", DACConfig(bits=3).grid().quantize(angles), clf.theta_)
    np.testing.assert_allclose(clf.predict_proba(angles), Readout(2).proba(z), atol=1e-12)
    ideal = Readout(2).proba(expectation_z("compact", angles, clf.theta_))
    assert not np.allclose(clf.predict_proba(angles), ideal)  # 3 bits really changes it


def test_fitted_quantized_estimator_pickles_with_its_chips() -> None:
    X, y = load_iris(return_X_y=True)
    clf = QNNClassifier(epochs=3, bits=5, quantizer="deterministic", encode_bits=5,
                        mismatch_sigma=0.02, random_state=0).fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    encoding = clf.executor_.encode.dac
    assert encoding.mismatch_sigma == 0.02 and encoding.stream == 1 and encoding.bits == 5


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"bits": 0}, "^bits: must be an integer 1..16 or inf, got 0"),
        ({"bits": 6.5}, "^bits: must be an integer 1..16 or inf"),
        ({"quantizer": "round"}, "^quantizer: must be one of none, deterministic"),
        ({"quantizer": "deterministic"}, "^bits: must be an integer 1..16 for quantizer"),
        ({"bits": 4, "quantizer": "stochastic", "temperature": -1.0},
         "^temperature: must be a number 0..100"),
        ({"schedule": "step"}, "^schedule: must be one of constant, linear, exp, cosine"),
        ({"schedule": "exp", "temperature": 0.0}, "^temperature: must be > 0 with schedule"),
        ({"encode_bits": 17}, "^encode_bits: must be an integer 1..16 or inf"),
        ({"mismatch_sigma": -0.1}, "^mismatch_sigma: must be a finite number >= 0"),
        ({"gain_error": -1.0}, "^gain_error: must be a finite number > -1"),
        ({"chip_seed": -1}, "^chip_seed: must be an integer 0.."),
    ],
)
def test_bad_quantization_options_name_the_parameter(options: dict, message: str) -> None:
    X = np.random.default_rng(0).normal(size=(30, 4))
    with pytest.raises(ValueError, match=message):
        QNNClassifier(epochs=1, **options).fit(X, np.arange(30) % 2)
