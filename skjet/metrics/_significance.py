"""Significance formulas shared by the metrics and the cut-and-count classifier, and the
best significance over the thresholds of a classifier score."""

from __future__ import annotations

import numbers
import warnings
from typing import Any, NamedTuple

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning

from ..utils._sklearn_compat import StrOptions, validate_params
from ..utils._typing import ArrayLike
from ._rejection import _check_binary_scores

SIGNIFICANCE_FORMULAS = ("s/sqrt(s+b)", "s/sqrt(b)", "asimov")


@validate_params(
    {"formula": [StrOptions(set(SIGNIFICANCE_FORMULAS))]}, prefer_skip_nested_validation=True
)
def significance(s: ArrayLike, b: ArrayLike, formula: str = "s/sqrt(s+b)") -> float | np.ndarray:
    """Expected significance of ``s`` signal over ``b`` background events (vectorised).

    Parameters
    ----------
    s, b : float or array-like
        Signal and background yields (weighted event counts), broadcastable.
    formula : {"s/sqrt(s+b)", "s/sqrt(b)", "asimov"}, default="s/sqrt(s+b)"
        ``asimov`` is the median discovery significance
        ``sqrt(2 ((s + b) ln(1 + s/b) - s))``.

    Returns
    -------
    Z : ndarray or float
        0 where the formula's denominator vanishes with no signal; ``inf`` for a positive
        signal over zero background under ``s/sqrt(b)`` and ``asimov``.

    Raises
    ------
    ValueError
        An unknown formula, NaN or infinite yields, or a negative background yield (no
        expected number of events is negative or infinite; such a value is a bug upstream,
        not a 0).

    Examples
    --------
    >>> float(significance(10.0, 90.0))
    1.0
    """
    s = np.asarray(s, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    for name, values in (("s", s), ("b", b)):
        n_nan = int(np.count_nonzero(np.isnan(values)))
        if n_nan:
            raise ValueError(
                f"significance: {name} holds {n_nan} NaN yield(s); the significance of an "
                "unknown yield is undefined, not 0."
            )
        n_inf = int(np.count_nonzero(np.isinf(values)))
        if n_inf:
            raise ValueError(
                f"significance: {name} holds {n_inf} infinite yield(s); no expected number of "
                "events is infinite (an overflow or a division by zero upstream), and the "
                "formulas would turn it into 0 or NaN."
            )
    if np.any(b < 0):
        raise ValueError(
            f"significance: b holds {int(np.count_nonzero(b < 0))} negative background "
            f"yield(s) (smallest {float(b.min()):.6g}); an expected number of events cannot be "
            "negative (check the event weights)."
        )
    return _significance(s, b, formula)


def _significance(s: np.ndarray, b: np.ndarray, formula: str):
    """The formulas on float64 yields, unchecked: partial sums of signed weights can be < 0.

    A negative ``b`` then gives NaN under a square root, counted as no significance (0).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        if formula == "s/sqrt(s+b)":
            z = s / np.sqrt(s + b)
        elif formula == "s/sqrt(b)":
            z = s / np.sqrt(b)
        else:
            z = np.sqrt(2.0 * ((s + b) * np.log1p(s / b) - s))
    z = np.where(s <= 0, 0.0, z)
    z = np.where(np.isnan(z), 0.0, z)
    return z[()] if z.ndim == 0 else z


class SignificanceResult(NamedTuple):
    """Best significance over thresholds and the threshold that gives it.

    A named tuple: ``z, threshold = max_significance(...)`` unpacks it.
    """

    significance: float
    threshold: float


_CROSS_SECTION_ARGS = ("signal_cross_section", "background_cross_section", "luminosity")


def _check_cross_sections(signal_cross_section, background_cross_section, luminosity):
    """None when no cross-section is given, else (sigma_s, sigma_b, L) as positive floats."""
    given = {
        name: value
        for name, value in zip(
            _CROSS_SECTION_ARGS, (signal_cross_section, background_cross_section, luminosity)
        )
        if value is not None
    }
    if not given:
        return None
    missing = [name for name in _CROSS_SECTION_ARGS if name not in given]
    if missing:
        raise ValueError(
            f"signal_cross_section, background_cross_section and luminosity must be given "
            f"together; missing {missing}."
        )
    values = []
    for name, value in given.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(f"{name} must be a positive number, got {value!r}.")
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be positive and finite, got {value!r}.")
        values.append(float(value))
    return tuple(values)


@validate_params(
    {"formula": [StrOptions(set(SIGNIFICANCE_FORMULAS))]}, prefer_skip_nested_validation=True
)
def max_significance(
    y_true: ArrayLike,
    y_score: ArrayLike,
    sample_weight: ArrayLike | None = None,
    signal_cross_section: float | None = None,
    background_cross_section: float | None = None,
    luminosity: float | None = None,
    formula: str = "s/sqrt(s+b)",
    pos_label: Any = None,
) -> SignificanceResult:
    r"""Best expected significance over all thresholds on ``y_score``.

    Each distinct score value is tried as a threshold; events with
    ``y_score >= threshold`` are selected. The yields of the selection are

    - the sums of ``sample_weight`` of the selected signal and background events (unit
      weights, i.e. event counts, when ``sample_weight`` is None), or
    - when the cross-sections and the luminosity are given,
      :math:`s = \sigma_S L \epsilon_S` and :math:`b = \sigma_B L \epsilon_B`, with the
      (weighted) efficiencies :math:`\epsilon_S, \epsilon_B` of the selection.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels.
    y_score : array-like of shape (n_samples,)
        Scores, larger means more signal-like.
    sample_weight : array-like of shape (n_samples,), default=None
        Event weights (e.g. cross-section x luminosity / number generated). Negative
        weights are allowed as long as the signal and background totals are positive.
    signal_cross_section, background_cross_section, luminosity : float, default=None
        Give all three (in consistent units, e.g. pb and pb^-1) to normalise the yields to
        an expected number of events; none to use the weights.
    formula : {"s/sqrt(s+b)", "s/sqrt(b)", "asimov"}, default="s/sqrt(s+b)"
        See :func:`significance`.
    pos_label : label, default=None
        The signal class (needed unless ``y_true`` is in {0, 1}, {-1, 1} or
        {False, True}).

    Returns
    -------
    result : SignificanceResult
        Named tuple ``(significance, threshold)``. The highest threshold wins a tie.
        ``s/sqrt(b)`` and ``asimov`` diverge for a selection with signal and no
        background: the result is then ``inf``, with an
        :class:`~sklearn.exceptions.UndefinedMetricWarning`.

    Examples
    --------
    >>> y = [0, 0, 0, 1, 1, 1]
    >>> score = [0.1, 0.4, 0.35, 0.8, 0.7, 0.3]
    >>> z, threshold = max_significance(y, score)
    >>> round(z, 4), threshold
    (1.4142, 0.7)
    >>> result = max_significance(y, score, signal_cross_section=10.0,
    ...                           background_cross_section=100.0, luminosity=3.0)
    >>> round(result.significance, 4), result.threshold
    (4.4721, 0.7)
    """
    cross_sections = _check_cross_sections(
        signal_cross_section, background_cross_section, luminosity
    )
    is_signal, y_score, weight = _check_binary_scores(
        y_true,
        y_score,
        pos_label=pos_label,
        sample_weight=sample_weight,
        allow_negative_weight=True,
    )
    order = np.argsort(-y_score, kind="stable")
    sorted_score = y_score[order]
    s = np.cumsum(np.where(is_signal, weight, 0.0)[order])
    b = np.cumsum(np.where(is_signal, 0.0, weight)[order])
    # The selection y_score >= t ends at the last event of each group of tied scores.
    last_of_group = np.r_[np.diff(sorted_score) != 0, True]
    thresholds, s, b = sorted_score[last_of_group], s[last_of_group], b[last_of_group]
    if cross_sections is not None:
        sigma_s, sigma_b, lumi = cross_sections
        s = sigma_s * lumi * s / s[-1]
        b = sigma_b * lumi * b / b[-1]
    # Partial sums of signed weights can dip below 0 at some thresholds: those give 0.
    z = np.atleast_1d(_significance(s, b, formula))
    best = int(np.argmax(z))
    if np.isinf(z[best]):
        warnings.warn(
            f"The {formula} significance is infinite: the threshold {float(thresholds[best])!r} "
            "selects signal and no background.",
            UndefinedMetricWarning,
            stacklevel=2,
        )
    return SignificanceResult(float(z[best]), float(thresholds[best]))
