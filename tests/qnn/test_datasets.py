"""Datasets: splits, preprocessing fitted on train only, class pairs that are separable."""

from __future__ import annotations

import numpy as np
import pytest

from qnn.datasets import (
    FOUR_CLASS,
    Dataset,
    load_dataset,
    load_raw,
    logistic_baseline,
    stratified_split,
)
from qnn.preprocess import AngleEncoder


def reference_angles(train: np.ndarray, other: np.ndarray, k: int) -> np.ndarray:
    """Standardize -> top-k covariance eigenvectors -> min-max to [0, pi], by hand."""
    mu, sd = train.mean(0), train.std(0)
    sd[sd == 0] = 1
    zt, zo = (train - mu) / sd, (other - mu) / sd
    evals, evecs = np.linalg.eigh(np.cov(zt, rowvar=False))
    axes = evecs[:, np.argsort(evals)[::-1][:k]]
    pt, po = zt @ axes, zo @ axes
    lo, hi = pt.min(0), pt.max(0)
    return np.clip((po - lo) / (hi - lo), 0, 1) * np.pi


def test_angle_encoder_matches_hand_pipeline_up_to_axis_sign() -> None:
    rng = np.random.default_rng(0)
    train = rng.normal(size=(80, 6)) @ rng.normal(size=(6, 6)) + 3.0
    test = rng.normal(size=(20, 6)) @ rng.normal(size=(6, 6)) * 2
    enc = AngleEncoder(4).fit(train)
    got, want = enc.transform(test), reference_angles(train, test, 4)
    for q in range(4):  # a principal axis is defined up to sign: a -> pi - a
        same = np.abs(got[:, q] - want[:, q]).max()
        flipped = np.abs(got[:, q] - (np.pi - want[:, q])).max()
        err = min(same, flipped)
        assert err < 1e-9, q
    t = enc.transform(train)
    np.testing.assert_allclose(t.min(0), 0.0, atol=1e-12)
    np.testing.assert_allclose(t.max(0), np.pi, atol=1e-12)
    assert got.min() >= 0 and got.max() <= np.pi


def test_angle_encoder_pads_missing_components_with_zero() -> None:
    x = np.random.default_rng(1).normal(size=(10, 2))
    out = AngleEncoder(4).fit_transform(x)
    assert out.shape == (10, 4)
    np.testing.assert_array_equal(out[:, 2:], 0.0)
    with pytest.raises(ValueError, match="^n_components: must"):
        AngleEncoder(0).fit(x)


def test_stratified_split_is_disjoint_stratified_and_seeded() -> None:
    y = np.repeat([0, 1, 2], [50, 30, 20])
    train, val, test = stratified_split(y, val_fraction=0.2, test_fraction=0.2, seed=3)
    assert sorted(np.concatenate([train, val, test]).tolist()) == list(range(100))
    for part, n in ((train, 60), (val, 20), (test, 20)):
        assert len(part) == n
        np.testing.assert_allclose(np.bincount(y[part]) / n, [0.5, 0.3, 0.2], atol=0.051)
    again = stratified_split(y, val_fraction=0.2, test_fraction=0.2, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip((train, val, test), again, strict=True))
    other = stratified_split(y, val_fraction=0.2, test_fraction=0.2, seed=4)
    assert not np.array_equal(other[2], test)
    with pytest.raises(ValueError, match="^test_fraction: must"):
        stratified_split(y, val_fraction=0.2, test_fraction=0.0, seed=0)
    with pytest.raises(ValueError, match="^val_fraction: must"):
        stratified_split(y, val_fraction=0.8, test_fraction=0.2, seed=0)


@pytest.mark.parametrize(("name", "k", "n"), [("iris", 3, 150), ("breast_cancer", 2, 569)])
def test_sklearn_sets(name: str, k: int, n: int) -> None:
    ds = load_dataset(name, seed=0)
    assert isinstance(ds, Dataset) and ds.n_classes == k
    assert len(ds.y_train) + len(ds.y_val) + len(ds.y_test) == n
    for X in (ds.X_train, ds.X_val, ds.X_test):
        assert X.shape[1] == 4 and X.min() >= 0 and X.max() <= np.pi
    # The encoder was fitted on the training split: only there is the full range reached.
    np.testing.assert_allclose(ds.X_train.max(0), np.pi)
    assert ds.source == f"sklearn.datasets.load_{name}"


def test_same_seed_same_dataset() -> None:
    a, b = load_dataset("iris", seed=5), load_dataset("iris", seed=5)
    np.testing.assert_array_equal(a.X_test, b.X_test)
    assert not np.array_equal(a.y_test, load_dataset("iris", seed=6).y_test) or not np.array_equal(
        a.X_test, load_dataset("iris", seed=6).X_test
    )


@pytest.mark.parametrize(("name", "names"), [("mnist", ("3", "6")),
                                             ("fashion_mnist", ("T-shirt/top", "Trouser"))])
def test_default_pairs_are_separable_by_logistic_regression(name: str, names: tuple) -> None:
    # The documented choice: logistic regression on the 4 PCA angles scores > 0.9.
    for seed in (0, 1):
        ds = load_dataset(name, seed=seed)
        assert ds.class_names == names
        assert logistic_baseline(ds) > 0.9


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_four_class_option(name: str) -> None:
    ds = load_dataset(name, classes=FOUR_CLASS[name], seed=0)
    assert ds.n_classes == 4 and set(np.unique(ds.y_train)) == {0, 1, 2, 3}
    assert logistic_baseline(ds) > 0.85


def test_cap_per_class_and_other_pairs() -> None:
    ds = load_dataset("mnist", classes=(0, 1), max_per_class=100, seed=0)
    assert len(ds.y_train) + len(ds.y_val) + len(ds.y_test) == 200
    raw = load_raw("mnist", classes=(7, 2))
    assert raw.class_names == ("7", "2") and set(raw.y) == {0, 1}
    assert raw.X.shape[1] == 784


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: load_dataset("cifar"), "dataset"),
        (lambda: load_dataset("mnist", classes=(3, 3)), "classes"),
        (lambda: load_dataset("iris", classes=(0, 7)), "classes"),
        (lambda: load_dataset("mnist", max_per_class=1), "max_per_class"),
        (lambda: load_dataset("iris", seed=-1), "seed"),
    ],
)
def test_bad_arguments_name_themselves(call, name: str) -> None:
    with pytest.raises(ValueError, match=f"^{name}: must"):
        call()
