"""DisCo (decorrelation="disco") of the neural classifiers."""

from __future__ import annotations

import copy
import importlib.util

import numpy as np
import pytest
import sklearn
import torch
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skjet.features import JetMass
from skjet.metrics import distance_correlation
from skjet.models import EnergyFlowNetworkClassifier, MLPClassifier, ParticleNetClassifier
from skjet.models._neural._decorrelation import DisCoLoss
from skjet.models._neural._training import WeightedCrossEntropy
from skjet.utils.estimator_checks import make_constituents

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _mlp(**params):
    defaults = dict(
        hidden_layer_sizes=(32, 32), max_epochs=12, batch_size=512, random_state=0, device="cpu"
    )
    return MLPClassifier(**{**defaults, **params})


def test_disco_decorrelates_the_background_score(mass_correlated_jets):
    X, y, mass = mass_correlated_jets(n=3000)
    bkg = y == "qcd"
    plain = _mlp().fit(X, y, decorrelation_target=mass)  # ignored without decorrelation
    disco = _mlp(decorrelation="disco", decorrelation_strength=1.0).fit(
        X, y, decorrelation_target=mass
    )
    dcor = {}
    for name, clf in (("plain", plain), ("disco", disco)):
        p = clf.predict_proba(X)[:, 1]
        dcor[name] = distance_correlation(p[bkg], mass[bkg])
        assert roc_auc_score(y == "top", p) > 0.7
    assert dcor["plain"] > 0.3
    assert dcor["disco"] < dcor["plain"] / 4
    # the penalised batch dCor^2 per epoch, on training and hold-out batches
    history = disco.history_
    assert {"train_disco", "valid_disco"} <= set(history.columns)
    assert history["train_disco"].between(0, 1).all()
    assert history["train_disco"].iloc[-1] < history["train_disco"].iloc[0]
    assert "train_disco" not in plain.history_.columns
    # decorrelation_strength=0 is the plain loss
    zero = _mlp(decorrelation="disco", decorrelation_strength=0.0).fit(
        X, y, decorrelation_target=mass
    )
    np.testing.assert_allclose(zero.predict_proba(X), plain.predict_proba(X), rtol=1e-5)


def test_disco_loss_is_cross_entropy_plus_weighted_dcor_squared():
    rng = np.random.default_rng(1)
    n = 200
    logits = torch.tensor(rng.normal(size=(n, 2)), dtype=torch.float32, requires_grad=True)
    y = torch.tensor(rng.integers(0, 2, size=n))
    w = torch.tensor(rng.uniform(0.2, 2.0, size=n), dtype=torch.float32)
    m = torch.tensor(rng.exponential(50.0, size=n), dtype=torch.float32)
    loss = DisCoLoss(strength=3.0)(logits, (y, w, m))
    ce = (torch.nn.functional.cross_entropy(logits, y, reduction="none") * w).mean().detach()
    bkg = (y == 0).numpy()
    score = 1 - torch.softmax(logits, 1)[:, 0].detach().numpy()
    expected = float(ce) + 3.0 * distance_correlation(
        score[bkg], m.numpy()[bkg], sample_weight=w.numpy()[bkg]
    ) ** 2
    assert float(loss.detach()) == pytest.approx(expected, rel=1e-4)
    loss.backward()
    # the penalty acts on the background rows only: signal rows get the CE gradient alone
    ce_grad = torch.autograd.grad(
        (torch.nn.functional.cross_entropy(logits, y, reduction="none") * w).mean(), logits
    )[0]
    signal = ~torch.from_numpy(bkg)
    torch.testing.assert_close(logits.grad[signal], ce_grad[signal])
    assert not torch.allclose(logits.grad[~signal], ce_grad[~signal])
    # without a target column (an external validation set), the plain weighted CE
    assert float(DisCoLoss(3.0)(logits, (y, w)).detach()) == pytest.approx(float(ce))


def test_routing_in_pipeline_and_cross_validate(mass_correlated_jets):
    X, y, mass = mass_correlated_jets(n=1200)
    clf = _mlp(decorrelation="disco", max_epochs=2)
    pipe = make_pipeline(StandardScaler(), clf)
    pipe.fit(X, y, mlpclassifier__decorrelation_target=mass)
    assert pipe.predict_proba(X).shape == (1200, 2)
    with sklearn.config_context(enable_metadata_routing=True):
        est = _mlp(decorrelation="disco", max_epochs=2).set_fit_request(
            decorrelation_target=True, sample_weight=False
        )
        result = cross_validate(est, X, y, cv=2, params={"decorrelation_target": mass})
        with pytest.raises(ValueError, match="needs the decorrelation target"):
            cross_validate(est, X, y, cv=2, error_score="raise")
    assert len(result["test_score"]) == 2


def test_partial_fit_with_target(mass_correlated_jets):
    X, y, mass = mass_correlated_jets(n=1200)
    clf = _mlp(decorrelation="disco")
    clf.partial_fit(X[::2], y[::2], classes=["qcd", "top"], decorrelation_target=mass[::2])
    clf.partial_fit(X[1::2], y[1::2], decorrelation_target=mass[1::2])
    assert len(clf.history_) == 2


def _adam_steps(clf) -> int:
    state = clf.net_.optimizer_.state
    return int(next(iter(state.values()))["step"])


@pytest.mark.parametrize("continuation", ["warm_fit", "partial_fit"])
def test_continued_fit_takes_the_current_strength(mass_correlated_jets, continuation):
    # two equal batches (1024 jets, no hold-out) and a learning rate too small to move the
    # weights: both copies see the same network and batches, so their epoch losses differ
    # by exactly the change of lambda times the batches' mean dCor^2
    X, y, mass = mass_correlated_jets(n=1024)
    clf = _mlp(
        decorrelation="disco", decorrelation_strength=1.0, warm_start=True, max_epochs=1,
        lr=1e-12, early_stopping=False,
    ).fit(X, y, decorrelation_target=mass)
    fitted = {}
    for strength in (1.0, 4.0):
        est = copy.deepcopy(clf).set_params(decorrelation_strength=strength)
        if continuation == "warm_fit":
            est.fit(X, y, decorrelation_target=mass)
        else:
            est.partial_fit(X, y, decorrelation_target=mass)
        assert isinstance(est.net_.criterion_, DisCoLoss)
        assert est.net_.criterion_.strength == strength
        assert _adam_steps(est) == 4  # the optimizer state continued (2 + 2 steps)
        fitted[strength] = est.history_.iloc[-1]
    disco = fitted[4.0]["train_disco"]
    assert disco > 1e-3
    assert fitted[1.0]["train_disco"] == pytest.approx(disco, rel=1e-4)
    assert fitted[4.0]["train_loss"] - fitted[1.0]["train_loss"] == pytest.approx(
        3.0 * disco, rel=1e-3
    )


def test_continued_fit_switches_disco_on_and_off(mass_correlated_jets):
    X, y, mass = mass_correlated_jets(n=1024)
    clf = _mlp(warm_start=True, max_epochs=1, early_stopping=False)
    clf.fit(X, y)
    assert isinstance(clf.net_.criterion_, WeightedCrossEntropy)

    def names(callbacks):
        return [item[0] for item in callbacks if isinstance(item, tuple)]

    clf.set_params(decorrelation="disco", decorrelation_strength=2.0)
    clf.fit(X, y, decorrelation_target=mass)
    assert isinstance(clf.net_.criterion_, DisCoLoss)
    assert clf.net_.criterion_.strength == 2.0
    assert "disco_history" in names(clf.net_.callbacks_)
    assert "disco_history" in names(clf.net_.callbacks)
    history = clf.history_
    assert np.isnan(history["train_disco"].iloc[0]) and history["train_disco"].iloc[1] > 0

    clf.set_params(decorrelation=None)
    clf.partial_fit(X, y)
    assert isinstance(clf.net_.criterion_, WeightedCrossEntropy)
    assert "disco_history" not in names(clf.net_.callbacks_)
    assert not hasattr(clf.net_, "criterion__strength")
    assert np.isnan(clf.history_["train_disco"].iloc[2])
    assert _adam_steps(clf) == 6
    # a fresh (not warm) fit builds the same net as a first fit would
    clf.set_params(warm_start=False, decorrelation="disco").fit(X, y, decorrelation_target=mass)
    assert clf.net_.criterion_.strength == 2.0 and len(clf.history_) == 1


def test_validation_set_with_a_decorrelation_target(mass_correlated_jets):
    X, y, mass = mass_correlated_jets(n=1024)
    X_val, y_val, m_val = mass_correlated_jets(n=400, seed=1)
    # a learning rate too small to move the weights, and a validation set of one batch:
    # the 3-tuple's validation loss (the one early stopping watches) is the 2-tuple's plus
    # lambda times its dCor^2
    params = dict(
        decorrelation="disco", decorrelation_strength=2.0, max_epochs=2, lr=1e-12, patience=5
    )
    with_target = _mlp(train_split=(X_val, y_val, m_val), **params).fit(
        X, y, decorrelation_target=mass
    )
    history = with_target.history_
    assert history["valid_disco"].notna().all() and (history["valid_disco"] > 1e-3).all()
    with pytest.warns(UserWarning, match=r"Pass train_split=\(X_val, y_val, decorrel"):
        without = _mlp(train_split=(X_val, y_val), **params).fit(
            X, y, decorrelation_target=mass
        )
    assert "valid_disco" not in without.history_.columns
    np.testing.assert_allclose(
        history["valid_loss"] - without.history_["valid_loss"],
        2.0 * history["valid_disco"],
        rtol=1e-3,
    )
    # without DisCo the target is not used, as fit's decorrelation_target
    plain = _mlp(max_epochs=1, train_split=(X_val, y_val, m_val[:3])).fit(X, y)
    assert "valid_disco" not in plain.history_.columns


def test_validation_target_errors(mass_correlated_jets):
    X, y, mass = mass_correlated_jets(n=600)
    X_val, y_val, m_val = mass_correlated_jets(n=200, seed=1)

    def fit(split):
        return _mlp(decorrelation="disco", max_epochs=1, train_split=split).fit(
            X, y, decorrelation_target=mass
        )

    with pytest.raises(ValueError, match=r"decorrelation_target_val must have shape \(200,\)"):
        fit((X_val, y_val, m_val[:150]))
    with pytest.raises(ValueError, match=r"decorrelation_target_val must have shape \(200,\)"):
        fit((X_val, y_val, np.c_[m_val, m_val]))
    bad = m_val.copy()
    bad[7] = np.inf
    with pytest.raises(ValueError, match="decorrelation_target_val"):
        fit((X_val, y_val, bad))
    with pytest.raises(ValueError, match="got a tuple of length 4"):
        fit((X_val, y_val, m_val, m_val))
    with pytest.raises(ValueError, match="got a tuple of length 1"):
        fit((X_val,))


def test_four_momentum_classifier_computes_the_validation_mass(recwarn):
    X, y = make_constituents(n_jets=256, n_slots=12)
    X_val, y_val = make_constituents(n_jets=128, n_slots=12, random_state=1)
    clf = EnergyFlowNetworkClassifier(
        phi_sizes=(16, 8), f_sizes=(16,), max_epochs=1, batch_size=256, random_state=0,
        device="cpu", decorrelation="disco", train_split=(X_val, y_val),
    ).fit(X, y)
    assert clf.history_["valid_disco"].notna().all()
    assert not [w for w in recwarn if "no decorrelation target" in str(w.message)]


def test_disco_errors_and_warnings(mass_correlated_jets):
    X, y, mass = mass_correlated_jets(n=600)
    with pytest.raises(ValueError, match="needs the decorrelation target"):
        _mlp(decorrelation="disco").fit(X, y)
    with pytest.raises(ValueError, match=r"decorrelation_target must have shape \(600,\)"):
        _mlp(decorrelation="disco").fit(X, y, decorrelation_target=mass[:10])
    bad = mass.copy()
    bad[3] = np.nan
    with pytest.raises(ValueError, match="decorrelation_target"):
        _mlp(decorrelation="disco").fit(X, y, decorrelation_target=bad)
    weights = np.ones(600)
    weights[0] = -1.0
    with pytest.raises(ValueError, match="non-negative sample weights"):
        _mlp(decorrelation="disco").fit(X, y, sample_weight=weights, decorrelation_target=mass)
    with pytest.warns(UserWarning, match="hold about 16 background jets"):
        _mlp(decorrelation="disco", batch_size=32, max_epochs=1).fit(
            X, y, decorrelation_target=mass
        )
    with pytest.raises(ValueError, match="decorrelation"):
        _mlp(decorrelation="flat").fit(X, y, decorrelation_target=mass)


@pytest.mark.skipif(importlib.util.find_spec("weaver") is None, reason="needs weaver-core")
def test_four_momentum_classifier_computes_the_jet_mass(monkeypatch):
    X, y = make_constituents(n_jets=64, n_slots=20)
    seen = {}
    from skjet.models._neural import _decorrelation

    original = _decorrelation.check_decorrelation_target

    def spy(estimator, target, X_valid, y_enc, weight):
        out = original(estimator, target, X_valid, y_enc, weight)
        seen["target"] = out
        return out

    monkeypatch.setattr(_decorrelation, "check_decorrelation_target", spy)
    monkeypatch.setattr("skjet.models._neural._base.check_decorrelation_target", spy)
    clf = ParticleNetClassifier(
        k=4, conv_channels=((16, 16),), fc_size=16, max_epochs=1, batch_size=64,
        random_state=0, device="cpu", decorrelation="disco",
    )
    with pytest.warns(UserWarning, match="background jets"):
        clf.fit(X, y)
    np.testing.assert_allclose(seen["target"], JetMass().fit_transform(X)[:, 0], rtol=1e-5)
