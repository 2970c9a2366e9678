"""QNNClassifier: scikit-learn's estimator checks and the estimator's own contract.

The checks run on the default estimator; none is skipped by us. scikit-learn
itself skips ``check_array_api_input`` (needs SCIPY_ARRAY_API) and, when
pandas is not installed, ``check_classifier_data_not_an_array``.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.utils.estimator_checks import parametrize_with_checks

from qnn.classifier import QNNClassifier
from qnn.training import FloatStore


@parametrize_with_checks([QNNClassifier()])
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


def test_store_factory_is_called_per_fit() -> None:
    made: list[FloatStore] = []

    def factory() -> FloatStore:
        made.append(FloatStore())
        return made[-1]

    X, y = load_iris(return_X_y=True)
    clf = QNNClassifier(epochs=2, store=functools.partial(factory), random_state=0)
    clf.fit(X, y)
    clf.fit(X, y)
    assert len(made) == 2
    np.testing.assert_array_equal(made[-1].circuit_theta, clf.theta_)


def test_too_many_classes_and_bad_options() -> None:
    X = np.random.default_rng(0).normal(size=(50, 4))
    with pytest.raises(ValueError, match="^y: at most 4 classes"):
        QNNClassifier().fit(X, np.arange(50) % 5)
    with pytest.raises(ValueError, match="^optimizer: must"):
        QNNClassifier(optimizer="newton").fit(X, np.arange(50) % 2)
    with pytest.raises(ValueError, match="^random_state: must"):
        QNNClassifier(random_state="seed").fit(X, np.arange(50) % 2)
