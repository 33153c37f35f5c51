"""scikit-learn's common checks over every public skjet estimator and transformer.

2-D-input estimators go through :func:`sklearn.utils.estimator_checks.parametrize_with_checks`;
estimators on constituents or images, which those checks cannot feed, go through
:func:`skjet.utils.estimator_checks.parametrize_with_nd_checks`. Expected failures are listed per
estimator, with the reason, in ``tests/common_config/<family>.py``.
"""

from __future__ import annotations

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skjet.models import NeuralClassifier
from skjet.utils.discovery import all_estimators
from skjet.utils.estimator_checks import (
    check_param_validation,
    check_training_parameters,
    make_check_input,
    parametrize_with_nd_checks,
)
from tests.common_config import all_expected_failures, collect, takes_2d

INSTANCES, expected_failed_checks, INPUT_KINDS = collect()
INSTANCES_2D = [est for est in INSTANCES if takes_2d(est)]
INSTANCES_ND = [est for est in INSTANCES if not takes_2d(est)]
EXPECTED_FAILED_CHECKS = all_expected_failures(INSTANCES, expected_failed_checks)


# Public estimators the common checks cannot run on, with the reason and where their
# contract is tested instead.
NOT_CHECKED = {
    "HLS4MLClassifier": (
        "frozen like sklearn.frozen.FrozenEstimator: built from a fitted pipeline, clone "
        "returns the same object and fit compiles the given network once without learning "
        "from X, while every common check fits on data of its own; clone, fit, classes_, "
        "predict_proba and compare() are tested in skjet/export/tests/test_hls4ml.py, its "
        "parameter validation in test_param_validation_of_hls4ml_classifier below"
    ),
}


def test_every_public_estimator_is_checked():
    checked = {type(est).__name__ for est in INSTANCES} | set(NOT_CHECKED)
    missing = [name for name, _ in all_estimators() if name not in checked]
    assert not missing, f"add instances of {missing} to tests/common_config/"


def test_not_checked_names_public_estimators():
    assert set(NOT_CHECKED) <= {name for name, _ in all_estimators()}


def test_expected_failures_name_known_estimators():
    names = {type(est).__name__ for est in INSTANCES}
    assert set(EXPECTED_FAILED_CHECKS) <= names
    for checks in EXPECTED_FAILED_CHECKS.values():
        assert all(isinstance(reason, str) and reason for reason in checks.values())


@parametrize_with_checks(INSTANCES_2D, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@parametrize_with_nd_checks(INSTANCES_ND, INPUT_KINDS, EXPECTED_FAILED_CHECKS)
def test_constituent_estimator(estimator, check):
    check(estimator)


# Estimators still without _parameter_constraints, with the reason (none today).
MISSING_PARAMETER_CONSTRAINTS: dict[str, str] = {}


def _param_validation_cases():
    # the N-D estimators get check_param_validation among parametrize_with_nd_checks'
    for est in INSTANCES_2D:
        reason = MISSING_PARAMETER_CONSTRAINTS.get(type(est).__name__)
        marks = (pytest.mark.xfail(reason=reason, strict=True),) if reason else ()
        yield pytest.param(est, id=repr(est), marks=marks)


@pytest.mark.parametrize("estimator", list(_param_validation_cases()))
def test_param_validation(estimator):
    """Each 2-D estimator refuses invalid parameters through its constraints."""
    X, y = make_check_input(estimator)
    check_param_validation(type(estimator).__name__, estimator, X, y)


@pytest.mark.parametrize(
    "estimator", [est for est in INSTANCES_2D if isinstance(est, NeuralClassifier)], ids=repr
)
def test_training_parameters(estimator):
    """A 2-D neural classifier has all of the training parameters (the N-D ones are checked
    among parametrize_with_nd_checks')."""
    X, y = make_check_input(estimator)
    check_training_parameters(type(estimator).__name__, estimator, X, y)


def test_param_validation_of_hls4ml_classifier():
    """HLS4MLClassifier, frozen and so outside the checks above, refuses invalid parameters
    through its constraints too, before hls4ml or the C++ compiler are needed."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skjet.export import HLS4MLClassifier
    from skjet.models import MLPClassifier

    X, y = make_check_input(None)
    pipeline = make_pipeline(StandardScaler(), MLPClassifier((4,), max_epochs=1)).fit(X, y)
    check_param_validation("HLS4MLClassifier", HLS4MLClassifier(pipeline), X, y)


def test_missing_parameter_constraints_name_known_estimators():
    assert set(MISSING_PARAMETER_CONSTRAINTS) <= {type(est).__name__ for est in INSTANCES}
