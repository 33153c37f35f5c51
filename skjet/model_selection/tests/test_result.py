"""The comparison table with the statistical uncertainty of the rejections, and its HTML."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from skjet.metrics import UndefinedMetricWarning, rejection_at_efficiency
from skjet.model_selection import compare
from skjet.model_selection._result import _format_interval, _significant

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=600, n_features=6, class_sep=0.6, flip_y=0.1,
                               random_state=0)
    return X, y


APPROACHES = {"logistic": LogisticRegression(), "tree": DecisionTreeClassifier(max_depth=3,
                                                                               random_state=0)}


def test_held_out_cells_carry_the_statistical_interval(data):
    X, y = data
    result = compare(APPROACHES, X, y, test_size=0.3, scoring=["roc_auc", "r50"], random_state=0)
    pred = result.predictions
    r = rejection_at_efficiency(pred["is_signal"], pred["tree"], 0.5, return_interval=True)
    intervals = result.rejection_intervals()
    assert intervals.loc["tree", "r50"] == pytest.approx(result.table.loc["tree", "r50_mean"])
    assert (intervals.loc["tree", "r50_low"], intervals.loc["tree", "r50_high"]) == pytest.approx(
        (r.low, r.high))
    text = result.to_string()
    assert _format_interval(r.rejection, r.low, r.high) in text
    assert "68 % stat. interval" in result.title and "pooled" not in text
    # No second column on a held-out split: the value is the pooled one.
    assert result.to_markdown().splitlines()[0].count("r50") == 1


def test_cv_keeps_the_fold_spread_and_adds_the_pooled_interval(data):
    X, y = data
    result = compare(APPROACHES, X, y, cv=3, scoring=["r30"], random_state=0)
    header = result.to_markdown().splitlines()[0]
    assert "| r30 | r30 pooled |" in header
    assert "mean ± std over folds" in result.title and "r30 pooled over folds" in result.title
    row = result.to_markdown().splitlines()[2]
    cells = [c.strip() for c in row.strip("|").split("|")]
    mean, std = result.table.loc["logistic", ["r30_mean", "r30_std"]]
    assert cells[1] == f"{mean:.1f} ± {std:.1f}"
    stat = result.rejection_intervals().loc["logistic"]
    assert cells[2] == _format_interval(stat["r30"], stat["r30_low"], stat["r30_high"])


def test_no_background_jet_gives_a_lower_limit():
    X = np.r_[np.zeros((30, 1)), np.ones((30, 1))]
    y = np.r_[np.zeros(30), np.ones(30)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        result = compare({"lr": LogisticRegression()}, X, y, test_size=0.5, scoring=["r50"],
                         random_state=0)
    low = result.rejection_intervals().loc["lr", "r50_low"]
    assert np.isfinite(low) and low > 1
    assert f"> {_significant(low)}" in result.to_string()


def test_repr_html_shows_the_same_table(data):
    X, y = data
    result = compare(APPROACHES, X, y, test_size=0.3, random_state=0)
    page = result._repr_html_()
    assert page.startswith('<table class="skjet-comparison"><caption>')
    header, rows = result._cells(4)
    assert page.count("<tr>") == 1 + len(rows)
    for cell in [*header, *(c for row in rows for c in row)]:
        assert f">{cell}<" in page


def test_negative_weights_through_compare(data):
    X, y = data
    w = np.where(np.random.default_rng(0).random(y.size) < 0.15, -0.5, 1.5)
    result = compare(APPROACHES, X, y, test_size=0.3, sample_weight=w, random_state=0)
    assert np.isfinite(result.table["roc_auc_mean"]).all()
    pred = result.predictions
    for name in APPROACHES:
        # The table's AUC is the area of the pooled curve, weights and all.
        assert result.curves[name].auc == pytest.approx(result.table.loc[name, "roc_auc_mean"])
    assert np.isfinite(result.rejection_intervals()["r50_high"]).all()
    assert (pred["sample_weight"] < 0).any()


@pytest.mark.parametrize(
    "value, low, high, text",
    [
        (240.0, 180.0, 350.0, "240 +110/-60"),
        (6.31, 5.9, 6.72, "6.31 ± 0.41"),
        (np.inf, 182.4, np.inf, "> 182"),
        (np.nan, np.nan, np.nan, "nan"),
        (12.0, 12.0, 12.0, "12"),
        (np.inf, 1634.2, np.inf, "> 1630"),  # no exponent: "1.63e+03" reads badly on a slide
        (1500.0, 1500.0, 1500.0, "1500"),
        (np.inf, 2.5e6, np.inf, "> 2.5e+06"),
    ],
)
def test_format_interval(value, low, high, text):
    assert _format_interval(value, low, high) == text
