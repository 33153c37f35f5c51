"""One behaviour for every classifier: labels with missing values or mixed types, labels never
seen in fit, and float64 values beyond the float32 range are named, never scored silently."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

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


# -- a user-defined network's output is checked once, on the first batch ----------------------
class _Output(torch.nn.Module):
    """Returns ``make(logits)`` of a linear layer's logits."""

    def __init__(self, n_in, n_classes, make):
        super().__init__()
        self.linear = torch.nn.Linear(n_in, n_classes)
        self.make = make

    def forward(self, x):
        return self.make(self.linear(x))


def _user_classifier(make, *, with_inputs=False):
    from sklearn.utils.validation import validate_data

    from skjet.models import NeuralClassifier

    class UserNet(NeuralClassifier):
        def validate_input(self, X, *, reset):
            return validate_data(self, X, reset=reset, dtype=np.float32)

        def build_module(self, X, n_classes):
            return _Output(X.shape[1], n_classes, make)

    if with_inputs:
        UserNet.module_inputs = lambda self, X_batch: (X_batch * 2.0,)
    return UserNet(max_epochs=1, random_state=0)


BAD_OUTPUTS = {
    "three classes": (lambda t: t.repeat(1, 2)[:, :3], r"a tensor of shape \(8, 3\)"),
    "one column": (lambda t: t[:, :1], r"a tensor of shape \(8, 1\).*not a single column"),
    "one dimension": (lambda t: t[:, 0], r"a tensor of shape \(8,\)"),
    "integer dtype": (lambda t: t.round().long(), "a tensor of dtype torch.int64"),
    "NaN": (lambda t: t * float("nan"), r"16 NaN or infinite value\(s\) among its 16 logits"),
    "tuple": (lambda t: (t, t), "a tuple, not a tensor"),
}


@pytest.mark.parametrize("make, match", BAD_OUTPUTS.values(), ids=BAD_OUTPUTS)
def test_user_network_output_is_checked_on_the_first_batch(make, match):
    X = _X("table")
    clf = _user_classifier(make)
    with pytest.raises(ValueError, match=rf"UserNet: the module from build_module returned {match}"):
        clf.fit(X, GOOD)
    assert not hasattr(clf, "classes_")  # nothing fitted


def test_user_network_check_names_module_inputs_and_passes_good_output():
    X = _X("table")
    clf = _user_classifier(lambda t: t[:, :1], with_inputs=True)
    with pytest.raises(ValueError, match=r"from build_module, fed by module_inputs returned a "
                       r"tensor of shape \(8, 1\) for a batch of 8 rows; expected logits of shape \(8, 2\), one column "
                       r"per class \['qcd', 'top'\]"):
        clf.fit(X, GOOD)
    good = _user_classifier(lambda t: t, with_inputs=True)
    proba = good.fit(X, GOOD).predict_proba(X)
    assert proba.shape == (N, 2) and np.isfinite(proba).all()
