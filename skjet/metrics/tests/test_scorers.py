import pickle

import numpy as np
import pytest
import sklearn
from sklearn.datasets import make_classification
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import check_scoring, roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.svm import LinearSVC

from skjet.metrics import (
    get_scorer,
    get_scorer_names,
    make_projected_auc_scorer,
    make_rejection_scorer,
    make_significance_scorer,
    max_significance,
    projected_roc_auc,
    rejection_at_efficiency,
)

FIVE = np.array(["g", "q", "t", "w", "z"])


@pytest.fixture(scope="module")
def binary_data():
    X, y = make_classification(n_samples=400, n_features=6, n_informative=3, random_state=0)
    return X, np.where(y == 1, "top", "qcd")


@pytest.fixture(scope="module")
def five_class_data():
    X, y = make_classification(
        n_samples=300, n_features=8, n_informative=6, n_classes=5, random_state=0
    )
    return X, FIVE[y]


def test_rejection_scorer_binary(binary_data):
    X, y = binary_data
    clf = LogisticRegression().fit(X, y)
    p_top = clf.predict_proba(X)[:, 1]
    assert make_rejection_scorer(0.5)(clf, X, y) == pytest.approx(
        rejection_at_efficiency(y, p_top, 0.5, pos_label="top"), rel=1e-12
    )
    # The other class as signal uses its own probability column.
    assert make_rejection_scorer(0.5, signal="qcd")(clf, X, y) == pytest.approx(
        rejection_at_efficiency(y, 1 - p_top, 0.5, pos_label="qcd"), rel=1e-12
    )


def test_decision_function_fallback(binary_data):
    X, y = binary_data
    clf = LinearSVC().fit(X, y)
    assert not hasattr(clf, "predict_proba")
    decision = clf.decision_function(X)
    assert make_rejection_scorer(0.3)(clf, X, y) == pytest.approx(
        rejection_at_efficiency(y, decision, 0.3, pos_label="top"), rel=1e-12
    )
    assert make_projected_auc_scorer("qcd")(clf, X, y) == pytest.approx(
        roc_auc_score(y == "qcd", -decision), rel=1e-12
    )


def test_projected_auc_binary_equals_roc_auc(binary_data):
    X, y = binary_data
    clf = LogisticRegression().fit(X, y)
    assert make_projected_auc_scorer("top")(clf, X, y) == pytest.approx(
        get_scorer("roc_auc")(clf, X, y), rel=1e-12
    )


def test_significance_scorer(binary_data):
    X, y = binary_data
    clf = LogisticRegression().fit(X, y)
    kwargs = {"signal_cross_section": 1.0, "background_cross_section": 50.0, "luminosity": 10.0}
    scorer = make_significance_scorer("s/sqrt(s+b)", **kwargs)
    expected = max_significance(
        y, clf.predict_proba(X)[:, 1], pos_label="top", **kwargs
    ).significance
    assert scorer(clf, X, y) == pytest.approx(expected, rel=1e-12)
    assert isinstance(scorer(clf, X, y), float)


def test_multiclass_projection(five_class_data):
    X, y = five_class_data
    clf = LogisticRegression(max_iter=500).fit(X, y)
    proba = clf.predict_proba(X)
    heavy = ["t", "w", "z"]
    assert make_projected_auc_scorer(heavy)(clf, X, y) == pytest.approx(
        projected_roc_auc(y, proba, clf.classes_, heavy), rel=1e-12
    )
    is_heavy = np.isin(y, heavy)
    assert make_rejection_scorer(0.5, signal=heavy)(clf, X, y) == pytest.approx(
        rejection_at_efficiency(is_heavy, proba[:, 2:].sum(axis=1), 0.5), rel=1e-12
    )
    with pytest.raises(ValueError, match=r"5 classes .*pass signal="):
        make_rejection_scorer(0.5)(clf, X, y)
    with pytest.raises(ValueError, match=r"\['top'\] are not in classes"):
        make_projected_auc_scorer("top")(clf, X, y)


def test_grid_search_refit_by_name(binary_data):
    X, y = binary_data
    scoring = {
        "r50": make_rejection_scorer(0.5),
        "sig": make_significance_scorer(),
        "auc": "roc_auc",
    }
    search = GridSearchCV(
        LogisticRegression(), {"C": [1e-3, 1e-1, 10.0]}, scoring=scoring, refit="r50", cv=3
    ).fit(X, y)
    means = search.cv_results_["mean_test_r50"]
    assert search.best_index_ == int(np.argmax(means))
    assert search.best_score_ == pytest.approx(means.max())
    assert np.all(np.isfinite(search.cv_results_["mean_test_sig"]))
    # The per-fold value is the scorer applied to the fold's estimator.
    cv = StratifiedKFold(3)
    train, test = next(iter(cv.split(X, y)))
    clf = LogisticRegression(C=search.cv_results_["param_C"][0]).fit(X[train], y[train])
    assert search.cv_results_["split0_test_r50"][0] == pytest.approx(
        make_rejection_scorer(0.5)(clf, X[test], y[test])
    )


def test_cross_validate_multiclass(five_class_data):
    X, y = five_class_data
    heavy = ["t", "w", "z"]
    scoring = {
        "auc_heavy": make_projected_auc_scorer(heavy),
        "r80_heavy": make_rejection_scorer(0.8, signal=heavy),
        "sig_top": make_significance_scorer(signal="t"),
        "accuracy": "accuracy",
    }
    result = cross_validate(
        LogisticRegression(max_iter=500), X, y, scoring=scoring, cv=3, return_estimator=True
    )
    cv = StratifiedKFold(3)
    for fold, (_, test) in enumerate(cv.split(X, y)):
        clf = result["estimator"][fold]
        proba = clf.predict_proba(X[test])
        assert result["test_auc_heavy"][fold] == pytest.approx(
            projected_roc_auc(y[test], proba, clf.classes_, heavy)
        )
        assert 1.0 < result["test_r80_heavy"][fold] < np.inf
    assert np.all(result["test_sig_top"] > 0)
    search = GridSearchCV(
        LogisticRegression(max_iter=500),
        {"C": [0.01, 1.0]},
        scoring=scoring,
        refit="auc_heavy",
        cv=3,
    ).fit(X, y)
    assert search.best_index_ == int(np.argmax(search.cv_results_["mean_test_auc_heavy"]))


def test_sample_weight_direct_and_multimetric(binary_data, rng):
    X, y = binary_data
    clf = LogisticRegression().fit(X, y)
    weight = rng.integers(1, 4, len(y)).astype(float)
    p_top = clf.predict_proba(X)[:, 1]
    expected = rejection_at_efficiency(y, p_top, 0.5, pos_label="top", sample_weight=weight)
    scorer = make_rejection_scorer(0.5)
    assert scorer(clf, X, y, sample_weight=weight) == pytest.approx(expected)
    assert scorer(clf, X, y) != pytest.approx(expected)
    # Multi-metric scoring (no metadata routing) hands sample_weight to scorers accepting it.
    multi = check_scoring(clf, scoring={"r50": scorer, "auc": make_projected_auc_scorer("top")})
    scores = multi(clf, X, y, sample_weight=weight)
    assert scores["r50"] == pytest.approx(expected)
    assert scores["auc"] == pytest.approx(roc_auc_score(y, p_top, sample_weight=weight))


def test_sample_weight_metadata_routing(binary_data, rng):
    X, y = binary_data
    weight = rng.integers(1, 4, len(y)).astype(float)
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = make_rejection_scorer(0.5).set_score_request(sample_weight=True)
        estimator = LogisticRegression().set_fit_request(sample_weight=False)
        result = cross_validate(
            estimator,
            X,
            y,
            scoring={"r50": scorer},
            cv=3,
            params={"sample_weight": weight},
            return_estimator=True,
        )
    for fold, (_, test) in enumerate(StratifiedKFold(3).split(X, y)):
        clf = result["estimator"][fold]
        expected = rejection_at_efficiency(
            y[test],
            clf.predict_proba(X[test])[:, 1],
            0.5,
            pos_label="top",
            sample_weight=weight[test],
        )
        assert result["test_r50"][fold] == pytest.approx(expected)


def test_registry():
    assert repr(get_scorer("r50")) == "make_rejection_scorer(efficiency=0.5)"
    assert repr(get_scorer("r30")) == "make_rejection_scorer(efficiency=0.3)"
    assert repr(get_scorer("r99")) == "make_rejection_scorer(efficiency=0.99)"
    assert repr(get_scorer("significance")) == "make_significance_scorer(formula='s/sqrt(s+b)')"
    assert get_scorer("r50") is not get_scorer("r50")  # fresh objects
    assert repr(get_scorer("accuracy")) == repr(sklearn.metrics.get_scorer("accuracy"))
    scorer = make_rejection_scorer(0.7)
    assert get_scorer(scorer) is scorer
    names = get_scorer_names()
    assert {"r30", "r50", "r99", "significance", "accuracy", "roc_auc"} <= set(names)
    with pytest.raises(ValueError, match=r"'r51' is not a valid scorer name.*'r50'"):
        get_scorer("r51")


def test_registry_scorers_values(binary_data):
    X, y = binary_data
    clf = LogisticRegression().fit(X, y)
    p_top = clf.predict_proba(X)[:, 1]
    for name, efficiency in (("r30", 0.3), ("r50", 0.5), ("r99", 0.99)):
        assert get_scorer(name)(clf, X, y) == pytest.approx(
            rejection_at_efficiency(y, p_top, efficiency, pos_label="top")
        )
    assert get_scorer("significance")(clf, X, y) == pytest.approx(
        max_significance(y, p_top, pos_label="top").significance
    )


def test_scorer_pickles(binary_data):
    X, y = binary_data
    clf = LogisticRegression().fit(X, y)
    for scorer in (
        make_rejection_scorer(0.5),
        make_projected_auc_scorer("top"),
        make_significance_scorer(signal="top"),
    ):
        assert pickle.loads(pickle.dumps(scorer))(clf, X, y) == scorer(clf, X, y)


@pytest.mark.parametrize(
    "factory, kwargs, error, match",
    [
        (make_rejection_scorer, {"efficiency": 0.0}, ValueError, r"\(0(\.0)?, 1(\.0)?\]"),
        (make_rejection_scorer, {"efficiency": 1.2}, ValueError, r"\(0(\.0)?, 1(\.0)?\]"),
        (make_rejection_scorer, {"efficiency": True}, ValueError, r"Got True instead"),
        (make_rejection_scorer, {"efficiency": [0.3, 0.5]}, ValueError,
         r"'efficiency' parameter .* must be a float in the range \(0(\.0)?, 1(\.0)?\]"),
        (make_significance_scorer, {"formula": "s/b"}, ValueError,
         r"'formula' parameter .* must be a str among"),
        (make_significance_scorer, {"luminosity": 10.0}, ValueError, "missing"),
        (make_significance_scorer, {"lumi": 10.0}, TypeError, r"unexpected keyword.*'lumi'"),
    ],
)
def test_factory_validation(factory, kwargs, error, match):
    with pytest.raises(error, match=match):
        factory(**kwargs)


def test_scorer_errors(binary_data):
    X, y = binary_data
    reg = LinearRegression().fit(X, y == "top")
    with pytest.raises(AttributeError, match="needs a fitted classifier"):
        make_rejection_scorer(0.5)(reg, X, y)
    clf = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match=r"labels \['w'\] that are not in classes"):
        make_rejection_scorer(0.5)(clf, X, np.where(y == "top", "w", y))
    with pytest.raises(ValueError, match="every sample of y_true is background"):
        make_rejection_scorer(0.5)(clf, X[y == "qcd"], y[y == "qcd"])
