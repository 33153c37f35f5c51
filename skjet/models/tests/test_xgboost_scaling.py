"""XGBoostClassifier beyond one CPU process: the GPU, and dask input without a cluster.

The training on a dask.distributed cluster itself is tested in tests/test_distributed.py,
which shares one LocalCluster with the other distributed tests.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from skjet.models import XGBoostClassifier
from skjet.models._xgboost import _cuda_available


def _data(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6)).astype(np.float32)
    y = np.where(X[:, 0] - 0.5 * X[:, 2] + rng.normal(0, 0.5, n) > 0, "top", "qcd")
    return X, y


@pytest.mark.gpu
@pytest.mark.skipif(not _cuda_available(), reason="needs xgboost with CUDA and a visible GPU")
def test_cuda_device_trains_on_gpu_like_cpu():
    X, y = _data()
    gpu = XGBoostClassifier(n_estimators=50, max_depth=4, device="cuda", random_state=0).fit(X, y)
    cpu = XGBoostClassifier(n_estimators=50, max_depth=4, device="cpu", random_state=0).fit(X, y)
    assert gpu.device_ == "cuda"
    config = gpu.booster_.save_config()
    assert '"device":"cuda' in config.replace(" ", "")
    assert gpu.classes_.tolist() == ["qcd", "top"]
    auc_gpu = roc_auc_score(y == "top", gpu.predict_proba(X)[:, 1])
    auc_cpu = roc_auc_score(y == "top", cpu.predict_proba(X)[:, 1])
    assert abs(auc_gpu - auc_cpu) < 0.01
    auto = XGBoostClassifier(n_estimators=5).fit(X, y)
    assert auto.device_ == "cuda"  # "auto" picks the GPU when one is usable


def test_dask_input_without_client_says_how_to_make_one():
    da = pytest.importorskip("dask.array")
    pytest.importorskip("distributed")
    from distributed import default_client

    try:
        default_client()
    except ValueError:
        pass
    else:  # pragma: no cover - a client left open by another test in this process
        pytest.skip("a dask.distributed client is active in this process")
    X, y = _data(200)
    dX = da.from_array(X, chunks=100)
    dy = da.from_array(y.astype(object), chunks=100)
    with pytest.raises(ValueError, match=r"needs a dask.distributed Client: create one first"):
        XGBoostClassifier(n_estimators=2).fit(dX, dy)
