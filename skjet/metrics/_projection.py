"""Projection of multiclass probabilities onto a signal-vs-background problem.

A five-class tagger (g, q, t, w, z) becomes a heavy-vs-light tagger by summing the
probabilities of the heavy classes: the sum is a binary score for "any of t, w, z".
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from sklearn.metrics import roc_curve

from ..utils import check_finite
from ..utils._sklearn_compat import NumberInterval, validate_params
from ..utils._typing import ArrayLike
from ._rejection import _as_1d, _check_metric_weight, _weighted_auc


def _check_classes(classes) -> np.ndarray:
    classes = _as_1d(classes, "classes")
    if classes.size < 2:
        raise ValueError(f"classes must hold at least 2 labels, got {classes.tolist()}.")
    if len(set(classes.tolist())) != classes.size:
        raise ValueError(f"classes has duplicate labels: {classes.tolist()}.")
    return classes


def _signal_mask(classes: np.ndarray, signal) -> np.ndarray:
    """Boolean mask over ``classes`` of the ``signal`` label(s); unknown names are an error."""
    if isinstance(signal, (str, bytes)) or np.ndim(signal) == 0:
        signal = [signal]
    signal = list(np.asarray(signal, dtype=object).ravel())
    if not signal:
        raise ValueError("signal is empty: name at least one signal class.")
    known = set(classes.tolist())
    unknown = [label for label in signal if label not in known]
    if unknown:
        raise ValueError(f"signal classes {unknown} are not in classes {classes.tolist()}.")
    wanted = set(signal)
    mask = np.array([label in wanted for label in classes.tolist()])
    if mask.all():
        raise ValueError(
            f"signal names every class {classes.tolist()}: at least one class must be background."
        )
    return mask


def _check_proba(proba, classes: np.ndarray) -> np.ndarray:
    proba = np.asarray(proba)
    if proba.ndim != 2 or proba.shape[1] != classes.size:
        raise ValueError(
            f"proba must have shape (n_samples, {classes.size}) to match the "
            f"{classes.size} classes {classes.tolist()}, got shape {proba.shape}."
        )
    if proba.dtype.kind not in "biuf":
        raise ValueError(f"proba must be numeric, got dtype {proba.dtype}.")
    proba = proba.astype(np.float64, copy=False)
    check_finite(proba, name="proba")
    _check_rows_are_probabilities(proba)
    return proba


# Rows of probabilities sum to 1 up to float32 rounding over a few classes (a network's
# softmax in float32); log-probabilities or raw scores miss by far more.
_PROBA_ATOL = 1e-4


def _check_rows_are_probabilities(proba: np.ndarray) -> None:
    """Refuse rows that are not probabilities: entries outside [0, 1] or sums away from 1."""
    outside = (proba < -_PROBA_ATOL) | (proba > 1 + _PROBA_ATOL)
    off = np.abs(proba.sum(axis=1) - 1.0) > _PROBA_ATOL * max(1, proba.shape[1])
    bad = outside.any(axis=1) | off
    if bad.any():
        rows = np.flatnonzero(bad)
        hint = (
            " They look like log-probabilities (all <= 0): pass predict_proba, not "
            "predict_log_proba."
            if (proba[rows] <= 0).all()
            else " Pass predict_proba, not decision_function or predict_log_proba."
        )
        raise ValueError(
            f"proba must hold class probabilities (each row in [0, 1], summing to 1); "
            f"{rows.size} of {len(proba)} rows are not, first row {int(rows[0])}: "
            f"{proba[rows[0]].tolist()} (sum {proba[rows[0]].sum():.6g}).{hint}"
        )


def project_proba(proba: ArrayLike, classes: ArrayLike, signal: Any) -> np.ndarray:
    """Sum the class probabilities of the ``signal`` classes into one binary score.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Class probabilities, columns in the order of ``classes`` (e.g. an estimator's
        ``predict_proba`` with its ``classes_``).
    classes : array-like of shape (n_classes,)
        The class labels of the columns.
    signal : label or list of labels
        The classes that count as signal, e.g. ``["t", "w", "z"]``.

    Returns
    -------
    score : ndarray of shape (n_samples,)
        Probability that a sample belongs to any signal class.

    Examples
    --------
    >>> proba = [[0.5, 0.2, 0.3], [0.1, 0.1, 0.8]]
    >>> project_proba(proba, classes=["g", "q", "t"], signal="t")
    array([0.3, 0.8])
    >>> project_proba(proba, classes=["g", "q", "t"], signal=["q", "t"])
    array([0.5, 0.9])
    """
    classes = _check_classes(classes)
    mask = _signal_mask(classes, signal)
    proba = _check_proba(proba, classes)
    return proba[:, mask].sum(axis=1)


def _projected_inputs(y_true, proba, classes, signal, sample_weight=None):
    """Validated ``(is_signal, score, weight)`` of a projected problem."""
    classes = _check_classes(classes)
    mask = _signal_mask(classes, signal)
    proba = _check_proba(proba, classes)
    y_true = _as_1d(y_true, "y_true")
    if y_true.shape[0] != proba.shape[0]:
        raise ValueError(
            f"y_true has {y_true.shape[0]} samples but proba has {proba.shape[0]} rows."
        )
    is_signal = _signal_targets(y_true, classes, mask)
    # Negative weights (NLO generators, sWeights) enter the sums like any other.
    weight = _check_metric_weight(sample_weight, y_true.shape[0], allow_negative=True)
    for label, part in (("signal", is_signal), ("background", ~is_signal)):
        if weight[part].sum() <= 0:
            raise ValueError(f"The total {label} weight is not positive: {weight[part].sum()}.")
    return is_signal, proba[:, mask].sum(axis=1), weight


def _signal_targets(y_true, classes: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Map labels to signal (True) / background; unknown labels or a single kind are errors."""
    y_true = _as_1d(y_true, "y_true")
    if y_true.shape[0] == 0:
        raise ValueError("y_true is empty: at least two samples are needed.")
    unseen = sorted(set(np.unique(y_true).tolist()) - set(classes.tolist()), key=str)
    if unseen:
        raise ValueError(f"y_true has labels {unseen} that are not in classes {classes.tolist()}.")
    is_signal = np.isin(y_true, classes[mask])
    if is_signal.all() or not is_signal.any():
        kind = "signal" if is_signal.all() else "background"
        raise ValueError(
            f"every sample of y_true is {kind} (signal classes {classes[mask].tolist()}): "
            "both signal and background samples are needed."
        )
    return is_signal


def projected_roc_curve(
    y_true: ArrayLike,
    proba: ArrayLike,
    classes: ArrayLike,
    signal: Any,
    sample_weight: ArrayLike | None = None,
    drop_intermediate: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ROC curve of the ``signal`` classes against all other classes.

    ``y_true`` is mapped to signal (label in ``signal``) or background, and the score is
    :func:`project_proba`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Multiclass labels, each one of ``classes``.
    proba : array-like of shape (n_samples, n_classes)
        Class probabilities, columns in the order of ``classes``.
    classes : array-like of shape (n_classes,)
        The class labels of the columns.
    signal : label or list of labels
        The classes that count as signal.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights (negative ones included: sums of weights).
    drop_intermediate : bool, default=True
        Passed to :func:`sklearn.metrics.roc_curve`.

    Returns
    -------
    fpr, tpr, thresholds : ndarray
        As :func:`sklearn.metrics.roc_curve`: background and signal efficiencies for
        ``score >= thresholds``.

    Examples
    --------
    >>> y = ["g", "t", "w", "q"]
    >>> proba = [[0.6, 0.2, 0.1, 0.1], [0.1, 0.1, 0.7, 0.1],
    ...          [0.2, 0.1, 0.3, 0.4], [0.3, 0.5, 0.1, 0.1]]
    >>> fpr, tpr, _ = projected_roc_curve(y, proba, ["g", "q", "t", "w"], signal=["t", "w"])
    >>> fpr.tolist(), tpr.tolist()
    ([0.0, 0.0, 0.0, 1.0], [0.0, 0.5, 1.0, 1.0])
    """
    is_signal, score, weight = _projected_inputs(y_true, proba, classes, signal, sample_weight)
    return roc_curve(is_signal, score, sample_weight=weight, drop_intermediate=drop_intermediate)


def projected_roc_auc(
    y_true: ArrayLike,
    proba: ArrayLike,
    classes: ArrayLike,
    signal: Any,
    sample_weight: ArrayLike | None = None,
) -> float:
    """Area under the ROC curve of the ``signal`` classes against all other classes.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Multiclass labels, each one of ``classes``.
    proba : array-like of shape (n_samples, n_classes)
        Class probabilities, columns in the order of ``classes``.
    classes : array-like of shape (n_classes,)
        The class labels of the columns.
    signal : label or list of labels
        The classes that count as signal.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights (negative ones included: sums of weights).

    Returns
    -------
    auc : float

    Examples
    --------
    >>> y = ["g", "t", "w", "q"]
    >>> proba = [[0.6, 0.2, 0.1, 0.1], [0.1, 0.1, 0.7, 0.1],
    ...          [0.2, 0.1, 0.3, 0.4], [0.3, 0.5, 0.1, 0.1]]
    >>> projected_roc_auc(y, proba, ["g", "q", "t", "w"], signal=["t", "w"])
    1.0
    """
    is_signal, score, weight = _projected_inputs(y_true, proba, classes, signal, sample_weight)
    return _weighted_auc(is_signal, score, weight)


@validate_params(
    # open at both infinities: a finite threshold
    {"threshold": [NumberInterval(numbers.Real, None, None, closed="neither")]},
    prefer_skip_nested_validation=True,
)
def projected_confusion_matrix(
    y_true: ArrayLike,
    proba: ArrayLike,
    classes: ArrayLike,
    signal: Any,
    threshold: float = 0.5,
    sample_weight: ArrayLike | None = None,
) -> np.ndarray:
    """2x2 confusion matrix of the projected signal score cut at ``threshold``.

    A sample is predicted signal when its summed signal probability is strictly greater
    than ``threshold``.

    Layout (note: rows are *predicted*, columns are *actual*, the transpose of
    :func:`sklearn.metrics.confusion_matrix`, and signal comes first)::

                              actual signal   actual background
        predicted signal      [[ TP,            FP ],
        predicted background   [ FN,            TN ]]

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Multiclass labels, each one of ``classes``.
    proba : array-like of shape (n_samples, n_classes)
        Class probabilities, columns in the order of ``classes``.
    classes : array-like of shape (n_classes,)
        The class labels of the columns.
    signal : label or list of labels
        The classes that count as signal (e.g. heavy: ``["t", "w", "z"]``).
    threshold : float, default=0.5
        Cut on the summed signal probability.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights (negative ones included: sums of weights); the entries are then sums of weights.

    Returns
    -------
    matrix : ndarray of shape (2, 2)
        ``[[TP, FP], [FN, TN]]``; integer counts without weights, float sums with.

    Examples
    --------
    >>> y = ["g", "t", "w", "q", "t"]
    >>> proba = [[0.6, 0.2, 0.1, 0.1], [0.1, 0.1, 0.7, 0.1], [0.2, 0.1, 0.3, 0.4],
    ...          [0.3, 0.1, 0.5, 0.1], [0.5, 0.3, 0.1, 0.1]]
    >>> projected_confusion_matrix(y, proba, ["g", "q", "t", "w"], signal=["t", "w"])
    array([[2, 1],
           [1, 1]])
    """
    is_signal, score, weight = _projected_inputs(y_true, proba, classes, signal, sample_weight)
    predicted = score > threshold
    if sample_weight is None:
        weight = weight.astype(np.int64)
    return np.array(
        [
            [weight[predicted & is_signal].sum(), weight[predicted & ~is_signal].sum()],
            [weight[~predicted & is_signal].sum(), weight[~predicted & ~is_signal].sum()],
        ]
    )


def _estimator_signal(estimator, signal=None) -> tuple[np.ndarray, np.ndarray]:
    """``(classes_, signal mask)`` of a fitted classifier; ``signal=None`` is ``classes_[1]``."""
    classes = getattr(estimator, "classes_", None)
    if classes is None:
        raise AttributeError(
            f"{type(estimator).__name__} has no classes_: a signal score needs a fitted "
            "classifier."
        )
    classes = _check_classes(classes)
    if signal is None:
        if classes.size != 2:
            raise ValueError(
                f"{type(estimator).__name__} has {classes.size} classes {classes.tolist()}: "
                "pass signal=... to name the signal classes (the summed probabilities of "
                "these classes are the signal score)."
            )
        signal = classes[1]
    return classes, _signal_mask(classes, signal)


def signal_score(estimator: Any, X: ArrayLike, signal: Any = None) -> np.ndarray:
    """The signal score of a fitted classifier on ``X``: larger means more signal-like.

    The summed ``predict_proba`` columns of the ``signal`` classes (:func:`project_proba`);
    for a binary classifier without ``predict_proba``, its ``decision_function`` (negated
    when the signal is ``classes_[0]``).

    Parameters
    ----------
    estimator : fitted classifier
        Anything with ``classes_`` and ``predict_proba`` (or, binary, ``decision_function``).
    X : array-like
        The estimator's input.
    signal : label or list of labels, default=None
        The classes that count as signal. ``None`` means ``classes_[1]`` (sklearn's
        positive class) and needs a binary classifier.

    Returns
    -------
    score : ndarray of shape (n_samples,)

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = LogisticRegression(max_iter=500).fit(X, y)
    >>> score = signal_score(clf, X, signal=[1, 2])
    >>> bool(((score > 0.5) == (y > 0)).all())
    True
    """
    return _masked_signal_score(estimator, X, *_estimator_signal(estimator, signal))


def _check_estimator_proba(estimator, proba, classes: np.ndarray) -> np.ndarray:
    """``predict_proba`` output of ``estimator`` as an array, one column per class."""
    proba = np.asarray(proba)
    if proba.ndim != 2 or proba.shape[1] != classes.size:
        raise ValueError(
            f"{type(estimator).__name__}.predict_proba returned shape {proba.shape}, expected "
            f"(n_samples, {classes.size}) for classes_ {classes.tolist()}."
        )
    return proba


def _project_estimator_proba(estimator, proba, classes: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The signal score from ``predict_proba`` output the estimator already gave."""
    return project_proba(_check_estimator_proba(estimator, proba, classes), classes, classes[mask])


def _masked_signal_score(estimator, X, classes: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """:func:`signal_score` for validated ``classes_`` and signal ``mask``."""
    name = type(estimator).__name__
    if hasattr(estimator, "predict_proba"):
        return _project_estimator_proba(estimator, estimator.predict_proba(X), classes, mask)
    if classes.size == 2 and hasattr(estimator, "decision_function"):
        decision = np.asarray(estimator.decision_function(X), dtype=np.float64)
        if decision.ndim == 2 and decision.shape[1] == 1:
            decision = decision[:, 0]
        if decision.ndim != 1:
            raise ValueError(
                f"{name}.decision_function returned shape {decision.shape}, expected "
                "(n_samples,) for a binary classifier."
            )
        # sklearn's binary decision_function is positive for classes_[1].
        return decision if mask[1] else -decision
    raise AttributeError(
        f"{name} has no predict_proba"
        + ("" if classes.size == 2 else " (needed to project a multiclass classifier)")
        + " and no usable decision_function: it gives no continuous signal score."
    )
