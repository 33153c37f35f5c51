"""XGBoostClassifier(decorrelation="flatness"): the bin-flatness objective."""

import pickle

import numpy as np
import pytest

from skjet.metrics import distance_correlation, jsd_at_efficiency
from skjet.models import XGBoostClassifier
from skjet.models._flatness import BinFlatnessObjective


def _toy(n=6000, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(["qcd", "top"], n // 2)
    top = y == "top"
    mass = np.where(top, rng.normal(170, 25, n), rng.exponential(60, n) + 20)
    X = np.c_[mass / 100, rng.normal(size=n) + 1.5 * top, rng.normal(size=n)]
    return X, y, mass


def test_flatness_decorrelates_the_background_score():
    X, y, mass = _toy()
    train, test = np.arange(len(y)) % 2 == 0, np.arange(len(y)) % 2 == 1
    bkg = test & (y == "qcd")
    bins = np.linspace(0, 400, 41)
    out = {}
    for lam in (0.0, 3.0):
        clf = XGBoostClassifier(n_estimators=150, random_state=0, decorrelation="flatness",
                                decorrelation_strength=lam)
        clf.fit(X[train], y[train], decorrelation_target=mass[train])
        score = clf.predict_proba(X[test])[:, 1]
        out[lam] = (
            distance_correlation(clf.predict_proba(X[bkg])[:, 1], mass[bkg]),
            1 / jsd_at_efficiency(y[test] == "top", score, mass[test], bins=bins),
        )
    assert out[3.0][0] < out[0.0][0] / 2
    assert out[3.0][1] > 2 * out[0.0][1]
    # strength 0 is the logistic loss: the same trees as plain xgboost up to the start value
    plain = XGBoostClassifier(n_estimators=150, random_state=0).fit(X[train], y[train])
    np.testing.assert_allclose(
        plain.predict_proba(X[test])[:, 1],
        XGBoostClassifier(n_estimators=150, random_state=0, decorrelation="flatness",
                          decorrelation_strength=0.0)
        .fit(X[train], y[train], decorrelation_target=mass[train]).predict_proba(X[test])[:, 1],
        atol=0.05,
    )


def test_flatness_gradient_sign_and_zero_for_flat_bins():
    rng = np.random.default_rng(1)
    n = 4000
    target = rng.uniform(0, 1, n)
    y = np.zeros(n)
    w = np.ones(n)
    # margin independent of the target: every bin's CDF is the global one, up to noise
    flat = BinFlatnessObjective(target, 1.0, n_bins=4).flatness_gradient(
        rng.normal(size=n), y == 0, w)
    # margin rising with the target: low-target bins (CDF above the global one) pushed up
    sculpted = BinFlatnessObjective(target, 1.0, n_bins=4).flatness_gradient(
        target + 0.1 * rng.normal(size=n), y == 0, w)
    assert np.abs(flat).mean() < 0.1 * np.abs(sculpted).mean()
    assert sculpted[target < 0.25].mean() < 0 < sculpted[target > 0.75].mean()
    # signal jets get no flatness gradient
    assert not BinFlatnessObjective(target, 1.0).flatness_gradient(target, y == 1, w).any()


def test_flatness_with_early_stopping_pickles_without_the_objective():
    X, y, mass = _toy(n=1000)
    clf = XGBoostClassifier(n_estimators=30, early_stopping_rounds=5, random_state=0,
                            decorrelation="flatness").fit(X, y, decorrelation_target=mass)
    assert clf.estimator_.get_params()["objective"] == "binary:logistic"
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    p = clf.predict_proba(X)
    assert np.allclose(p.sum(axis=1), 1) and (p >= 0).all()


def test_flatness_errors():
    X, y, mass = _toy(n=300)
    clf = XGBoostClassifier(n_estimators=5, decorrelation="flatness")
    with pytest.raises(ValueError, match="needs fit\\(X, y, decorrelation_target=m\\)"):
        clf.fit(X, y)
    with pytest.raises(ValueError, match="decorrelation_target must have shape \\(300,\\)"):
        clf.fit(X, y, decorrelation_target=mass[:5])
    y3 = np.array(["a", "b", "c"] * 100)
    with pytest.raises(ValueError, match="binary classification"):
        clf.fit(X, y3, decorrelation_target=mass)
    with pytest.raises(ValueError, match="decorrelation"):
        XGBoostClassifier(decorrelation="disco").fit(X, y, decorrelation_target=mass)
