"""Negative sample weights (NLO generators, sWeights): each classifier's documented rule."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from skjet.models import CutAndCountClassifier, MLPClassifier, XGBoostClassifier
from skjet.models._validation import check_classifier_weights

torch.set_num_threads(1)


def _tabular(n=200, seed=0):
    rng = np.random.default_rng(seed)
    y = np.where(np.arange(n) % 2 == 0, "sig", "bkg")
    X = rng.normal(size=(n, 3))
    X[y == "sig", 0] += 2.0
    return X, y


def _cancelling(X, y):
    """Each event with weight 1, and the first half twice more with +1 and -1: the same
    net sample, which absolute weights would change."""
    h = len(y) // 2
    w = np.r_[np.ones(len(y)), np.ones(h), -np.ones(h)]
    return np.r_[X, X[:h], X[:h]], np.r_[y, y[:h], y[:h]], w


def test_helper_refuses_or_checks_class_totals():
    class Refusing:
        _negative_weights = "refuse"
        _negative_weights_reason = "Because."

    class Signed:
        _negative_weights = "net_positive"

    X = np.zeros((4, 1))
    assert check_classifier_weights(None, X, Refusing()) is None
    np.testing.assert_array_equal(check_classifier_weights([1, 2, 3, 4], X, Refusing()), [1, 2, 3, 4])
    with pytest.raises(ValueError, match=r"1 negative value\(s\) of 4 \(minimum -2,.*Because"):
        check_classifier_weights([1, -2, 3, 4], X, Refusing())
    codes = np.array([0, 0, 1, 1])
    w = check_classifier_weights([3, -2, 1, 1], X, Signed(), y_codes=codes)
    np.testing.assert_array_equal(w, [3, -2, 1, 1])
    with pytest.raises(ValueError, match=r"class\(es\) \['b'\] have a total weight of \[-1.0\]"):
        check_classifier_weights([1, 1, 1, -2], X, Signed(), y_codes=codes, classes=["a", "b"])
    with pytest.raises(ValueError, match="NaN|finite"):
        check_classifier_weights([1, np.nan, 1, 1], X, Signed(), y_codes=codes)


def test_xgboost_refuses_with_reason_and_remedy():
    X, y = _tabular()
    w = np.ones(len(y))
    w[:5] = -0.5
    clf = XGBoostClassifier(n_estimators=5, n_jobs=1)
    with pytest.raises(ValueError, match=r"(?s)xgboost refuses negative weights.*np\.abs"):
        clf.fit(X, y, sample_weight=w)
    assert not hasattr(clf, "classes_")  # refused before anything was fitted
    with pytest.raises(ValueError, match=r"sample_weight_eval_set\[0\] has 5 negative"):
        clf.fit(X, y, eval_set=[(X, y)], sample_weight_eval_set=[w])
    clf.fit(X, y, sample_weight=np.abs(w))  # the suggested remedy trains
    assert clf.predict_proba(X).shape == (len(y), 2)


def test_neural_uses_signed_weights_in_the_cross_entropy():
    X, y = _tabular(n=60)
    X3, y3, w3 = _cancelling(X, y)
    # One full batch and no early stopping: the signed loss of the tripled sample is the
    # plain loss of the original one, so training follows the same path.
    params = dict(
        hidden_layer_sizes=(8,), max_epochs=5, lr=0.01, early_stopping=False, random_state=0
    )
    net = MLPClassifier(batch_size=len(y), **params).fit(X, y)
    signed = MLPClassifier(batch_size=len(y3), **params).fit(X3, y3, sample_weight=w3)
    np.testing.assert_allclose(signed.predict_proba(X), net.predict_proba(X), atol=1e-5)
    # the weights are used signed, not made positive
    absolute = MLPClassifier(batch_size=len(y3), **params).fit(X3, y3, sample_weight=np.abs(w3))
    assert np.abs(absolute.predict_proba(X) - net.predict_proba(X)).max() > 1e-4
    # partial_fit takes them too
    MLPClassifier(batch_size=len(y3), **params).partial_fit(
        X3, y3, classes=["bkg", "sig"], sample_weight=w3
    )


def test_neural_refuses_a_class_with_negative_total():
    X, y = _tabular(n=40)
    w = np.where(y == "sig", -1.0, 1.0)
    w[0] = 5.0  # still negative in total for "sig": -19 + 6
    with pytest.raises(ValueError, match=r"total weight of \[-14.0\].*np\.abs"):
        MLPClassifier(max_epochs=1).fit(X, y, sample_weight=w)


def test_cut_and_count_yields_are_signed_sums():
    rng = np.random.default_rng(1)
    mass = np.r_[rng.normal(173, 15, 400), rng.exponential(60, 400)]
    y = np.r_[np.ones(400), np.zeros(400)]
    X = mass[:, None]
    plain = CutAndCountClassifier(n_bins=30).fit(X, y)
    X3, y3, w3 = _cancelling(X, y)
    signed = CutAndCountClassifier(n_bins=30).fit(X3, y3, sample_weight=w3)
    assert [(c["form"], c["low"], c["high"]) for c in signed.cuts_] == [
        (c["form"], c["low"], c["high"]) for c in plain.cuts_
    ]
    np.testing.assert_allclose(signed.objective_, plain.objective_, rtol=1e-9)
    proba = signed.predict_proba(X)
    assert np.isfinite(proba).all() and (proba >= 0).all() and (proba <= 1).all()


def test_cut_and_count_never_keeps_a_negative_yield():
    # Signal at x=5 (100) and x=10 (10); background at 1 and 5 (100 each, weight 1) and 20
    # negative-weight events at x=10 (b = -9 there). Keeping only x=10 would give
    # s / sqrt(s + b) = 10 / sqrt(1) = 10, better than any physical selection; it must not
    # be chosen. Keeping x >= 5 (s=110, b=91) is the best selection with yields >= 0.
    x = np.r_[np.full(100, 5.0), np.full(10, 10.0), np.full(100, 1.0), np.full(100, 5.0),
              np.full(20, 10.0)]
    y = np.r_[np.ones(110), np.zeros(220)]
    w = np.r_[np.ones(310), np.full(20, -0.45)]
    clf = CutAndCountClassifier(n_bins=9, objective="significance").fit(
        x[:, None], y, sample_weight=w
    )
    keep = clf.predict(x[:, None]) == 1
    np.testing.assert_allclose([w[keep & (y == 1)].sum(), w[keep & (y == 0)].sum()], [110, 91])
    np.testing.assert_allclose(clf.objective_, 110 / np.sqrt(201))
    with pytest.raises(ValueError, match=r"class\(es\) \[0.0\] have a total weight"):
        CutAndCountClassifier().fit(x[:, None], y, sample_weight=np.where(y == 0, -1.0, 1.0))
