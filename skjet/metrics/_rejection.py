"""Background rejection at a fixed signal efficiency, read off the ROC curve.

Also holds the validation of binary ``(y_true, y_score)`` inputs shared by every metric of
:mod:`skjet.metrics`.
"""

from __future__ import annotations

import warnings
from typing import Any, Literal

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import roc_curve

from ..utils import check_finite, check_sample_weight
from ..utils._typing import ArrayLike


def _as_1d(values, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got an array of shape {array.shape}.")
    return array


def _check_metric_weight(sample_weight, n_samples: int, *, allow_negative: bool) -> np.ndarray:
    """Unit weights when ``None``; otherwise a finite (n_samples,) float64 array.

    Negative weights are refused, with the reason, where a ROC curve is involved.
    """
    weight = check_sample_weight(sample_weight, n_samples, samples_of="y_true")
    if not allow_negative and (weight < 0).any():
        raise ValueError(
            f"sample_weight has {int((weight < 0).sum())} negative value(s): a ROC curve "
            "(and so a rejection or an AUC) is undefined with negative weights."
        )
    return weight


def _check_binary_scores(
    y_true,
    y_score,
    *,
    pos_label=None,
    sample_weight=None,
    allow_negative_weight: bool = False,
):
    """Validate binary labels and 1-D scores.

    Returns
    -------
    is_signal : ndarray of bool, shape (n_samples,)
    y_score : ndarray of float64, shape (n_samples,)
    weight : ndarray of float64, shape (n_samples,)
        Unit weights when ``sample_weight`` is None.
    """
    y_true = _as_1d(y_true, "y_true")
    y_score = np.asarray(y_score)
    if y_score.ndim == 2 and y_score.shape[1] > 1:
        raise ValueError(
            f"y_score must be 1-D scores of the signal class, got shape {y_score.shape}; "
            "for class probabilities pass the signal column, or use project_proba."
        )
    y_score = _as_1d(y_score, "y_score")
    if y_score.dtype.kind not in "biuf":
        raise ValueError(f"y_score must be numeric, got dtype {y_score.dtype}.")
    y_score = y_score.astype(np.float64, copy=False)
    if y_true.shape[0] != y_score.shape[0]:
        raise ValueError(
            f"y_true has {y_true.shape[0]} samples but y_score has {y_score.shape[0]}."
        )
    if y_true.shape[0] == 0:
        raise ValueError("y_true and y_score are empty: at least two samples are needed.")
    check_finite(y_score, name="y_score")

    classes = np.unique(y_true)
    if classes.size == 1:
        raise ValueError(
            f"y_true contains a single class ({classes[0]!r}): the metric needs both "
            "signal and background samples."
        )
    if classes.size > 2:
        raise ValueError(
            f"y_true has {classes.size} classes {classes.tolist()}, expected 2 (signal "
            "and background); for multiclass probabilities use the projected_* functions "
            "or map y_true to signal/background first."
        )
    if pos_label is None:
        # Like sklearn: only {0, 1}, {-1, 1} and {False, True} have an obvious positive class.
        if classes.dtype.kind in "biuf" and (
            set(classes.tolist()) <= {0, 1} or set(classes.tolist()) <= {-1, 1}
        ):
            pos_label = classes[-1]
        else:
            raise ValueError(
                f"y_true takes the values {classes.tolist()}: pass pos_label to name the "
                "signal class."
            )
    elif pos_label not in classes.tolist():
        raise ValueError(f"pos_label={pos_label!r} is not a class of y_true {classes.tolist()}.")
    is_signal = y_true == pos_label
    weight = _check_metric_weight(
        sample_weight, y_true.shape[0], allow_negative=allow_negative_weight
    )
    for label, mask in (("signal", is_signal), ("background", ~is_signal)):
        if weight[mask].sum() <= 0:
            raise ValueError(f"The total {label} weight is not positive: {weight[mask].sum()}.")
    return is_signal, y_score, weight


def _check_efficiency(efficiency, name: str = "efficiency") -> np.ndarray:
    try:
        values = np.asarray(efficiency, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a number or an array of numbers: {exc}") from exc
    if values.ndim > 1:
        raise ValueError(f"{name} must be a float or 1-D array-like, got shape {values.shape}.")
    bad = ~((values > 0) & (values <= 1))  # also catches NaN
    if bad.any():
        raise ValueError(
            f"{name} must be in (0, 1], got {values[bad].tolist() if values.ndim else float(values)}."
        )
    return values


def _interp_roc(x: np.ndarray, xp: np.ndarray, fp: np.ndarray, *, at_tie: str) -> np.ndarray:
    """Linear interpolation of ``fp(xp)`` at ``x`` for non-decreasing ``xp``.

    Between distinct ``xp`` values this is exactly ``np.interp(x, xp, fp)``: the segment
    joins the last point of one plateau of ``xp`` to the first point of the next. Where
    ``x`` equals a repeated ``xp`` value, ``at_tie`` picks the ``"first"`` or ``"last"``
    point of that plateau (``np.interp`` leaves it to its search).
    """
    side: Literal["left", "right"] = "left" if at_tie == "first" else "right"
    idx = np.searchsorted(xp, x, side=side)
    if at_tie == "last":
        idx = idx - 1
    idx = np.clip(idx, 0, len(xp) - 1)
    exact = xp[idx] == x
    # Off a tie: the bracketing pair is (last index with xp < x, first with xp > x).
    lo = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, len(xp) - 1)
    hi = np.clip(lo + 1, 0, len(xp) - 1)
    span = xp[hi] - xp[lo]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(span > 0, (x - xp[lo]) / span, 0.0)
    interpolated = fp[lo] + frac * (fp[hi] - fp[lo])
    return np.where(exact, fp[idx], interpolated)


def _scalar_or_array(values: np.ndarray, like: np.ndarray):
    return float(values) if like.ndim == 0 else values


def rejection_at_efficiency(
    y_true: ArrayLike,
    y_score: ArrayLike,
    efficiency: float | ArrayLike = 0.5,
    pos_label: Any = None,
    sample_weight: ArrayLike | None = None,
) -> float | np.ndarray:
    r"""Background rejection :math:`1/\epsilon_B` at signal efficiency :math:`\epsilon_S`.

    :math:`\epsilon_B` is read off the ROC curve (``sklearn.metrics.roc_curve`` with
    ``drop_intermediate=False``) by linear interpolation, the convention of the top
    tagging comparison papers: ``np.interp(efficiency, tpr, fpr)``. Where ``efficiency``
    is exactly a plateau of the curve (several thresholds with the same signal
    efficiency, as at ``efficiency=1``), the lowest :math:`\epsilon_B` reaching it is
    used; plain ``np.interp`` can pick the highest, which would make the rejection at
    :math:`\epsilon_S = 1` always 1.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels.
    y_score : array-like of shape (n_samples,)
        Scores, larger means more signal-like (a probability of the signal class or a
        decision function).
    efficiency : float or array-like of floats in (0, 1], default=0.5
        Signal efficiency (or efficiencies) at which to read the rejection.
    pos_label : label, default=None
        The signal class. Needed unless ``y_true`` is in {0, 1}, {-1, 1} or
        {False, True}, where it defaults to the larger value.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative event weights.

    Returns
    -------
    rejection : float or ndarray
        A float for a scalar ``efficiency``, an array of the same shape otherwise.
        ``inf`` (with an :class:`~sklearn.exceptions.UndefinedMetricWarning`) where the
        interpolated background efficiency is zero.

    See Also
    --------
    efficiency_at_rejection : The inverse reading of the ROC curve.

    Examples
    --------
    Keeping all four signal jets lets one of the four background jets (0.75) through:

    >>> y = [0, 0, 0, 0, 1, 1, 1, 1]
    >>> score = [0.1, 0.2, 0.3, 0.75, 0.4, 0.7, 0.8, 0.9]
    >>> rejection_at_efficiency(y, score, efficiency=1.0)
    4.0
    >>> y = ["qcd", "top", "qcd", "top", "qcd", "top"]
    >>> score = [0.1, 0.9, 0.5, 0.6, 0.7, 0.3]
    >>> rejection_at_efficiency(y, score, efficiency=[0.5, 1.0], pos_label="top")
    array([3. , 1.5])
    """
    efficiency = _check_efficiency(efficiency)
    is_signal, y_score, weight = _check_binary_scores(
        y_true, y_score, pos_label=pos_label, sample_weight=sample_weight
    )
    fpr, tpr, _ = roc_curve(is_signal, y_score, sample_weight=weight, drop_intermediate=False)
    eps_b = _interp_roc(efficiency, tpr, fpr, at_tie="first")
    zero = eps_b <= 0
    if zero.any():
        warnings.warn(
            f"The background efficiency is zero at signal efficiency "
            f"{np.atleast_1d(efficiency)[np.atleast_1d(zero)].tolist()}: the rejection is "
            "infinite (too few background events to measure it).",
            UndefinedMetricWarning,
            stacklevel=2,
        )
    with np.errstate(divide="ignore"):
        rejection = np.where(zero, np.inf, 1.0 / np.where(zero, 1.0, eps_b))
    return _scalar_or_array(rejection, efficiency)


def efficiency_at_rejection(
    y_true: ArrayLike,
    y_score: ArrayLike,
    rejection: float | ArrayLike,
    pos_label: Any = None,
    sample_weight: ArrayLike | None = None,
) -> float | np.ndarray:
    r"""Signal efficiency at which the background rejection :math:`1/\epsilon_B` is ``rejection``.

    The inverse reading of :func:`rejection_at_efficiency`: :math:`\epsilon_S` is
    interpolated linearly on the ROC curve at :math:`\epsilon_B = 1/\text{rejection}`.
    Where several thresholds share that :math:`\epsilon_B`, the highest
    :math:`\epsilon_S` is used.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels.
    y_score : array-like of shape (n_samples,)
        Scores, larger means more signal-like.
    rejection : float or array-like of floats > =  1
        Target background rejection(s).
    pos_label : label, default=None
        The signal class (see :func:`rejection_at_efficiency`).
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative event weights.

    Returns
    -------
    efficiency : float or ndarray
        A float for a scalar ``rejection``, an array otherwise.

    Examples
    --------
    >>> y = [0, 0, 0, 0, 1, 1, 1, 1]
    >>> score = [0.1, 0.2, 0.3, 0.75, 0.4, 0.7, 0.8, 0.9]
    >>> efficiency_at_rejection(y, score, rejection=4.0)
    1.0
    >>> efficiency_at_rejection(y, score, rejection=8.0)
    0.5
    """
    try:
        rejection = np.asarray(rejection, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"rejection must be a number or an array of numbers: {exc}") from exc
    if rejection.ndim > 1:
        raise ValueError(
            f"rejection must be a float or 1-D array-like, got shape {rejection.shape}."
        )
    bad = ~(np.isfinite(rejection) & (rejection >= 1))
    if bad.any():
        raise ValueError(
            "rejection must be finite and >= 1 (a background efficiency in (0, 1]), got "
            f"{rejection[bad].tolist() if rejection.ndim else float(rejection)}."
        )
    is_signal, y_score, weight = _check_binary_scores(
        y_true, y_score, pos_label=pos_label, sample_weight=sample_weight
    )
    fpr, tpr, _ = roc_curve(is_signal, y_score, sample_weight=weight, drop_intermediate=False)
    efficiency = _interp_roc(1.0 / rejection, fpr, tpr, at_tie="last")
    return _scalar_or_array(efficiency, rejection)
