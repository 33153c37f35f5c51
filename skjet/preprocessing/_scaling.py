"""Per-feature scaling of constituents, with statistics over real constituents only."""

from __future__ import annotations

import numpy as np

from ..utils import ConstituentInputMixin, constituent_mask
from ..utils._sklearn_compat import StrOptions, _fit_context
from ..utils._typing import ArrayLike
from ._base import _NDOutputTransformer


class ConstituentScaler(ConstituentInputMixin, _NDOutputTransformer):
    """Scale each per-constituent feature, ignoring padding in the statistics.

    A zero-padded constituent array holds many all-zero rows; fitting
    :class:`~sklearn.preprocessing.StandardScaler` on the flattened table would count them
    as data and shift every mean towards zero. This scaler computes its statistics over
    the real (non-padding) constituents of the training jets only, applies them to each
    feature of the last axis, and leaves padding rows exactly zero.

    Parameters
    ----------
    method : {"standard", "maxabs", "minmax"}, default="standard"
        ``"standard"``: ``(x - mean) / std``; ``"maxabs"``: ``x / max|x|``;
        ``"minmax"``: ``(x - min) / (max - min)``, mapping real constituents into [0, 1].
        A feature with zero spread gets scale 1 (as in scikit-learn).

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
        Mean of each feature over the real training constituents.
    center_ : ndarray of shape (n_features,)
        Value subtracted: ``mean_`` for "standard", 0 for "maxabs", the minimum for "minmax".
    scale_ : ndarray of shape (n_features,)
        Divisor: standard deviation, maximum absolute value or range.
    n_constituents_seen_ : int
        Number of real constituents the statistics were computed on.
    n_features_in_ : int
        Size of the last axis (features per constituent).

    Notes
    -----
    Padding is recognised as an all-zero row, before and after scaling. A real constituent
    whose every scaled feature is exactly zero would therefore read as padding downstream;
    with continuous features this does not happen in practice.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((2, 3, 4), dtype=np.float32)
    >>> X[0, :2] = [[10, 6, 8, 0], [20, -6, -8, 0]]
    >>> X[1, :1] = [[30, 0, 0, 30]]
    >>> scaler = ConstituentScaler().fit(X)
    >>> scaler.mean_
    array([20.,  0.,  0., 10.])
    >>> Xt = scaler.transform(X)
    >>> bool((Xt[0, 2] == 0).all() and (Xt[1, 1:] == 0).all())
    True
    """

    _parameter_constraints: dict = {"method": [StrOptions({"standard", "maxabs", "minmax"})]}
    _n_features = None

    # fit learns the centring and scaling statistics of the data it sees.
    _stateless = False

    def __init__(self, method: str = "standard"):
        self.method = method

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike | None = None) -> ConstituentScaler:
        """Compute the per-feature statistics over the real constituents of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_jets, n_constituents, n_features)
            Zero-padded constituents.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        X = self._validate_fit(X)
        real = X[constituent_mask(X)]
        if len(real) == 0:
            raise ValueError(
                f"{type(self).__name__}: every constituent row of the {len(X)} jet(s) is "
                "padding (all zeros); there is nothing to compute scaling statistics from."
            )
        # Accumulate in float64: sums over millions of constituents lose digits in float32.
        self.mean_ = real.mean(axis=0, dtype=np.float64)
        if self.method == "standard":
            center, scale = self.mean_, real.std(axis=0, dtype=np.float64)
        elif self.method == "maxabs":
            center = np.zeros_like(self.mean_)
            scale = np.abs(real).max(axis=0).astype(np.float64)
        else:
            low = real.min(axis=0).astype(np.float64)
            center, scale = low, real.max(axis=0).astype(np.float64) - low
        # Zero spread (a constant feature) would divide by zero: leave it unscaled.
        self.center_ = center
        self.scale_ = np.where(scale > 0, scale, 1.0)
        self.n_constituents_seen_ = len(real)
        return self

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Scale the real constituents; padding rows stay exactly zero.

        Parameters
        ----------
        X : array-like of shape (n_jets, n_constituents, n_features)

        Returns
        -------
        X_scaled : ndarray of shape (n_jets, n_constituents, n_features), float32
        """
        X = self._validate_transform(X)
        padding = ~constituent_mask(X)
        out = (X - self.center_.astype(np.float32)) / self.scale_.astype(np.float32)
        out[padding] = 0.0
        return out

    def inverse_transform(self, X: ArrayLike) -> np.ndarray:
        """Undo the scaling; all-zero (padding) rows stay zero.

        Parameters
        ----------
        X : array-like of shape (n_jets, n_constituents, n_features)
            Scaled constituents.

        Returns
        -------
        X_original : ndarray of shape (n_jets, n_constituents, n_features), float32
        """
        X = self._validate_transform(X)
        padding = ~constituent_mask(X)
        out = X * self.scale_.astype(np.float32) + self.center_.astype(np.float32)
        out[padding] = 0.0
        return out
