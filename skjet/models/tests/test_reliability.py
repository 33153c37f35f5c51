"""One behaviour for every classifier: labels with missing values or mixed types, labels never
seen in fit, and float64 values beyond the float32 range are named, never scored silently."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from skjet.models import (
    CNNClassifier,
    CutAndCountClassifier,
    DeepSetsClassifier,
    MLPClassifier,
    XGBoostClassifier,
)

N = 40


def _X(kind: str, dtype=np.float32) -> np.ndarray:
    rng = np.random.default_rng(0)
    shape = {"table": (N, 3), "constituents": (N, 6, 3), "images": (N, 1, 6, 6)}[kind]
    return rng.exponential(1.0, shape).astype(dtype)


CLASSIFIERS = {
    "CutAndCount": (lambda: CutAndCountClassifier(n_bins=5), "table"),
    "XGBoost": (lambda: XGBoostClassifier(n_estimators=3, n_jobs=1), "table"),
    "MLP": (lambda: MLPClassifier(hidden_layer_sizes=(4,), max_epochs=1, random_state=0), "table"),
    "DeepSets": (
        lambda: DeepSetsClassifier(phi_sizes=(4,), f_sizes=(4,), max_epochs=1, random_state=0),
        "constituents",
    ),
    "CNN": (lambda: CNNClassifier(channels=(2,), max_epochs=1, random_state=0), "images"),
}
PARAMS = list(CLASSIFIERS.values())
IDS = list(CLASSIFIERS)

GOOD = np.array(["qcd", "top"] * (N // 2))
BAD_LABELS = {
    "None": (["qcd", "top"] * (N // 2 - 1) + ["qcd", None], "1 missing label.*position 39"),
    "NaN": (np.r_[np.zeros(N - 1), np.nan], "1 missing label.*position 39"),
    "object mix": (np.array(["qcd"] * (N // 2) + [1] * (N // 2), dtype=object), "mixes label types"),
    "Series mix": (pd.Series(["qcd"] * (N // 2) + [1] * (N // 2)), "mixes label types"),
    "list mix": (["qcd"] * (N // 2) + [1] * (N // 2), "mixes label types"),
}


@pytest.mark.parametrize("make, kind", PARAMS, ids=IDS)
@pytest.mark.parametrize("labels, match", BAD_LABELS.values(), ids=BAD_LABELS.keys())
def test_bad_labels_are_named_in_fit(make, kind, labels, match):
    est = make()
    with pytest.raises(ValueError, match=f"{type(est).__name__}: y (has|mixes).*") as err:
        est.fit(_X(kind), labels)
    assert err.match(match)


@pytest.mark.parametrize("make, kind", PARAMS, ids=IDS)
def test_score_refuses_labels_never_seen_in_fit(make, kind):
    X = _X(kind)
    est = make().fit(X, GOOD)
    assert 0.0 <= est.score(X, GOOD) <= 1.0
    unseen = GOOD.copy()
    unseen[:3] = "w"
    with pytest.raises(ValueError, match=r"labels not seen in fit: \['w'\]; known classes are \['qcd', 'top'\]"):
        est.score(X, unseen)
    with pytest.raises(ValueError, match="missing label"):
        est.score(X, [*GOOD[:-1], None])


def _jet_mass():
    from skjet.features import JetMass

    return JetMass()


# Every entry point that computes in float32 (CutAndCountClassifier works in float64).
FLOAT32 = {**{k: v for k, v in CLASSIFIERS.items() if k != "CutAndCount"},
           "JetMass": (_jet_mass, "four-momenta")}


@pytest.mark.parametrize("make, kind", FLOAT32.values(), ids=FLOAT32.keys())
def test_float64_beyond_float32_is_named_as_overflow(make, kind):
    if kind == "four-momenta":
        X = np.zeros((N, 4, 4))
        X[:, 0] = [10.0, 1.0, 2.0, 3.0]
        X[5, 0] = [1e39, 0.0, 0.0, 1e39]
    else:
        X = _X(kind, np.float64)
        X.flat[7] = 1e39
    with pytest.raises(ValueError, match=r"value\(s\) beyond the float32 range") as err:
        make().fit(X, GOOD)
    assert "infinite" not in str(err.value)


def test_infinite_values_are_still_called_infinite():
    X = _X("table", np.float64)
    X[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinite"):
        MLPClassifier(max_epochs=1).fit(X, GOOD)


# -- every classifier that reads four-momenta checks them as skjet's transformers do ----------
def _four_momentum_classifiers():
    pytest.importorskip("weaver")
    from skjet.models import (
        EnergyFlowNetworkClassifier,
        ParticleNetClassifier,
        ParticleTransformerClassifier,
    )

    return [
        EnergyFlowNetworkClassifier(phi_sizes=(4,), f_sizes=(4,), max_epochs=1, random_state=0),
        ParticleNetClassifier(k=2, conv_channels=((4, 4),), fc_size=4, max_epochs=1),
        ParticleTransformerClassifier(
            embed_dims=(4,), pair_embed_dims=(4,), num_heads=1, num_layers=1, max_epochs=1
        ),
    ]


def test_four_momentum_classifiers_refuse_cylindrical_and_unphysical_input():
    from skjet.features import JetKinematics
    from skjet.preprocessing import from_cartesian
    from skjet.utils.estimator_checks import make_constituents

    X, y = make_constituents(n_jets=N, n_slots=8)
    cylindrical = from_cartesian(X, "pt_eta_phi_m")
    spacelike = X.copy()
    spacelike[3, 0, 0] = 0.5 * np.linalg.norm(X[3, 0, 1:])  # E below |p|
    # The same message as the transformers on four-momenta give.
    with pytest.raises(ValueError, match=r"look like \(pT, eta, phi, m\)"):
        JetKinematics().fit(cylindrical)
    for est in _four_momentum_classifiers():
        name = type(est).__name__
        with pytest.raises(ValueError, match=rf"{name}: X look like \(pT, eta, phi, m\).*to_cartesian"):
            est.fit(cylindrical, y)
        with pytest.raises(ValueError, match=rf"{name}: X: 1 of .* are unphysical.*jet 3, constituent 0"):
            est.fit(spacelike, y)
    # DeepSets reads any per-constituent features, not a four-momentum: no such check.
    DeepSetsClassifier(phi_sizes=(4,), f_sizes=(4,), max_epochs=1, random_state=0).fit(
        cylindrical, y
    )
