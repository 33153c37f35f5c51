"""Common checks for estimators whose input is 3-D or 4-D (constituents, jet images).

scikit-learn's :func:`~sklearn.utils.estimator_checks.parametrize_with_checks` feeds 2-D
arrays only, so it skips estimators tagged ``two_d_array=False``. These checks cover the same
contract on the inputs such estimators take: cloning and parameters, fit returning ``self``,
``NotFittedError`` before fit, clear errors for wrong dimensions, NaN and empty input,
identical results after pickling and refitting, no mutation of the input, feature names and
pandas output for 2-D outputs, the classifier API, parameter validation (every parameter
constrained, invalid values refused), for a neural classifier all of the training parameters,
and for constituents the same results from jagged (awkward) input as from the padded array.
"""

from __future__ import annotations

import inspect
import pickle
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone, is_classifier
from sklearn.exceptions import NotFittedError

from ._sklearn_compat import InvalidParameterError, generate_invalid_param_val, make_constraint
from ._typing import ArrayLike

INPUT_KINDS = ("constituents", "images")


def make_constituents(
    n_jets: int = 40,
    n_slots: int = 16,
    random_state: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Physics-like zero-padded constituents (n, m, 4) and binary string labels.

    Class "top" jets have more, softer constituents than "qcd" jets. The last jet has no
    constituents at all, because every estimator must handle that.
    """
    rng = np.random.default_rng(random_state)
    y = np.where(np.arange(n_jets) % 2 == 0, "top", "qcd")
    X = np.zeros((n_jets, n_slots, 4), dtype=np.float32)
    for i in range(n_jets):
        mult = rng.integers(n_slots // 2, n_slots + 1) if y[i] == "top" else rng.integers(2, n_slots // 2)
        pt = np.sort(rng.exponential(30.0 if y[i] == "top" else 60.0, mult))[::-1] + 1.0
        eta = rng.normal(0.0, 0.3, mult)
        phi = rng.normal(0.0, 0.3, mult)
        px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
        X[i, :mult] = np.stack([np.sqrt(px**2 + py**2 + pz**2), px, py, pz], axis=1)
    X[-1] = 0.0
    return X, y


def make_images(
    n_jets: int = 40,
    size: int = 8,
    random_state: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Non-negative images (n, 1, size, size) and binary string labels."""
    rng = np.random.default_rng(random_state)
    y = np.where(np.arange(n_jets) % 2 == 0, "top", "qcd")
    X = rng.exponential(1.0, (n_jets, 1, size, size)).astype(np.float32)
    X[y == "top", :, : size // 2] *= 3.0
    return X, y


def _make_input(kind: str):
    if kind == "constituents":
        return make_constituents()
    if kind == "images":
        return make_images()
    raise ValueError(f"input kind must be one of {INPUT_KINDS}, got {kind!r}")


def _output(estimator, X):
    """What the estimator computes from X: probabilities for classifiers, else transform."""
    if is_classifier(estimator):
        return estimator.predict_proba(X)
    return estimator.transform(X)


def _methods(estimator) -> list[str]:
    names = ("predict", "predict_proba", "decision_function", "transform")
    return [m for m in names if hasattr(estimator, m)]


def check_params_stored(name: str, estimator: Any, X: ArrayLike, y: ArrayLike) -> None:
    """``__init__`` stores parameters unchanged; clone and set_params round-trip."""
    params = estimator.get_params(deep=False)
    cloned = clone(estimator)
    assert cloned.get_params(deep=False).keys() == params.keys()
    for key, value in params.items():
        assert cloned.get_params(deep=False)[key] is value or repr(
            cloned.get_params(deep=False)[key]
        ) == repr(value), f"{name}: clone changed parameter {key!r}"
    cloned.set_params(**params)
    assert not [a for a in vars(cloned) if a.endswith("_") and not a.startswith("_")], (
        f"{name}: unfitted estimator has fitted attributes"
    )


def check_not_fitted(name: str, estimator: Any, X: ArrayLike, y: ArrayLike) -> None:
    """Every prediction method raises NotFittedError before fit."""
    est = clone(estimator)
    for method in _methods(est):
        with pytest.raises(NotFittedError):
            getattr(est, method)(X)


def check_fit_returns_self(name: str, estimator: Any, X: ArrayLike, y: ArrayLike) -> None:
    """``fit`` returns the estimator and sets ``n_features_in_`` and trailing-underscore attributes."""
    est = clone(estimator)
    assert est.fit(X, y) is est, f"{name}.fit must return self"
    assert hasattr(est, "n_features_in_"), f"{name} must set n_features_in_ in fit"
    if is_classifier(est):
        np.testing.assert_array_equal(est.classes_, np.unique(y))


def check_rejects_2d(name: str, estimator: Any, X: ArrayLike, y: ArrayLike) -> None:
    """Flattened 2-D input gets a ValueError that names the expected dimensions."""
    est = clone(estimator)
    with pytest.raises(ValueError, match=r"\d-D"):
        est.fit(X.reshape(len(X), -1), y)


def check_rejects_nan(name: str, estimator: Any, X: ArrayLike, y: ArrayLike) -> None:
    """NaN and inf in the input are refused, not dropped."""
    for bad in (np.nan, np.inf):
        X_bad = X.copy()
        X_bad.reshape(len(X), -1)[0, 0] = bad
        with pytest.raises(ValueError, match=r"(?i)nan|inf"):
            clone(estimator).fit(X_bad, y)


def check_rejects_empty(name: str, estimator: Any, X: ArrayLike, y: ArrayLike) -> None:
    """Zero jets give a ValueError."""
    with pytest.raises(ValueError):
        clone(estimator).fit(X[:0], y[:0])


def check_rejects_wrong_features_at_predict(
    name: str,
    estimator: Any,
    X: ArrayLike,
    y: ArrayLike,
) -> None:
    """A different last axis at predict/transform time than at fit gives a ValueError."""
    est = clone(estimator).fit(X, y)
    X_wrong = np.concatenate([X, X[..., :1]], axis=-1)
    for method in _methods(est):
        with pytest.raises(ValueError):
            getattr(est, method)(X_wrong)


def check_no_input_mutation(name: str, estimator: Any, X: ArrayLike, y: ArrayLike) -> None:
    """Neither fit nor prediction changes the caller's array."""
    X_before = X.copy()
    est = clone(estimator).fit(X, y)
    for method in _methods(est):
        getattr(est, method)(X)
    np.testing.assert_array_equal(X, X_before)


def check_pickle_round_trip(name: str, estimator: Any, X: ArrayLike, y: ArrayLike) -> None:
    """A pickled and restored estimator gives identical results."""
    est = clone(estimator).fit(X, y)
    restored = pickle.loads(pickle.dumps(est))
    for method in _methods(est):
        np.testing.assert_array_equal(getattr(est, method)(X), getattr(restored, method)(X))


def check_fit_idempotent(name: str, estimator: Any, X: ArrayLike, y: ArrayLike) -> None:
    """Fitting twice on the same data gives the same results."""
    est = clone(estimator)
    first = _output(est.fit(X, y), X)
    second = _output(est.fit(X, y), X)
    np.testing.assert_allclose(first, second, rtol=1e-5, atol=1e-6)


def check_finite_output(name: str, estimator: Any, X: ArrayLike, y: ArrayLike) -> None:
    """The output is finite, including for the jet with no constituents (the last one)."""
    out = _output(clone(estimator).fit(X, y), X)
    assert np.isfinite(np.asarray(out, dtype=np.float64)).all(), f"{name} gave non-finite output"


def check_feature_names_and_pandas_output(
    name: str,
    estimator: Any,
    X: ArrayLike,
    y: ArrayLike,
) -> None:
    """2-D transformer output: ``get_feature_names_out`` matches, ``set_output`` gives a DataFrame."""
    est = clone(estimator).fit(X, y)
    out = est.transform(X)
    if np.ndim(out) != 2:
        return
    names = est.get_feature_names_out()
    assert len(names) == out.shape[1]
    est_pd = clone(estimator).set_output(transform="pandas").fit(X, y)
    frame = est_pd.transform(X)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == list(names)
    np.testing.assert_allclose(frame.to_numpy(dtype=np.float64), np.asarray(out, dtype=np.float64))


def check_classifier_api(name: str, estimator: Any, X: ArrayLike, y: ArrayLike) -> None:
    """String labels, probabilities summing to one, predictions among ``classes_``."""
    est = clone(estimator).fit(X, y)
    proba = est.predict_proba(X)
    assert proba.shape == (len(X), len(est.classes_))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert set(np.unique(est.predict(X))) <= set(est.classes_)


def check_classifier_single_class(name: str, estimator: Any, X: ArrayLike, y: ArrayLike) -> None:
    """A single class in y is refused with a message that says so."""
    with pytest.raises(ValueError, match=r"(?i)class"):
        clone(estimator).fit(X, np.full(len(X), y[0]))


def to_jagged(X: np.ndarray) -> Any:
    """The awkward array of the real (non-padding) constituents of each jet of ``X``."""
    import awkward as ak

    real = np.any(X != 0, axis=-1)
    return ak.unflatten(X[real], real.sum(axis=1))


def check_jagged_input(name: str, estimator: Any, X: ArrayLike, y: ArrayLike) -> None:
    """Jagged (awkward) constituents give the results of the padded array, in fit and after."""
    jagged = to_jagged(X)
    est = clone(estimator).fit(X, y)
    est_jagged = clone(estimator).fit(jagged, y)
    for method in _methods(est):
        expected = getattr(est, method)(X)
        for fitted in (est, est_jagged):
            got = getattr(fitted, method)(jagged)
            if method == "predict":
                np.testing.assert_array_equal(got, expected)
            else:
                np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6, err_msg=method)


def _init_param_names(estimator) -> set[str]:
    """The parameters named in ``__init__`` (extra ``**kwargs`` parameters excluded)."""
    signature = inspect.signature(type(estimator).__init__)
    return {
        name
        for name, p in signature.parameters.items()
        if name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    }


def check_param_validation(name: str, estimator: Any, X: ArrayLike, y: ArrayLike) -> None:
    """Every parameter has a constraint, and an invalid value is refused when fitting.

    The model is imbalanced-learn's (and scikit-learn's) ``check_param_validation``:
    ``_parameter_constraints`` lists exactly the ``__init__`` parameters, and for each
    one an object of no valid type, then a value of a valid type outside each constraint
    (where scikit-learn can generate one), makes ``fit``, ``partial_fit``,
    ``fit_transform`` and ``fit_predict`` raise ``InvalidParameterError`` naming the
    parameter, before the data is looked at. Works for 2-D and N-D input alike.
    """
    constraints = getattr(estimator, "_parameter_constraints", None)
    assert constraints is not None, f"{name} declares no _parameter_constraints"
    params = _init_param_names(estimator)
    assert set(constraints) == params, (
        f"{name}: _parameter_constraints lists {sorted(set(constraints) - params)} that are "
        f"not parameters and misses {sorted(params - set(constraints))}"
    )
    methods = [m for m in ("fit", "partial_fit", "fit_transform", "fit_predict") if hasattr(estimator, m)]
    bad_type = type("BadType", (), {})()
    for param, options in constraints.items():
        if options == "no_validation":
            continue
        bad_values = [bad_type]
        for constraint in map(make_constraint, options):
            try:
                bad_values.append(generate_invalid_param_val(constraint))
            except NotImplementedError:  # e.g. a type: the bad type above covers it
                continue
        match = rf"The '{param}' parameter of {name} must be .* Got .* instead\."
        for value in bad_values:
            est = clone(estimator)
            valid = est.get_params(deep=False)[param]
            est.set_params(**{param: value})
            try:
                for method in methods:
                    with pytest.raises(InvalidParameterError, match=match):
                        getattr(est, method)(X, y)
            finally:  # a frozen estimator's clone is itself: one bad parameter at a time
                est.set_params(**{param: valid})


def check_training_parameters(name: str, estimator: Any, X: ArrayLike, y: ArrayLike) -> None:
    """A neural classifier has every training parameter, each constrained and documented.

    For a subclass of :class:`skjet.models.NeuralClassifier`: ``get_params`` holds all
    of the base's training parameters (``max_epochs`` ... ``decorrelation_strength``), with
    the base's constraints unless the subclass declares its own, and every ``__init__``
    parameter is documented once in the class docstring when it has a Parameters section.
    """
    from ..models._neural._parameters import TRAINING_PARAMETERS

    params = estimator.get_params(deep=False)
    missing = [p for p in TRAINING_PARAMETERS if p not in params]
    assert not missing, f"{name} lacks the training parameters {missing}"
    unconstrained = [p for p in TRAINING_PARAMETERS if p not in estimator._parameter_constraints]
    assert not unconstrained, f"{name}: no constraint for {unconstrained}"
    doc = type(estimator).__doc__ or ""
    if "\n    Parameters\n    ----------\n" in doc:
        for param in _init_param_names(estimator):
            count = doc.count(f"\n    {param} : ")
            assert count == 1, f"{name}'s docstring documents {param!r} {count} times"


def make_check_input(estimator: Any, kind: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` for a check: 2-D features, or constituents or images for N-D estimators.

    ``kind`` is one of :data:`INPUT_KINDS`, or ``None`` for a (20, 8) table.
    """
    if kind is not None:
        return _make_input(kind)
    rng = np.random.default_rng(0)
    return rng.uniform(size=(20, 8)), np.arange(20) % 2


def yield_checks(estimator: Any) -> Iterator[Callable]:
    """Yield the checks that apply to ``estimator``."""
    yield check_params_stored
    yield check_not_fitted
    yield check_fit_returns_self
    yield check_rejects_2d
    yield check_rejects_nan
    yield check_rejects_empty
    yield check_rejects_wrong_features_at_predict
    yield check_no_input_mutation
    yield check_pickle_round_trip
    yield check_fit_idempotent
    yield check_finite_output
    yield check_param_validation
    if hasattr(estimator, "build_module"):  # a skjet neural classifier
        yield check_training_parameters
    if is_classifier(estimator):
        yield check_classifier_api
        yield check_classifier_single_class
    elif hasattr(estimator, "get_feature_names_out"):
        yield check_feature_names_and_pandas_output


def parametrize_with_nd_checks(
    estimators: Any,
    input_kinds: dict[str, str] | None = None,
    expected_failed_checks: dict | None = None,
) -> Any:
    """``pytest.mark.parametrize`` over (estimator, check) for 3-D/4-D-input estimators.

    Parameters
    ----------
    estimators : list of estimator instances
    input_kinds : dict, optional
        Class name -> ``"constituents"`` (default) or ``"images"``.
    expected_failed_checks : dict, optional
        Class name -> {check name: reason}; those checks are marked ``xfail`` with the reason.
    """
    input_kinds = input_kinds or {}
    expected_failed_checks = expected_failed_checks or {}
    params = []
    for est in estimators:
        cls = type(est).__name__
        kind = input_kinds.get(cls, "constituents")
        checks: list[Callable] = list(yield_checks(est))
        if kind == "constituents":
            checks.append(check_jagged_input)
        for check in checks:
            marks: tuple = ()
            reason = expected_failed_checks.get(cls, {}).get(check.__name__)
            if reason:
                marks = (pytest.mark.xfail(reason=reason, strict=True),)
            params.append(
                pytest.param(est, partial(_run, check, kind), id=f"{est!r}-{check.__name__}", marks=marks)
            )
    return pytest.mark.parametrize("estimator, check", params)


def _run(check, kind, estimator):
    X, y = _make_input(kind)
    check(type(estimator).__name__, estimator, X, y)
