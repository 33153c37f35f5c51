"""hls4ml firmware emulation of the jet-feature MLP: folding, the emulated classifier, the
precision scan. The emulations checked are those that the "Deploying a tagger" page's code
compiles (the ``hls4ml_page`` session fixture, which skips without hls4ml or a C++
compiler), and one tiny network on features in GeV."""

from __future__ import annotations

import pickle
import sys

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
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
from skjet.utils._sklearn_compat import InvalidParameterError

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
def jet_exercise(hls4ml_page):
    """The page's jet-exercise pipeline (StandardScaler + 16-32-32-32-5 on the 16 hls4ml
    features of generated g/q/t/w/z jets) and its test jets."""
    namespace, _ = hls4ml_page
    return namespace["mlp"], namespace["X_test"], np.asarray(namespace["y_test"])


@pytest.fixture(scope="module")
def firmware(hls4ml_page):
    return hls4ml_page[0]["firmware"]


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


@pytest.fixture(scope="module")
def small_pipeline():
    X = np.random.default_rng(0).normal(size=(100, 4))
    return make_pipeline(StandardScaler(), MLPClassifier((4,), max_epochs=1)).fit(X, X[:, 0] > 0)


def test_bad_precision_is_refused_before_compiling(small_pipeline):
    with pytest.raises(ValueError, match="precision must be an HLS fixed-point type"):
        HLS4MLClassifier(small_pipeline, precision="float16").fit()
    with pytest.raises(ValueError, match=r"'reuse_factor' parameter .* must be an int in the "
                       r"range \[1, inf\)\. Got 0"):
        HLS4MLClassifier(small_pipeline, reuse_factor=0).fit()


@pytest.mark.parametrize(
    "function, kwargs, match",
    [
        (to_hls4ml, {"reuse_factor": 0}, r"'reuse_factor' parameter of to_hls4ml must be an int"),
        (to_hls4ml, {"backend": "Quartus"}, r"'backend' parameter of to_hls4ml must be a str among"),
        (to_hls4ml, {"fitted_pipeline": None}, r"'fitted_pipeline' parameter .* must be an "
                                                r"instance of 'sklearn.pipeline.Pipeline'"),
        (precision_scan, {"integer_bits": 6.5}, r"'integer_bits' parameter of precision_scan"),
    ],
)
def test_functions_refuse_invalid_settings_before_converting(small_pipeline, function, kwargs,
                                                             match):
    arguments = {"fitted_pipeline": small_pipeline, **kwargs}
    if function is precision_scan:
        arguments.update(X=np.zeros((2, 4)), y=[0, 1])
    with pytest.raises(InvalidParameterError, match=match):
        function(**arguments)


def test_missing_hls4ml_names_the_extra(monkeypatch, small_pipeline):
    monkeypatch.setitem(sys.modules, "hls4ml", None)
    with pytest.raises(ImportError, match=r"skjet\[hls4ml\]"):
        to_hls4ml(small_pipeline)


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
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(firmware)
    with pytest.raises(ValueError, match="feature"):
        firmware.predict(X_test.iloc[:, :5])


@needs_compiler
def test_precision_scan_shows_the_cost_of_few_bits(hls4ml_page, firmware, jet_exercise):
    pipe, X_test, y_test = jet_exercise
    scan = hls4ml_page[0]["scan"]  # widths 8 and 16, heavy (t, w, z) vs light AUC
    assert list(scan.columns) == ["width", "integer_bits", "precision", "accuracy", "roc_auc",
                                  "accuracy_float", "roc_auc_float"]
    assert scan["precision"].tolist() == ["ap_fixed<8,6>", "ap_fixed<16,6>"]
    # 2 fractional bits: the network collapses; 16 bits stay near the float model
    assert scan["accuracy"].iloc[0] < scan["accuracy"].iloc[1] - 0.1
    assert scan["roc_auc"].iloc[0] < scan["roc_auc"].iloc[1] - 0.05
    assert scan["accuracy"].iloc[1] == pytest.approx(firmware.score(X_test, y_test))
    assert scan["accuracy_float"].iloc[0] == pytest.approx(pipe.score(X_test, y_test))
    assert abs(scan["roc_auc"].iloc[1] - scan["roc_auc_float"].iloc[0]) < 0.02
    # the 16-bit point reused the page's compiled firmware: same object from to_hls4ml
    assert to_hls4ml(pipe, "ap_fixed<16,6>") is firmware
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


@needs_compiler
def test_firmware_sits_in_compare_next_to_the_float_model(firmware, jet_exercise):
    from sklearn.frozen import FrozenEstimator

    from skjet.model_selection import compare

    pipe, X_test, y_test = jet_exercise
    result = compare({"float": FrozenEstimator(pipe), "ap_fixed<16,6>": firmware},
                     X_test, y_test, test_size=0.5, scoring=("accuracy",),
                     signal=["t", "w", "z"], random_state=0)
    assert list(result.table.index) == ["float", "ap_fixed<16,6>"]
    # the same trained network on the same held-out jets: fixed point costs little here
    accuracy = result.table["accuracy_mean"]
    assert abs(accuracy["float"] - accuracy["ap_fixed<16,6>"]) < 0.05
    assert abs(result.curves["float"].auc - result.curves["ap_fixed<16,6>"].auc) < 0.02


# -- bad settings, unfitted steps, and inputs in physical units --------------------------------
@pytest.mark.parametrize("precision", ["ap_fixed<0,0>", "ap_fixed<2000,6>"])
def test_precision_without_a_valid_width_is_refused_before_compiling(small_pipeline, precision):
    # ap_fixed<0,0> passes hls4ml and the compiler, then aborts the Python process from C++
    with pytest.raises(ValueError, match=r"total bits; an HLS fixed-point type has 1 to 1024"):
        HLS4MLClassifier(small_pipeline, precision=precision).fit()
    with pytest.raises(ValueError, match=r"input_precision='ap_fixed<0,0>' has 0 total bits"):
        HLS4MLClassifier(small_pipeline, input_precision="ap_fixed<0,0>").fit()


def test_unfitted_step_is_named(small_pipeline):
    from sklearn.exceptions import NotFittedError

    mlp = small_pipeline.steps[-1][1]
    with pytest.raises(NotFittedError, match=r"step 'standardscaler' \(StandardScaler\) is not "
                       r"fitted; fit the whole pipeline"):
        to_hls4ml(make_pipeline(StandardScaler(), mlp))


def _gev_jets(n, seed=0):
    """pT and masses in GeV next to a ratio, as top vs QCD jet features."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"pt": rng.normal(600.0, 28.0, n), "mass": np.abs(rng.normal(134, 58, n)),
                      "tau32": rng.normal(0.6, 0.2, n)}).astype(np.float32)
    y = np.where((X["mass"] > 140) & (X["tau32"] < 0.65), "top", "qcd")
    return X, y


@pytest.fixture(scope="module")
def gev_pipeline():
    X, y = _gev_jets(1500)
    return make_pipeline(StandardScaler(), MLPClassifier((16, 16), max_epochs=30,
                                                         random_state=0)).fit(X, y)


def test_types_are_sized_for_the_folded_scaler(gev_pipeline, monkeypatch):
    import skjet.export._hls4ml as module

    # No compiler: fit stops after sizing, after the warning on a too narrow input type.
    monkeypatch.setattr(module, "find_cxx_compiler", lambda: None)
    with pytest.warns(UserWarning, match=r"input_precision='ap_fixed<16,6>' holds \|x\| < 32, "
                      r"but 2 feature\(s\) reach beyond it in the scaler's statistics.*'pt'.*"
                      r"'mass'.*A type that holds them: 'ap_fixed<\d+,11>'"):
        with pytest.raises(RuntimeError, match="no g\\+\\+"):
            HLS4MLClassifier(gev_pipeline, input_precision="ap_fixed<16,6>").fit()
    # pT up to 600 + 10 x 28 GeV needs 11 integer bits; the ratio's spread of 0.2 (a factor
    # 5) 3 more fractional bits; the folded weights 1/28 .. 1/58 of the scaled ones 6 more.
    scaler = gev_pipeline.steps[0][1]
    a, b = module._affine(scaler)
    sized = module._sized_types("ap_fixed<16,6>", a, module._input_range(scaler, a, b),
                                fold_pipeline(gev_pipeline))
    assert sized["input"] == "ap_fixed<24,11>"
    width, integer = (int(v) for v in sized["weight"][len("ap_fixed<"):-1].split(","))
    assert (integer, width - integer) == (6, 10 + 6)
    assert sized["bias"] == "ap_fixed<16,6>"  # |W b + bias| stays below 32 here


@needs_compiler
def test_default_firmware_agrees_with_the_float_model_on_gev_features(gev_pipeline):
    X, _ = _gev_jets(800, seed=1)
    firmware = to_hls4ml(gev_pipeline)  # the defaults: ap_fixed<16,6>, input "auto"
    assert firmware.input_precision_ == "ap_fixed<24,11>"
    assert (firmware.predict(X) == gev_pipeline.predict(X)).mean() >= 0.97
    # Inputs beyond the input type at prediction (MeV on a GeV model) are named.
    with pytest.warns(UserWarning, match=r"reach beyond it in X .*'pt': 6\d{5}\.0.*"
                      r"A type that holds them: 'ap_fixed<\d+,2[01]>'.*MeV for GeV"):
        firmware.predict(X * 1000.0)
