"""Background rejection at a fixed signal efficiency, read off the ROC curve.

Also holds the validation of binary ``(y_true, y_score)`` inputs shared by every metric of
:mod:`skjet.metrics`.
"""

from __future__ import annotations

import warnings
from numbers import Real
from typing import Any, Literal, NamedTuple

import numpy as np
from scipy import stats
from sklearn.exceptions import UndefinedMetricWarning

from ..utils import check_finite, check_sample_weight
from ..utils._sklearn_compat import NumberInterval, StrOptions, validate_params
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


class _WeightedRoc(NamedTuple):
    """The ROC curve with the sums the uncertainty needs, one point per distinct threshold.

    Points run from the highest threshold down, starting at (0, 0) like
    ``sklearn.metrics.roc_curve(..., drop_intermediate=False)``: ``tpr``/``fpr`` are the
    passing fractions of the signal/background weight, ``w2s``/``w2b`` the passing sums of
    squared weights; ``total_*`` are the sums over all signal/background jets.
    """

    tpr: np.ndarray
    fpr: np.ndarray
    w2s: np.ndarray
    w2b: np.ndarray
    total_s: float
    total_b: float
    total_w2s: float
    total_w2b: float


def _weighted_roc(is_signal: np.ndarray, score: np.ndarray, weight: np.ndarray) -> _WeightedRoc:
    order = np.argsort(-score, kind="mergesort")
    score, is_signal, weight = score[order], is_signal[order], weight[order]
    # The last jet of each run of equal scores closes one threshold.
    ends = np.r_[np.flatnonzero(np.diff(score)), score.size - 1]

    def passing(values):
        return np.r_[0.0, np.cumsum(values)[ends]]

    ws, wb = passing(weight * is_signal), passing(weight * ~is_signal)
    w2s, w2b = passing(weight**2 * is_signal), passing(weight**2 * ~is_signal)
    return _WeightedRoc(ws / ws[-1], wb / wb[-1], w2s, w2b, ws[-1], wb[-1], w2s[-1], w2b[-1])


def curve_auc(fpr: ArrayLike, tpr: ArrayLike) -> float:
    """Area under a ROC curve given as points in threshold order (trapezoidal rule).

    Unlike ``sklearn.metrics.auc`` it does not need ``fpr`` to be monotonic, which negative
    event weights break; for a monotonic curve it is the same area.

    Examples
    --------
    >>> round(curve_auc([0.0, 0.1, 1.0], [0.0, 0.7, 1.0]), 6)
    0.8
    >>> round(curve_auc([0.0, 0.6, 0.5, 1.0], [0.0, 0.5, 0.7, 1.0]), 6)  # fpr dips back
    0.515
    """
    return float(np.trapezoid(np.asarray(tpr, dtype=np.float64),
                              np.asarray(fpr, dtype=np.float64)))


def _weighted_auc(is_signal: np.ndarray, score: np.ndarray, weight: np.ndarray) -> float:
    """Area under the ROC curve by the trapezoidal rule along the thresholds.

    Equals the weighted Mann-Whitney statistic (ties count one half) for any weights;
    unlike ``sklearn.metrics.auc`` it does not need a monotonic curve, which negative
    weights can break.
    """
    roc = _weighted_roc(is_signal, score, weight)
    return curve_auc(roc.fpr, roc.tpr)


def _check_background_passing(eps_b: np.ndarray, efficiency, roc: _WeightedRoc) -> None:
    """Refuse a negative passing background: its rejection is undefined, not infinite."""
    negative = np.atleast_1d(eps_b < 0)
    if not negative.any():
        return
    at = np.atleast_1d(efficiency)[negative]
    raise ValueError(
        f"The background jets passing the threshold at signal efficiency {at.tolist()} have "
        f"a negative total weight (background efficiency "
        f"{np.atleast_1d(eps_b)[negative].tolist()} of the total background weight "
        f"{roc.total_b:.6g}): negative event weights outweigh the positive ones there, and "
        "the rejection 1/eps_B is undefined. Use more background events (or a looser "
        "working point), or weights that are positive in every selected region."
    )


def _background_efficiency(is_signal, score, efficiency, sample_weight=None) -> np.ndarray:
    """eps_B read off the weighted ROC curve at ``efficiency``; negative where negative
    weights outweigh the positive ones among the passing background (for figures that leave
    such points out rather than fail)."""
    is_signal, score, weight = _check_binary_scores(
        is_signal, score, sample_weight=sample_weight, allow_negative_weight=True
    )
    return _read_background(_weighted_roc(is_signal, score, weight), efficiency)


def _read_background(roc: _WeightedRoc, efficiency, values=None) -> np.ndarray:
    """``values`` (default eps_B) where the signal efficiency first reaches ``efficiency``.

    With negative weights the signal efficiency need not grow monotonically as the
    threshold falls: its running maximum picks the first threshold that reaches the target,
    and for positive weights this is the usual reading.
    """
    xp = np.maximum.accumulate(roc.tpr)
    return _interp_roc(efficiency, xp, roc.fpr if values is None else values, at_tie="first")


def _effective_counts(eff, passing_w2, total_w, total_w2):
    """Effective (passing, total) counts of a weighted efficiency.

    The variance of a weighted efficiency ``eff = P / W`` (``P`` the passing weight) is
    ``[(1 - eff)^2 sum_pass w^2 + eff^2 sum_fail w^2] / W^2``; the effective total is the
    number of unit-weight events whose binomial variance ``eff (1 - eff) / n`` is the same,
    and the effective passing count is ``eff n``. For unit weights these are the counts.
    At ``eff`` = 0 or 1, where the variance vanishes, the total is Kish's
    ``(sum w)^2 / sum w^2``.
    """
    eff = np.clip(eff, 0.0, 1.0)
    variance = ((1 - eff) ** 2 * passing_w2 + eff**2 * (total_w2 - passing_w2)) / total_w**2
    kish = total_w**2 / total_w2
    with np.errstate(divide="ignore", invalid="ignore"):
        n = np.where(variance > 0, eff * (1 - eff) / variance, kish)
    n = np.where((n > 0) & np.isfinite(n), n, kish)
    return eff * n, n


_METHODS = ("clopper-pearson", "wilson")


def _binomial_interval(k, n, confidence_level: float, method: str):
    """Central interval on a binomial fraction from (possibly non-integer) counts."""
    alpha = 1.0 - confidence_level
    if method == "clopper-pearson":
        with np.errstate(invalid="ignore"):
            low = np.where(k > 0, stats.beta.ppf(alpha / 2, k, n - k + 1), 0.0)
            high = np.where(k < n, stats.beta.ppf(1 - alpha / 2, k + 1, n - k), 1.0)
        return np.nan_to_num(low, nan=0.0), np.nan_to_num(high, nan=1.0)
    z = stats.norm.ppf(1 - alpha / 2)
    p = k / n
    center = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return np.clip(center - half, 0.0, 1.0), np.clip(center + half, 0.0, 1.0)


class RejectionInterval(NamedTuple):
    r"""Background rejection with its statistical confidence interval.

    Floats for a scalar efficiency, arrays otherwise. ``high`` is ``inf`` where the
    interval on :math:`\epsilon_B` reaches 0 (no background jet passes: then ``rejection``
    is ``inf`` too and ``low`` is the lower limit).
    """

    rejection: float | np.ndarray
    low: float | np.ndarray
    high: float | np.ndarray
    background_efficiency: float | np.ndarray
    n_background: float | np.ndarray
    """Effective number of background jets (the number of jets for unit weights)."""
    n_passing: float | np.ndarray
    """Effective number of background jets passing the threshold."""


def _rejection_interval(roc: _WeightedRoc, efficiency, confidence_level, method):
    eps_b = _read_background(roc, efficiency)
    # Background: binomial on the (effective) background jets passing the threshold.
    passing_w2 = _read_background(roc, efficiency, roc.w2b)
    k_b, n_b = _effective_counts(eps_b, passing_w2, roc.total_b, roc.total_w2b)
    low, high = _binomial_interval(k_b, n_b, confidence_level, method)
    # Signal: the threshold is where the *measured* eps_S reaches the target, which is off
    # the true one by the binomial error on eps_S; eps_B follows along the curve, read here
    # as the secant of the ROC over that +- 1 sigma range (the interpolation between points
    # included), scaled to the confidence level.
    signal_w2 = np.interp(efficiency, np.maximum.accumulate(roc.tpr), roc.w2s)
    k_s, n_s = _effective_counts(efficiency, signal_w2, roc.total_s, roc.total_w2s)
    sigma_s = np.sqrt(efficiency * (1 - efficiency) / n_s)
    up, down = np.minimum(efficiency + sigma_s, 1.0), np.maximum(efficiency - sigma_s, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = (_read_background(roc, up) - _read_background(roc, down)) / (up - down)
    z = stats.norm.ppf(0.5 + confidence_level / 2)
    shift = np.nan_to_num(slope * sigma_s * z)
    low = np.clip(eps_b - np.hypot(eps_b - low, shift), 0.0, 1.0)
    high = np.clip(eps_b + np.hypot(high - eps_b, shift), 0.0, 1.0)
    with np.errstate(divide="ignore"):
        rejection = np.where(eps_b > 0, 1.0 / np.where(eps_b > 0, eps_b, 1.0), np.inf)
        r_low = 1.0 / high
        r_high = np.where(low > 0, 1.0 / np.where(low > 0, low, 1.0), np.inf)
    return rejection, r_low, r_high, eps_b, n_b, k_b


@validate_params(
    {
        "return_interval": ["boolean"],
        "confidence_level": [NumberInterval(Real, 0, 1, closed="neither")],
        "method": [StrOptions(set(_METHODS))],
    },
    prefer_skip_nested_validation=True,
)
def rejection_at_efficiency(
    y_true: ArrayLike,
    y_score: ArrayLike,
    efficiency: float | ArrayLike = 0.5,
    pos_label: Any = None,
    sample_weight: ArrayLike | None = None,
    *,
    return_interval: bool = False,
    confidence_level: float = 0.6827,
    method: str = "clopper-pearson",
) -> Any:
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
        Event weights, negative ones included (NLO generators, sWeights): efficiencies
        are ratios of sums of weights, and the signal and background totals must be
        positive. With negative weights the efficiency need not grow monotonically as
        the threshold falls; the rejection is read where it first reaches ``efficiency``.
    return_interval : bool, default=False
        Also return the statistical confidence interval (see Notes).
    confidence_level : float in (0, 1), default=0.6827
        Of the central interval (one standard deviation by default).
    method : {"clopper-pearson", "wilson"}, default="clopper-pearson"
        Binomial interval on :math:`\epsilon_B`: the exact (conservative)
        Clopper-Pearson interval or the Wilson score interval.

    Returns
    -------
    rejection : float or ndarray, or RejectionInterval
        A float for a scalar ``efficiency``, an array of the same shape otherwise.
        ``inf`` (with an :class:`~sklearn.exceptions.UndefinedMetricWarning`) where the
        interpolated background efficiency is zero. With ``return_interval=True``, a
        :class:`RejectionInterval` ``(rejection, low, high, background_efficiency,
        n_background, n_passing)``.

    Notes
    -----
    The interval has two independent parts, added in quadrature on :math:`\epsilon_B`:

    - the binomial interval on :math:`\epsilon_B` from the number of background jets that
      pass the threshold (interpolated between the two ROC points like
      :math:`\epsilon_B` itself). With weights, the counts are effective ones: the
      weighted efficiency :math:`\epsilon = \sum_{pass} w / \sum w` has the variance
      :math:`[(1-\epsilon)^2 \sum_{pass} w^2 + \epsilon^2 \sum_{fail} w^2] / (\sum w)^2`,
      and :math:`n_{eff} = \epsilon (1-\epsilon) / \mathrm{Var}`,
      :math:`k_{eff} = \epsilon\, n_{eff}` (the plain counts for unit weights, Kish's
      :math:`(\sum w)^2 / \sum w^2` where :math:`\epsilon` is 0 or 1). Negative weights
      are handled by the same sums.
    - the threshold: it is set where the *measured* :math:`\epsilon_S` reaches the target,
      which misses the true one by the binomial error :math:`\sigma_S` on
      :math:`\epsilon_S`; :math:`\epsilon_B` moves along the ROC curve by its secant over
      :math:`\epsilon_S \pm \sigma_S` times :math:`\sigma_S`.

    The rejection interval is ``(1 / high, 1 / low)`` of the interval on
    :math:`\epsilon_B`. Where no background jet passes, ``rejection`` and ``high`` are
    ``inf`` and ``low`` is a lower limit on the rejection.

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

    With its 68 % interval, from 200 background jets of which 20 pass:

    >>> y = [1] * 100 + [0] * 200
    >>> score = [1.0] * 50 + [0.5] * 50 + [1.0] * 20 + [0.1] * 180
    >>> r = rejection_at_efficiency(y, score, efficiency=0.5, return_interval=True)
    >>> print(f"{r.rejection:.1f} [{r.low:.1f}, {r.high:.1f}], {r.n_passing:.0f} jets pass")
    10.0 [7.9, 12.8], 20 jets pass
    """
    efficiency = _check_efficiency(efficiency)
    is_signal, y_score, weight = _check_binary_scores(
        y_true, y_score, pos_label=pos_label, sample_weight=sample_weight,
        allow_negative_weight=True,
    )
    roc = _weighted_roc(is_signal, y_score, weight)
    eps_b = _read_background(roc, efficiency)
    _check_background_passing(eps_b, efficiency, roc)
    zero = eps_b <= 0
    if zero.any():
        warnings.warn(
            f"The background efficiency is zero at signal efficiency "
            f"{np.atleast_1d(efficiency)[np.atleast_1d(zero)].tolist()}: the rejection is "
            "infinite (too few background events to measure it).",
            UndefinedMetricWarning,
            stacklevel=2,
        )
    if return_interval:
        values = _rejection_interval(roc, efficiency, confidence_level, method)
        return RejectionInterval(*(_scalar_or_array(v, efficiency) for v in values))
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
        Event weights, negative ones included (see :func:`rejection_at_efficiency`).

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
        y_true, y_score, pos_label=pos_label, sample_weight=sample_weight,
        allow_negative_weight=True,
    )
    roc = _weighted_roc(is_signal, y_score, weight)
    # With negative weights eps_B need not grow monotonically: its running maximum is
    # the first threshold at which eps_B reaches the target.
    efficiency = _interp_roc(
        1.0 / rejection, np.maximum.accumulate(roc.fpr), roc.tpr, at_tie="last"
    )
    return _scalar_or_array(efficiency, rejection)
