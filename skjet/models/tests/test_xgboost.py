"""Tests of XGBoostClassifier."""

from __future__ import annotations

import os
import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, cross_validate, train_test_split

from skjet.models import CutAndCountClassifier, XGBoostClassifier
from skjet.models._xgboost import _cuda_available, resolve_device, resolve_n_jobs
from skjet.models.tests.test_cut_and_count import jet_features

FAST = {"n_estimators": 30, "max_depth": 3, "n_jobs": 1, "random_state": 0}


def _jets(n=1500, seed=0):
    """Top-like vs QCD-like jet features that overlap: no rectangle separates them well."""
    rng = np.random.default_rng(seed)
    sig = rng.random(n) < 0.5
    mass = np.where(sig, rng.normal(173, 25, n), 20 + rng.exponential(90, n))
    tau32 = np.where(sig, rng.beta(3, 4, n), rng.beta(4, 3, n))
    mult = np.where(sig, rng.poisson(55, n), rng.poisson(48, n)).astype(float)
    X = pd.DataFrame({"mass": mass, "tau32": tau32, "multiplicity": mult})
    return X, np.where(sig, "top", "qcd")


def test_string_labels_are_encoded_and_decoded():
    X, y = _jets(n=400)
    model = XGBoostClassifier(**FAST).fit(X, y)
    assert list(model.classes_) == ["qcd", "top"]
    pred = model.predict(X)
    assert set(pred) <= {"qcd", "top"}
    proba = model.predict_proba(X)
    np.testing.assert_array_equal(model.classes_[proba.argmax(axis=1)], pred)
    assert model.score(X, y) > 0.85


def test_multiclass_string_labels():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(450, 2)) + np.repeat([[0, 0], [3, 0], [0, 3]], 150, axis=0)
    y = np.repeat(["g", "t", "w"], 150)
    model = XGBoostClassifier(**FAST).fit(X, y)
    assert model.predict_proba(X).shape == (450, 3)
    assert model.score(X, y) > 0.9


def test_beats_cut_and_count_on_jet_features():
    X, y = _jets(n=2000, seed=2)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.5, random_state=0, stratify=y)
    xgb = XGBoostClassifier(**FAST).fit(X_tr, y_tr)
    cnc = CutAndCountClassifier(signal_class="top").fit(X_tr, y_tr)
    auc_xgb = roc_auc_score(y_te == "top", xgb.predict_proba(X_te)[:, 1])
    auc_cnc = roc_auc_score(y_te == "top", cnc.decision_function(X_te))
    assert auc_xgb > auc_cnc + 0.01


def test_physics_sample_auc_above_cut_and_count(top_qcd_sample):
    X = jet_features(top_qcd_sample)
    y = np.asarray(top_qcd_sample.target)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.5, random_state=0, stratify=y)
    xgb = XGBoostClassifier(**FAST).fit(X_tr, y_tr)
    cnc = CutAndCountClassifier(signal_class="top").fit(X_tr, y_tr)
    auc_xgb = roc_auc_score(y_te == "top", xgb.predict_proba(X_te)[:, 1])
    auc_cnc = roc_auc_score(y_te == "top", cnc.decision_function(X_te))
    assert auc_xgb > auc_cnc


# ----------------------------------------------------------------- early stopping
def _noisy(n=600, seed=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    y = np.where(X[:, 0] + 2.0 * rng.normal(size=n) > 0, "s", "b")  # mostly noise
    return X, y


def test_early_stopping_stops_before_n_estimators():
    X, y = _noisy()
    model = XGBoostClassifier(
        n_estimators=300, learning_rate=0.3, early_stopping_rounds=10, n_jobs=1, random_state=0
    ).fit(X, y)
    assert model.best_iteration_ < 300 - 10
    assert model.n_estimators_ == model.best_iteration_ + 10 + 1
    assert model.booster_.num_boosted_rounds() == model.n_estimators_
    (metric_history,) = model.evals_result_["validation_0"].values()
    assert len(metric_history) == model.n_estimators_
    # Without early stopping every round is trained and used.
    full = XGBoostClassifier(n_estimators=40, n_jobs=1).fit(X, y)
    assert (full.n_estimators_, full.best_iteration_, full.evals_result_) == (40, 39, {})


def test_early_stopping_inside_cross_validate_and_grid_search():
    X, y = _noisy(n=400)
    model = XGBoostClassifier(n_estimators=200, early_stopping_rounds=5, n_jobs=1, random_state=0)
    result = cross_validate(model, X, y, cv=3, return_estimator=True)
    assert len(result["test_score"]) == 3
    assert all(est.n_estimators_ < 200 for est in result["estimator"])
    grid = GridSearchCV(model, {"max_depth": [1, 2], "max_leaves": [0, 3]}, cv=3).fit(X, y)
    assert grid.best_estimator_.n_estimators_ < 200
    assert set(grid.best_params_) == {"max_depth", "max_leaves"}


def test_explicit_eval_set_with_string_labels():
    X, y = _noisy(n=400)
    model = XGBoostClassifier(n_estimators=200, early_stopping_rounds=5, n_jobs=1)
    model.fit(X[:300], y[:300], eval_set=[(X[300:], y[300:])])
    assert model.n_estimators_ < 200
    with pytest.raises(ValueError, match=r"eval_set\[0\] has labels not seen in y: \['x'\]"):
        model.fit(X[:300], y[:300], eval_set=[(X[300:], np.full(100, "x"))])


def test_early_stopping_on_too_little_data_says_why():
    X = np.arange(6, dtype=float)[:, None]
    y = np.array(["a", "a", "a", "a", "a", "b"])
    with pytest.raises(ValueError, match="early stopping holds out.*validation_fraction"):
        XGBoostClassifier(n_estimators=5, early_stopping_rounds=2, n_jobs=1).fit(X, y)


# ----------------------------------------------------------------- weights
def test_class_weight_dict_equals_sample_weight():
    X, y = _jets(n=400, seed=4)
    by_class = XGBoostClassifier(**FAST, class_weight={"top": 3.0, "qcd": 1.0}).fit(X, y)
    by_event = XGBoostClassifier(**FAST).fit(X, y, sample_weight=np.where(y == "top", 3.0, 1.0))
    np.testing.assert_allclose(by_class.predict_proba(X), by_event.predict_proba(X), rtol=1e-6)
    # class_weight multiplies sample_weight.
    w = np.random.default_rng(0).uniform(0.5, 2, len(y))
    both = XGBoostClassifier(**FAST, class_weight={"top": 3.0, "qcd": 1.0}).fit(X, y, sample_weight=w)
    product = XGBoostClassifier(**FAST).fit(X, y, sample_weight=w * np.where(y == "top", 3.0, 1.0))
    np.testing.assert_allclose(both.predict_proba(X), product.predict_proba(X), rtol=1e-6)


def test_balanced_class_weight_raises_minority_recall():
    X, y = _jets(n=3000, seed=5)
    keep = (y == "qcd") | (np.arange(len(y)) % 10 == 0)  # 1 top in ~10 jets
    X, y = X[keep], y[keep]
    plain = XGBoostClassifier(**FAST).fit(X, y)
    balanced = XGBoostClassifier(**FAST, class_weight="balanced").fit(X, y)
    recall = [np.mean(m.predict(X)[y == "top"] == "top") for m in (plain, balanced)]
    assert recall[1] > recall[0]


# ----------------------------------------------------------------- parameters
def test_every_xgboost_parameter_is_settable_and_clonable():
    model = XGBoostClassifier(n_estimators=7, grow_policy="lossguide", max_leaves=4)
    params = model.get_params()
    assert (params["grow_policy"], params["max_leaves"], params["n_estimators"]) == ("lossguide", 4, 7)
    copy = clone(model)
    assert copy.get_params() == params
    copy.set_params(max_leaves=8, scale_pos_weight=2.0, max_depth=3)
    assert (copy.max_leaves, copy.scale_pos_weight, copy.max_depth) == (8, 2.0, 3)
    assert "max_leaves=8" in repr(copy) and "scale_pos_weight=2.0" in repr(copy)
    X, y = _jets(n=300)
    fitted = copy.set_params(n_jobs=1).fit(X, y)
    config = fitted.booster_.save_config()
    assert '"max_leaves":"8"' in config and '"scale_pos_weight":"2"' in config
    with pytest.raises(ValueError, match="Invalid parameter 'predict'"):
        model.set_params(predict=1)


def test_feature_names_reach_the_booster_and_importances():
    X, y = _jets(n=500, seed=6)
    X["noise"] = np.random.default_rng(0).normal(size=len(X))
    model = XGBoostClassifier(**FAST).fit(X, y)
    assert model.booster_.feature_names == ["mass", "tau32", "multiplicity", "noise"]
    assert model.get_booster() is model.booster_
    importances = pd.Series(model.feature_importances_, index=model.feature_names_in_)
    assert importances.idxmax() == "mass"
    assert importances.idxmin() == "noise"
    # Predicting from a plain array still works once the booster has names.
    with pytest.warns(UserWarning, match="valid feature names"):
        proba = model.predict_proba(X.to_numpy())
    np.testing.assert_allclose(proba, model.predict_proba(X))


def test_device_and_threads_resolution():
    assert resolve_device("auto") == ("cuda" if _cuda_available() else "cpu")
    assert resolve_device("cpu") == "cpu"
    X, y = _jets(n=200)
    assert XGBoostClassifier(**FAST).fit(X, y).device_ in {"cpu", "cuda"}
    assert resolve_n_jobs(3) == 3
    assert resolve_n_jobs(-1) == joblib.cpu_count()
    if "OMP_NUM_THREADS" not in os.environ:
        assert resolve_n_jobs(None) == joblib.cpu_count()
    # Inside joblib workers: the share joblib gives each worker (1 for threads).
    in_threads = joblib.Parallel(n_jobs=2, backend="threading")(
        joblib.delayed(resolve_n_jobs)(None) for _ in range(2)
    )
    assert in_threads == [int(os.environ.get("OMP_NUM_THREADS", "1"))] * 2


# ----------------------------------------------------------------- bad input
def test_nan_is_a_missing_value_but_inf_is_rejected():
    X, y = _jets(n=300, seed=7)
    X.iloc[::7, 1] = np.nan
    model = XGBoostClassifier(**FAST).fit(X, y)
    assert np.isfinite(model.predict_proba(X)).all()
    X.iloc[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        XGBoostClassifier(**FAST).fit(X, y)


def test_single_class_is_rejected():
    X, y = _jets(n=50)
    with pytest.raises(ValueError, match="at least two classes.*'qcd'"):
        XGBoostClassifier(**FAST).fit(X, np.full(len(y), "qcd"))


def test_predict_checks_the_columns():
    X, y = _jets(n=100)
    model = XGBoostClassifier(**FAST).fit(X.to_numpy(), y)
    with pytest.raises(ValueError, match="3 features"):
        model.predict(X.to_numpy()[:, :2])


def test_pickle_round_trip_gives_identical_outputs():
    X, y = _jets(n=300, seed=8)
    model = XGBoostClassifier(**FAST, early_stopping_rounds=3).fit(X, y)
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert (loaded.best_iteration_, loaded.n_estimators_) == (model.best_iteration_, model.n_estimators_)
    assert loaded.booster_.feature_names == ["mass", "tau32", "multiplicity"]


# ---------------------------------------------------- review fixes: input checks
def test_negative_sample_weight_is_rejected():
    X, y = _jets(n=200)
    w = np.ones(len(y))
    w[3] = -1.0
    with pytest.raises(ValueError, match="(?i)negative"):
        XGBoostClassifier(**FAST).fit(X, y, sample_weight=w)


def test_float32_overflow_is_rejected():
    X, y = _jets(n=200)
    X.iloc[0, 0] = 1e300
    with pytest.raises(ValueError, match=r"XGBoostClassifier: X has 1 value\(s\) beyond the float32"):
        XGBoostClassifier(**FAST).fit(X, y)
    X.iloc[0, 0] = 1.0
    model = XGBoostClassifier(**FAST).fit(X, y)
    X.iloc[1, 1] = -1e300
    with pytest.raises(ValueError, match="float32"):
        model.predict_proba(X)


def test_eval_set_is_validated():
    X, y = _jets(n=300)
    model = XGBoostClassifier(**FAST, early_stopping_rounds=3)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        model.fit(X, y, eval_set=[(X, y[:-1])])
    with pytest.raises(ValueError, match="(?i)negative"):
        model.fit(X, y, eval_set=[(X, y)], sample_weight_eval_set=[-np.ones(len(y))])
    with pytest.raises(ValueError, match="sample_weight_eval_set has 2 entries"):
        model.fit(X, y, eval_set=[(X, y)], sample_weight_eval_set=[None, None])
    X_inf = X.copy()
    X_inf.iloc[0, 0] = 1e300
    with pytest.raises(ValueError, match=r"eval_set\[0\] X has 1 value\(s\) beyond the float32"):
        model.fit(X, y, eval_set=[(X_inf, y)])
    model.fit(X, y, eval_set=[(X, y)], sample_weight_eval_set=[np.ones(len(y))])


def test_class_weight_with_unknown_class_is_rejected():
    X, y = _jets(n=200)
    with pytest.raises(ValueError, match=r"class_weight has labels not in y: \['w'\]"):
        XGBoostClassifier(**FAST, class_weight={"top": 2.0, "w": 1.0}).fit(X, y)


def test_label_messages_use_plain_reprs():
    X, y = _jets(n=200)
    with pytest.raises(ValueError, match="only one class: 'qcd'") as info:
        XGBoostClassifier(**FAST).fit(X, np.full(len(y), "qcd"))
    assert "np.str_" not in str(info.value)
