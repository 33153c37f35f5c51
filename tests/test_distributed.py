"""skjet on a dask.distributed cluster: joblib's dask backend and xgboost.dask.

One LocalCluster of 2 worker processes (1 thread each) serves the whole module: worker
processes make every estimator, transformer and data set travel by pickle, as on a real
cluster. Every search, cross-validation and comparison is run locally and on the cluster
with the same ``random_state`` and must give identical results.
"""

from __future__ import annotations

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")

import joblib  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sklearn.model_selection import (  # noqa: E402
    GridSearchCV,
    StratifiedKFold,
    cross_validate,
)
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skjet.features import JetKinematics  # noqa: E402
from skjet.model_selection import compare  # noqa: E402
from skjet.models import XGBoostClassifier  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        memory_limit=0,  # tests hold kilobytes; no spilling or pausing on a busy machine
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def features():
    """Two classes separated by a noisy linear boundary, string labels."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 5))
    y = np.where(X[:, 0] + 0.7 * X[:, 1] + rng.normal(0, 0.7, 600) > 0, "top", "qcd")
    return X, y


@pytest.fixture(scope="module")
def constituents():
    """'top' jets have more and wider constituents than 'qcd' jets; (n, 30, 4) float32."""
    rng = np.random.default_rng(1)
    n, m = 300, 30
    y = np.where(rng.random(n) < 0.5, "top", "qcd")
    k = np.where(y == "top", rng.integers(15, 31, n), rng.integers(3, 20, n))
    width = np.where(y == "top", 0.3, 0.1)[:, None]
    pt = -np.sort(-(rng.exponential(20.0, size=(n, m)) + 1.0), axis=1)
    eta = rng.normal(0, 1, size=(n, m)) * width
    phi = rng.normal(0, 1, size=(n, m)) * width
    X = np.stack(
        [pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)], axis=-1
    ).astype(np.float32)
    X[np.arange(m)[None, :] >= k[:, None]] = 0.0
    return X, y


def _on_cluster(client, fn, **backend_params):
    """Run ``fn`` under joblib's dask backend; return its result and the workers used."""
    config = joblib.parallel_config(backend="dask", **backend_params)
    with config, distributed.get_task_stream(client) as ts:
        result = fn()
    return result, {task["worker"] for task in ts.data}


def _xgb(**kw):
    return XGBoostClassifier(**{"n_estimators": 15, "max_depth": 2, "n_jobs": 1,
                                "random_state": 0, **kw})


def test_grid_search_identical_on_cluster(client, features):
    X, y = features
    cv = StratifiedKFold(3, shuffle=True, random_state=0)

    def search():
        grid = {"max_depth": [2, 3], "learning_rate": [0.1, 0.3]}
        return GridSearchCV(_xgb(), grid, cv=cv, scoring="roc_auc").fit(X, y)

    local = search()
    remote, workers = _on_cluster(client, search, scatter=[X, y])
    assert len(workers) == 2  # the fits ran on both workers, not in this process
    for key in ("mean_test_score", "std_test_score", "rank_test_score"):
        np.testing.assert_array_equal(remote.cv_results_[key], local.cv_results_[key])
    assert remote.best_params_ == local.best_params_
    np.testing.assert_array_equal(remote.predict_proba(X), local.predict_proba(X))


def test_cross_validate_identical_on_cluster(client, features):
    X, y = features
    cv = StratifiedKFold(4, shuffle=True, random_state=1)

    def run():
        return cross_validate(
            LogisticRegression(C=0.5), X, y, cv=cv, scoring=["accuracy", "roc_auc"],
            return_estimator=True,
        )

    local = run()
    remote, workers = _on_cluster(client, run)
    assert workers
    for key in ("test_accuracy", "test_roc_auc"):
        np.testing.assert_array_equal(remote[key], local[key])
    for a, b in zip(remote["estimator"], local["estimator"]):
        np.testing.assert_array_equal(a.coef_, b.coef_)


def test_compare_identical_on_cluster(client, constituents):
    # skjet transformers on constituents travel to the workers inside the pipelines
    X, y = constituents
    approaches = {
        "bdt": make_pipeline(JetKinematics(), _xgb()),
        "logistic": make_pipeline(JetKinematics(), StandardScaler(), LogisticRegression()),
    }

    def run():
        return compare(approaches, X, y, cv=3, scoring=["accuracy", "roc_auc"],
                       random_state=0)

    local = run()
    remote, workers = _on_cluster(client, run)
    assert len(workers) == 2
    metrics = [c for c in local.table.columns if not c.startswith(("fit_time", "predict_time"))]
    pd.testing.assert_frame_equal(remote.table[metrics], local.table[metrics])
    pd.testing.assert_frame_equal(remote.predictions, local.predictions)
    assert local.table.loc["bdt", "roc_auc_mean"] > 0.8  # the task is learnable at all


def test_xgboost_trains_on_dask_array(client, features):
    X, y = features
    dX = da.from_array(X, chunks=(150, 5))
    dy = da.from_array(y.astype(object), chunks=150)
    remote = _xgb().fit(dX, dy)
    local = _xgb().fit(X, y)
    assert remote.classes_.tolist() == ["qcd", "top"]
    assert remote.n_features_in_ == 5 and not hasattr(remote, "feature_names_in_")
    assert remote.n_estimators_ == 15 and remote.best_iteration_ == 14
    assert isinstance(remote.booster_, type(local.booster_))
    # Merged per-worker histograms need not equal a local fit bit for bit: same quality.
    auc_remote = roc_auc_score(y == "top", remote.predict_proba(X)[:, 1])
    auc_local = roc_auc_score(y == "top", local.predict_proba(X)[:, 1])
    assert abs(auc_remote - auc_local) < 0.02 and auc_remote > 0.85
    # predictions on dask input are lazy, per partition, and equal to the in-memory ones
    proba = remote.predict_proba(dX)
    assert isinstance(proba, da.Array)
    np.testing.assert_allclose(proba.compute(), remote.predict_proba(X), rtol=1e-6)
    np.testing.assert_array_equal(remote.predict(dX).compute(), remote.predict(X))


def test_xgboost_dask_dataframe_weights_and_eval_set(client, features):
    X, y = features
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)])
    dX = dd.from_pandas(frame, npartitions=2)
    dy = dd.from_pandas(pd.Series(y), npartitions=2)
    clf = _xgb(class_weight="balanced", early_stopping_rounds=3, n_estimators=40)
    clf.fit(dX, dy, eval_set=[(dX, dy)])
    assert clf.feature_names_in_.tolist() == list(frame.columns)
    assert clf.booster_.feature_names == list(frame.columns)
    assert list(clf.evals_result_) == ["validation_0"]
    assert 0 <= clf.best_iteration_ < clf.n_estimators_ <= 40
    proba = clf.predict_proba(dX).compute()
    assert list(proba.columns) == ["qcd", "top"]
    np.testing.assert_allclose(proba.to_numpy(), clf.predict_proba(frame), rtol=1e-6)
    assert clf.predict(dX).compute().tolist() == clf.predict(frame).tolist()
    # balanced weights reach the workers: a heavily unbalanced subset still predicts both
    keep = (y == "top") | (np.arange(len(y)) % 6 == 0)
    sub_X = dd.from_pandas(frame[keep], npartitions=2)
    sub_y = dd.from_pandas(pd.Series(y[keep], index=frame.index[keep]), npartitions=2)
    weighted = _xgb(class_weight="balanced").fit(sub_X, sub_y)
    plain = _xgb().fit(sub_X, sub_y)
    pred_w, pred_p = weighted.predict(frame), plain.predict(frame)
    assert (pred_w == "qcd").sum() > (pred_p == "qcd").sum()


def test_xgboost_dask_errors(client, features):
    X, y = features
    dX = da.from_array(X, chunks=(300, 5))
    dy = da.from_array(y.astype(object), chunks=300)
    with pytest.raises(ValueError, match="X is a dask collection but y is a ndarray"):
        _xgb().fit(dX, y)
    with pytest.raises(ValueError, match="early stopping on a dask collection needs an explicit"):
        _xgb(early_stopping_rounds=2).fit(dX, dy)
    with pytest.raises(ValueError, match="only one class: 'top'"):
        _xgb().fit(dX, da.from_array(np.full(600, "top", dtype=object), chunks=300))
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        _xgb().fit(dX, da.from_array(np.linspace(0, 1, 600), chunks=300))
    with pytest.raises(ValueError, match="X must be 2-D, got a dask array of shape"):
        _xgb().fit(da.from_array(X[:, :, None], chunks=(300, 5, 1)), dy)
    fitted = _xgb().fit(dX, dy)
    with pytest.raises(ValueError, match="X has 4 features, but XGBoostClassifier is expecting 5"):
        fitted.predict_proba(dX[:, :4])
    with pytest.raises(ValueError, match=r"eval_set\[0\] has labels not seen in y: \['w'\]"):
        bad = da.from_array(np.where(y == "top", "w", "qcd").astype(object), chunks=300)
        _xgb().fit(dX, dy, eval_set=[(dX, bad)])
