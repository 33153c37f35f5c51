"""Feature selection by permutation importance measured on held-out data."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.feature_selection import SelectorMixin
from sklearn.inspection import permutation_importance
from sklearn.metrics import get_scorer_names
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit, check_cv
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils import check_sample_weight
from ..utils._sklearn_compat import HasMethods, Interval, StrOptions, _fit_context
from ..utils._typing import ArrayLike


def _take(a, idx):
    return None if a is None else a[idx]


class ImportancePruner(SelectorMixin, MetaEstimatorMixin, BaseEstimator):
    """Keep the features whose permutation hurts a held-out score the most.

    A clone of ``estimator`` is fitted on part of the training data and
    :func:`sklearn.inspection.permutation_importance` is measured on the held-out part
    (or, with ``cv``, on every test fold, pooling the repeats of all folds). The least
    important features are then dropped. As a Pipeline step in front of any model, the
    selection is learnt on the training data of each fit, so it can be cross-validated
    and grid-searched (e.g. ``pruner__drop_fraction``).

    How many features are kept depends on the first of these that is set:

    1. ``n_features_to_select``: keep that many (an int) or that fraction (a float);
    2. ``threshold``: keep the features with mean importance >= threshold;
    3. ``drop_fraction``: drop ``floor(n_features * drop_fraction)`` features, the least
       important; the default 1/3 drops the least important third.

    Ties in importance keep the earlier column.

    Parameters
    ----------
    estimator : estimator object
        Model whose held-out score defines importance; cloned, never modified.
    drop_fraction : float in [0, 1), default=1/3
        Fraction of the features to drop (rounded down).
    n_features_to_select : int, float or None, default=None
        Number (int >= 1) or fraction (float in (0, 1]) of features to keep.
    threshold : float or None, default=None
        Minimum mean importance (score drop) of a kept feature. A threshold above every
        importance keeps none (``transform`` then warns, as in ``SelectFromModel``).
    scoring : str, callable or None, default=None
        Score whose drop measures importance (e.g. ``"roc_auc"``); ``None`` uses the
        estimator's ``score`` (accuracy for classifiers).
    n_repeats : int, default=5
        Permutations per feature and split.
    validation_fraction : float in (0, 1), default=0.25
        Held-out fraction when ``cv`` is None; the split is stratified for classifiers.
    cv : int, cross-validation generator, iterable or None, default=None
        Measure on every test fold instead of one held-out split (as in
        :func:`~sklearn.model_selection.check_cv`; ints are stratified for classifiers).
    random_state : int, RandomState instance or None, default=None
        Seeds the held-out split and the permutations; a ``cv`` splitter object keeps
        its own seeding.
    n_jobs : int or None, default=None
        Parallel jobs of :func:`~sklearn.inspection.permutation_importance`.

    Attributes
    ----------
    importances_ : DataFrame
        One row per input feature, most important first, columns ``feature``, ``mean``,
        ``std`` (over every repeat of every split) and ``selected``.
    support_ : ndarray of bool, shape (n_features_in_,)
        Mask of the kept features, in input order.
    estimators_ : list of estimators
        The fitted clones, one per split.
    estimator_ : estimator
        ``estimators_[0]``: the clone the importances were measured with (the only one
        when ``cv`` is None). It was fitted on all features; refit a model on the selected
        ones, e.g. as the next Pipeline step.
    n_features_in_ : int
        Number of input features.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Input column names, when fit on a DataFrame with string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.random.default_rng(0).normal(size=(400, 6))
    >>> y = (X[:, 0] - X[:, 1] > 0).astype(int)  # only the first two features matter
    >>> pruner = ImportancePruner(LogisticRegression(), n_features_to_select=2,
    ...                           random_state=0).fit(X, y)
    >>> pruner.get_support(indices=True)
    array([0, 1])
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit"])],
        "drop_fraction": [Interval(Real, 0, 1, closed="left")],
        "n_features_to_select": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="right"),
            None,
        ],
        "threshold": [Real, None],
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "n_repeats": [Interval(Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "cv": ["cv_object", None],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        estimator: Any,
        *,
        drop_fraction: float = 1 / 3,
        n_features_to_select: int | float | None = None,
        threshold: float | None = None,
        scoring: Any | None = None,
        n_repeats: int = 5,
        validation_fraction: float = 0.25,
        cv: Any | None = None,
        random_state: int | np.random.RandomState | None = None,
        n_jobs: int | None = None,
    ):
        self.estimator = estimator
        self.drop_fraction = drop_fraction
        self.n_features_to_select = n_features_to_select
        self.threshold = threshold
        self.scoring = scoring
        self.n_repeats = n_repeats
        self.validation_fraction = validation_fraction
        self.cv = cv
        self.random_state = random_state
        self.n_jobs = n_jobs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        return tags

    # The inner estimator is validated by its own fit.
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
    ) -> ImportancePruner:
        """Measure permutation importances on held-out data and choose the features.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to the estimator's ``fit`` and to the held-out scoring.

        Returns
        -------
        self : object
        """
        X, y = validate_data(self, X, y)
        if len(X) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 samples to hold some out, got "
                f"n_samples={len(X)}."
            )
        n_features = X.shape[1]
        k = self.n_features_to_select
        if isinstance(k, Integral) and k > n_features:
            # Fail before any clone is fitted; a fraction never exceeds n_features.
            raise ValueError(
                f"{type(self).__name__}: n_features_to_select={k} but X has only "
                f"{n_features} feature(s)."
            )
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, len(X), estimator=self)
        rng = check_random_state(self.random_state)
        classifier = is_classifier(self.estimator)
        if self.cv is None:
            splitter_cls = StratifiedShuffleSplit if classifier else ShuffleSplit
            splitter = splitter_cls(
                n_splits=1, test_size=self.validation_fraction, random_state=rng.randint(2**31 - 1)
            )
        else:
            splitter = check_cv(self.cv, y, classifier=classifier)
        permutation_seed = rng.randint(2**31 - 1)

        self.estimators_, repeats = [], []
        for train, test in splitter.split(X, y):
            estimator = clone(self.estimator)
            fit_params = {} if sample_weight is None else {"sample_weight": sample_weight[train]}
            estimator.fit(X[train], y[train], **fit_params)
            result = permutation_importance(
                estimator,
                X[test],
                y[test],
                scoring=self.scoring,
                n_repeats=self.n_repeats,
                n_jobs=self.n_jobs,
                random_state=permutation_seed,
                sample_weight=_take(sample_weight, test),
            )
            self.estimators_.append(estimator)
            repeats.append(result.importances)
        self.estimator_ = self.estimators_[0]

        pooled = np.hstack(repeats)
        mean, std = pooled.mean(axis=1), pooled.std(axis=1)
        # Most important first; ties keep the earlier column.
        order = np.argsort(-mean, kind="stable")
        self.support_ = self._select(mean, order)
        names = self._feature_names()
        self.importances_ = pd.DataFrame(
            {
                "feature": names[order],
                "mean": mean[order],
                "std": std[order],
                "selected": self.support_[order],
            }
        )
        return self

    def _feature_names(self):
        if hasattr(self, "feature_names_in_"):
            return np.asarray(self.feature_names_in_, dtype=object)
        return np.asarray([f"x{i}" for i in range(self.n_features_in_)], dtype=object)

    def _select(self, mean, order):
        """Support mask from the mean importances and their decreasing ``order``."""
        n = len(mean)
        if self.n_features_to_select is not None:
            # An int larger than n was refused in fit, before fitting anything.
            k = self.n_features_to_select
            if isinstance(k, Real) and not isinstance(k, Integral):
                k = max(1, int(k * n))
        elif self.threshold is not None:
            return mean >= self.threshold
        else:
            # The small tolerance makes 9 * (1/3) drop 3 features, as n // 3 would.
            k = n - int(np.floor(n * self.drop_fraction + 1e-9))
        support = np.zeros(n, dtype=bool)
        support[order[:k]] = True
        return support

    def _get_support_mask(self):
        check_is_fitted(self, "support_")
        return self.support_
