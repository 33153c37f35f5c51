import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline

from skjet.feature_selection import ImportancePruner
from skjet.utils._sklearn_compat import InvalidParameterError


def _logistic_data(n=400, n_features=9, random_state=0):
    """y depends on features 0, 1 and 2 only (in decreasing strength)."""
    rng = np.random.default_rng(random_state)
    X = rng.normal(size=(n, n_features))
    logit = 3 * X[:, 0] + 2 * X[:, 1] - 2 * X[:, 2]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


@pytest.mark.parametrize("random_state", [0, 1, 2])
def test_keeps_the_informative_features(random_state):
    X, y = _logistic_data(random_state=random_state)
    pruner = ImportancePruner(LogisticRegression(), n_features_to_select=3, random_state=0)
    np.testing.assert_array_equal(pruner.fit(X, y).get_support(indices=True), [0, 1, 2])
    assert pruner.transform(X).shape == (400, 3)


@pytest.mark.parametrize("random_state", [0, 1, 2, 3])
def test_default_drops_least_important_third_make_classification(random_state):
    # shuffle=False: the 3 informative features are the first columns, the rest noise.
    X, y = make_classification(
        n_samples=600,
        n_features=9,
        n_informative=3,
        n_redundant=0,
        shuffle=False,
        random_state=random_state,
    )
    pruner = ImportancePruner(KNeighborsClassifier(), random_state=0)
    support = pruner.fit(X, y).get_support()
    assert support.sum() == 6  # 9 - 9 // 3, as the ttH multilepton analysis drops the last third
    assert support[:3].all()


def test_importances_frame():
    X, y = _logistic_data()
    pruner = ImportancePruner(LogisticRegression(), n_repeats=4, random_state=0).fit(X, y)
    frame = pruner.importances_
    assert list(frame.columns) == ["feature", "mean", "std", "selected"]
    assert len(frame) == 9
    assert np.all(np.diff(frame["mean"]) <= 0)
    assert list(frame["feature"][:3]) == ["x0", "x1", "x2"]
    assert (frame["std"] >= 0).all()
    kept = set(frame.loc[frame["selected"], "feature"])
    assert kept == set(pruner.get_feature_names_out())
    assert len(pruner.estimators_) == 1 and pruner.estimator_ is pruner.estimators_[0]


def test_selection_precedence():
    X, y = _logistic_data()
    base = {"estimator": LogisticRegression(), "random_state": 0}
    by_count = ImportancePruner(n_features_to_select=2, threshold=-1.0, drop_fraction=0.0, **base)
    assert by_count.fit(X, y).get_support().sum() == 2
    by_threshold = ImportancePruner(threshold=0.05, drop_fraction=0.5, **base).fit(X, y)
    means = by_threshold.importances_.set_index("feature")["mean"]
    expected = {name for name, value in means.items() if value >= 0.05}
    assert set(by_threshold.get_feature_names_out()) == expected
    assert ImportancePruner(drop_fraction=0.5, **base).fit(X, y).get_support().sum() == 5
    assert ImportancePruner(n_features_to_select=0.5, **base).fit(X, y).get_support().sum() == 4


def test_pandas_output_keeps_names():
    X, y = _logistic_data()
    names = [f"lep{i}_pt" for i in range(9)]
    frame = pd.DataFrame(X, columns=names)
    pruner = ImportancePruner(LogisticRegression(), n_features_to_select=3, random_state=0)
    out = pruner.set_output(transform="pandas").fit(frame, y).transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["lep0_pt", "lep1_pt", "lep2_pt"]
    assert list(pruner.importances_["feature"][:3]) == ["lep0_pt", "lep1_pt", "lep2_pt"]


def test_pipeline_and_grid_search():
    X, y = _logistic_data(n=300)
    pipe = Pipeline(
        [
            ("pruner", ImportancePruner(LogisticRegression(), n_repeats=2, random_state=0)),
            ("clf", LogisticRegression()),
        ]
    )
    grid = GridSearchCV(pipe, {"pruner__drop_fraction": [0.0, 0.5, 0.8]}, cv=3).fit(X, y)
    assert grid.best_params_["pruner__drop_fraction"] in (0.0, 0.5, 0.8)
    assert grid.best_estimator_["clf"].n_features_in_ == 9 - int(
        9 * grid.best_params_["pruner__drop_fraction"]
    )
    assert grid.score(X, y) > 0.7


def test_cv_pools_every_fold():
    X, y = _logistic_data()
    pruner = ImportancePruner(
        LogisticRegression(), n_repeats=2, cv=3, n_features_to_select=3, random_state=0
    )
    pruner.fit(X, y)
    assert len(pruner.estimators_) == 3
    np.testing.assert_array_equal(pruner.get_support(indices=True), [0, 1, 2])


def test_split_is_stratified_for_classifiers():
    X = np.random.default_rng(0).normal(size=(100, 3))
    y = np.array(["qcd"] * 92 + ["top"] * 8)
    pruner = ImportancePruner(DummyClassifier(), validation_fraction=0.25, random_state=0).fit(X, y)
    # 75 training rows of which exactly 6 (8%) are "top".
    np.testing.assert_allclose(pruner.estimator_.class_prior_, [0.92, 0.08])


def test_sample_weight_reaches_the_estimator():
    X = np.random.default_rng(0).normal(size=(200, 3))
    y = np.array([0, 1] * 100)
    weight = np.where(y == 1, 3.0, 1.0)
    pruner = ImportancePruner(DummyClassifier(), random_state=0).fit(X, y, sample_weight=weight)
    np.testing.assert_allclose(pruner.estimator_.class_prior_, [0.25, 0.75])


def test_regressor():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    y = 5 * X[:, 3] + rng.normal(0, 0.1, 200)
    pruner = ImportancePruner(Ridge(), n_features_to_select=1, random_state=0).fit(X, y)
    np.testing.assert_array_equal(pruner.get_support(indices=True), [3])


def test_reproducible_with_random_state():
    X, y = _logistic_data()
    first = ImportancePruner(LogisticRegression(), random_state=3).fit(X, y).importances_
    second = ImportancePruner(LogisticRegression(), random_state=3).fit(X, y).importances_
    pd.testing.assert_frame_equal(first, second)


def test_bad_input():
    X, y = _logistic_data(n=40)
    with pytest.raises(ValueError, match="n_features_to_select=12 but X has only 9"):
        ImportancePruner(LogisticRegression(), n_features_to_select=12).fit(X, y)
    bad = X.copy()
    bad[3, 4] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        ImportancePruner(LogisticRegression()).fit(bad, y)
    with pytest.raises(ValueError, match="requires y"):
        ImportancePruner(LogisticRegression()).fit(X, None)
    with pytest.raises(ValueError, match="n_samples=1"):
        ImportancePruner(LogisticRegression()).fit(X[:1], y[:1])
    with pytest.raises(ValueError, match="0 sample"):
        ImportancePruner(LogisticRegression()).fit(X[:0], y[:0])
    with pytest.raises(InvalidParameterError, match="drop_fraction"):
        ImportancePruner(LogisticRegression(), drop_fraction=1.5).fit(X, y)
    with pytest.raises(ValueError, match="1 member"):
        ImportancePruner(LogisticRegression()).fit(X, np.r_[np.zeros(39), 1])
    fitted = ImportancePruner(LogisticRegression(), random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="9 features"):
        fitted.transform(X[:, :5])


class _FitRaises(LogisticRegression):
    def fit(self, X, y, sample_weight=None):
        raise RuntimeError("fit was called")


def test_too_many_features_to_select_fails_before_fitting():
    X, y = _logistic_data(n=40)
    with pytest.raises(ValueError, match="n_features_to_select=12 but X has only 9"):
        ImportancePruner(_FitRaises(), n_features_to_select=12).fit(X, y)
    # The estimator above is really fitted otherwise.
    with pytest.raises(RuntimeError, match="fit was called"):
        ImportancePruner(_FitRaises(), n_features_to_select=9).fit(X, y)
