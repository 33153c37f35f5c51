"""What the scorers of a comparison see of a fitted classifier on one test set.

A :class:`_ScoringView` wraps a fitted classifier for one test set so that

- each response (``predict_proba``, ``decision_function``, ``predict``) is computed once
  and reused by every scorer (and timed once, for the ``predict_time`` column);
- with ``signal`` given, the classifier looks binary: class 1 is the signal (the summed
  probabilities of the signal classes), class 0 everything else, so every binary scorer
  (AUC, rejection, significance, accuracy) scores the signal-vs-background projection.
"""

from __future__ import annotations

from time import perf_counter

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.metaestimators import available_if

from ..metrics import project_proba
from ..metrics._projection import _signal_mask

_RESPONSE_METHODS = ("predict_proba", "decision_function", "predict")


def resolve_signal(signal, classes: np.ndarray) -> np.ndarray | None:
    """The signal classes (a subset of ``classes``, the classes of ``y``), validated."""
    if signal is None:
        return None
    return classes[_signal_mask(classes, signal)]


def signal_score(estimator, X, signal=None) -> np.ndarray:
    """The signal score of a fitted classifier: larger means more signal-like.

    With ``signal`` given, the summed probabilities of the signal classes; otherwise (binary
    classifiers only) the probability of ``classes_[1]``, or the decision function where
    there is no ``predict_proba``.
    """
    if signal is not None:
        if not hasattr(estimator, "predict_proba"):
            raise ValueError(
                f"{type(estimator).__name__} has no predict_proba: projecting on "
                f"signal={list(np.atleast_1d(signal))} needs class probabilities."
            )
        return project_proba(estimator.predict_proba(X), estimator.classes_, signal)
    classes = getattr(estimator, "classes_", None)
    if classes is None or len(classes) != 2:
        raise ValueError(
            f"{type(estimator).__name__} is not a fitted binary classifier (classes_="
            f"{None if classes is None else list(classes)}); pass signal= to project a "
            "multiclass classifier on signal vs background."
        )
    if hasattr(estimator, "predict_proba"):
        return np.asarray(estimator.predict_proba(X))[:, 1]
    if hasattr(estimator, "decision_function"):
        return np.asarray(estimator.decision_function(X)).ravel()
    raise ValueError(
        f"{type(estimator).__name__} has neither predict_proba nor decision_function: "
        "it gives no continuous score to draw a ROC curve from."
    )


def _has(method):
    return lambda view: view.signal is None and hasattr(view.estimator, method)


def _has_proba(view):
    return view.signal is not None or hasattr(view.estimator, "predict_proba")


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
        """The signal score on ``X`` from the cached responses (binary or projected)."""
        if self.signal is not None:
            return self.predict_proba(self.X)[:, 1]
        if hasattr(self, "predict_proba"):
            return self.predict_proba(self.X)[:, 1]
        return np.asarray(self.decision_function(self.X)).ravel()

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
        s = self._cached("signal_score", X, lambda X: signal_score(self.estimator, X, self.signal))
        return np.column_stack([1.0 - s, s])

    @available_if(_has("decision_function"))
    def decision_function(self, X):
        return self._cached("decision_function", X, self.estimator.decision_function)

    def predict(self, X):
        if self.signal is None:
            return self._cached("predict", X, self.estimator.predict)
        # The projected decision: signal when the summed signal probability exceeds 1/2.
        return (self.predict_proba(X)[:, 1] > 0.5).astype(int)
