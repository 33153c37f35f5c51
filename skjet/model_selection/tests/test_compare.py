import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from joblib import parallel_config
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import make_scorer, roc_auc_score, roc_curve
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier

from skjet.metrics import UndefinedMetricWarning, get_scorer, project_proba
from skjet.model_selection import ComparisonResult, RocCurve, compare

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")


@pytest.fixture(scope="module")
def binary():
    X, y = make_classification(n_samples=400, n_features=6, class_sep=0.5, flip_y=0.1,
                               random_state=0)
    return X, np.where(y == 1, "top", "qcd")


@pytest.fixture(scope="module")
def approaches():
    return {
        "logistic": LogisticRegression(),
        "tree": DecisionTreeClassifier(max_depth=3, random_state=0),
    }


@pytest.fixture(scope="module")
def cv_result(binary, approaches):
    X, y = binary
    return compare(approaches, X, y, cv=4, random_state=0, return_estimators=True)


def test_table_layout(cv_result):
    table = cv_result.table
    assert isinstance(cv_result, ComparisonResult)
    assert list(table.index) == ["logistic", "tree"]
    assert table.index.name == "approach"
    metrics = ["accuracy", "roc_auc", "r30", "r50", "significance"]
    assert cv_result.metrics == metrics
    expected = [f"{m}_{s}" for m in [*metrics, "fit_time", "predict_time"] for s in ("mean", "std")]
    assert list(table.columns) == expected
    assert (table["fit_time_mean"] > 0).all() and (table["predict_time_mean"] > 0).all()
    assert len(cv_result.folds) == 8
    assert set(cv_result.folds.columns) >= {"approach", "fold", "n_train", "n_test", *metrics}
    assert cv_result.description == "4-fold stratified CV"


@pytest.mark.parametrize("metric", ["accuracy", "roc_auc", "r50", "significance"])
def test_means_equal_cross_val_score(cv_result, binary, approaches, metric):
    X, y = binary
    cv = StratifiedKFold(4, shuffle=True, random_state=0)
    for name, est in approaches.items():
        scores = cross_val_score(est, X, y, cv=cv, scoring=get_scorer(metric))
        assert np.isfinite(scores).all()
        np.testing.assert_allclose(cv_result.table.loc[name, f"{metric}_mean"], scores.mean())
        np.testing.assert_allclose(cv_result.table.loc[name, f"{metric}_std"], scores.std())
        folds = cv_result.folds[cv_result.folds.approach == name]
        np.testing.assert_allclose(folds[metric].to_numpy(), scores)


def test_every_approach_sees_the_same_splits(cv_result, binary):
    X, y = binary
    cv = StratifiedKFold(4, shuffle=True, random_state=0)
    for (train, test), (tr, te) in zip(cv_result.splits, cv.split(X, y)):
        np.testing.assert_array_equal(train, tr)
        np.testing.assert_array_equal(test, te)
    assert sorted(np.concatenate([te for _, te in cv_result.splits]).tolist()) == list(range(400))


def test_curves_and_predictions_are_out_of_fold(cv_result, binary):
    X, y = binary
    pred = cv_result.predictions
    assert list(pred.columns) == ["index", "fold", "y", "is_signal", "logistic", "tree"]
    assert len(pred) == 400
    np.testing.assert_array_equal(pred["y"], y[pred["index"]])
    np.testing.assert_array_equal(pred["is_signal"], y[pred["index"]] == "top")
    # The scores are those of the fitted fold estimators on their test folds.
    for fold, ((_, test), est) in enumerate(zip(cv_result.splits, cv_result.estimators["tree"])):
        rows = pred[pred.fold == fold]
        np.testing.assert_array_equal(rows["index"], test)
        np.testing.assert_allclose(rows["tree"], est.predict_proba(X[test])[:, 1])
    curve = cv_result.curves["logistic"]
    assert isinstance(curve, RocCurve)
    fpr, tpr, thr = roc_curve(pred["is_signal"], pred["logistic"])
    np.testing.assert_allclose(curve.fpr, fpr)
    np.testing.assert_allclose(curve.tpr, tpr)
    np.testing.assert_allclose(curve.auc, roc_auc_score(pred["is_signal"], pred["logistic"]))


def test_estimators_are_fitted_clones(cv_result, approaches):
    assert [len(v) for v in cv_result.estimators.values()] == [4, 4]
    fitted = cv_result.estimators["logistic"]
    assert all(hasattr(e, "coef_") for e in fitted)
    assert not hasattr(approaches["logistic"], "coef_")  # the originals are untouched
    assert fitted[0] is not fitted[1]


def test_held_out(binary, approaches):
    X, y = binary
    result = compare(approaches, X, y, test_size=0.25, scoring=["accuracy", "roc_auc"],
                     random_state=3)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, stratify=y, random_state=3)
    (train, test), = result.splits
    np.testing.assert_array_equal(np.sort(X[test], axis=0), np.sort(X_te, axis=0))
    model = LogisticRegression().fit(X_tr, y_tr)
    np.testing.assert_allclose(result.table.loc["logistic", "accuracy_mean"], model.score(X_te, y_te))
    assert result.table["accuracy_std"].isna().all()
    assert result.description == "held-out split, 25% test"
    assert len(result.predictions) == 100
    assert result.estimators is None
    assert "±" not in result.to_string()


def test_default_is_five_fold(binary):
    X, y = binary
    result = compare({"lr": LogisticRegression()}, X, y, scoring="accuracy", random_state=0)
    assert len(result.splits) == 5 and result.description == "5-fold stratified CV"


def test_dict_of_inputs_and_pipelines(binary):
    X, y = binary
    inputs = {"two": X[:, :2], "all": pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])}
    estimators = {"two": LogisticRegression(),
                  "all": make_pipeline(StandardScaler(), LogisticRegression())}
    result = compare(estimators, inputs, y, cv=3, scoring=["roc_auc"], random_state=1)
    cv = StratifiedKFold(3, shuffle=True, random_state=1)
    for name in estimators:
        expected = cross_val_score(estimators[name], inputs[name], y, cv=cv, scoring="roc_auc")
        np.testing.assert_allclose(result.table.loc[name, "roc_auc_mean"], expected.mean())
    assert result.table.loc["all", "roc_auc_mean"] > result.table.loc["two", "roc_auc_mean"] - 0.2


def test_multiclass_projected_with_signal():
    X, y = make_classification(n_samples=500, n_classes=4, n_informative=5, random_state=0)
    labels = np.array(["g", "q", "t", "w"])[y]
    heavy = ["t", "w"]
    result = compare({"lr": LogisticRegression(max_iter=500)}, X, labels, cv=3, signal=heavy,
                     scoring=["accuracy", "roc_auc", "r50"], random_state=0,
                     return_estimators=True)
    assert result.signal == heavy
    assert "signal = t, w" in result.to_string()
    for fold, ((_, test), est) in enumerate(zip(result.splits, result.estimators["lr"])):
        score = project_proba(est.predict_proba(X[test]), est.classes_, heavy)
        is_heavy = np.isin(labels[test], heavy)
        row = result.folds.iloc[fold]
        np.testing.assert_allclose(row["roc_auc"], roc_auc_score(is_heavy, score))
        # accuracy is that of the projected decision: heavy when P(t) + P(w) > 0.5
        np.testing.assert_allclose(row["accuracy"], np.mean((score > 0.5) == is_heavy))
    pred = result.predictions
    np.testing.assert_array_equal(pred["is_signal"], np.isin(pred["y"], heavy))


def test_multiclass_without_signal_needs_multiclass_metrics():
    X, y = make_classification(n_samples=300, n_classes=3, n_informative=4, random_state=0)
    with pytest.raises(ValueError, match="pass signal="):
        compare({"lr": LogisticRegression()}, X, y, cv=2)
    result = compare({"lr": LogisticRegression()}, X, y, cv=2, scoring=["accuracy", "roc_auc_ovr"])
    assert result.curves == {} and result.predictions is None
    assert result.table.loc["lr", "roc_auc_ovr_mean"] > 0.5


def test_decision_function_only_and_custom_scorer(binary):
    X, y = binary
    scoring = {"auc": make_scorer(roc_auc_score, response_method="decision_function"),
               "r50": "r50"}
    result = compare({"svm": LinearSVC()}, X, y, cv=2, scoring=scoring, random_state=0)
    assert list(result.table.columns[:4]) == ["auc_mean", "auc_std", "r50_mean", "r50_std"]
    np.testing.assert_allclose(result.curves["svm"].auc, roc_auc_score(
        result.predictions["is_signal"], result.predictions["svm"]))


def test_sample_weight_goes_to_fit_and_scoring(binary):
    X, y = binary
    w = np.random.default_rng(0).uniform(0.5, 2.0, size=len(y))
    est = {"lr": LogisticRegression(), "pipe": make_pipeline(StandardScaler(), LogisticRegression())}
    result = compare(est, X, y, cv=2, scoring=["roc_auc"], sample_weight=w, random_state=0)
    (train, test), _ = result.splits
    model = LogisticRegression().fit(X[train], y[train], sample_weight=w[train])
    expected = roc_auc_score(y[test] == "top", model.decision_function(X[test]), sample_weight=w[test])
    np.testing.assert_allclose(result.folds.iloc[0]["roc_auc"], expected)
    assert "sample_weight" in result.predictions

    class NoWeights(LogisticRegression):
        def fit(self, X, y):
            return super().fit(X, y)

    with pytest.warns(UserWarning, match=r"not in fitting approach\(es\) \['plain'\]"):
        compare({"plain": NoWeights()}, X, y, cv=2, scoring=["roc_auc"], sample_weight=w)


def test_n_jobs_gives_the_same_table(binary, approaches, cv_result):
    X, y = binary
    # Threads keep the test light; the tasks and their ordering are what is checked.
    with parallel_config(backend="threading"):
        parallel = compare(approaches, X, y, cv=4, random_state=0, n_jobs=2)
    cols = [c for c in cv_result.table.columns if "time" not in c]
    pd.testing.assert_frame_equal(parallel.table[cols], cv_result.table[cols])


def test_renderings(cv_result, tmp_path):
    text = str(cv_result)
    lines = text.splitlines()
    assert lines[1].startswith("┏") and lines[-1].startswith("└")
    assert "logistic" in text and "r50" in text and "±" in text
    assert len({len(line) for line in lines[1:]}) == 1  # a rectangle
    md = cv_result.to_markdown().splitlines()
    assert md[0] == ("| approach | accuracy | roc_auc | r30 | r50 | significance | r30 pooled "
                     "| r50 pooled | fit [s] | predict [s] |")
    assert md[1].startswith("| --- | ---: |")
    acc = cv_result.table.loc["tree", "accuracy_mean"]
    assert md[3].startswith(f"| tree | {acc:.4f} ± ")
    path = tmp_path / "table.csv"
    assert cv_result.to_csv(path) is None
    back = pd.read_csv(path, index_col="approach")
    pd.testing.assert_frame_equal(back, cv_result.table, check_exact=False)
    assert cv_result.to_csv().startswith("approach,accuracy_mean,accuracy_std")


def test_other_splitters(binary):
    X, y = binary
    result = compare({"lr": LogisticRegression()}, X, y, cv=KFold(3), scoring="accuracy")
    expected = cross_val_score(LogisticRegression(), X, y, cv=KFold(3))
    np.testing.assert_allclose(result.folds["accuracy"], expected)
    splits = list(KFold(2).split(X))
    result = compare({"lr": LogisticRegression()}, X, y, cv=splits, scoring="accuracy")
    assert result.description == "given splits" and len(result.folds) == 2


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"estimators": {}}, ValueError, "estimators is empty"),
        ({"estimators": {"lr": "not an estimator"}}, TypeError, "has no fit"),
        ({"estimators": {"y": LogisticRegression()}}, ValueError, "'y' cannot name"),
        ({"X": {"other": None}}, ValueError, r"no entry for approach\(es\) \['lr'\]"),
        ({"X": {"lr": np.zeros((10, 2))}}, ValueError, "has 10 rows but y has 400"),
        ({"scoring": ["r42"]}, ValueError, "'r42' is not a valid scorer name"),
        ({"scoring": []}, ValueError, "scoring is empty"),
        ({"scoring": {"x": 3}}, TypeError, "must be a metric name or a scorer"),
        ({"cv": 3, "test_size": 0.2}, ValueError, "either cv"),
        ({"cv": 1}, ValueError, "at least 2 folds"),
        ({"signal": "charm"}, ValueError, "charm"),
        ({"signal": ["qcd", "top"]}, ValueError, "background"),
        ({"y": np.full(400, "top")}, ValueError, "single class"),
        ({"sample_weight": np.ones(3)}, ValueError, "sample_weight has shape"),
    ],
)
def test_errors(binary, kwargs, error, match):
    X, y = binary
    args = {"estimators": {"lr": LogisticRegression()}, "X": X, "y": y, **kwargs}
    estimators, X, y = args.pop("estimators"), args.pop("X"), args.pop("y")
    with pytest.raises(error, match=match):
        compare(estimators, X, y, **args)


def test_fit_errors_name_the_approach(binary):
    X, y = binary
    X = X.copy()
    X[0, 0] = np.nan
    with pytest.raises(ValueError) as info:
        compare({"lr": LogisticRegression()}, X, y, cv=2, random_state=0)
    assert "NaN" in str(info.value)
    if sys.version_info >= (3, 11):  # exception notes
        assert info.value.__notes__[0] in ("(while fitting approach 'lr' on fold 0)",
                                           "(while predicting with approach 'lr' on fold 0)")


def test_infinite_rejection_is_reported_not_hidden():
    # Perfectly separable: no background passes at 50% signal efficiency.
    X = np.r_[np.zeros((20, 1)), np.ones((20, 1))]
    y = np.r_[np.zeros(20), np.ones(20)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        result = compare({"lr": LogisticRegression()}, X, y, cv=2, scoring=["r50"])
    assert np.isinf(result.table.loc["lr", "r50_mean"])
    assert "inf" in result.to_string()


def test_cut_and_count_and_xgboost_compare(binary):
    models = pytest.importorskip("skjet.models")
    try:
        cnc, xgb = models.CutAndCountClassifier(n_bins=10), models.XGBoostClassifier(
            n_estimators=10, max_depth=3, n_jobs=1, device="cpu")
    except (ImportError, AttributeError) as exc:
        pytest.skip(f"model family unavailable: {exc}")
    X, y = binary
    result = compare({"cuts": cnc, "bdt": xgb}, X, y, cv=2, random_state=0)
    assert list(result.table.index) == ["cuts", "bdt"]
    assert result.table["roc_auc_mean"].between(0.5, 1.0).all()


def test_verbose_prints_one_line_per_fit(binary, capsys):
    X, y = binary
    compare({"lr": LogisticRegression()}, X, y, cv=2, scoring="accuracy", verbose=1)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("[compare] lr fold 0: fit ") and "accuracy=" in lines[0]


def test_table_auc_matches_curve_auc_with_decision_function():
    # CutAndCountClassifier has both predict_proba and a decision_function that ranks
    # differently; sklearn's "roc_auc" scorer prefers decision_function, so the table
    # used to disagree with the curves (which use predict_proba).
    from skjet.models import CutAndCountClassifier

    X, y = make_classification(n_samples=600, n_features=4, random_state=0)
    result = compare({"cuts": CutAndCountClassifier()}, X, y, test_size=0.3,
                     scoring=["roc_auc", "r50"], random_state=0)
    np.testing.assert_allclose(result.table.loc["cuts", "roc_auc_mean"],
                               result.curves["cuts"].auc)
