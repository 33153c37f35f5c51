"""hls4ml firmware emulation of the jet-feature MLP: folding, the emulated classifier, the
precision scan. The C++ is compiled twice in this module (one session fixture at
ap_fixed<16,6>, one scan point); tests that compile skip without a C++ compiler."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, RobustScaler, StandardScaler

from skjet.export import (
    HLS4MLClassifier,
    find_cxx_compiler,
    fold_pipeline,
    precision_scan,
    to_hls4ml,
)
from skjet.models import MLPClassifier

pytest.importorskip("hls4ml")
needs_compiler = pytest.mark.skipif(
    find_cxx_compiler() is None,
    reason="hls4ml's bit-accurate emulation compiles C++: no g++ (or $CXX) on PATH",
)


@pytest.fixture(autouse=True)
def one_torch_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="module")
def jet_exercise():
    """The shape of the hls4ml jet exercise: 16 features on physical scales (masses in GeV,
    multiplicities, ratios), 5 classes, 16-32-32-32-5 behind a StandardScaler. Synthetic:
    the firmware's arithmetic, not the physics, is under test (docs/deploying.md runs the
    exercise on generated jets)."""
    rng = np.random.default_rng(0)
    classes = np.array(["g", "q", "t", "w", "z"])
    y = classes[rng.integers(0, 5, size=1500)]
    k = np.searchsorted(classes, y)
    scales = np.array([1, 0.1, 0.05, 0.05, 0.1, 0.05, 1, 1, 1, 0.1, 0.05, 0.05, 0.1, 0.1,
                       40, 15])
    centres = rng.normal(size=(5, 16)) * scales * 1.5
    centres[:, 14] = [20, 10, 170, 80, 90]  # a mass
    centres[:, 15] = [60, 40, 80, 50, 50]  # a multiplicity
    X = pd.DataFrame(centres[k] + rng.normal(size=(1500, 16)) * scales,
                     columns=[f"f{i}" for i in range(16)])
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0)
    pipe = make_pipeline(StandardScaler(), MLPClassifier(max_epochs=20, lr=3e-3,
                                                         batch_size=128, random_state=0))
    return pipe.fit(X_train, y_train), X_test, y_test


@pytest.fixture(scope="module")
def firmware(jet_exercise):
    if find_cxx_compiler() is None:
        pytest.skip("hls4ml's bit-accurate emulation compiles C++: no g++ (or $CXX) on PATH")
    return to_hls4ml(jet_exercise[0])  # ap_fixed<16,6>, reuse factor 1


@pytest.mark.parametrize("scaler", [StandardScaler(), MinMaxScaler(), MaxAbsScaler(),
                                    RobustScaler()])
def test_folding_the_scaler_keeps_the_float_network(scaler):
    rng = np.random.default_rng(0)
    X = rng.normal([100.0, -3.0, 0.5], [30.0, 2.0, 0.1], size=(200, 3)).astype(np.float32)
    y = np.where(X[:, 0] + 10 * X[:, 1] > 70, "t", "q")
    pipe = make_pipeline(scaler, MLPClassifier((8, 8), max_epochs=3, random_state=0)).fit(X, y)
    net = fold_pipeline(pipe)
    assert len(net) == 5  # Linear, ReLU, Linear, ReLU, Linear: no scaler layer left
    with torch.no_grad():
        proba = torch.softmax(net(torch.from_numpy(X)).double(), dim=1).numpy()
    np.testing.assert_allclose(proba, pipe.predict_proba(X), atol=1e-5, rtol=0)


def test_only_scaler_and_mlp_pipelines_fold():
    X = np.random.default_rng(0).normal(size=(60, 3))
    y = X[:, 0] > 0
    with pytest.raises(ValueError, match="exactly a per-feature scaler and an MLPClassifier"):
        fold_pipeline(make_pipeline(MLPClassifier(max_epochs=1)).fit(X, y))
    clipped = make_pipeline(MinMaxScaler(clip=True), MLPClassifier(max_epochs=1)).fit(X, y)
    with pytest.raises(ValueError, match="clip=True"):
        fold_pipeline(clipped)
    with pytest.raises(ValueError, match="Pipeline"):
        fold_pipeline(MLPClassifier(max_epochs=1).fit(X, y))


def test_bad_precision_is_refused_before_compiling(jet_exercise):
    with pytest.raises(ValueError, match="precision must be an HLS fixed-point type"):
        HLS4MLClassifier(jet_exercise[0], precision="float16").fit()
    with pytest.raises(ValueError, match="reuse_factor must be a positive int"):
        HLS4MLClassifier(jet_exercise[0], reuse_factor=0).fit()


def test_missing_hls4ml_names_the_extra(monkeypatch, jet_exercise):
    monkeypatch.setitem(sys.modules, "hls4ml", None)
    with pytest.raises(ImportError, match=r"skjet\[hls4ml\]"):
        to_hls4ml(jet_exercise[0])


@needs_compiler
def test_emulation_follows_the_float_model(firmware, jet_exercise):
    pipe, X_test, y_test = jet_exercise
    assert list(firmware.classes_) == ["g", "q", "t", "w", "z"]
    assert firmware.n_features_in_ == 16
    proba = firmware.predict_proba(X_test)
    assert proba.shape == (len(X_test), 5)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # 16 bits keep the float decisions for almost every jet, but not bit for bit
    agree = (firmware.predict(X_test) == pipe.predict(X_test)).mean()
    assert agree > 0.9
    assert abs(firmware.score(X_test, y_test) - pipe.score(X_test, y_test)) < 0.05
    assert not np.allclose(proba, pipe.predict_proba(X_test), atol=1e-6)
    # the logits are fixed-point numbers with 10 fractional bits
    logits = firmware.decision_function(X_test)
    np.testing.assert_array_equal(logits * 2**10, np.round(logits * 2**10))


@needs_compiler
def test_frozen_like_sklearn_frozen_estimator(firmware, jet_exercise):
    _, X_test, y_test = jet_exercise
    assert clone(firmware) is firmware
    model = firmware.hls_model_
    assert firmware.fit(X_test, y_test) is firmware
    assert firmware.hls_model_ is model  # not recompiled
    assert firmware.get_params()["precision"] == "ap_fixed<16,6>"
    with pytest.raises(ValueError, match="feature"):
        firmware.predict(X_test.iloc[:, :5])


@needs_compiler
def test_precision_scan_shows_the_cost_of_few_bits(firmware, jet_exercise):
    pipe, X_test, y_test = jet_exercise
    scan = precision_scan(pipe, X_test, y_test, widths=[6], signal=["t", "w", "z"])
    assert list(scan.columns) == ["width", "integer_bits", "precision", "accuracy", "roc_auc",
                                  "accuracy_float", "roc_auc_float"]
    assert scan["precision"].tolist() == ["ap_fixed<6,6>"]
    # no fractional bit: the network collapses; 16 bits stay near the float model
    accuracy_16 = firmware.score(X_test, y_test)
    assert scan["accuracy"].iloc[0] < accuracy_16 - 0.1
    assert scan["accuracy_float"].iloc[0] == pytest.approx(pipe.score(X_test, y_test))
    with pytest.raises(ValueError, match="widths"):
        precision_scan(pipe, X_test, y_test, widths=[4], integer_bits=6)


def test_plot_precision_scan():
    from skjet.plotting import plot_precision_scan

    scan = pd.DataFrame({"width": [12, 8], "integer_bits": 6, "accuracy": [0.7, 0.4],
                         "roc_auc": [0.9, 0.7], "accuracy_float": 0.72, "roc_auc_float": 0.91})
    ax = plot_precision_scan(scan)
    lines = ax.get_lines()
    assert list(lines[0].get_xdata()) == [8, 12]  # sorted by width
    assert list(lines[1].get_ydata()) == [0.72, 0.72]
    assert "ap_fixed<W, 6>" in ax.get_xlabel()
    with pytest.raises(ValueError, match="no column"):
        plot_precision_scan(scan.drop(columns="roc_auc"))
