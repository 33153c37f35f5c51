"""What the scorers of a comparison see of a fitted classifier on one test set.

A :class:`_ScoringView` wraps a fitted classifier for one test set so that

- each response of the classifier (``predict_proba``, or ``decision_function`` for
  classifiers without it, and ``predict``) is computed once and reused by every scorer (and
  timed once, for the ``predict_time`` column) and by the comparison's result, so the
  scorers and the ROC curves rank by the same score, and nothing predicts twice;
- with ``signal`` given, the classifier looks binary: class 1 is the signal (the summed
  probabilities of the signal classes), class 0 everything else, so every binary scorer
  (AUC, rejection, significance, accuracy) scores the signal-vs-background projection.
"""

from __future__ import annotations

from time import perf_counter
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.metaestimators import available_if

from ..metrics._projection import (
    _estimator_signal,
    _project_estimator_proba,
    _signal_mask,
    signal_score,
)

_RESPONSE_METHODS = ("predict_proba", "decision_function", "predict")


def resolve_signal(signal: Any, classes: np.ndarray) -> np.ndarray | None:
    """The signal classes (a subset of ``classes``, the classes of ``y``), validated."""
    if signal is None:
        return None
    return classes[_signal_mask(classes, signal)]


def _has_proba(view):
    return view.signal is not None or hasattr(view.estimator, "predict_proba")


def _has_decision_only(view):
    # Offered only without predict_proba, so that every scorer (sklearn's "roc_auc"
    # included, which prefers decision_function) and the curves rank by the same score.
    return not _has_proba(view) and hasattr(view.estimator, "decision_function")


class _ScoringView(ClassifierMixin, BaseEstimator):
    """A fitted classifier as seen by the scorers on one test set ``X`` (see module doc)."""

    def __init__(self, estimator, X, signal=None):
        self.estimator = estimator
        self.X = X
        self.signal = signal
        self._cache = {}
        if signal is None:
            self.classes_ = estimator.classes_
        else:
            self.classes_ = np.array([0, 1])

    def timed_response(self) -> float:
        """Compute (and cache) the main response on ``X``; return the seconds it took."""
        method = next(m for m in _RESPONSE_METHODS if hasattr(self, m))
        start = perf_counter()
        getattr(self, method)(self.X)
        return perf_counter() - start

    def score_of_signal(self) -> np.ndarray:
        """The signal score on ``X`` (binary or projected), from the cached responses."""
        return signal_score(self, self.X)

    def response(self, method: str) -> np.ndarray:
        """The classifier's own ``method`` (``"predict"``, ``"predict_proba"``, ...) on ``X``,
        not projected; computed once, whether a scorer asked for it first or not."""
        return self._cached(method, self.X, getattr(self.estimator, method))

    def _cached(self, name, X, compute):
        if X is not self.X:  # a scorer asking about other data: no caching
            return compute(X)
        if name not in self._cache:
            self._cache[name] = compute(X)
        return self._cache[name]

    @available_if(_has_proba)
    def predict_proba(self, X):
        if self.signal is None:
            return self._cached("predict_proba", X, self.estimator.predict_proba)
        s = self._cached("signal_score", X, self._projected_score)
        return np.column_stack([1.0 - s, s])

    def _projected_score(self, X):
        if not hasattr(self.estimator, "predict_proba"):
            raise ValueError(
                f"{type(self.estimator).__name__} has no predict_proba: projecting on "
                f"signal={np.atleast_1d(self.signal).tolist()} needs class probabilities."
            )
        # the classifier's own probabilities, cached: the result keeps them
        proba = self._cached("predict_proba", X, self.estimator.predict_proba)
        return _project_estimator_proba(
            self.estimator, proba, *_estimator_signal(self.estimator, self.signal))

    @available_if(_has_decision_only)
    def decision_function(self, X):
        return self._cached("decision_function", X, self.estimator.decision_function)

    def predict(self, X):
        if self.signal is None:
            return self._cached("predict", X, self.estimator.predict)
        # The projected decision: signal when the summed signal probability exceeds 1/2.
        return (self.predict_proba(X)[:, 1] > 0.5).astype(int)
