"""Feature preprocessing: raw features to encoding angles in [0, pi].

The pipeline is standardize -> PCA to ``n_components`` -> min-max scale each
component to ``[0, pi]``. Every statistic (means, scales, principal axes,
ranges) is fitted on the training split only; other splits are transformed
with them and clipped to ``[0, pi]``, since a test point may fall outside the
training range.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits


class AngleEncoder(TransformerMixin, BaseEstimator):
    """Standardize, project on the leading principal components, scale to ``[0, pi]``.

    If the data has fewer features (or samples) than ``n_components``, the
    missing components are zero columns, i.e. wires left in ``|0>``.

    Parameters
    ----------
    n_components : int, default=4
        Number of output features (one per qubit).

    Attributes
    ----------
    scaler_ : StandardScaler
    pca_ : PCA
        Fitted with the deterministic full SVD.
    low_, high_ : ndarray of shape (n_kept,)
        Training range of each kept component.
    n_features_in_ : int
    """

    def __init__(self, n_components: int = 4) -> None:
        self.n_components = n_components

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> AngleEncoder:
        """Fit the three stages on ``X`` of shape (n_samples, n_features)."""
        if (
            isinstance(self.n_components, bool)
            or not isinstance(self.n_components, (int, np.integer))
            or self.n_components < 1
        ):
            raise ValueError(f"n_components: must be an integer >= 1, got {self.n_components!r}")
        X = validate_data(self, X, dtype=np.float64)
        self.scaler_ = StandardScaler().fit(X)
        z = self.scaler_.transform(X)
        kept = min(int(self.n_components), X.shape[1], X.shape[0])
        # One BLAS thread: on a shared machine a spinning second thread made this
        # SVD (a few thousand x 784) 20x slower, and single-threaded it takes < 1 s.
        with threadpool_limits(limits=1, user_api="blas"):
            self.pca_ = PCA(n_components=kept, svd_solver="full").fit(z)
        p = self.pca_.transform(z)
        self.low_ = p.min(axis=0)
        self.high_ = p.max(axis=0)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Angles in rad, shape (n_samples, n_components), clipped to ``[0, pi]``."""
        check_is_fitted(self, "pca_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        p = self.pca_.transform(self.scaler_.transform(X))
        span = self.high_ - self.low_
        # A constant component carries no information: send it to angle 0.
        span = np.where(span > 0, span, np.inf)
        angles = np.clip((p - self.low_) / span, 0.0, 1.0) * np.pi
        out = np.zeros((X.shape[0], int(self.n_components)))
        out[:, : angles.shape[1]] = angles
        return out
