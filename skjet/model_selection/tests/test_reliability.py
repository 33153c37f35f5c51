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


def test_report_with_negative_weights_is_written(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from skjet.model_selection import write_comparison_report
    from skjet.plotting import plot_roc

    rng = np.random.default_rng(0)
    n = 400
    y = np.arange(n) % 2
    X = rng.normal(size=(n, 3)) + 0.8 * y[:, None]
    weight = np.where(rng.random(n) < 0.2, -0.5, 1.0)  # NLO-like signed weights
    result = compare({"logistic": LogisticRegression()}, X, y, test_size=0.5,
                     sample_weight=weight, random_state=0)
    curve = result.curves["logistic"]
    assert (np.diff(curve.fpr) < 0).any()  # not monotonic: sklearn's auc would refuse it
    legend = plot_roc(result).get_legend().get_texts()[0].get_text()
    assert legend == f"logistic (AUC = {curve.auc:.3f})"
    path = write_comparison_report(result, tmp_path, X=X, y=y)
    assert path.is_file() and "logistic" in path.read_text()
