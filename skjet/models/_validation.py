"""Input checks and small mixins shared by skjet's classifiers."""

from __future__ import annotations

import warnings

import numpy as np

from ..utils import check_finite
from ..utils._validation import check_float32_range


def check_float32_finite(
    X: np.ndarray, estimator, name: str = "X", *, allow_nan: bool = False
) -> np.ndarray:
    """float32 C-contiguous copy-if-needed of ``X``; values overflowing float32 are refused.

    Values beyond the float32 range (about 3.4e38) become infinite in float32, the precision
    the models compute in, and are rejected like infinite values. With ``allow_nan``, NaN is
    kept (a missing value) and only infinite values raise.
    """
    check_float32_range(X, name=f"{type(estimator).__name__}: {name}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # overflow was refused above
        X32 = np.ascontiguousarray(X, dtype=np.float32)
    label = f"{type(estimator).__name__}: {name} (as float32)"
    if not allow_nan:
        check_finite(X32, name=label)
        return X32
    n_inf = int(np.count_nonzero(np.isinf(X32)))
    if n_inf:
        raise ValueError(
            f"{label} contains {n_inf} infinite value(s): infinity, or values beyond the "
            f"float32 range (about {np.finfo(np.float32).max:.1e}) that overflow to it. NaN "
            "is accepted as a missing value, infinite values are not: clean the input first."
        )
    return X32


class KnownLabelsScoreMixin:
    """``score`` (accuracy) that refuses labels never seen in fit, as every skjet classifier.

    scikit-learn's ``ClassifierMixin.score`` would count a sample of an unseen class as
    misclassified without a word; skjet's classifiers raise a ValueError naming the labels.
    """

    def score(self, X, y, sample_weight=None) -> float:
        """Accuracy on ``(X, y)``; labels not seen in fit raise a ValueError naming them.

        Parameters
        ----------
        X : array-like
            Input as for :meth:`predict`.
        y : array-like of shape (n_samples,)
            True labels, all among ``classes_``.
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        score : float
        """
        from sklearn.metrics import accuracy_score
        from sklearn.utils.validation import check_is_fitted

        from ..utils._classes import check_known_labels, check_labels

        check_is_fitted(self, "classes_")
        check_labels(y, estimator=self)
        check_known_labels(np.asarray(y), self.classes_, estimator=self)
        return float(accuracy_score(y, self.predict(X), sample_weight=sample_weight))


class LogProbaMixin:
    """``predict_log_proba`` as the logarithm of ``predict_proba`` (log 0 is -inf)."""

    def predict_log_proba(self, X) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like
            Input as for :meth:`predict_proba`.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))
