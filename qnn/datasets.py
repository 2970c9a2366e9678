"""The four benchmark tasks, split and preprocessed into encoding angles.

=================  =======  ====================================================
name               classes  raw data
=================  =======  ====================================================
``iris``           3        scikit-learn's bundled Iris (150 x 4)
``breast_cancer``  2        scikit-learn's bundled Wisconsin set (569 x 30)
``mnist``          2        digits 3 vs 6 (28 x 28 pixels), see :mod:`qnn.idx`
``fashion_mnist``  2        T-shirt/top (0) vs Trouser (1), see :mod:`qnn.idx`
=================  =======  ====================================================

Other class subsets are chosen with ``classes``; :data:`FOUR_CLASS` holds the
documented 4-class tasks (MNIST 0, 1, 3, 6; Fashion T-shirt, Trouser, Sandal,
Bag). Labels are renumbered ``0 .. k-1`` in the order given, so for a pair the
second class is "class 1". Image tasks keep at most ``max_per_class`` samples
per class (seeded draw) so every source gives a task of similar size.

The samples are split (stratified, seeded) into train / validation / test,
then :class:`~qnn.preprocess.AngleEncoder` is fitted on the training split and
applied to all three.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from qnn.idx import IMAGE_SOURCES, load_images
from qnn.preprocess import AngleEncoder
from qnn.vocabulary import DATASETS

DEFAULT_CLASSES = {"mnist": (3, 6), "fashion_mnist": (0, 1)}
FOUR_CLASS = {"mnist": (0, 1, 3, 6), "fashion_mnist": (0, 1, 5, 8)}
DEFAULT_MAX_PER_CLASS = 1000
DEFAULT_VAL_FRACTION = 0.2
DEFAULT_TEST_FRACTION = 0.2


@dataclass(frozen=True)
class RawData:
    """Unsplit samples of one task.

    Attributes
    ----------
    X : ndarray of shape (N, n_features)
        float for the scikit-learn sets, uint8 pixels for the image sets.
    y : ndarray of int, shape (N,)
        Labels ``0 .. k-1``.
    class_names : tuple of str
    source : str
        Where the samples came from.
    """

    X: np.ndarray
    y: np.ndarray
    class_names: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Dataset:
    """A task split and preprocessed into encoding angles in ``[0, pi]`` rad.

    Attributes
    ----------
    name : str
    X_train, X_val, X_test : ndarray of shape (n, n_qubits)
    y_train, y_val, y_test : ndarray of int
    class_names : tuple of str
    source : str
    encoder : AngleEncoder
        The preprocessing fitted on the training split.
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]
    source: str
    encoder: AngleEncoder

    @property
    def n_classes(self) -> int:
        """Number of classes."""
        return len(self.class_names)


def _select(
    X: np.ndarray, y: np.ndarray, classes: Sequence[int], names: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    classes = tuple(int(c) for c in classes)
    available = set(np.unique(y).tolist())
    if len(classes) < 2 or len(set(classes)) != len(classes) or not set(classes) <= available:
        raise ValueError(
            f"classes: must be >= 2 distinct labels among {sorted(available)}, got {classes}"
        )
    mask = np.isin(y, classes)
    relabel = {c: i for i, c in enumerate(classes)}
    y_new = np.array([relabel[int(c)] for c in y[mask]], dtype=np.int64)
    return X[mask], y_new, tuple(names[c] for c in classes)


def load_raw(
    name: str,
    *,
    classes: Sequence[int] | None = None,
    data_dir: str | Path | None = None,
    download: bool | None = None,
) -> RawData:
    """Unsplit, unprocessed samples of a task (see the module docstring).

    Parameters
    ----------
    name : {"iris", "breast_cancer", "mnist", "fashion_mnist"}
    classes : sequence of int, optional
        Original labels to keep, in the order that defines ``0 .. k-1``.
        Default: all classes for the scikit-learn sets, the documented pair
        for the image sets.
    data_dir : path, optional
        Directory of IDX files (image sets only).
    download : bool, optional
        Whether the image loaders may download (see :func:`qnn.idx.load_images`).
    """
    if name in ("iris", "breast_cancer"):
        from sklearn import datasets as skd

        bunch = skd.load_iris() if name == "iris" else skd.load_breast_cancer()
        names = tuple(str(n) for n in bunch.target_names)
        keep = range(len(names)) if classes is None else classes
        X, y, kept = _select(bunch.data.astype(float), bunch.target, keep, names)
        return RawData(X, y, kept, f"sklearn.datasets.load_{name}")
    if name in IMAGE_SOURCES:
        source = IMAGE_SOURCES[name]
        images = load_images(source, data_dir=data_dir, download_ok=download)
        keep = DEFAULT_CLASSES[name] if classes is None else classes
        X, y, kept = _select(images.X.reshape(len(images.X), -1), images.y, keep,
                             source.class_names)
        return RawData(X, y, kept, images.source)
    raise ValueError(f"dataset: must be one of {', '.join(DATASETS)}, got {name!r}")


def data_fingerprint(name: str) -> tuple[str, str]:
    """Where ``name``'s raw data comes from in this process, and a digest of its content.

    Every sample and label of the data set (all classes) is hashed, so two
    sources that hold different data never share a digest. The answer is
    memoised per data set and per value of its environment variable (e.g.
    ``COSIM_MNIST_DIR``): the data are read once per process.

    Parameters
    ----------
    name : {"iris", "breast_cancer", "mnist", "fashion_mnist"}

    Returns
    -------
    source : str
        As :attr:`RawData.source`; the scikit-learn sets name the scikit-learn version.
    digest : str
        First 16 hex digits of the SHA-256 of the samples and labels.
    """
    if name not in DATASETS:
        raise ValueError(f"dataset: must be one of {', '.join(DATASETS)}, got {name!r}")
    where = os.environ.get(IMAGE_SOURCES[name].env_var) if name in IMAGE_SOURCES else None
    return _fingerprint(name, where, os.environ.get("COSIM_OFFLINE", ""))


@functools.lru_cache(maxsize=16)
def _fingerprint(name: str, where: str | None, offline: str) -> tuple[str, str]:
    # where and offline are only part of the key: they choose the source.
    if name in IMAGE_SOURCES:
        images = load_images(IMAGE_SOURCES[name])
        X, y, source = images.X, images.y, images.source
    else:
        import sklearn
        from sklearn import datasets as skd

        bunch = skd.load_iris() if name == "iris" else skd.load_breast_cancer()
        X, y = bunch.data, bunch.target
        source = f"sklearn.datasets.load_{name} (scikit-learn {sklearn.__version__})"
    digest = hashlib.sha256()
    for array in (X, y):
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    return source, digest.hexdigest()[:16]


def _as_seed(seed: int | np.random.Generator) -> int:
    """An int seed for scikit-learn, drawn from a Generator if one is given."""
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2**31 - 1))
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed: must be an integer >= 0 or a numpy Generator, got {seed!r}")
    return int(seed)


def stratified_split(
    y: np.ndarray, *, val_fraction: float, test_fraction: float, seed: int | np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices of a stratified, seeded train / validation / test split.

    ``val_fraction`` may be 0 (empty validation set); ``test_fraction`` must be
    in ``(0, 1)`` and the two must leave a training set.
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction: must be in (0, 1), got {test_fraction!r}")
    if not 0 <= val_fraction < 1 or val_fraction + test_fraction >= 1:
        raise ValueError(
            f"val_fraction: must be in [0, 1 - test_fraction), got {val_fraction!r}"
        )
    seed = _as_seed(seed)
    idx = np.arange(len(y))
    rest, test = train_test_split(idx, test_size=test_fraction, stratify=y, random_state=seed)
    if val_fraction == 0:
        return np.sort(rest), np.array([], dtype=int), np.sort(test)
    frac = val_fraction / (1.0 - test_fraction)
    train, val = train_test_split(rest, test_size=frac, stratify=y[rest], random_state=seed + 1)
    return np.sort(train), np.sort(val), np.sort(test)


def _cap_per_class(y: np.ndarray, cap: int | None, rng: np.random.Generator) -> np.ndarray:
    if cap is None:
        return np.arange(len(y))
    keep = []
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        keep.append(np.sort(rng.choice(members, size=min(cap, len(members)), replace=False)))
    return np.sort(np.concatenate(keep))


def load_dataset(
    name: str,
    *,
    n_qubits: int = 4,
    classes: Sequence[int] | None = None,
    max_per_class: int | None = DEFAULT_MAX_PER_CLASS,
    val_fraction: float = DEFAULT_VAL_FRACTION,
    test_fraction: float = DEFAULT_TEST_FRACTION,
    seed: int | np.random.Generator = 0,
    data_dir: str | Path | None = None,
    download: bool | None = None,
) -> Dataset:
    """Load, subsample, split and preprocess one task.

    Parameters
    ----------
    name : {"iris", "breast_cancer", "mnist", "fashion_mnist"}
    n_qubits : int, default=4
        Number of PCA components (encoding angles).
    classes : sequence of int, optional
        See :func:`load_raw`; e.g. ``FOUR_CLASS["mnist"]``.
    max_per_class : int or None, default=1000
        Cap on samples per class for the image sets (None keeps all).
    val_fraction, test_fraction : float, default=0.2, 0.2
        Fractions of the samples in the validation and test splits.
    seed : int or numpy.random.Generator, default=0
        Drives the subsample and the split.
    data_dir, download
        See :func:`load_raw`.

    Returns
    -------
    Dataset
    """
    if max_per_class is not None and (
        isinstance(max_per_class, bool)
        or not isinstance(max_per_class, (int, np.integer))
        or max_per_class < 2
    ):
        raise ValueError(f"max_per_class: must be an integer >= 2 or None, got {max_per_class!r}")
    raw = load_raw(name, classes=classes, data_dir=data_dir, download=download)
    rng = np.random.default_rng(_as_seed(seed))
    cap = max_per_class if name in IMAGE_SOURCES else None
    sub = _cap_per_class(raw.y, cap, rng)
    X, y = raw.X[sub].astype(float), raw.y[sub]
    train, val, test = stratified_split(
        y, val_fraction=val_fraction, test_fraction=test_fraction, seed=rng
    )
    encoder = AngleEncoder(n_components=n_qubits).fit(X[train])
    return Dataset(
        name=name,
        X_train=encoder.transform(X[train]),
        y_train=y[train],
        X_val=encoder.transform(X[val]) if len(val) else np.empty((0, n_qubits)),
        y_val=y[val],
        X_test=encoder.transform(X[test]),
        y_test=y[test],
        class_names=raw.class_names,
        source=raw.source,
        encoder=encoder,
    )


def logistic_baseline(dataset: Dataset) -> float:
    """Test accuracy of logistic regression on the same angles and split.

    Fitted on ``X_train`` with scikit-learn's defaults (L2, C=1, lbfgs).
    """
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):  # tiny problem: see qnn.training
        model = LogisticRegression(max_iter=1000).fit(dataset.X_train, dataset.y_train)
        return float(model.score(dataset.X_test, dataset.y_test))
