"""Pretrained taggers: the registry and loader, zero-shot use and fine-tuning."""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from skjet.models import (
    PRETRAINED_MODELS,
    ParticleNetClassifier,
    ParticleTransformerClassifier,
    PretrainedModel,
    load_pretrained,
)
from skjet.models._neural._pretrained import JETCLASS_CLASSES, CheckpointFeatures
from skjet.utils.estimator_checks import make_constituents

pytestmark = pytest.mark.usefixtures("one_torch_thread")

KIN = "ParticleNet-JetClass-kin"
TOP_QCD = {"top": "Tbqq", "qcd": "QCD"}


def _checkpoint_folder() -> Path:
    folder = os.environ.get("SKJET_PRETRAINED_DIR")
    if not folder or not (Path(folder) / "ParticleNet_kin.pt").is_file():
        pytest.skip(
            "the JetClass ParticleNet checkpoints are not available: SKJET_PRETRAINED_DIR "
            f"({folder or 'unset'}) has no ParticleNet_kin.pt (the shared data folder "
            "../shared/data/pretrained is absent, and tests do not download)"
        )
    return Path(folder)


@pytest.fixture(scope="module")
def jetclass():
    return _checkpoint_folder()


@pytest.fixture(scope="module")
def data():
    return make_constituents(n_jets=48, n_slots=20)


@pytest.fixture(scope="module")
def top_qcd(top_qcd_sample):
    """300 shuffled generated top and QCD jets, 32 hardest constituents (fast on a CPU)."""
    rows = np.random.default_rng(0).permutation(len(top_qcd_sample.target))[:300]
    return (
        np.ascontiguousarray(top_qcd_sample.constituents[rows, :32]),
        np.asarray(top_qcd_sample.target)[rows],
    )


# -- the registry and the loader --------------------------------------------------------
def test_registry_describes_the_published_checkpoints():
    assert sorted(PRETRAINED_MODELS) == [
        "ParticleNet-JetClass-full", "ParticleNet-JetClass-kin", "ParticleNet-JetClass-kinpid",
    ]
    kin, kinpid, full = (PRETRAINED_MODELS[f"ParticleNet-JetClass-{f}"]
                         for f in ("kin", "kinpid", "full"))
    assert kin.class_names == JETCLASS_CLASSES and kin.class_names[8] == "Tbqq"
    assert len(kin.input_features) == 7 and len(kinpid.input_features) == 13
    assert len(full.input_features) == 17
    assert kinpid.input_features[5:11] == (
        "charge", "is_charged_hadron", "is_neutral_hadron", "is_photon", "is_electron",
        "is_muon",
    )
    assert full.input_features[-2:] == ("deta", "dphi")
    assert "jet-universe/particle_transformer/2925bdb249e8" in kin.url
    assert kin.url.endswith("/models/ParticleNet_kin.pt")
    assert kin.sha256.startswith("73aff244")


@pytest.mark.parametrize("flavour", ["kin", "kinpid", "full"])
def test_checkpoints_load_strictly_and_match_their_hash(jetclass, flavour):
    model = PRETRAINED_MODELS[f"ParticleNet-JetClass-{flavour}"]
    digest = hashlib.sha256((jetclass / model.filename).read_bytes()).hexdigest()
    assert digest == model.sha256
    net = load_pretrained(model.name)
    assert not net.training
    x = torch.from_numpy(make_constituents(n_jets=3, n_slots=20)[0])
    extra = torch.zeros(x.shape[:2] + (len(model.extra_features),))
    x = torch.cat([x, extra], dim=2)
    with torch.no_grad():
        assert net(x).shape == (3, 10)


def test_zero_shot_separates_generated_top_from_qcd(jetclass, top_qcd):
    X, y = top_qcd
    clf = ParticleNetClassifier(pretrained=KIN, zero_shot=TOP_QCD).fit(X[:10], y[:10])
    assert clf.classes_.tolist() == ["qcd", "top"] and len(clf.history_) == 0
    proba = clf.predict_proba(X)
    # P(top) is P(Tbqq) / (P(Tbqq) + P(QCD)) of the checkpoint
    with torch.no_grad():
        p10 = load_pretrained(KIN)(torch.from_numpy(X[:20])).softmax(1).numpy()
    np.testing.assert_allclose(proba[:20, 1], p10[:, 8] / (p10[:, 8] + p10[:, 0]), rtol=1e-5)
    assert roc_auc_score(y == "top", proba[:, 1]) > 0.95


def test_zero_shot_fit_only_checks_the_labels(jetclass, data):
    X, _ = data
    y = np.where(np.arange(len(X)) % 2, "top", "qcd")
    with pytest.raises(ValueError, match="w"):
        ParticleNetClassifier(pretrained=KIN, zero_shot=TOP_QCD).fit(X, np.where(y == "top", "w", y))
    with pytest.raises(ValueError, match="'Top'.*classes of 'ParticleNet-JetClass-kin'"):
        ParticleNetClassifier(pretrained=KIN, zero_shot={"top": "Top", "qcd": "QCD"}).fit(X, y)
    with pytest.raises(ValueError, match="set pretrained"):
        ParticleNetClassifier(zero_shot=TOP_QCD).fit(X, y)
    # several checkpoint classes onto one: their probabilities add up
    clf = ParticleNetClassifier(
        pretrained=KIN, zero_shot={"top": ["Tbqq", "Tbl"], "qcd": "QCD", "w": "Wqq"}
    ).fit(X, np.where(y == "top", "w", y))
    with torch.no_grad():
        p = load_pretrained(KIN)(torch.from_numpy(clf.validate_input(X, reset=False))).softmax(1)
    p = p.numpy()
    mapped = np.stack([p[:, 0], p[:, 8] + p[:, 9], p[:, 7]], axis=1)
    np.testing.assert_allclose(clf.predict_proba(X), mapped / mapped.sum(1, keepdims=True),
                               rtol=1e-5)


def test_zero_shot_refuses_decorrelation_and_fine_tuning_takes_it(jetclass, top_qcd):
    X, y = top_qcd
    with pytest.raises(ValueError, match="zero-shot tagger is not trained.*decorrelation"):
        ParticleNetClassifier(pretrained=KIN, zero_shot=TOP_QCD, decorrelation="disco").fit(X, y)
    # fine-tuning goes through the same training path as from scratch, DisCo term included
    clf = ParticleNetClassifier(
        pretrained=KIN, head_init=TOP_QCD, decorrelation="disco", max_epochs=1,
        batch_size=128, train_split=None, random_state=0,
    ).fit(X[:200], y[:200], decorrelation_target=np.linspace(20.0, 250.0, 200))
    assert np.isfinite(clf.history_["train_disco"].iloc[-1])
    assert clf.predict_proba(X[200:]).shape == (100, 2)


def test_damaged_or_wrong_file_is_refused_naming_file_and_hashes(jetclass, tmp_path, data,
                                                                 monkeypatch):
    model = PRETRAINED_MODELS[KIN]
    damaged = tmp_path / model.filename
    raw = bytearray((jetclass / model.filename).read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    damaged.write_bytes(bytes(raw))
    actual = hashlib.sha256(bytes(raw)).hexdigest()
    message = f"{damaged}.*SHA-256 {actual}, expected {model.sha256}"
    with pytest.raises(ValueError, match=message):
        load_pretrained(model.with_path(damaged))
    # the same through the environment folder, and in an estimator: nothing fitted
    monkeypatch.setenv("SKJET_PRETRAINED_DIR", str(tmp_path))
    with pytest.raises(ValueError, match=message):
        load_pretrained(KIN)
    X, y = data
    clf = ParticleNetClassifier(pretrained=KIN, max_epochs=1)
    with pytest.raises(ValueError, match="SHA-256"):
        clf.fit(X, y)
    assert not hasattr(clf, "net_") and not hasattr(clf, "classes_")
    # another checkpoint under the right name is a wrong hash too
    shutil.copy(jetclass / "ParticleNet_kinpid.pt", damaged)
    with pytest.raises(ValueError, match="f56876afb26a"):
        load_pretrained(KIN)


def test_download_into_the_data_home_is_verified(jetclass, tmp_path, monkeypatch):
    import dataclasses

    monkeypatch.delenv("SKJET_PRETRAINED_DIR")
    source = (jetclass / "ParticleNet_kin.pt").resolve().as_uri()  # a file:// "download"
    model = dataclasses.replace(PRETRAINED_MODELS[KIN], url=source)
    net = load_pretrained(model, data_home=tmp_path)
    cached = tmp_path / "pretrained" / "ParticleNet_kin.pt"
    assert cached.read_bytes() == (jetclass / "ParticleNet_kin.pt").read_bytes()
    assert net(torch.zeros(1, 20, 4)).shape == (1, 10)
    # a file that is not the registered one is not cached, and the error names the URL
    wrong = dataclasses.replace(model, filename="other.pt", sha256="0" * 64)
    with pytest.raises(OSError, match=f"SHA256 checksum of {source}.*expected 0000"):
        load_pretrained(wrong, data_home=tmp_path)
    assert not (tmp_path / "pretrained" / "other.pt").exists()


def test_unknown_name_and_missing_file(tmp_path):
    with pytest.raises(ValueError, match="not a registered checkpoint.*ParticleNet-JetClass-kin"):
        load_pretrained("ParticleNet-JetClass")
    with pytest.raises(FileNotFoundError, match="no file at"):
        load_pretrained(PRETRAINED_MODELS[KIN].with_path(tmp_path / "nothing.pt"))


# -- the inputs the checkpoints expect ----------------------------------------------------
def test_checkpoint_features_follow_the_jetclass_definitions():
    """kinpid and full: (x - a) * b clipped to +-5 for the five kinematic features, the PID
    channels, tanh(d0), d0err in [0, 1], tanh(dz), dzerr in [0, 1], then deta, dphi."""
    pt, eta, phi = np.array([200.0, 50.0]), np.array([0.5, 0.7]), np.array([1.0, 1.2])
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    E = np.sqrt(px**2 + py**2 + pz**2)
    pid = np.array([[1.0, 1, 0, 0, 0, 0], [0.0, 0, 0, 1, 0, 0]])
    tracks = np.array([[0.3, 2.5, -4.0, 0.2], [0.0, 0.0, 0.0, 0.0]])  # d0, d0err, dz, dzerr
    jet = np.zeros((1, 4, 14), dtype=np.float32)
    jet[0, :2] = np.column_stack([E, px, py, pz, pid, tracks])
    j = jet[0, :2, :4].astype(np.float64).sum(axis=0)
    jet_pt, jet_phi = np.hypot(j[1], j[2]), np.arctan2(j[2], j[1])
    jet_eta = np.arcsinh(j[3] / jet_pt)
    deta, dphi = eta - jet_eta, phi - jet_phi  # jet_eta > 0: no flip
    kin = [np.clip((v - a) * b, -5, 5) for v, a, b in [
        (np.log(pt), 1.7, 0.7), (np.log(E), 2.0, 0.7), (np.log(pt / jet_pt), -4.7, 0.7),
        (np.log(E / j[0]), -4.7, 0.7), (np.hypot(deta, dphi), 0.2, 4.0)]]
    full = PRETRAINED_MODELS["ParticleNet-JetClass-full"]
    _, features, _, mask = CheckpointFeatures(full)(torch.from_numpy(jet))
    expected = np.stack([*kin, *pid.T, np.tanh(tracks[:, 0]), np.clip(tracks[:, 1], 0, 1),
                         np.tanh(tracks[:, 2]), np.clip(tracks[:, 3], 0, 1), deta, dphi])
    assert features.shape == (1, 17, 4) and mask[0, 0].tolist() == [True, True, False, False]
    np.testing.assert_allclose(features[0, :, :2].numpy(), expected, rtol=1e-4, atol=1e-5)
    assert not features[0, :, 2:].any()  # padding stays zero
    kinpid = PRETRAINED_MODELS["ParticleNet-JetClass-kinpid"]
    points, features, _, _ = CheckpointFeatures(kinpid)(torch.from_numpy(jet[..., :10]))
    np.testing.assert_allclose(features[0, :, :2].numpy(),
                               np.stack([*kin, *pid.T, deta, dphi]), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(points[0, :, :2].numpy(), [deta, dphi], rtol=1e-4, atol=1e-5)


def test_missing_extra_features_are_named(data):
    X, y = data
    with pytest.raises(ValueError, match=r"6 per-particle features .* charge, is_charged_hadron"
                       r".*missing: charge, is_charged_hadron, is_neutral_hadron"):
        ParticleNetClassifier(pretrained="ParticleNet-JetClass-kinpid").fit(X, y)
    X10 = np.concatenate([X, np.zeros(X.shape[:2] + (6,), np.float32)], axis=2)
    with pytest.raises(ValueError, match="missing: d0val, d0err, dzval, dzerr"):
        ParticleNetClassifier(pretrained="ParticleNet-JetClass-full").fit(X10, y)
    with pytest.raises(ValueError, match=r"6 more than it reads; pass X\[\.\.\., :4\]"):
        ParticleNetClassifier(pretrained=KIN).fit(X10, y)


def test_conflicting_architecture_parameters_are_refused(data):
    X, y = data
    for params in (dict(preset="paper"), dict(k=8), dict(fc_size=32)):
        with pytest.raises(ValueError, match=f"{next(iter(params))}.*conflict"):
            ParticleNetClassifier(pretrained=KIN, **params).fit(X, y)
    with pytest.raises(ValueError, match="is a ParticleNet; use ParticleNetClassifier"):
        ParticleTransformerClassifier(pretrained=KIN).fit(X, y)


# -- a user's own checkpoint, written from a trained skjet model ------------------------
def _own_checkpoint(cls, data, tmp_path):
    X, y = data
    if cls is ParticleNetClassifier:
        clf = cls(k=4, conv_channels=((16, 16),), fc_size=16, max_epochs=2, batch_size=16,
                  random_state=0).fit(X, y)
        config = dict(conv_params=[(4, (16, 16))], fc_params=[(16, 0.1)], use_fusion=True,
                      use_fts_bn=True, use_counts=True)
    else:
        clf = cls(embed_dims=(16,), pair_embed_dims=(8,), num_heads=2, num_layers=1,
                  max_epochs=2, batch_size=16, random_state=0).fit(X, y)
        block = dict(dropout=0.1, attn_dropout=0.1, activation_dropout=0.1)
        config = dict(embed_dims=(16,), pair_embed_dims=(8,), num_heads=2, num_layers=1,
                      num_cls_layers=1, block_params=block, fc_params=[], activation="gelu")
    path = tmp_path / f"{cls.__name__}.pt"
    torch.save(clf.module_.net.state_dict(), path)
    model = PretrainedModel(
        name="mine", architecture=clf._ARCHITECTURE, config=config,
        class_names=[str(c) for c in clf.classes_], path=path,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
    )
    return clf, model


@pytest.mark.parametrize("cls", [ParticleNetClassifier, ParticleTransformerClassifier])
def test_own_checkpoint_loads_through_the_same_mechanism(cls, data, tmp_path):
    X, y = data
    clf, model = _own_checkpoint(cls, data, tmp_path)
    same = {str(c): str(c) for c in clf.classes_}
    mine = cls(pretrained=model, zero_shot=same).fit(X, y)
    np.testing.assert_allclose(mine.predict_proba(X), clf.predict_proba(X), rtol=1e-5,
                               atol=1e-6)
    # the description as a plain dict of its fields works the same
    as_dict = cls(pretrained=dict(model.__dict__), zero_shot=same).fit(X, y)
    np.testing.assert_array_equal(as_dict.predict_proba(X), mine.predict_proba(X))
    # fine-tuned from it: the new head trains at lr, the body at body_lr_scale * lr
    tuned = cls(pretrained=model, max_epochs=1, batch_size=16, lr=1e-3, body_lr_scale=0.5,
                random_state=0).fit(X, y)
    assert sorted(g["lr"] for g in tuned.net_.optimizer_.param_groups) == [5e-4, 1e-3]
    # a description that does not fit the weights is refused, naming the file
    wrong = PretrainedModel(**{**model.__dict__, "class_names": ["a", "b", "c"]})
    with pytest.raises(ValueError, match=f"weights in {model.path} do not fit"):
        load_pretrained(wrong)


# -- fine-tuning ----------------------------------------------------------------------------
def test_head_init_starts_fine_tuning_from_the_zero_shot_tagger(data, tmp_path):
    X, y = data
    clf, model = _own_checkpoint(ParticleNetClassifier, data, tmp_path)
    same = {str(c): str(c) for c in clf.classes_}
    # a vanishing learning rate: the fitted network is the starting one
    start = ParticleNetClassifier(pretrained=model, head_init=same, lr=1e-12, max_epochs=1,
                                  batch_size=16, random_state=0).fit(X, y)
    np.testing.assert_allclose(start.predict_proba(X), clf.predict_proba(X), atol=1e-5)
    random_head = ParticleNetClassifier(pretrained=model, lr=1e-12, max_epochs=1,
                                        batch_size=16, random_state=0).fit(X, y)
    assert np.abs(random_head.predict_proba(X) - clf.predict_proba(X)).max() > 1e-3
    with pytest.raises(ValueError, match=r"maps the classes \['qcd'\], but the fit has"):
        ParticleNetClassifier(pretrained=model, head_init={"qcd": "qcd"}).fit(X, y)
    with pytest.raises(ValueError, match="'w' is not one class of 'mine'"):
        ParticleNetClassifier(pretrained=model, head_init={"qcd": "qcd", "top": "w"}).fit(X, y)
    with pytest.raises(ValueError, match="set pretrained"):
        ParticleNetClassifier(head_init=same).fit(X, y)


@pytest.mark.parametrize("cls", [ParticleNetClassifier, ParticleTransformerClassifier])
def test_frozen_body_runs_once_per_jet_and_trains_the_head_alike(cls, data, tmp_path,
                                                                 monkeypatch):
    from skjet.models._neural._pretrained import PretrainedModule

    X, y = data
    _, model = _own_checkpoint(cls, data, tmp_path)
    params = dict(pretrained=model, freeze_body=True, max_epochs=3, batch_size=16,
                  random_state=0)
    rows = []
    embed = PretrainedModule.embed
    monkeypatch.setattr(PretrainedModule, "embed",
                        lambda self, x: rows.append(len(x)) or embed(self, x))
    weight = np.linspace(0.5, 1.5, len(y))
    once = cls(**params).fit(X, y, sample_weight=weight)
    # three epochs and the validation loss of each, yet every jet went through the body
    # once (after the first batch that checks the output shape of the new network)
    assert sum(rows[1:]) == len(X)
    assert len(once.history_) == 3 and np.isfinite(once.history_["valid_loss"]).all()
    assert type(once.module_).__name__ == "PretrainedModule"  # the whole network again
    rows.clear()
    # the reference: the body run on every batch of every epoch
    monkeypatch.setattr(PretrainedModule, "frozen_body", lambda self: None)
    every_batch = cls(**params).fit(X, y, sample_weight=weight)
    assert sum(rows) > 3 * len(X)
    np.testing.assert_allclose(once.predict_proba(X), every_batch.predict_proba(X), atol=1e-5)
    np.testing.assert_allclose(once.history_["train_loss"], every_batch.history_["train_loss"],
                               rtol=1e-5)
    # the head trained
    assert np.abs(once.predict_proba(X) - cls(**{**params, "max_epochs": 1, "lr": 1e-12})
                  .fit(X, y).predict_proba(X)).max() > 1e-4


def test_fine_tuning_replaces_the_head_and_keeps_sklearn_behaviour(data, tmp_path):
    X, y = data
    _, model = _own_checkpoint(ParticleNetClassifier, data, tmp_path)
    body = {k: v.clone() for k, v in load_pretrained(model).net.state_dict().items()
            if not k.startswith("fc.1")}
    params = dict(pretrained=model, max_epochs=2, batch_size=16, random_state=0)
    frozen = ParticleNetClassifier(freeze_body=True, **params).fit(X, y)
    after = frozen.module_.net.state_dict()
    for key, value in body.items():  # weights and batch-norm statistics untouched
        torch.testing.assert_close(after[key], value, msg=key)
    assert frozen.config_["pretrained"] == "mine"
    tuned = ParticleNetClassifier(**params, lr_schedule="cosine").fit(
        X, y, sample_weight=np.linspace(0.5, 1.5, len(y)))
    changed = tuned.module_.net.state_dict()
    assert not torch.equal(changed["edge_convs.0.convs.0.weight"],
                           body["edge_convs.0.convs.0.weight"])
    # batch normalisation keeps the checkpoint's statistics while the weights train
    torch.testing.assert_close(changed["bn_fts.running_mean"], body["bn_fts.running_mean"])
    proba = tuned.predict_proba(X)
    np.testing.assert_array_equal(
        ParticleNetClassifier(**params, lr_schedule="cosine").fit(
            X, y, sample_weight=np.linspace(0.5, 1.5, len(y))).predict_proba(X), proba)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(tuned)).predict_proba(X), proba)
    assert len(tuned.history_) == 2
    tuned.partial_fit(X, y)
    assert len(tuned.history_) == 3
    chunked = ParticleNetClassifier(**params).partial_fit(X, y, classes=np.unique(y))
    assert chunked.predict_proba(X).shape == (len(X), 2)


def test_fine_tuning_the_jetclass_checkpoint(jetclass, top_qcd):
    X, y = top_qcd
    clf = ParticleNetClassifier(pretrained=KIN, max_epochs=1, batch_size=64, early_stopping=False,
                                random_state=0).fit(X[:128, :16], y[:128])
    assert clf.module_.head.out_features == 2 and clf.classes_.tolist() == ["qcd", "top"]
    assert clf.n_features_in_ == 4


def test_zero_shot_and_fine_tuned_export_to_onnx(jetclass, top_qcd, data, tmp_path):
    pytest.importorskip("onnxruntime")
    from skjet.export import to_onnx

    jets, labels = top_qcd
    zero_shot = ParticleNetClassifier(pretrained=KIN, zero_shot=TOP_QCD).fit(
        jets[:40, :16], labels[:40])
    to_onnx(zero_shot, jets[:8, :16], tmp_path / "zero_shot.onnx")  # checks parity with ONNX Runtime
    assert (tmp_path / "zero_shot.onnx").stat().st_size > 1_000_000
    X, y = data
    _, model = _own_checkpoint(ParticleNetClassifier, data, tmp_path)
    tuned = ParticleNetClassifier(pretrained=model, max_epochs=1, batch_size=16,
                                  random_state=0).fit(X, y)
    to_onnx(tuned, X[:8], tmp_path / "tuned.onnx")


def test_zero_shot_drops_into_compare_and_its_report(jetclass, top_qcd, tmp_path):
    from skjet.model_selection import compare, write_comparison_report
    from skjet.models import XGBoostClassifier

    X, y = top_qcd
    X = X[:200, :16]
    result = compare(
        {"zero-shot": ParticleNetClassifier(pretrained=KIN, zero_shot=TOP_QCD),
         "XGBoost": XGBoostClassifier(n_estimators=20, random_state=0)},
        {"zero-shot": X, "XGBoost": X.sum(axis=1)}, y[:200], test_size=0.5,
        scoring=("roc_auc", "r30"), random_state=0, return_estimators=True, signal="top",
    )
    assert result.table.loc["zero-shot", "roc_auc_mean"] > 0.9
    write_comparison_report(result, tmp_path)
    # no training, so no history figure for it (and no error)
    assert not list(tmp_path.glob("history_zero*"))
    assert (tmp_path / "report.html").stat().st_size > 0


def test_kinpid_reads_the_particle_id_of_detector_level_jets(jetclass):
    from skjet.datasets import PARTICLE_FEATURES, generate_jets

    jets = generate_jets(("top", "qcd"), n_jets=60, detector="atlas", particle_id=True,
                         random_state=1, n_jobs=1, progress=False)
    X, y = jets.constituents, np.asarray(jets.target)
    assert PRETRAINED_MODELS["ParticleNet-JetClass-kinpid"].extra_features == PARTICLE_FEATURES
    kinpid = ParticleNetClassifier(pretrained="ParticleNet-JetClass-kinpid", zero_shot=TOP_QCD)
    assert roc_auc_score(y == "top", kinpid.fit(X, y).predict_proba(X)[:, 1]) > 0.9
    with pytest.raises(ValueError, match="charge"):
        kinpid.fit(X[..., :4], y)
