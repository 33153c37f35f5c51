"""Tests of CutAndCountClassifier."""

from __future__ import annotations

import itertools
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from skjet.metrics._significance import significance
from skjet.models import CutAndCountClassifier
from skjet.models._cut_and_count import _candidate_sums, _objective_values

TOP_MASS = 173.0


def _top_like(n=1500, seed=0):
    """Signal: a Gaussian mass peak at 173 GeV; background: a falling mass spectrum."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "mass": np.r_[rng.normal(TOP_MASS, 15, n), 20 + rng.exponential(70, n)],
            "tau32": np.r_[rng.beta(3, 4, n), rng.beta(5, 3, n)],
            "multiplicity": np.r_[rng.poisson(60, n), rng.poisson(45, n)].astype(float),
        }
    )
    y = np.r_[["top"] * n, ["qcd"] * n]
    return X, y


# ----------------------------------------------------------------- cut search
def test_sequential_finds_top_mass_window_and_beats_single_cut():
    X, y = _top_like()
    seq = CutAndCountClassifier(signal_class="top").fit(X, y)
    mass_cut = next(c for c in seq.cuts_ if c["feature"] == "mass")
    # A window around the top mass, or a lower edge when no QCD tail above it is worth
    # cutting away (both seen, depending on the sample).
    assert mass_cut["form"] in ("window", "above")
    assert mass_cut["low"] < TOP_MASS < (mass_cut["high"] or np.inf)
    best_single = max(
        CutAndCountClassifier(features=[f], signal_class="top").fit(X, y).objective_
        for f in X.columns
    )
    assert seq.objective_ > best_single + 0.01
    par = CutAndCountClassifier(topology="parallel", signal_class="top").fit(X, y)
    assert seq.objective_ >= par.objective_
    assert seq.score(X, y) == pytest.approx(seq.objective_)


def jet_features(sample) -> pd.DataFrame:
    """(mass, tau32, multiplicity) of a generated sample with skjet.features."""
    features = pytest.importorskip("skjet.features")
    try:
        parts = [
            features.JetMass(),
            features.Substructure(features=("tau32",)),
            features.Multiplicity(),
        ]
        columns = [np.asarray(t.fit_transform(sample.constituents))[:, :1] for t in parts]
    except ImportError as exc:  # FastJet missing
        pytest.skip(f"skjet.features needs an optional dependency: {exc}")
    return pd.DataFrame(np.hstack(columns), columns=["mass", "tau32", "multiplicity"])


def test_physics_sample_top_vs_qcd(top_qcd_sample):
    X = jet_features(top_qcd_sample)
    y = np.asarray(top_qcd_sample.target)
    seq = CutAndCountClassifier(signal_class="top").fit(X, y)
    mass_cut = next(c for c in seq.cuts_ if c["feature"] == "mass")
    # A window around the top mass, or a lower edge when no QCD tail above it is worth
    # cutting away (both seen, depending on the sample).
    assert mass_cut["form"] in ("window", "above")
    assert mass_cut["low"] < TOP_MASS < (mass_cut["high"] or np.inf)
    best_single = max(
        CutAndCountClassifier(features=[f], signal_class="top").fit(X, y).objective_
        for f in X.columns
    )
    assert seq.objective_ > best_single
    par = CutAndCountClassifier(topology="parallel", signal_class="top").fit(X, y)
    assert seq.objective_ >= par.objective_


def _brute_force(x, is_sig, w, edges, objective):
    """Best objective per form by direct masks over every candidate edge pair."""
    s_tot, b_tot = w[is_sig].sum(), w[~is_sig].sum()

    def value(keep):
        return float(
            _objective_values(objective, w[keep & is_sig].sum(), w[keep & ~is_sig].sum(), s_tot, b_tot)
        )

    inner = edges[1:-1]
    best = {"all": value(np.ones(len(x), dtype=bool))}
    best["below"] = max(value(x < e) for e in inner)
    best["above"] = max(value(x >= e) for e in inner)
    pairs = list(itertools.combinations(inner, 2))
    best["window"] = max(value((x >= lo) & (x < hi)) for lo, hi in pairs)
    best["outside"] = max(value((x < lo) | (x >= hi)) for lo, hi in pairs)
    return best


@pytest.mark.parametrize("objective", ["accuracy", "significance", "balanced_accuracy"])
def test_vectorised_search_matches_brute_force_for_every_form(objective):
    rng = np.random.default_rng(1)
    x = np.r_[rng.normal(0, 1, 150), rng.uniform(-4, 4, 250)]
    is_sig = np.r_[np.ones(150, bool), np.zeros(250, bool)]
    w = rng.uniform(0.2, 3.0, len(x))
    n_bins = 12
    edges = np.linspace(x.min(), x.max(), n_bins + 1)
    idx = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, n_bins - 1)
    hs = np.bincount(idx, weights=w * is_sig, minlength=n_bins)
    hb = np.bincount(idx, weights=w * ~is_sig, minlength=n_bins)
    s_tot, b_tot = w[is_sig].sum(), w[~is_sig].sum()
    expected = _brute_force(x, is_sig, w, edges, objective)
    for form, (s, b, _, _) in _candidate_sums(hs, hb).items():
        found = _objective_values(objective, s, b, s_tot, b_tot).max()
        assert found == pytest.approx(expected[form], rel=1e-10), form
    # The fitted model reaches the overall optimum and its records agree with it.
    y = np.where(is_sig, "s", "t")
    model = CutAndCountClassifier(n_bins=n_bins, objective=objective, signal_class="s")
    model.fit(x[:, None], y, sample_weight=w)
    assert model.objective_ == pytest.approx(max(expected.values()), rel=1e-10)
    assert model.cuts_[0]["form"] == max(expected, key=expected.get)


def test_parallel_cuts_are_each_chosen_on_the_full_sample():
    X, y = _top_like(n=600, seed=3)
    par = CutAndCountClassifier(topology="parallel", signal_class="top").fit(X, y)
    for cut in par.cuts_:
        alone = CutAndCountClassifier(features=[cut["feature"]], signal_class="top").fit(X, y)
        assert (alone.cuts_[0]["form"], alone.cuts_[0]["low"], alone.cuts_[0]["high"]) == (
            cut["form"], cut["low"], cut["high"]
        )
    # The records are a cutflow: efficiencies never increase.
    eff = [c["background_efficiency"] for c in par.cuts_]
    assert eff == sorted(eff, reverse=True)


def test_sequential_order_of_features_and_no_improvement_keeps_all():
    X, y = _top_like(n=600, seed=4)
    X["noise"] = np.random.default_rng(0).normal(size=len(X))
    seq = CutAndCountClassifier(signal_class="top", features=["tau32", "mass", 3]).fit(X, y)
    assert [c["feature"] for c in seq.cuts_] == ["tau32", "mass", "noise"]
    # Greedy: the mass window first (it separates most); noise cannot help at the end.
    greedy = CutAndCountClassifier(signal_class="top").fit(X, y)
    assert greedy.cuts_[0]["feature"] == "mass"
    last = greedy.cuts_[-1]
    assert (last["feature"], last["form"], last["note"]) == ("noise", "all", "no improvement")
    assert len(greedy.cuts_) == X.shape[1]


# ----------------------------------------------------------------- outputs
def test_decision_function_predict_and_proba_are_consistent():
    X, y = _top_like(n=800, seed=5)
    model = CutAndCountClassifier(signal_class="top").fit(X, y)
    score = model.decision_function(X)
    pred = model.predict(X)
    # classes_ = ['qcd', 'top']: positive scores favour classes_[1] = signal.
    np.testing.assert_array_equal(np.where(score > 0, "top", "qcd"), pred)
    assert len(np.unique(score)) > 100  # a ROC curve, not a single working point
    assert roc_auc_score(y == "top", score) > 0.95
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.classes_[proba.argmax(axis=1)], pred)
    # Calibrated: the mean P(top) of selected events matches their purity.
    sel = pred == "top"
    assert proba[sel, 1].mean() == pytest.approx(np.mean(y[sel] == "top"), abs=0.02)
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(model.predict_log_proba(X), np.log(proba))


def test_signal_class_first_flips_the_binary_decision_sign():
    X, y = _top_like(n=400, seed=6)
    y_ab = np.where(y == "top", "a_top", "b_qcd")  # signal sorts first
    model = CutAndCountClassifier(signal_class="a_top").fit(X, y_ab)
    score = model.decision_function(X)
    np.testing.assert_array_equal(np.where(score > 0, "b_qcd", "a_top"), model.predict(X))
    proba = model.predict_proba(X)
    np.testing.assert_array_equal(model.classes_[proba.argmax(axis=1)], model.predict(X))


def test_binary_default_signal_is_positive_label():
    X, y = _top_like(n=400, seed=7)
    model = CutAndCountClassifier().fit(X, np.where(y == "top", 1, 0))
    assert model.signal_class_ == 1
    assert model.background_class_ == 0
    assert set(model.predict(X)) == {0, 1}


def test_string_labels_and_dataframe_names_in_cuts_and_str():
    X, y = _top_like(n=500, seed=8)
    model = CutAndCountClassifier(signal_class="top", features=["mass"]).fit(X, y)
    assert model.predict(X).dtype.kind == "U"
    assert set(model.predict(X)) <= {"top", "qcd"}
    cut = model.cuts_[0]
    lines = str(model).splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"mass in [{cut['low']:.6g}, {cut['high']:.6g})")
    assert "signal eff" in lines[0]
    assert str(CutAndCountClassifier(n_bins=7)) == repr(CutAndCountClassifier(n_bins=7))
    assert repr(model) == "CutAndCountClassifier(features=['mass'], signal_class='top')"
    # cuts_ is DataFrame-friendly.
    table = pd.DataFrame(model.cuts_)
    assert list(table["feature"]) == ["mass"]
    assert {"form", "low", "high", "signal_efficiency", "background_efficiency"} <= set(table)


def test_numpy_input_gets_positional_names():
    X, y = _top_like(n=300, seed=9)
    model = CutAndCountClassifier(signal_class="top").fit(X.to_numpy(), y)
    assert {c["feature"] for c in model.cuts_} == {"x0", "x1", "x2"}


# ----------------------------------------------------------------- weights
def test_significance_uses_sample_weight():
    X, y = _top_like(n=800, seed=10)
    is_sig = y == "top"
    w = np.where(is_sig, 0.01, 1.0)  # a rare signal
    model = CutAndCountClassifier(objective="significance", signal_class="top")
    model.fit(X, y, sample_weight=w)
    keep = model.predict(X) == "top"
    assert model.objective_ == pytest.approx(
        float(significance(w[keep & is_sig].sum(), w[keep & ~is_sig].sum()))
    )
    unweighted = CutAndCountClassifier(objective="significance", signal_class="top").fit(X, y)
    # A rarer signal calls for a purer, tighter selection.
    assert model.cuts_[-1]["background_efficiency"] < unweighted.cuts_[-1]["background_efficiency"]


def test_integer_weights_equal_repeated_events():
    X, y = _top_like(n=300, seed=11)
    w = np.random.default_rng(0).integers(0, 3, len(y))
    weighted = CutAndCountClassifier(signal_class="top").fit(X, y, sample_weight=w)
    repeated = CutAndCountClassifier(signal_class="top").fit(X.loc[X.index.repeat(w)], np.repeat(y, w))
    assert weighted.cuts_ == repeated.cuts_


# ----------------------------------------------------------------- multiclass
def test_multiclass_with_signal_class_is_signal_vs_rest():
    X, y = _top_like(n=400, seed=12)
    y = y.astype(object)
    y[(y == "qcd") & (np.arange(len(y)) % 3 == 0)] = "w"  # a third, smaller background
    model = CutAndCountClassifier(signal_class="top").fit(X, y)
    assert list(model.classes_) == ["qcd", "top", "w"]
    assert model.background_class_ == "qcd"
    pred = model.predict(X)
    assert set(pred) == {"top", "qcd"}
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.classes_[proba.argmax(axis=1)], pred)
    # Background probability is shared by training weight: qcd : w = 2 : 1.
    np.testing.assert_allclose(proba[:, 0] / proba[:, 2], np.sum(y == "qcd") / np.sum(y == "w"))
    assert model.decision_function(X).shape == (len(y),)


def test_multiclass_without_signal_class_is_rejected():
    X, y = _top_like(n=200, seed=13)
    y = y.astype(object)
    y[::5] = "w"
    with pytest.raises(ValueError, match="Only binary classification.*signal_class"):
        CutAndCountClassifier().fit(X, y)


# ----------------------------------------------------------------- bad input
def test_nan_is_rejected():
    X, y = _top_like(n=100, seed=14)
    X.iloc[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        CutAndCountClassifier().fit(X, y)


def test_single_class_is_rejected():
    X, y = _top_like(n=100, seed=15)
    with pytest.raises(ValueError, match="at least two classes.*'top'"):
        CutAndCountClassifier().fit(X, np.full(len(y), "top"))


def test_unknown_signal_class_and_bad_features_are_rejected():
    X, y = _top_like(n=100, seed=16)
    with pytest.raises(ValueError, match="signal_class='w' is not one of"):
        CutAndCountClassifier(signal_class="w").fit(X, y)
    with pytest.raises(ValueError, match="'pt' is not a column"):
        CutAndCountClassifier(features=["pt"]).fit(X, y)
    with pytest.raises(ValueError, match="no column names"):
        CutAndCountClassifier(features=["mass"]).fit(X.to_numpy(), y)
    with pytest.raises(ValueError, match="index 5 is out of range"):
        CutAndCountClassifier(features=[5]).fit(X, y)
    with pytest.raises(ValueError, match="twice"):
        CutAndCountClassifier(features=["mass", 0]).fit(X, y)


def test_zero_weight_class_is_rejected():
    X, y = _top_like(n=100, seed=17)
    with pytest.raises(ValueError, match="signal class has a total sample_weight of 0"):
        CutAndCountClassifier(signal_class="top").fit(X, y, sample_weight=(y == "qcd") * 1.0)


def test_constant_feature_warns_and_keeps_everything():
    X, y = _top_like(n=300, seed=18)
    X["flat"] = 2.5
    with pytest.warns(UserWarning, match="'flat' is constant.*keeps every event"):
        model = CutAndCountClassifier(signal_class="top").fit(X, y)
    flat = next(c for c in model.cuts_ if c["feature"] == "flat")
    assert (flat["form"], flat["note"]) == ("all", "constant")
    assert "flat: any value (constant)" in str(model)


def test_predict_checks_the_number_of_features():
    X, y = _top_like(n=100, seed=19)
    model = CutAndCountClassifier().fit(X.to_numpy(), y)
    with pytest.raises(ValueError, match="3 features"):
        model.predict(X.to_numpy()[:, :2])


# ----------------------------------------------------------------- persistence
def test_pickle_round_trip_gives_identical_outputs():
    X, y = _top_like(n=300, seed=20)
    model = CutAndCountClassifier(signal_class="top").fit(X, y)
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.decision_function(X), model.decision_function(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert loaded.cuts_ == model.cuts_
    assert str(loaded) == str(model)


def test_class_messages_use_plain_reprs_and_log_proba():
    X, y = _top_like(n=100, seed=15)
    with pytest.raises(ValueError, match=r"training classes \['qcd', 'top'\]"):
        CutAndCountClassifier(signal_class="w").fit(X, y)
    model = CutAndCountClassifier().fit(X, y)
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(model.predict_log_proba(X), np.log(model.predict_proba(X)))
