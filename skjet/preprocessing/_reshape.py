"""Between flat constituent tables (n_jets, n_constituents * n_features) and 3-D arrays."""

from __future__ import annotations

import re
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils import ConstituentInputMixin, check_constituents, check_finite
from ..utils._awkward import MOMENTUM_NAMES
from ..utils._sklearn_compat import Interval, _fit_context
from ..utils._typing import ArrayLike
from ._base import _NDOutputTransformer

# Column prefixes of the Top Quark Tagging Reference Dataset: E_0, PX_0, PY_0, PZ_0, E_1, ...
# (the names PadConstituents gives the four-momentum of jagged input, too).
FOUR_MOMENTUM_NAMES = MOMENTUM_NAMES
_INDEXED = re.compile(r"^(.*)_(\d+)$")


def _check_column_order(columns, n_features, who):
    """If every column is named ``<feature>_<index>``, check they are in constituent order.

    Reshaping trusts the column order; a frame whose columns were sorted alphabetically
    (E_0, E_1, ..., PX_0, ...) would otherwise mix energies and momenta silently.
    """
    matches = [_INDEXED.match(str(c)) for c in columns]
    if not all(matches):
        return
    # The features of a constituent are the names carrying index 0, in their order.
    prefixes = [m.group(1) for m in matches if int(m.group(2)) == 0]
    if len(prefixes) != n_features:
        raise ValueError(
            f"{who}: {len(prefixes)} column(s) carry constituent index 0 "
            f"({', '.join(prefixes)}), but n_features={n_features}."
        )
    for k, (column, m) in enumerate(zip(columns, matches)):
        expected = f"{prefixes[k % n_features]}_{k // n_features}"
        if (m.group(1), int(m.group(2))) != (prefixes[k % n_features], k // n_features):
            raise ValueError(
                f"{who}: column {k} is {column!r} but the constituent layout "
                f"({', '.join(prefixes)} per constituent, constituent by constituent) expects "
                f"{expected!r} there. Select the columns in the order "
                f"{prefixes[0]}_0, ..., {prefixes[-1]}_0, {prefixes[0]}_1, ..."
            )


class ReshapeConstituents(_NDOutputTransformer):
    """Reshape a flat constituent table (n_jets, n_constituents * n_features) to 3-D.

    Columns are read constituent by constituent, as in the Top Quark Tagging Reference
    Dataset: (E_0, PX_0, PY_0, PZ_0, E_1, ...) becomes ``(n_jets, 200, 4)``. A DataFrame
    whose columns are all named ``<feature>_<index>`` is checked to be in that order.

    Parameters
    ----------
    n_features : int, default=4
        Features per constituent (4 for (E, px, py, pz)).

    Attributes
    ----------
    n_constituents_ : int
        Constituent slots per jet (columns / ``n_features``).
    n_features_in_ : int
        Number of columns seen in fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when fit on a DataFrame with string column names.

    Notes
    -----
    The output is a float32 view of the validated input where no conversion was needed;
    copy it before modifying it in place if the input must stay unchanged. The output is
    3-D, so ``set_output`` accepts a configuration but keeps returning arrays.

    Examples
    --------
    >>> import numpy as np
    >>> flat = np.arange(16, dtype=np.float32).reshape(2, 8)
    >>> ReshapeConstituents().fit_transform(flat).shape
    (2, 2, 4)
    """

    _parameter_constraints: dict = {"n_features": [Interval(Integral, 1, None, closed="left")]}

    # fit records only the column layout (see ConstituentInputMixin).
    _stateless = True

    def __init__(self, n_features: int = 4):
        self.n_features = n_features

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    def _check_2d(self, X):
        # Constituent arrays passed by mistake get a specific message; 1-D input gets
        # scikit-learn's own ("Reshape your data ...").
        ndim = getattr(X, "ndim", 2)
        if ndim > 2:
            raise ValueError(
                f"{type(self).__name__} expects a 2-D table (n_jets, n_constituents * "
                f"{self.n_features}), got {ndim}-D of shape {np.shape(X)}."
            )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike | None = None) -> ReshapeConstituents:
        """Check that the columns split into constituents of ``n_features``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_jets, n_constituents * n_features)
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        self._check_2d(X)
        X = validate_data(self, X, dtype=np.float32)
        n_columns = X.shape[1]
        if n_columns % self.n_features:
            raise ValueError(
                f"{type(self).__name__}: X has {n_columns} feature(s) (columns), which is not "
                f"a multiple of n_features={self.n_features} ({n_columns} = "
                f"{n_columns // self.n_features} * {self.n_features} + "
                f"{n_columns % self.n_features}). Select only the constituent columns."
            )
        if hasattr(self, "feature_names_in_"):
            _check_column_order(self.feature_names_in_, self.n_features, type(self).__name__)
        self.n_constituents_ = n_columns // self.n_features
        return self

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Reshape to (n_jets, n_constituents, n_features).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_jets, n_constituents * n_features)

        Returns
        -------
        constituents : ndarray of shape (n_jets, n_constituents, n_features), float32
        """
        check_is_fitted(self, "n_constituents_")
        self._check_2d(X)
        X = validate_data(self, X, dtype=np.float32, reset=False)
        return np.ascontiguousarray(X).reshape(len(X), self.n_constituents_, self.n_features)

    def inverse_transform(self, X: ArrayLike) -> np.ndarray:
        """Flatten (n_jets, n_constituents, n_features) back to the fitted table layout.

        Parameters
        ----------
        X : array-like of shape (n_jets, n_constituents_, n_features)

        Returns
        -------
        flat : ndarray of shape (n_jets, n_constituents_ * n_features), float32
        """
        check_is_fitted(self, "n_constituents_")
        X = check_constituents(
            X, n_features=self.n_features, estimator=self, n_constituents=self.n_constituents_
        )
        return X.reshape(len(X), -1)


class FlattenConstituents(ConstituentInputMixin, TransformerMixin, BaseEstimator):
    """Flatten constituents (n_jets, n_constituents, n_features) to a 2-D table.

    The columns run constituent by constituent: for (E, px, py, pz) they are named
    E_0, PX_0, PY_0, PZ_0, E_1, ..., the Top Quark Tagging Reference Dataset layout, so
    jet-level models (boosted trees, MLPs) can take constituents, and
    ``set_output(transform="pandas")`` gives a DataFrame with those columns.

    Parameters
    ----------
    feature_names : sequence of str or None, default=None
        Names of the per-constituent features. ``None`` gives E, PX, PY, PZ for four
        features and x0, x1, ... otherwise. After :class:`RelativeConstituents`, pass
        ``RelativeConstituents().fit(X).get_feature_names_out()`` or
        ``skjet.preprocessing.RELATIVE_FEATURE_NAMES``.

    Attributes
    ----------
    n_features_in_ : int
        Size of the last axis (features per constituent).
    n_constituents_ : int
        Constituent slots per jet.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.ones((2, 3, 4), dtype=np.float32)
    >>> flat = FlattenConstituents().fit(X)
    >>> flat.transform(X).shape
    (2, 12)
    >>> list(flat.get_feature_names_out()[:5])
    ['E_0', 'PX_0', 'PY_0', 'PZ_0', 'E_1']
    """

    _parameter_constraints: dict = {"feature_names": ["array-like", None]}

    # Any number of features per constituent; fit records only shapes (stateless).
    _n_features = None

    def __init__(self, feature_names: ArrayLike | None = None):
        self.feature_names = feature_names

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike | None = None) -> FlattenConstituents:
        """Record the constituent slots and features per constituent.

        Parameters
        ----------
        X : array-like of shape (n_jets, n_constituents, n_features)
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        X = self._validate_fit(X)
        n_features = X.shape[2]
        if self.feature_names is not None and len(self.feature_names) != n_features:
            del self.n_features_in_  # a failed fit leaves no fitted state
            raise ValueError(
                f"{type(self).__name__}: feature_names has {len(self.feature_names)} "
                f"name(s) but X has {n_features} features per constituent (shape {X.shape})."
            )
        self.n_constituents_ = X.shape[1]
        return self

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Flatten to (n_jets, n_constituents * n_features).

        Parameters
        ----------
        X : array-like of shape (n_jets, n_constituents_, n_features_in_)

        Returns
        -------
        flat : ndarray of shape (n_jets, n_constituents_ * n_features_in_), float32
        """
        check_is_fitted(self, "n_constituents_")
        # Jagged input is padded to the fitted width, so the flat columns line up.
        X = check_constituents(
            X, n_features=self.n_features_in_, estimator=self, n_constituents=self.n_constituents_
        )
        return X.reshape(len(X), -1)

    def inverse_transform(self, X: ArrayLike) -> np.ndarray:
        """Reshape a flat table back to (n_jets, n_constituents_, n_features_in_).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_jets, n_constituents_ * n_features_in_)

        Returns
        -------
        constituents : ndarray of shape (n_jets, n_constituents_, n_features_in_), float32
        """
        check_is_fitted(self, "n_constituents_")
        X = np.ascontiguousarray(np.asarray(X), dtype=np.float32)
        width = self.n_constituents_ * self.n_features_in_
        if X.ndim != 2 or X.shape[1] != width:
            raise ValueError(
                f"{type(self).__name__}: expected a 2-D table with {width} columns "
                f"({self.n_constituents_} constituents * {self.n_features_in_} features), "
                f"got shape {X.shape}."
            )
        check_finite(X, name=f"{type(self).__name__}: X")
        return X.reshape(len(X), self.n_constituents_, self.n_features_in_)

    def get_feature_names_out(self, input_features: ArrayLike | None = None) -> np.ndarray:
        """Column names ``<feature>_<constituent index>``, constituent by constituent.

        Parameters
        ----------
        input_features : None
            Ignored (the per-constituent names come from ``feature_names``).

        Returns
        -------
        names : ndarray of str, shape (n_constituents_ * n_features_in_,)
        """
        check_is_fitted(self, "n_constituents_")
        if self.feature_names is not None:
            names = [str(name) for name in self.feature_names]
        elif self.n_features_in_ == len(FOUR_MOMENTUM_NAMES):
            names = list(FOUR_MOMENTUM_NAMES)
        else:
            names = [f"x{k}" for k in range(self.n_features_in_)]
        return np.asarray(
            [f"{name}_{i}" for i in range(self.n_constituents_) for name in names], dtype=object
        )
