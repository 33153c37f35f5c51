"""Scorers for ``GridSearchCV(scoring=...)`` and ``cross_validate``.

A physics scorer turns a classifier into a signal score -- the summed ``predict_proba``
columns of the signal classes (a projection, for multiclass estimators), or the binary
``decision_function`` -- and maps ``y`` to signal/background with the estimator's
``classes_``. The scorers subclass sklearn's scorer base class, so they take
``sample_weight`` in multi-metric scoring and ``set_score_request`` under metadata routing.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.metrics import get_scorer as _sklearn_get_scorer
from sklearn.metrics import get_scorer_names as _sklearn_get_scorer_names

from ..utils._sklearn_compat import (
    Interval,
    NumberInterval,
    StrOptions,
    _BaseScorer,
    validate_params,
)
from ._decorrelation import jet_mass_target, jsd_at_efficiency
from ._projection import _estimator_signal, _masked_signal_score, _signal_targets
from ._rejection import (
    _check_binary_scores,
    _weighted_auc,
    rejection_at_efficiency,
)
from ._significance import (
    _CROSS_SECTION_ARGS,
    SIGNIFICANCE_FORMULAS,
    _check_cross_sections,
    max_significance,
)


def _signal_scores(estimator, X, y_true, signal):
    """Signal/background targets and the signal score of ``estimator`` on ``X``."""
    classes, mask = _estimator_signal(estimator, signal)
    is_signal = _signal_targets(np.asarray(y_true), classes, mask)
    return is_signal, _masked_signal_score(estimator, X, classes, mask)


class _SignalScorer(_BaseScorer):
    """Scorer computing ``score_func(is_signal, signal_score, **kwargs)``."""

    def __init__(self, score_func, kwargs, signal, description):
        super().__init__(
            score_func, 1, kwargs, response_method=("predict_proba", "decision_function")
        )
        self._signal = signal
        self._description = description

    def _score(self, method_caller, estimator, X, y_true, **kwargs):
        # The method_caller cache is keyed by method name only and may hold another
        # scorer's single pos_label column, so the estimator is called directly.
        is_signal, score = _signal_scores(estimator, X, y_true, self._signal)
        return float(self._sign * self._score_func(is_signal, score, **{**self._kwargs, **kwargs}))

    def __repr__(self):
        return self._description


def _describe(factory: str, **params) -> str:
    shown = ", ".join(f"{key}={value!r}" for key, value in params.items() if value is not None)
    return f"{factory}({shown})"


def _roc_auc(y_true, y_score, sample_weight=None):
    # Negative weights (NLO, sWeights) are sums like any other: the trapezoidal area.
    is_signal, y_score, weight = _check_binary_scores(
        y_true, y_score, sample_weight=sample_weight, allow_negative_weight=True
    )
    return _weighted_auc(is_signal, y_score, weight)


def _significance_score(
    y_true,
    y_score,
    sample_weight=None,
    formula="s/sqrt(s+b)",
    signal_cross_section=None,
    background_cross_section=None,
    luminosity=None,
):
    return max_significance(
        y_true,
        y_score,
        sample_weight=sample_weight,
        signal_cross_section=signal_cross_section,
        background_cross_section=background_cross_section,
        luminosity=luminosity,
        formula=formula,
    ).significance


@validate_params(
    {"efficiency": [NumberInterval(numbers.Real, 0, 1, closed="right")]},
    prefer_skip_nested_validation=True,
)
def make_rejection_scorer(efficiency: float, signal: Any = None) -> Callable[..., float]:
    r"""Scorer of the background rejection :math:`1/\epsilon_B` at a signal efficiency.

    Parameters
    ----------
    efficiency : float in (0, 1]
        Signal efficiency at which the rejection is read (see
        :func:`rejection_at_efficiency`).
    signal : label or list of labels, default=None
        The estimator classes that count as signal; their ``predict_proba`` columns are
        summed. ``None`` means ``classes_[1]`` and needs a binary estimator.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y, sample_weight=None) -> float``, greater is better.
        Uses ``predict_proba``, or ``decision_function`` for binary estimators without it.

    Notes
    -----
    Called directly, or by a multi-metric scorer (``check_scoring(est, {...})``), the
    scorer uses ``sample_weight`` when given. ``cross_validate`` and ``GridSearchCV``
    pass weights to scorers only under metadata routing:
    ``sklearn.set_config(enable_metadata_routing=True)``, then
    ``scorer.set_score_request(sample_weight=True)`` and
    ``params={"sample_weight": w}``. The same holds for every skjet scorer.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import cross_val_score
    >>> X, y = make_classification(n_samples=400, random_state=0)
    >>> scores = cross_val_score(LogisticRegression(), X, y, cv=3,
    ...                          scoring=make_rejection_scorer(0.5))
    >>> bool((scores > 1).all())
    True
    """
    efficiency = float(efficiency)
    return _SignalScorer(
        rejection_at_efficiency,
        {"efficiency": efficiency},
        signal,
        _describe("make_rejection_scorer", efficiency=efficiency, signal=signal),
    )


class _JSDScorer(_SignalScorer):
    """1/JSD at a signal efficiency; the target is metadata or the jet mass of ``X``."""

    def __call__(
        self, estimator, X, y_true, sample_weight=None, decorrelation_target=None, **kwargs
    ):
        # the target is this scorer's own argument, accepted without metadata routing like
        # sample_weight; anything else goes through the base class and its routing check
        if decorrelation_target is not None:
            kwargs = {**kwargs, "decorrelation_target": decorrelation_target}
            if sample_weight is not None:
                kwargs["sample_weight"] = sample_weight
            return self._score(None, estimator, X, y_true, **kwargs)
        return super().__call__(estimator, X, y_true, sample_weight=sample_weight, **kwargs)

    def _score(self, method_caller, estimator, X, y_true, **kwargs):
        target = kwargs.pop("decorrelation_target", None)
        if target is None:
            target = jet_mass_target(X)
        is_signal, score = _signal_scores(estimator, X, y_true, self._signal)
        jsd = jsd_at_efficiency(is_signal, score, target, **{**self._kwargs, **kwargs})
        return float(np.inf) if jsd == 0 else 1.0 / jsd


@validate_params(
    {
        "efficiency": [NumberInterval(numbers.Real, 0, 1, closed="neither")],
        "bins": [Interval(numbers.Integral, 2, None, closed="left"), "array-like"],
    },
    prefer_skip_nested_validation=True,
)
def make_jsd_scorer(
    efficiency: float = 0.5, bins: Any = 50, signal: Any = None
) -> Callable[..., float]:
    """Scorer of the inverse mass sculpting 1/JSD (greater is better, less sculpting).

    See :func:`jsd_at_efficiency`. The decorrelation target is the ``decorrelation_target``
    keyword (``scorer(est, X, y, decorrelation_target=m)``, or through metadata routing:
    ``scorer.set_score_request(decorrelation_target=True)``); without it, ``X`` must be
    zero-padded (E, px, py, pz) constituents and the jet mass is computed from them. A
    perfectly flat cut (JSD = 0) scores ``inf``.

    Parameters
    ----------
    efficiency : float in (0, 1), default=0.5
        Signal efficiency of the cut.
    bins : int or array-like of edges, default=50
        Histogram bins of the target (see :func:`jsd_at_efficiency`); fix the edges to
        compare approaches on one binning.
    signal : label or list of labels, default=None
        The estimator classes that count as signal; ``None`` means ``classes_[1]``.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y, sample_weight=None, decorrelation_target=None) -> float``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> mass = rng.exponential(50.0, size=4000)
    >>> y = np.repeat([0, 1], 2000)
    >>> X = np.c_[rng.normal(size=4000) + y, mass]
    >>> clf = LogisticRegression().fit(X[:, :1], y)
    >>> scorer = make_jsd_scorer(efficiency=0.5)
    >>> bool(scorer(clf, X[:, :1], y, decorrelation_target=mass) > 20)
    True
    """
    efficiency = float(efficiency)  # below 1: at 1 every jet passes the cut
    shown = bins if isinstance(bins, int | np.integer) else "edges"
    return _JSDScorer(
        jsd_at_efficiency,
        {"efficiency": efficiency, "bins": bins},
        signal,
        _describe("make_jsd_scorer", efficiency=efficiency, bins=shown, signal=signal),
    )


def make_projected_auc_scorer(signal: Any) -> Callable[..., float]:
    """Scorer of the ROC AUC of the ``signal`` classes against all others.

    For a binary estimator with ``signal=classes_[1]`` this is the ``"roc_auc"`` scorer.

    Parameters
    ----------
    signal : label or list of labels
        The estimator classes that count as signal; their ``predict_proba`` columns are
        summed (:func:`project_proba`).

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y, sample_weight=None) -> float``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = LogisticRegression(max_iter=500).fit(X, y)
    >>> scorer = make_projected_auc_scorer(signal=[1, 2])  # versicolor or virginica
    >>> scorer(clf, X, y)
    1.0
    """
    return _SignalScorer(
        _roc_auc, {}, signal, _describe("make_projected_auc_scorer", signal=signal)
    )


@validate_params(
    {"formula": [StrOptions(set(SIGNIFICANCE_FORMULAS))]}, prefer_skip_nested_validation=True
)
def make_significance_scorer(
    formula: str = "s/sqrt(s+b)",
    signal: Any = None,
    **cross_section_kwargs: Any,
) -> Callable[..., float]:
    """Scorer of the best significance over thresholds (:func:`max_significance`).

    Parameters
    ----------
    formula : {"s/sqrt(s+b)", "s/sqrt(b)", "asimov"}, default="s/sqrt(s+b)"
        See :func:`significance`.
    signal : label or list of labels, default=None
        The estimator classes that count as signal. ``None`` means ``classes_[1]`` and
        needs a binary estimator.
    **cross_section_kwargs
        ``signal_cross_section``, ``background_cross_section`` and ``luminosity``, all
        three or none. Without them the yields are the (weighted) event counts of the
        scored fold, so they scale with the fold size.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y, sample_weight=None) -> float``.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = make_classification(n_samples=400, random_state=0)
    >>> clf = LogisticRegression().fit(X, y)
    >>> scorer = make_significance_scorer(signal_cross_section=1.0,
    ...                                   background_cross_section=100.0, luminosity=50.0)
    >>> scorer
    make_significance_scorer(formula='s/sqrt(s+b)', signal_cross_section=1.0, background_cross_section=100.0, luminosity=50.0)
    >>> bool(scorer(clf, X, y) > 50 / (50 + 5000) ** 0.5)  # better than no selection
    True
    """
    unknown = sorted(set(cross_section_kwargs) - set(_CROSS_SECTION_ARGS))
    if unknown:
        raise TypeError(
            f"make_significance_scorer got unexpected keyword argument(s) {unknown}; "
            f"expected {list(_CROSS_SECTION_ARGS)}."
        )
    _check_cross_sections(*(cross_section_kwargs.get(name) for name in _CROSS_SECTION_ARGS))
    kwargs = {"formula": formula, **cross_section_kwargs}
    return _SignalScorer(
        _significance_score,
        kwargs,
        signal,
        _describe("make_significance_scorer", **kwargs, signal=signal),
    )


# Names used by the approach comparison; each call builds a fresh scorer.
_SCORERS: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
    "r30": (make_rejection_scorer, {"efficiency": 0.3}),
    "r50": (make_rejection_scorer, {"efficiency": 0.5}),
    "r99": (make_rejection_scorer, {"efficiency": 0.99}),
    "significance": (make_significance_scorer, {}),
    "inv_jsd50": (make_jsd_scorer, {"efficiency": 0.5}),
    # sklearn's "roc_auc" refuses negative weights (its curve must be monotonic); this
    # one is the same number for non-negative weights and the weighted area otherwise.
    "roc_auc": (make_projected_auc_scorer, {"signal": None}),
}


def get_scorer(scoring: Any) -> Callable[..., float]:
    """A scorer from a skjet or scikit-learn name.

    Parameters
    ----------
    scoring : str or callable
        ``"r30"``, ``"r50"``, ``"r99"`` (rejection at signal efficiency 0.3, 0.5, 0.99),
        ``"significance"`` (best ``s/sqrt(s+b)`` over thresholds, event counts),
        ``"inv_jsd50"`` (1/JSD of the background mass at 50 % signal efficiency, see
        :func:`make_jsd_scorer`),
        ``"roc_auc"`` (binary, of ``classes_[1]``; negative weights allowed), any other
        name of :func:`sklearn.metrics.get_scorer` (``"accuracy"``, ...), or a
        callable, returned as is. The skjet scorers take ``classes_[1]`` as signal.

    Returns
    -------
    scorer : callable

    Examples
    --------
    >>> get_scorer("r50")
    make_rejection_scorer(efficiency=0.5)
    >>> get_scorer("accuracy")
    make_scorer(accuracy_score, response_method='predict')
    """
    if isinstance(scoring, str) and scoring in _SCORERS:
        factory, kwargs = _SCORERS[scoring]
        return factory(**kwargs)
    try:
        return _sklearn_get_scorer(scoring)
    except ValueError as exc:
        raise ValueError(
            f"{scoring!r} is not a valid scorer name: use one of skjet's {sorted(_SCORERS)} "
            "or a name from skjet.metrics.get_scorer_names()."
        ) from exc


def get_scorer_names() -> list[str]:
    """All names :func:`get_scorer` accepts: skjet's and scikit-learn's.

    Examples
    --------
    >>> {"r50", "r99", "significance", "roc_auc"} <= set(get_scorer_names())
    True
    """
    return sorted(set(_SCORERS) | set(_sklearn_get_scorer_names()))
