"""The input side shared by every estimator that takes constituents."""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._validation import check_constituents


class ConstituentInputMixin:
    """Mixin for estimators whose ``X`` is constituents (n_jets, n_constituents, n_features).

    It gives them, in one place, what scikit-learn and skjet need to know about such input:

    - the input tags ``two_d_array=False, three_d_array=True``, so that scikit-learn's
      common checks leave them to skjet's N-D checks;
    - the stateless marker ``_stateless = True``: ``fit`` learns nothing from the data
      (it validates and records shapes only), so a clone fitted on any chunk of jets
      transforms every other chunk (:func:`skjet.datasets.transform_top_tagging` streams
      through such steps). An estimator that learns statistics sets it to ``False``;
    - the pair :meth:`_validate_fit` / :meth:`_validate_transform`:
      :func:`~skjet.utils.check_constituents` with the required last-axis size
      ``_n_features`` (4 for (E, px, py, pz); ``None`` accepts any) at fit, recording
      ``n_features_in_``, and the fitted size afterwards; with ``_physical_input = True``
      also :func:`~skjet.utils.check_physical` (for estimators that read the first four
      features as a four-momentum).

    Put it before :class:`~sklearn.base.BaseEstimator` in the bases.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator, TransformerMixin
    >>> class JetPt(ConstituentInputMixin, TransformerMixin, BaseEstimator):
    ...     def fit(self, X, y=None):
    ...         self._validate_fit(X)
    ...         return self
    ...     def transform(self, X):
    ...         X = self._validate_transform(X)
    ...         return np.hypot(X[..., 1].sum(1), X[..., 2].sum(1))[:, None]
    >>> X = np.zeros((1, 2, 4), dtype=np.float32); X[0, 0] = [5, 3, 4, 0]
    >>> JetPt().fit_transform(X)
    array([[5.]], dtype=float32)
    """

    # Required size of the last axis at fit; None accepts any size >= 1.
    _n_features: int | None = 4

    # fit only validates and records shapes (see the class docstring).
    _stateless: bool = True

    # The first four features are read as a four-momentum: also refuse unphysical ones and
    # (pT, eta, phi, m) passed as (E, px, py, pz) (skjet.utils.check_physical).
    _physical_input: bool = False

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()  # type: ignore[misc]
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        return tags

    def _validate_fit(self, X) -> np.ndarray:
        """Checked constituents at fit; records ``n_features_in_`` (the last axis)."""
        X = check_constituents(
            X, n_features=self._n_features, estimator=self, physical=self._physical_input
        )
        self.n_features_in_ = X.shape[2]
        return X

    def _validate_transform(self, X) -> np.ndarray:
        """Checked constituents after fit, with the last-axis size seen in fit."""
        check_is_fitted(self, "n_features_in_")
        return check_constituents(
            X, n_features=self.n_features_in_, estimator=self, physical=self._physical_input
        )
