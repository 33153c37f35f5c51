"""Shared plumbing of the transformers whose output is a 3-D or 4-D array."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..utils import check_constituents


class _NDOutputTransformer(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Base of transformers on constituents (n_jets, n_constituents, n_features).

    Their output has no tabular container, so scikit-learn's automatic pandas wrapping is
    switched off; :meth:`set_output` is kept (as a documented no-op) so that
    ``Pipeline.set_output(transform="pandas")`` still configures the 2-D steps after them.
    ``n_features_in_`` is the size of the last axis.
    """

    # Required last-axis size; None accepts any size.
    _n_features: int | None = 4

    # Stateless: fit learns nothing from the data (it only validates and records shapes),
    # so a clone can be fitted on any chunk of jets and transform every other chunk.
    # Subclasses that learn statistics (e.g. ConstituentScaler) set it to False.
    _stateless = True

    # Whether the first four features are read as a four-momentum (E, px, py, pz); those
    # transformers refuse unphysical input (skjet.utils.check_physical).
    _physical_input = False

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.requires_fit = True
        return tags

    def set_output(self, *, transform=None):
        """Accept an output configuration and keep returning arrays.

        The output of this transformer is 3-D (or 4-D), which a DataFrame cannot hold, so
        the setting changes nothing here; it exists so that ``set_output`` on a Pipeline
        reaches the 2-D steps that follow (e.g. :class:`FlattenConstituents`).

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None
            Ignored (validated only).

        Returns
        -------
        self : object
        """
        if transform not in (None, "default", "pandas", "polars"):
            raise ValueError(
                f"transform must be 'default', 'pandas', 'polars' or None, got {transform!r}."
            )
        return self

    def _validate_fit(self, X) -> np.ndarray:
        X = check_constituents(
            X, n_features=self._n_features, estimator=self, physical=self._physical_input
        )
        self.n_features_in_ = X.shape[2]
        return X

    def _validate_transform(self, X) -> np.ndarray:
        check_is_fitted(self, "n_features_in_")
        return check_constituents(
            X, n_features=self.n_features_in_, estimator=self, physical=self._physical_input
        )
