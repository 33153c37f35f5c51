"""Compare several approaches on the same splits: one call, one table, the ROC curves."""

from __future__ import annotations

import inspect
import numbers
import warnings
from collections.abc import Callable, Mapping
from time import perf_counter
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold, StratifiedShuffleSplit
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import has_fit_parameter

from ..metrics import get_scorer
from ..metrics._projection import _check_estimator_proba
from ..utils import check_sample_weight
from ..utils._classes import check_labels
from ..utils._sklearn_compat import _safe_indexing
from ..utils._typing import ArrayLike
from ._result import ComparisonResult, RocCurve
from ._view import _ScoringView, resolve_signal

DEFAULT_SCORING = ("accuracy", "roc_auc", "r30", "r50", "significance")
DEFAULT_N_SPLITS = 5
# Columns of ComparisonResult.predictions besides one per approach.
_RESERVED_NAMES = ("index", "fold", "y", "is_signal", "sample_weight", "decorrelation_target")
# The metric compare adds when given a decorrelation target (1/JSD at 50 % signal efficiency).
DECORRELATION_METRIC = "inv_jsd50"


def _resolve_scoring(scoring) -> dict[str, Callable]:
    if isinstance(scoring, str):
        scoring = (scoring,)
    if isinstance(scoring, Mapping):
        items = list(scoring.items())
    else:
        try:
            items = [(name, name) for name in scoring]
        except TypeError:
            raise TypeError(
                f"scoring must be a metric name, a list of names or a dict {{name: scorer}}, "
                f"got {type(scoring).__name__}."
            ) from None
    if not items:
        raise ValueError("scoring is empty: name at least one metric.")
    scorers = {}
    for name, scorer in items:
        if not isinstance(name, str):
            raise TypeError(f"Metric names must be strings, got {name!r}.")
        if isinstance(scorer, str):
            scorer = get_scorer(scorer)
        elif not callable(scorer):
            raise TypeError(
                f"scoring[{name!r}] must be a metric name or a scorer callable "
                f"scorer(estimator, X, y), got {type(scorer).__name__}."
            )
        scorers[name] = scorer
    return scorers


def _accepts_sample_weight(scorer) -> bool:
    target = getattr(scorer, "_score_func", scorer)  # sklearn scorers wrap a metric
    try:
        return "sample_weight" in inspect.signature(target).parameters
    except (TypeError, ValueError):
        return False


def _n_rows(X) -> int:
    shape = getattr(X, "shape", None)
    return int(shape[0]) if shape is not None else len(X)


def _check_is_classifier(name, est) -> None:
    """compare() scores class probabilities: refuse a transformer or regressor up front."""
    from sklearn.base import is_classifier

    try:
        ok = is_classifier(est)
    except Exception:  # an object without scikit-learn tags
        ok = False
    if not ok:
        last = est.steps[-1][1] if hasattr(est, "steps") and est.steps else est
        what = "a transformer" if hasattr(last, "transform") else "not a classifier"
        raise TypeError(
            f"estimators[{name!r}] is {what} ({type(last).__name__}), not a classifier: "
            "compare() fits classifiers and scores their class probabilities. End the "
            "approach with a classifier, e.g. make_pipeline(JetKinematics(), "
            "XGBoostClassifier())."
        )


def _check_inputs(estimators, X, y, sample_weight):
    try:
        estimators = dict(estimators)
    except (TypeError, ValueError):
        raise TypeError(
            "estimators must be a dict {name: estimator} (or a list of (name, estimator) "
            f"pairs), got {type(estimators).__name__}."
        ) from None
    if not estimators:
        raise ValueError("estimators is empty: give at least one {name: estimator} to compare.")
    for name, est in estimators.items():
        if name in _RESERVED_NAMES:
            raise ValueError(
                f"{name!r} cannot name an approach: it is a column of the predictions table "
                f"(reserved: {list(_RESERVED_NAMES)})."
            )
        if not hasattr(est, "fit"):
            raise TypeError(f"estimators[{name!r}] has no fit method: {est!r}.")
        _check_is_classifier(name, est)

    check_labels(y, estimator="compare")
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D labels, got shape {y.shape}.")
    n = y.shape[0]
    if n == 0:
        raise ValueError("y is empty: there is nothing to compare on.")

    if isinstance(X, Mapping):
        missing = [name for name in estimators if name not in X]
        if missing:
            raise ValueError(
                f"X is a dict of inputs but has no entry for approach(es) {missing}; "
                f"it has {list(X)}."
            )
        extra = [name for name in X if name not in estimators]
        if extra:
            raise ValueError(f"X has inputs {extra} for which there is no estimator.")
        inputs = {name: X[name] for name in estimators}
    else:
        inputs = dict.fromkeys(estimators, X)
    for name, Xi in inputs.items():
        if Xi is None:
            raise ValueError(f"The input of approach {name!r} is None.")
        rows = _n_rows(Xi)
        if rows != n:
            raise ValueError(
                f"The input of approach {name!r} has {rows} rows but y has {n}: every "
                "approach must see the same jets in the same order."
            )

    if sample_weight is not None:
        sample_weight = check_sample_weight(sample_weight, n, samples_of="y")
    return estimators, inputs, y, sample_weight


def _make_splits(y, cv, test_size, random_state):
    """The (train, test) index pairs shared by every approach, and their description."""
    if cv is not None and test_size is not None:
        raise ValueError("Give either cv (cross-validation) or test_size (held-out split), not both.")
    placeholder = np.zeros((y.shape[0], 1))
    if test_size is not None:
        splitter = StratifiedShuffleSplit(n_splits=1, test_size=test_size, random_state=random_state)
        frac = test_size if isinstance(test_size, float) else test_size / y.shape[0]
        description = f"held-out split, {frac:.0%} test"
    else:
        if cv is None:
            cv = DEFAULT_N_SPLITS
        if isinstance(cv, numbers.Integral):
            if cv < 2:
                raise ValueError(f"cv must be at least 2 folds, got {cv}; use test_size for one split.")
            splitter = StratifiedKFold(n_splits=int(cv), shuffle=True, random_state=random_state)
            description = f"{int(cv)}-fold stratified CV"
        elif hasattr(cv, "split"):
            splitter = cv
            description = f"{type(cv).__name__} CV"
        else:  # an iterable of (train, test) pairs
            return [(np.asarray(tr), np.asarray(te)) for tr, te in cv], "given splits"
    # Materialised once so that every approach sees exactly the same folds.
    return [(tr, te) for tr, te in splitter.split(placeholder, y)], description


def _fit_params(estimator, sample_weight, target=None) -> dict[str, Any]:
    params = {} if target is None else _target_params(estimator, target)
    if sample_weight is None:
        return params
    return {**params, **_weight_params(estimator, sample_weight)}


def _target_params(estimator, target) -> dict[str, Any]:
    """The decorrelation target for a fit that takes it (DisCo networks), else nothing."""
    if isinstance(estimator, Pipeline):
        step, final = estimator.steps[-1]
        if final not in (None, "passthrough") and has_fit_parameter(final, "decorrelation_target"):
            return {f"{step}__decorrelation_target": target}
        return {}
    return {"decorrelation_target": target} if has_fit_parameter(
        estimator, "decorrelation_target") else {}


def _accepts_target(scorer) -> bool:
    try:
        return "decorrelation_target" in inspect.signature(scorer).parameters
    except (TypeError, ValueError):
        return False


def _weight_params(estimator, sample_weight) -> dict[str, Any]:
    if isinstance(estimator, Pipeline):
        step, final = estimator.steps[-1]
        if final is not None and final != "passthrough" and has_fit_parameter(final, "sample_weight"):
            return {f"{step}__sample_weight": sample_weight}
        return {}
    if has_fit_parameter(estimator, "sample_weight"):
        return {"sample_weight": sample_weight}
    return {}


def _score_fold(name, estimator, X, y, y_scored, train, test, fold, *, scorers, signal,
                sample_weight, return_score, return_estimator, verbose, target=None):
    est = clone(estimator)
    X_train, X_test = _safe_indexing(X, train), _safe_indexing(X, test)
    w_train = None if sample_weight is None else sample_weight[train]
    w_test = None if sample_weight is None else sample_weight[test]

    stage = "fitting"
    try:
        start = perf_counter()
        t_train = None if target is None else target[train]
        est.fit(X_train, y[train], **_fit_params(est, w_train, t_train))
        fit_time = perf_counter() - start
        stage = "predicting with"
        view = _ScoringView(est, X_test, signal)
        predict_time = view.timed_response()
    except Exception as exc:
        if hasattr(exc, "add_note"):  # Python >= 3.11
            exc.add_note(f"(while {stage} approach {name!r} on fold {fold})")
        raise
    y_test = y_scored[test]

    scores = {}
    for metric, scorer in scorers.items():
        kwargs = {"sample_weight": w_test} if w_test is not None and _accepts_sample_weight(scorer) else {}
        if target is not None and _accepts_target(scorer):
            kwargs["decorrelation_target"] = target[test]
        try:
            scores[metric] = float(scorer(view, X_test, y_test, **kwargs))
        except Exception as exc:
            n_classes = np.unique(y).size
            hint = (
                f" y has {n_classes} classes: pass signal=... to score the signal-vs-background "
                "projection, or use multiclass metrics (e.g. 'accuracy', 'roc_auc_ovr')."
                if signal is None and n_classes > 2
                else ""
            )
            raise ValueError(
                f"Metric {metric!r} failed for approach {name!r} on fold {fold}: "
                f"{type(exc).__name__}: {exc}.{hint}"
            ) from exc

    row = {"approach": name, "fold": fold, **scores, "fit_time": fit_time,
           "predict_time": predict_time, "n_train": len(train), "n_test": len(test)}
    if verbose:
        shown = ", ".join(f"{k}={v:.4g}" for k, v in scores.items())
        print(f"[compare] {name} fold {fold}: fit {fit_time:.2f} s, {shown}", flush=True)
    score = view.score_of_signal() if return_score else None
    classes = np.asarray(est.classes_)
    try:  # what the scorers did not ask for yet; the result keeps both
        y_pred = np.asarray(view.response("predict"))
        y_proba = (_check_estimator_proba(est, view.response("predict_proba"), classes)
                   if hasattr(est, "predict_proba") else None)
    except Exception as exc:
        if hasattr(exc, "add_note"):
            exc.add_note(f"(while predicting with approach {name!r} on fold {fold})")
        raise
    return _FoldOutput(row, score, est if return_estimator else None, y_pred, y_proba, classes)


class _FoldOutput(NamedTuple):
    """What one (approach, fold) task returns to :func:`compare`."""

    row: dict[str, Any]
    score: np.ndarray | None  # the signal score of the test jets, when asked for
    estimator: Any  # the fitted estimator, when asked for
    y_pred: np.ndarray  # predict on the test jets
    y_proba: np.ndarray | None  # predict_proba on the test jets, columns in its classes_
    classes: np.ndarray  # the fitted estimator's classes_


def _pooled_proba(name: str, outputs: list[_FoldOutput], classes: np.ndarray):
    """The probabilities of every fold in the columns of ``classes`` (0 for a class that a
    fold's training set lacked, as in :func:`~sklearn.model_selection.cross_val_predict`);
    None for an approach without ``predict_proba``."""
    parts = []
    for fold, out in enumerate(outputs):
        fitted, given = out.classes, out.y_proba
        if given is None:
            return None
        columns = np.searchsorted(classes, fitted)
        if (columns >= classes.size).any() or not np.array_equal(classes[columns], fitted):
            raise ValueError(
                f"approach {name!r} has classes_ {fitted.tolist()} on fold {fold}, not "
                f"among the labels {classes.tolist()} of y."
            )
        proba = np.zeros((given.shape[0], classes.size), dtype=given.dtype)
        proba[:, columns] = given
        parts.append(proba)
    return np.concatenate(parts)


def compare(
    estimators: Any,
    X: ArrayLike,
    y: ArrayLike,
    *,
    cv: Any = None,
    test_size: float | int | None = None,
    scoring: Any = DEFAULT_SCORING,
    signal: Any = None,
    n_jobs: int | None = None,
    random_state: int | np.random.RandomState | None = None,
    return_curves: bool = True,
    return_estimators: bool = False,
    sample_weight: ArrayLike | None = None,
    verbose: int = 0,
    decorrelation_target: ArrayLike | None = None,
) -> ComparisonResult:
    """Fit and score several approaches on the same splits and tabulate them.

    Every approach is trained and evaluated on exactly the same train/test indices, so
    the differences in the table come from the approaches, not from the splits.

    Parameters
    ----------
    estimators : dict of {str: estimator}
        The approaches to compare, by name: classifiers or Pipelines ending in one. Each is
        cloned before every fit; the objects passed are left untouched.
    X : array-like, DataFrame or dict of {str: array-like}
        The input of every approach, or one input per approach name (e.g. jet features for a
        boosted tree, constituents for a DeepSets network). All inputs must hold the same
        jets in the same order as ``y``.
    y : array-like of shape (n_samples,)
        Class labels (strings are fine).
    cv : int, cross-validation splitter or iterable of (train, test), default=None
        Cross-validation. An int is the number of folds of a shuffled ``StratifiedKFold``
        seeded by ``random_state``. With ``cv=None`` and ``test_size=None``, 5-fold
        stratified cross-validation is used.
    test_size : float or int, default=None
        Instead of cross-validation, one stratified held-out split with this test fraction
        (or number of jets). Exclusive with ``cv``.
    scoring : str, list of str or dict of {str: str or scorer}, default=("accuracy", \
"roc_auc", "r30", "r50", "significance")
        Metrics, by name (:func:`skjet.metrics.get_scorer` knows ``"r30"``, ``"r50"``,
        ``"r99"`` (background rejection at 30/50/99 % signal efficiency),
        ``"significance"`` (the maximum over thresholds) and every sklearn scorer name),
        or as scorer callables ``scorer(estimator, X, y)`` in a dict.
    signal : label or list of labels, default=None
        Score the projection signal vs background: the signal score is the sum of the
        predicted probabilities of these classes and *every* metric, accuracy included
        (signal when that sum exceeds 0.5), is computed on the binary problem "is one of
        the signal classes". Needed for the default metrics when ``y`` has more than two
        classes. With ``signal=None`` and two classes, the signal is ``classes_[1]``
        (sklearn's positive class: ``"top"`` for ``{"qcd", "top"}``, 1 for {0, 1}).
    n_jobs : int, default=None
        Number of (approach, fold) fits run in parallel with joblib.
    random_state : int, RandomState instance or None, default=None
        Seeds the splits (not the estimators: seed those through their own parameters).
    return_curves : bool, default=True
        Compute :attr:`ComparisonResult.curves` and :attr:`ComparisonResult.predictions`.
    return_estimators : bool, default=False
        Keep the fitted estimators (one per fold) in :attr:`ComparisonResult.estimators`.
    sample_weight : array-like of shape (n_samples,), default=None
        Event weights, passed to every scorer that accepts them and to ``fit`` of every
        approach whose ``fit`` (for a Pipeline: the final step's) accepts them; a
        ``UserWarning`` names the approaches that cannot use them.
    verbose : int, default=0
        Print one line per (approach, fold) when positive.
    decorrelation_target : array-like of shape (n_samples,), default=None
        The variable a tagger must not sculpt, usually the jet mass in GeV. Passed to ``fit``
        of every approach that takes it (the neural classifiers with
        ``decorrelation="disco"``), to every scorer that takes it, and adds the metric
        ``"inv_jsd50"`` (1/JSD of the background target at 50 % signal efficiency, see
        :func:`skjet.metrics.make_jsd_scorer`); ``predictions`` gets a
        ``decorrelation_target`` column, and the report the sculpting figures.

    Returns
    -------
    result : ComparisonResult
        ``table`` (one row per approach, ``<metric>_mean`` / ``<metric>_std`` columns and
        the fit and predict times), ``folds`` (one row per approach and fold), ``curves``
        (the ROC curve of each approach on the pooled out-of-fold predictions),
        ``predictions`` (the signal scores), ``y_pred`` and ``y_proba`` (``predict`` and
        ``predict_proba`` of every approach on the pooled test jets) and ``estimators``.
        ``print(result)`` shows the table.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = make_classification(n_samples=400, random_state=0)
    >>> result = compare({"logistic": LogisticRegression(),
    ...                   "tree": DecisionTreeClassifier(max_depth=3, random_state=0)},
    ...                  X, y, cv=3, scoring=["accuracy", "roc_auc"], random_state=0)
    >>> list(result.table.index)
    ['logistic', 'tree']
    >>> list(result.table.columns[:4])
    ['accuracy_mean', 'accuracy_std', 'roc_auc_mean', 'roc_auc_std']
    """
    estimators, inputs, y, sample_weight = _check_inputs(estimators, X, y, sample_weight)
    classes = np.unique(y)
    if classes.size < 2:
        raise ValueError(f"y contains a single class ({classes[0]!r}): nothing to classify.")
    signal = resolve_signal(signal, classes)
    scorers = _resolve_scoring(scoring)
    target = None
    if decorrelation_target is not None:
        target = _check_target(decorrelation_target, y.shape[0])
        if DECORRELATION_METRIC not in scorers and (signal is not None or classes.size == 2):
            scorers[DECORRELATION_METRIC] = get_scorer(DECORRELATION_METRIC)
    splits, description = _make_splits(y, cv, test_size, random_state)
    if sample_weight is not None:
        unused = [name for name, est in estimators.items() if not _fit_params(est, sample_weight)]
        if unused:
            warnings.warn(
                f"sample_weight is used in scoring but not in fitting approach(es) {unused}: "
                "their fit (or their Pipeline's final step) takes no sample_weight.",
                UserWarning,
                stacklevel=2,
            )

    binary_view = signal is not None or classes.size == 2
    want_scores = return_curves and binary_view
    # Signal (True) / background of every jet; None for a multiclass problem without signal.
    is_signal: Any = (
        np.isin(y, signal if signal is not None else classes[1:]) if binary_view else None
    )
    # What the scorers see: the labels, or with signal the projected 1 (signal) / 0 labels.
    y_scored = y if signal is None else is_signal.astype(int)
    tasks = [(name, fold) for name in estimators for fold in range(len(splits))]
    outputs = Parallel(n_jobs=n_jobs)(
        delayed(_score_fold)(
            name, estimators[name], inputs[name], y, y_scored, *splits[fold], fold,
            scorers=scorers, signal=signal, sample_weight=sample_weight,
            return_score=want_scores, return_estimator=return_estimators, verbose=verbose,
            target=target,
        )
        for name, fold in tasks
    )

    by_name = {name: [out for out, (n, _) in zip(outputs, tasks) if n == name]
               for name in estimators}
    folds = pd.DataFrame([out.row for out in outputs])
    metrics = list(scorers)
    table = _summarise(folds, metrics, list(estimators), held_out=len(splits) == 1)

    curves, predictions = {}, None
    if want_scores:
        test_index = np.concatenate([te for _, te in splits])
        fold_of = np.concatenate([np.full(len(te), k) for k, (_, te) in enumerate(splits)])
        test_is_signal = is_signal[test_index]
        weight = None if sample_weight is None else sample_weight[test_index]
        predictions = pd.DataFrame(
            {"index": test_index, "fold": fold_of, "y": y[test_index], "is_signal": test_is_signal}
        )
        if weight is not None:
            predictions["sample_weight"] = weight
        if target is not None:
            predictions["decorrelation_target"] = target[test_index]
        for name in estimators:
            score = np.concatenate([out.score for out in by_name[name]])
            predictions[name] = score
            curves[name] = RocCurve.from_scores(test_is_signal, score, sample_weight=weight)

    y_proba = {name: _pooled_proba(name, by_name[name], classes) for name in estimators}
    return ComparisonResult(
        table=table,
        folds=folds,
        curves=curves,
        predictions=predictions,
        estimators=({name: [out.estimator for out in by_name[name]] for name in estimators}
                    if return_estimators else None),
        metrics=metrics,
        signal=None if signal is None else signal.tolist(),
        splits=splits,
        description=description,
        classes=classes,
        y=y,
        y_pred={name: np.concatenate([out.y_pred for out in by_name[name]])
                for name in estimators},
        y_proba={name: proba for name, proba in y_proba.items() if proba is not None},
    )


def _check_target(target, n: int) -> np.ndarray:
    values = np.asarray(target, dtype=np.float64)
    if values.shape != (n,):
        raise ValueError(
            f"decorrelation_target has shape {values.shape} but y has {n} jets; expected "
            f"({n},), e.g. the jet mass of every jet."
        )
    if not np.isfinite(values).all():
        raise ValueError(
            f"decorrelation_target has {int((~np.isfinite(values)).sum())} non-finite value(s)."
        )
    return values


def _summarise(folds: pd.DataFrame, metrics: list[str], names: list[str], *, held_out: bool):
    grouped = folds.groupby("approach", sort=False)
    columns = {}
    for col in [*metrics, "fit_time", "predict_time"]:
        columns[f"{col}_mean"] = grouped[col].mean()
        # Population std, like ``cross_val_score(...).std()``; undefined for one split.
        columns[f"{col}_std"] = np.nan if held_out else grouped[col].std(ddof=0)
    table = pd.DataFrame(columns).reindex(names)
    table.index.name = "approach"
    return table
