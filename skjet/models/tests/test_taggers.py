"""EnergyFlowNetworkClassifier, ParticleNetClassifier and ParticleTransformerClassifier."""

from __future__ import annotations

import importlib.util
import pickle
import warnings

import joblib
import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from skorch.callbacks import EpochScoring

from skjet.models import (
    DeepSetsClassifier,
    EnergyFlowNetworkClassifier,
    ParticleNetClassifier,
    ParticleTransformerClassifier,
)
from skjet.models._neural._taggers import ParticleFeatures
from skjet.utils.estimator_checks import make_constituents

TINY = {
    EnergyFlowNetworkClassifier: dict(phi_sizes=(16, 8), f_sizes=(16,)),
    ParticleNetClassifier: dict(k=4, conv_channels=((16, 16),), fc_size=16),
    ParticleTransformerClassifier: dict(
        embed_dims=(16,), pair_embed_dims=(8,), num_heads=2, num_layers=1
    ),
}
ALL = list(TINY)


def tiny(cls, **params):
    return cls(**{**TINY[cls], "max_epochs": 2, "batch_size": 16, "random_state": 0,
                  "device": "cpu", **params})


@pytest.fixture(scope="module")
def data():
    return make_constituents(n_jets=64, n_slots=20)


# -- training and reproducibility -----------------------------------------------------------
@pytest.mark.parametrize("cls", ALL)
def test_identical_under_random_state_and_round_trips(cls, data, tmp_path):
    X, y = data
    a = tiny(cls).fit(X, y)
    b = tiny(cls).fit(X, y)
    proba = a.predict_proba(X)
    np.testing.assert_array_equal(proba, b.predict_proba(X))
    restored = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(restored.predict_proba(X), proba)
    joblib.dump(a, tmp_path / "clf.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "clf.joblib").predict_proba(X), proba)


@pytest.mark.parametrize("cls", ALL)
def test_fits_generated_top_vs_qcd(cls, top_qcd_sample):
    # every other jet, the 30 hardest constituents: enough to learn, fast on 2 cores
    X = top_qcd_sample.constituents[::2, :30]
    y = np.asarray(top_qcd_sample.target)[::2]
    clf = tiny(cls, max_epochs=3, batch_size=64, lr=3e-3, early_stopping=False).fit(X, y)
    auc = roc_auc_score(y == "top", clf.predict_proba(X)[:, list(clf.classes_).index("top")])
    assert auc > 0.75, f"{cls.__name__}: training AUC {auc:.3f}"


@pytest.mark.parametrize("cls", ALL)
def test_module_maps_validated_input_to_logits(cls, data):
    # the contract ONNX export relies on: softmax(module_(X)) == predict_proba(X)
    X, y = data
    clf = tiny(cls).fit(X, y)
    module = clf.module_.eval()
    with torch.no_grad():
        logits = module(torch.from_numpy(clf.validate_input(X, reset=False)))
    assert logits.shape == (len(X), 2)
    np.testing.assert_allclose(
        torch.softmax(logits.double(), dim=1).numpy(), clf.predict_proba(X), atol=1e-5
    )


@pytest.mark.parametrize("cls", [ParticleNetClassifier, ParticleTransformerClassifier])
def test_in_pipeline_and_grid_search(cls, data):
    X, y = data
    search = GridSearchCV(tiny(cls, max_epochs=1), {"max_constituents": [8, 20]}, cv=2)
    search.fit(X, y)
    assert search.best_params_["max_constituents"] in (8, 20)
    pipe = make_pipeline(tiny(cls, max_epochs=1)).fit(X, y)
    assert pipe.predict_proba(X).shape == (len(X), 2)


# -- infrared and collinear safety of the EFN -----------------------------------------------
@pytest.fixture(scope="module")
def efn(data):
    X, y = data
    return tiny(EnergyFlowNetworkClassifier, max_epochs=3).fit(X, y)


def test_efn_output_unchanged_by_collinear_split(efn, data):
    X, _ = data
    X = X[:-1]  # jets with constituents
    split = np.zeros((len(X), X.shape[1] + 1, 4), dtype=np.float32)
    split[:, : X.shape[1]] = X
    # the hardest constituent becomes two collinear ones carrying 30 % and 70 % of it
    split[:, 0] = 0.3 * X[:, 0]
    split[:, X.shape[1]] = 0.7 * X[:, 0]
    np.testing.assert_allclose(efn.transform(split), efn.transform(X), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(efn.predict_proba(split), efn.predict_proba(X), atol=1e-5)
    # the check has teeth: Deep Sets on the same four-momenta is not collinear safe
    deepsets = DeepSetsClassifier(phi_sizes=(8,), f_sizes=(8,), max_epochs=1, random_state=0)
    deepsets.fit(X, np.arange(len(X)) % 2)
    assert not np.allclose(deepsets.transform(split), deepsets.transform(X), atol=1e-3)


def test_efn_output_unchanged_by_zero_and_soft_constituents(efn, data):
    X, _ = data
    X = X[:-1]
    n = X.shape[1]
    with_zero = np.zeros((len(X), n + 1, 4), dtype=np.float32)
    with_zero[:, 0] = X[:, 0]
    with_zero[:, 2:] = X[:, 1:]  # an exactly zero-energy constituent in slot 1
    np.testing.assert_allclose(efn.predict_proba(with_zero), efn.predict_proba(X), atol=1e-6)
    soft = np.concatenate([X, np.zeros((len(X), 1, 4), np.float32)], axis=1)
    # a very soft constituent at a wide angle: E = 1e-6 GeV
    soft[:, n] = [1e-6, 0.0, 1e-6, 0.0]
    np.testing.assert_allclose(efn.predict_proba(soft), efn.predict_proba(X), atol=1e-5)
    assert efn.transform(X).shape == (len(X), 8)


def test_efn_refuses_extra_features(efn, data):
    X, y = data
    with pytest.raises(ValueError, match="4 features"):
        tiny(EnergyFlowNetworkClassifier).fit(np.concatenate([X, X[..., :1]], axis=-1), y)


# -- what ParticleNet and ParT see ----------------------------------------------------------
def test_particle_features_follow_the_published_definitions():
    jet = np.zeros((1, 3, 5), dtype=np.float32)
    pt, eta = np.array([100.0, 40.0]), np.array([-1.0, -1.2])
    phi = np.array([3.1, -3.1])
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    E = np.sqrt(px**2 + py**2 + pz**2)
    jet[0, :2, :4] = np.stack([E, px, py, pz], axis=1)
    jet[0, :2, 4] = [1.0, -1.0]  # an extra feature (charge)
    points, features, vectors, mask = ParticleFeatures()(torch.from_numpy(jet))
    assert points.shape == (1, 2, 3) and features.shape == (1, 8, 3)
    assert vectors.shape == (1, 4, 3) and mask.tolist() == [[[True, True, False]]]
    j = jet[0, :2, :4].astype(np.float64).sum(axis=0)
    jet_pt, jet_eta = np.hypot(j[1], j[2]), np.arcsinh(j[3] / np.hypot(j[1], j[2]))
    deta = (eta - jet_eta) * -1.0  # flipped: the jet has negative pseudorapidity
    dphi = (phi - np.arctan2(j[2], j[1]) + np.pi) % (2 * np.pi) - np.pi
    assert np.all(np.abs(dphi) < 0.2)  # wrapped across +-pi
    expected = np.stack([
        np.clip((np.log(pt) - 1.7) * 0.7, -5, 5),
        np.clip((np.log(E) - 2.0) * 0.7, -5, 5),
        np.clip((np.log(pt / jet_pt) + 4.7) * 0.7, -5, 5),
        np.clip((np.log(E / j[0]) + 4.7) * 0.7, -5, 5),
        np.clip((np.hypot(deta, dphi) - 0.2) * 4.0, -5, 5),
        deta, dphi, [1.0, -1.0],
    ])
    np.testing.assert_allclose(features[0, :, :2].numpy(), expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(points[0, :, :2].numpy(), [deta, dphi], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(vectors[0, :, :2].numpy(), np.stack([px, py, pz, E]), rtol=1e-5)
    assert not features[0, :, 2].any() and not vectors[0, :, 2].any()
    # a jet without constituents keeps one (zero) slot unmasked: attention stays finite
    *_, empty_mask = ParticleFeatures()(torch.zeros(1, 3, 4))
    assert empty_mask.tolist() == [[[True, False, False]]]


def test_max_constituents_keeps_the_hardest(data):
    from skjet.utils._layers import HardestConstituents

    X, y = data
    rng = np.random.default_rng(1)
    shuffled = X.copy()
    for jet in shuffled:  # break the pT order of the real constituents
        n = int(jet.any(axis=1).sum())
        jet[:n] = jet[rng.permutation(n)]
    hardest = HardestConstituents(3)
    kept = hardest(torch.from_numpy(shuffled)).numpy()
    assert kept.shape == (len(X), 3, 4)
    pt_kept = np.hypot(kept[..., 1], kept[..., 2])
    pt_all = np.sort(np.hypot(X[..., 1], X[..., 2]), axis=1)[:, ::-1][:, :3]
    np.testing.assert_allclose(pt_kept, pt_all, rtol=1e-6)
    # jets with fewer than 3 keep their padding last; a batch no wider passes unchanged
    short = np.flatnonzero(X.any(axis=-1).sum(axis=1) < 3)
    assert len(short) and not kept[short, -1].any()
    narrow = torch.from_numpy(shuffled[:, :3])
    assert torch.equal(hardest(narrow), narrow)
    # the selection is the first layer of module_: validate_input keeps every constituent,
    # and the network sees the same 3 however many softer ones follow them
    clf = tiny(ParticleTransformerClassifier, max_constituents=3)
    assert clf.validate_input(shuffled, reset=True).shape == shuffled.shape
    clf.fit(shuffled, y)
    assert clf.module_.features.hardest.n == 3
    np.testing.assert_allclose(clf.predict_proba(shuffled), clf.predict_proba(kept),
                               rtol=0, atol=1e-6)


def test_presets_and_overrides(data):
    X, y = data
    paper = ParticleNetClassifier(preset="paper")
    assert paper._config() == dict(
        k=16, conv_channels=((64, 64, 64), (128, 128, 128), (256, 256, 256)),
        fc_size=256, fc_dropout=0.1,
    )
    part = ParticleTransformerClassifier(preset="paper", num_layers=2)._config()
    assert part["embed_dims"] == (128, 512, 128) and part["num_heads"] == 8
    assert part["num_cls_layers"] == 2 and part["num_layers"] == 2
    clf = tiny(ParticleTransformerClassifier, max_epochs=1).fit(X, y)
    assert clf.config_["embed_dims"] == (16,)
    n_blocks = len(clf.module_.net.blocks)
    assert n_blocks == 1
    with pytest.raises(ValueError, match="num_heads=3 must divide"):
        tiny(ParticleTransformerClassifier, num_heads=3).fit(X, y)
    with pytest.raises(ValueError, match="preset"):
        tiny(ParticleNetClassifier, preset="large").fit(X, y)
    with pytest.raises(ValueError, match="conv_channels"):
        tiny(ParticleNetClassifier, conv_channels=()).fit(X, y)


@pytest.mark.parametrize("cls", [ParticleNetClassifier, ParticleTransformerClassifier])
def test_missing_weaver_names_the_extra(cls, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "weaver" else real(name, *a)
    )
    monkeypatch.setitem(__import__("sys").modules, "weaver", None)
    with pytest.raises(ImportError, match=r"skjet\[taggers\]"):
        cls()


# -- recipe: schedules, clipping, mixed precision, history ----------------------------------
def test_recipe_parameters(data):
    X, y = data
    clf = tiny(
        ParticleTransformerClassifier,
        max_epochs=3,
        early_stopping=False,
        optimizer_params={"weight_decay": 0.05},
        lr_schedule="flat_decay",
        gradient_clip=1.0,
        mixed_precision=True,  # bfloat16 autocast on CPU
        callbacks=[EpochScoring("roc_auc", on_train=True, lower_is_better=False)],
    ).fit(X, y)
    assert isinstance(clf.net_.optimizer_, torch.optim.AdamW)
    assert clf.net_.optimizer_.param_groups[0]["weight_decay"] == 0.05
    lr = clf.history_["lr"].to_numpy()
    assert lr[0] == pytest.approx(1e-3) and lr[-1] == pytest.approx(1e-5, rel=1e-3)
    assert "gradient_clip" in dict(clf.net_.callbacks_)
    # a user's callback lands in history_ next to the standard columns
    assert clf.history_["roc_auc"].between(0, 1).all()
    assert np.isfinite(clf.predict_proba(X)).all()


def test_warmup_cosine_schedule_steps_every_batch(data):
    X, y = data
    clf = tiny(EnergyFlowNetworkClassifier, max_epochs=4, early_stopping=False,
               lr_schedule="warmup_cosine", lr_schedule_params={"warmup_fraction": 0.25})
    clf.fit(X, y)
    lr = clf.history_["lr"].to_numpy()  # recorded at the end of every epoch
    assert lr[0] == pytest.approx(1e-3)  # warm-up ends with the first epoch
    assert np.all(np.diff(lr) < 0) and lr[-1] < 1e-4
    with pytest.raises(ValueError, match="warmup_cosine.*bogus"):
        tiny(EnergyFlowNetworkClassifier, lr_schedule="warmup_cosine",
             lr_schedule_params={"bogus": 1}).fit(X, y)


# -- length bucketing ------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [ParticleNetClassifier, EnergyFlowNetworkClassifier])
def test_bucketing_keeps_input_order_and_is_deterministic(cls, data):
    X, y = data
    assert cls().bucketing == "inference"  # the default: sorted batches outside training
    clf = tiny(cls, bucketing=True).fit(X, y)
    bucketed = clf.predict_proba(X)
    clf.set_params(bucketing=False)
    np.testing.assert_allclose(clf.predict_proba(X), bucketed, atol=1e-5)
    again = tiny(cls, bucketing=True).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), bucketed)
    off = tiny(cls, bucketing=False).fit(X, y)
    assert not np.array_equal(off.predict_proba(X), bucketed)  # other batches, other model
    # "inference" trains on the same random batches as False; only predicting is sorted
    inference = tiny(cls, bucketing="inference").fit(X, y)
    np.testing.assert_array_equal(
        inference.history_["train_loss"].to_numpy(), off.history_["train_loss"].to_numpy()
    )
    np.testing.assert_allclose(inference.predict_proba(X), off.predict_proba(X), atol=1e-5)
    with pytest.raises(ValueError, match="bucketing"):
        tiny(cls, bucketing="always").fit(X, y)


@pytest.mark.parametrize("cls", ALL)
def test_module_exports_to_onnx(cls, data, tmp_path):
    # module_ alone maps the raw padded constituents to logits, in ops ONNX knows
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    X, y = data
    clf = tiny(cls).fit(X, y)
    x = torch.from_numpy(clf.validate_input(X, reset=False))
    path = tmp_path / "model.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(clf.module_.eval(), (x,), str(path), input_names=["x"],
                          dynamic_axes={"x": {0: "jets", 1: "constituents"}}, dynamo=False)
    logits = ort.InferenceSession(str(path)).run(None, {"x": x[:20, :12].numpy()})[0]
    with torch.no_grad():
        expected = clf.module_(x[:20, :12]).numpy()
    np.testing.assert_allclose(logits, expected, rtol=1e-4, atol=1e-5)
