"""The CUDA paths of the neural classifiers: taggers, mixed precision, pretrained checkpoints,
DisCo, and a model trained on a GPU used where there is none.

Every test here needs a CUDA device (``pytest -m gpu``); elsewhere they skip. CI has no GPU:
run them on a machine with one.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from skjet.metrics import distance_correlation
from skjet.models import (
    DeepSetsClassifier,
    EnergyFlowNetworkClassifier,
    MLPClassifier,
    ParticleNetClassifier,
    ParticleTransformerClassifier,
)
from skjet.utils.estimator_checks import make_constituents

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA"),
]

TINY = {
    EnergyFlowNetworkClassifier: dict(phi_sizes=(16, 8), f_sizes=(16,)),
    ParticleNetClassifier: dict(k=4, conv_channels=((16, 16),), fc_size=16),
    ParticleTransformerClassifier: dict(
        embed_dims=(16,), pair_embed_dims=(8,), num_heads=2, num_layers=1
    ),
    DeepSetsClassifier: dict(phi_sizes=(16, 8), f_sizes=(16,)),
}
KIN = "ParticleNet-JetClass-kin"
TOP_QCD = {"top": "Tbqq", "qcd": "QCD"}
# PyTorch lets cuDNN convolutions use TF32 (10-bit mantissa) by default: GPU and CPU then
# agree to ~1e-2 in probability (ParT's pair embedding is convolutions); without TF32, to float32
# rounding.
ATOL = 1e-2
ATOL_FLOAT32 = 1e-4


@contextlib.contextmanager
def _without_tf32():
    saved = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved


def _on_cuda(cls, **params):
    return cls(**{**TINY.get(cls, {}), "max_epochs": 2, "batch_size": 16, "random_state": 0,
                  "device": "cuda", **params})


def _top_qcd(sample, n=600, slots=30):
    rows = np.random.default_rng(0).permutation(len(sample.target))[:n]
    return (np.ascontiguousarray(sample.constituents[rows, :slots]),
            np.asarray(sample.target)[rows])


def _checkpoints() -> Path:
    folder = os.environ.get("SKJET_PRETRAINED_DIR")
    if not folder or not (Path(folder) / "ParticleNet_kin.pt").is_file():
        pytest.skip(f"no JetClass checkpoints in SKJET_PRETRAINED_DIR ({folder or 'unset'})")
    return Path(folder)


@pytest.fixture(scope="module")
def data():
    return make_constituents(n_jets=64, n_slots=20)


@pytest.mark.parametrize("cls", list(TINY))
def test_trained_on_cuda_predicts_the_same_in_a_process_without_cuda(cls, data, tmp_path):
    # the deployment path: train on a GPU node, load the pickle on a CPU-only machine
    X, y = data
    clf = _on_cuda(cls).fit(X, y)
    assert next(clf.module_.parameters()).is_cuda
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2) and np.isfinite(proba).all()
    joblib.dump(clf, tmp_path / "clf.joblib")
    np.save(tmp_path / "X.npy", X)
    script = (
        "import joblib, numpy as np, torch, warnings\n"
        "assert not torch.cuda.is_available()\n"
        "warnings.simplefilter('ignore')\n"
        f"clf = joblib.load({str(tmp_path / 'clf.joblib')!r})\n"
        f"np.save({str(tmp_path / 'cpu.npy')!r}, "
        f"clf.predict_proba(np.load({str(tmp_path / 'X.npy')!r})))\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True,
                   env={**os.environ, "CUDA_VISIBLE_DEVICES": ""})
    on_cpu = np.load(tmp_path / "cpu.npy")
    np.testing.assert_allclose(on_cpu, proba, atol=ATOL)
    with _without_tf32():
        np.testing.assert_allclose(on_cpu, clf.predict_proba(X), atol=ATOL_FLOAT32)


def test_device_auto_picks_cuda(data):
    X, y = data
    clf = _on_cuda(DeepSetsClassifier, device="auto", max_epochs=1).fit(X, y)
    assert next(clf.module_.parameters()).is_cuda


@pytest.mark.parametrize("cls", [ParticleNetClassifier, ParticleTransformerClassifier])
def test_mixed_precision_on_cuda_learns_with_a_grad_scaler(cls, top_qcd_sample):
    X, y = _top_qcd(top_qcd_sample)
    clf = _on_cuda(cls, mixed_precision=True, max_epochs=4, batch_size=64, lr=3e-3,
                   early_stopping=False).fit(X, y)
    assert isinstance(clf.net_.grad_scaler_, torch.amp.GradScaler)
    assert all(p.dtype == torch.float32 for p in clf.module_.parameters())  # autocast only
    assert np.isfinite(clf.history_["train_loss"]).all()
    auc = roc_auc_score(y == "top", clf.predict_proba(X)[:, 1])
    assert auc > 0.75, f"{cls.__name__} with float16 autocast: training AUC {auc:.3f}"


@pytest.mark.parametrize("bucketing", [True, False])
def test_bucketing_on_cuda_keeps_the_input_order(bucketing, data):
    X, y = data
    clf = _on_cuda(ParticleNetClassifier, bucketing=bucketing).fit(X, y)
    proba = clf.predict_proba(X)
    # each jet's prediction does not depend on its batch neighbours
    reverse = clf.predict_proba(X[::-1])[::-1]
    np.testing.assert_allclose(reverse, proba, atol=1e-5)


def test_zero_shot_on_cuda_matches_the_cpu(top_qcd_sample):
    _checkpoints()
    X, y = _top_qcd(top_qcd_sample, n=200, slots=64)
    gpu = ParticleNetClassifier(pretrained=KIN, zero_shot=TOP_QCD, device="cuda").fit(X, y)
    cpu = ParticleNetClassifier(pretrained=KIN, zero_shot=TOP_QCD, device="cpu").fit(X, y)
    assert next(gpu.module_.parameters()).is_cuda
    np.testing.assert_allclose(gpu.predict_proba(X), cpu.predict_proba(X), atol=ATOL)
    with _without_tf32():
        np.testing.assert_allclose(gpu.predict_proba(X), cpu.predict_proba(X), atol=ATOL_FLOAT32)
    assert roc_auc_score(y == "top", gpu.predict_proba(X)[:, 1]) > 0.8


def test_fine_tuning_on_cuda_improves_on_the_training_jets(top_qcd_sample):
    _checkpoints()
    X, y = _top_qcd(top_qcd_sample, n=600, slots=64)
    clf = ParticleNetClassifier(pretrained=KIN, head_init=TOP_QCD, max_epochs=3, batch_size=64,
                                early_stopping=False, random_state=0, device="cuda").fit(X, y)
    assert next(clf.module_.parameters()).is_cuda
    losses = clf.history_["train_loss"]
    assert np.isfinite(losses).all() and losses.iloc[-1] < losses.iloc[0]
    assert roc_auc_score(y == "top", clf.predict_proba(X)[:, 1]) > 0.85


def test_disco_on_cuda_decorrelates(mass_correlated_jets):
    X, y, mass = mass_correlated_jets(n=3000)
    bkg = y == "qcd"
    params = dict(hidden_layer_sizes=(32, 32), max_epochs=12, batch_size=512, random_state=0,
                  device="cuda")
    plain = MLPClassifier(**params).fit(X, y)
    disco = MLPClassifier(decorrelation="disco", decorrelation_strength=1.0, **params).fit(
        X, y, decorrelation_target=mass)
    dcor = {name: distance_correlation(clf.predict_proba(X)[bkg, 1], mass[bkg])
            for name, clf in (("plain", plain), ("disco", disco))}
    assert dcor["plain"] > 0.3 and dcor["disco"] < dcor["plain"] / 4
    assert disco.history_["train_disco"].between(0, 1).all()
