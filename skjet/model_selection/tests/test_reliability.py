"""compare() checks every approach and the labels before fitting anything."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skjet.model_selection import compare


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    return X, np.where(X[:, 0] > 0, "top", "qcd")


class _Counting(LogisticRegression):
    fits = 0

    def fit(self, X, y, sample_weight=None):
        type(self).fits += 1
        return super().fit(X, y, sample_weight)


@pytest.mark.parametrize(
    "bad, what",
    [
        (StandardScaler(), r"is a transformer \(StandardScaler\)"),
        (make_pipeline(StandardScaler(), StandardScaler()), r"is a transformer \(StandardScaler\)"),
        (LinearRegression(), r"is not a classifier \(LinearRegression\)"),
    ],
    ids=["transformer", "pipeline of transformers", "regressor"],
)
def test_an_approach_that_is_not_a_classifier_is_named_up_front(bad, what, data):
    X, y = data
    _Counting.fits = 0
    with pytest.raises(TypeError, match=rf"estimators\['scaled'\] {what}, not a classifier"):
        compare({"first": _Counting(), "scaled": bad}, X, y, cv=2)
    assert _Counting.fits == 0  # nothing was fitted before the check


@pytest.mark.parametrize(
    "labels, match",
    [
        (["qcd", "top"] * 29 + ["qcd", None], "compare: y has 1 missing label"),
        (np.array(["qcd"] * 30 + [1] * 30, dtype=object), "compare: y mixes label types"),
    ],
    ids=["None", "mixed"],
)
def test_bad_labels_are_named(labels, match, data):
    with pytest.raises(ValueError, match=match):
        compare({"logistic": LogisticRegression()}, data[0], labels, cv=2)
