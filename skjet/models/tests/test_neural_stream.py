"""Training the neural classifiers chunk by chunk: partial_fit and partial_fit_top_tagging."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skjet.datasets import iter_top_tagging, partial_fit_top_tagging, save_top_tagging
from skjet.features import Multiplicity
from skjet.models import CNNClassifier, DeepSetsClassifier, MLPClassifier
from skjet.preprocessing import JetImage

from .test_neural import constituents, small, tabular

torch.set_num_threads(1)

N_JETS, N_TRAIN, CHUNK = 1600, 1200, 300


def physics_like(n, seed=0):
    """(E, px, py, pz) jets, pT-sorted: top jets have more, wider-spread constituents."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    m = 40
    mult = np.where(y == 1, rng.integers(22, 40, n), rng.integers(6, 18, n))
    pt = -np.sort(-(rng.exponential(10.0, (n, m)) + 1.0), axis=1)
    width = np.where(y == 1, 0.4, 0.1)[:, None]
    eta = rng.normal(size=(n, m)) * width
    phi = rng.uniform(-np.pi, np.pi, (n, 1)) + rng.normal(size=(n, m)) * width
    X = np.stack([pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)], -1)
    X[np.arange(m)[None, :] >= mult[:, None]] = 0.0
    return X.astype(np.float32), y


@pytest.fixture(scope="module")
def jet_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("stream") / "jets.h5"
    X, y = physics_like(N_JETS)
    save_top_tagging(path, X, y)
    return path


def log_multiplicity():
    return make_pipeline(Multiplicity(), FunctionTransformer(np.log1p))


# one estimator and the per-chunk transform it needs, per neural classifier
CASES = {
    "mlp": (lambda **kw: small(MLPClassifier, **kw), log_multiplicity),
    "deepsets": (lambda **kw: small(DeepSetsClassifier, **kw), lambda: None),
    "cnn": (lambda **kw: small(CNNClassifier, **kw), lambda: JetImage(size=8)),
}


def held_out(path, transformer):
    (X, y), *_ = iter_top_tagging(path, chunk_size=N_JETS, start=N_TRAIN)
    return (X if transformer is None else transformer.fit(X).transform(X)), y


# -- learning from a file ---------------------------------------------------------------------
@pytest.mark.parametrize("case", list(CASES))
def test_partial_fit_on_file_learns(jet_file, case):
    make, transformer = CASES[case]
    clf = partial_fit_top_tagging(
        make(lr=0.01 if case != "deepsets" else 0.003),
        jet_file,
        transformer(),
        epochs=3,
        chunk_size=CHUNK,
        stop=N_TRAIN,
        random_state=0,
    )
    assert clf.classes_.tolist() == [0, 1]
    assert len(clf.history_) == 3 * (N_TRAIN // CHUNK)  # one row per partial_fit call
    assert clf.history_["epoch"].tolist() == list(range(1, 13))
    X_test, y_test = held_out(jet_file, transformer())
    auc = roc_auc_score(y_test, clf.predict_proba(X_test)[:, 1])
    assert auc > 0.9, auc


def test_hand_written_loop_equals_helper_without_shuffle(jet_file):
    make, _ = CASES["deepsets"]
    loop = make()
    for X, y in iter_top_tagging(jet_file, chunk_size=CHUNK, stop=N_TRAIN):
        loop.partial_fit(X, y, classes=[0, 1])
    helper = partial_fit_top_tagging(
        make(), jet_file, chunk_size=CHUNK, stop=N_TRAIN, shuffle=False
    )
    X_test, _ = held_out(jet_file, None)
    np.testing.assert_array_equal(loop.predict_proba(X_test), helper.predict_proba(X_test))


def test_shuffled_chunk_order_depends_on_random_state(jet_file):
    make, _ = CASES["deepsets"]
    X_test, _ = held_out(jet_file, None)
    runs = [
        partial_fit_top_tagging(
            make(), jet_file, chunk_size=CHUNK, stop=N_TRAIN, random_state=seed
        ).predict_proba(X_test)
        for seed in (0, 0, 1)
    ]
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.allclose(runs[0], runs[2])


def test_helper_with_scikit_learn_estimator(jet_file):
    clf = partial_fit_top_tagging(
        SGDClassifier(loss="log_loss", random_state=0),
        jet_file,
        log_multiplicity(),
        chunk_size=CHUNK,
        epochs=2,
        stop=N_TRAIN,
        random_state=0,
    )
    X_test, y_test = held_out(jet_file, log_multiplicity())
    assert roc_auc_score(y_test, clf.decision_function(X_test)) > 0.9


def test_helper_errors(jet_file):
    with pytest.raises(TypeError, match="partial_fit method"):
        partial_fit_top_tagging(LogisticRegression(), jet_file)
    with pytest.raises(TypeError, match="transform method"):
        partial_fit_top_tagging(small(MLPClassifier), jet_file, object())
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        partial_fit_top_tagging(small(MLPClassifier), jet_file, epochs=0)
    with pytest.raises(NotFittedError, match="learns from its training data"):
        partial_fit_top_tagging(small(MLPClassifier), jet_file, StandardScaler())
    with pytest.raises(ValueError, match="nothing to train on"):
        partial_fit_top_tagging(small(MLPClassifier), jet_file, start=N_JETS)
    with pytest.raises(FileNotFoundError):
        partial_fit_top_tagging(small(MLPClassifier), jet_file.with_name("missing.h5"))


# -- partial_fit semantics ----------------------------------------------------------------------
def test_classes_required_on_first_call_and_checked_later():
    X, y = tabular()
    clf = small(MLPClassifier)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X, y)
    assert not hasattr(clf, "net_")
    with pytest.raises(ValueError, match="at least 2 classes"):
        clf.partial_fit(X[y == 0], y[y == 0], classes=[0])
    clf.partial_fit(X[y == 0], y[y == 0], classes=[1, 0])  # a chunk of one class is fine
    assert clf.classes_.tolist() == [0, 1]
    clf.partial_fit(X, y)  # later calls may omit classes
    clf.partial_fit(X, y, classes=[0, 1])  # or repeat them
    with pytest.raises(ValueError, match=r"classes=\[0, 1, 2\] differs .* \[0, 1\]"):
        clf.partial_fit(X, y, classes=[0, 1, 2])
    assert len(clf.history_) == 3


def test_labels_outside_classes_are_named():
    X, y = tabular()
    labels = np.where(y == 0, "qcd", "top")
    with pytest.raises(ValueError, match=r"not in classes: \['top'\]"):
        small(MLPClassifier).partial_fit(X, labels, classes=["qcd", "w"])
    clf = small(MLPClassifier).partial_fit(X, labels, classes=["qcd", "top"])
    with pytest.raises(ValueError, match=r"not in classes_ .*: \['w'\]; known classes are"):
        clf.partial_fit(X, np.where(y == 0, "qcd", "w"))
    assert len(clf.history_) == 1


def test_feature_count_must_not_change():
    X, y = tabular()
    clf = small(MLPClassifier).partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="X has 4 features, but MLPClassifier is expecting 6"):
        clf.partial_fit(X[:, :4], y)
    Xc, yc = constituents()
    ds = small(DeepSetsClassifier).partial_fit(Xc, yc, classes=["qcd", "top"])
    with pytest.raises(ValueError, match="2 features per constituent.*fitted with 3"):
        ds.partial_fit(Xc[..., :2], yc)
    assert len(clf.history_) == len(ds.history_) == 1


def test_bad_chunks_rejected():
    X, y = tabular()
    clf = small(MLPClassifier)
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clf.partial_fit(bad, y, classes=[0, 1])
    with pytest.raises(ValueError, match="0 sample"):
        clf.partial_fit(X[:0], y[:0], classes=[0, 1])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        clf.partial_fit(X, y[:-1], classes=[0, 1])


def test_balanced_class_weight_refused_dict_accepted():
    X, y = tabular()
    with pytest.raises(ValueError, match="'balanced' is not supported by partial_fit"):
        small(MLPClassifier, class_weight="balanced").partial_fit(X, y, classes=[0, 1])
    weighted = small(MLPClassifier, class_weight={0: 1.0, 1: 3.0}).partial_fit(X, y, classes=[0, 1])
    by_sample = small(MLPClassifier).partial_fit(
        X, y, classes=[0, 1], sample_weight=np.where(y == 1, 3.0, 1.0)
    )
    np.testing.assert_allclose(weighted.predict_proba(X), by_sample.predict_proba(X))


def test_sample_weight_used_as_given():
    # fit rescales weights to mean 1; partial_fit must not, or chunks could not be weighted
    X, y = tabular()
    plain = small(MLPClassifier).partial_fit(X, y, classes=[0, 1])
    doubled = small(MLPClassifier).partial_fit(
        X, y, classes=[0, 1], sample_weight=np.full(len(y), 2.0)
    )
    ratio = doubled.history_["train_loss"].iloc[0] / plain.history_["train_loss"].iloc[0]
    assert ratio == pytest.approx(2.0, rel=1e-3)


def test_one_epoch_per_call_and_persistent_optimizer_and_schedule():
    X, y = tabular(n=300)
    clf = small(MLPClassifier, max_epochs=50, batch_size=100, lr_schedule="exponential")
    for _ in range(3):
        clf.partial_fit(X, y, classes=[0, 1])
    history = clf.history_
    assert len(history) == 3 and history["epoch"].tolist() == [1, 2, 3]
    # the schedule steps once per call and is not restarted: lr = 0.01 * 0.9 ** k
    np.testing.assert_allclose(history["lr"], [0.01, 0.009, 0.0081])
    # Adam's state counts every batch since the first call (3 calls x 3 batches)
    state = next(iter(clf.net_.optimizer_.state.values()))
    assert int(state["step"]) == 9


def test_reproducible_sequence_and_global_rng_untouched():
    Xc, yc = constituents(n=300)
    chunks = [(Xc[:150], yc[:150]), (Xc[150:], yc[150:]), (Xc[:150], yc[:150])]

    def run(seed):
        clf = small(DeepSetsClassifier, dropout=0.2, random_state=seed)
        for X, y in chunks:
            clf.partial_fit(X, y, classes=["qcd", "top"])
        return clf.predict_proba(Xc)

    state = torch.get_rng_state()
    a, b, c = run(1), run(1), run(2)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    assert torch.equal(torch.get_rng_state(), state)


@pytest.mark.parametrize("cls", [MLPClassifier, DeepSetsClassifier])
def test_pickle_mid_stream_then_continue(cls):
    X, y = tabular(n=300) if cls is MLPClassifier else constituents(n=300)
    classes = np.unique(y)
    straight = small(cls)
    straight.partial_fit(X[:150], y[:150], classes=classes)
    resumed = pickle.loads(pickle.dumps(straight))
    for clf in (straight, resumed):
        clf.partial_fit(X[150:], y[150:])
    np.testing.assert_array_equal(straight.predict_proba(X), resumed.predict_proba(X))
    assert len(resumed.history_) == 2


def test_partial_fit_after_fit_continues_and_fit_restarts():
    X, y = tabular()
    clf = small(MLPClassifier, max_epochs=2).fit(X, y)
    net = clf.net_
    clf.partial_fit(X, y)  # classes_ come from fit
    assert clf.net_ is net and len(clf.history_) == 3
    clf.fit(X, y)  # warm_start=False: a new network
    assert clf.net_ is not net and len(clf.history_) == 2
    clf.set_params(warm_start=True).partial_fit(X, y)
    clf.fit(X, y)  # warm_start continues after partial_fit
    assert len(clf.history_) == 5


def test_partial_fit_after_early_stopping_fit():
    X, y = tabular()
    clf = small(MLPClassifier, early_stopping=True, lr_schedule="plateau", max_epochs=3)
    clf.fit(X, y)
    n = len(clf.history_)
    clf.partial_fit(X, y)  # no validation set here: early stopping is off for the call
    assert len(clf.history_) == n + 1
    assert np.isnan(clf.history_["valid_loss"].iloc[-1])
    names = [name for name, _ in clf.net_.callbacks_]
    assert "early_stopping" in names  # restored for a later fit
    assert dict(clf.net_.callbacks_)["lr_schedule"].monitor == "valid_loss"


def test_train_split_evaluated_every_call():
    X, y = tabular(n=400)
    clf = small(MLPClassifier, train_split=(X[300:], y[300:]), early_stopping=True)
    for a in (0, 150):
        clf.partial_fit(X[a : a + 150], y[a : a + 150], classes=[0, 1])
    assert clf.history_["valid_loss"].notna().all() and len(clf.history_) == 2
    assert clf.net_.train_split is None  # the validation data is not kept with the model


# -- devices ------------------------------------------------------------------------------------
@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("case", list(CASES))
def test_partial_fit_on_cuda(case):
    make, transformer = CASES[case]
    X, y = physics_like(400)
    t = transformer()
    X = X if t is None else t.fit_transform(X)
    clf = make(device="cuda")
    for a in (0, 200):
        clf.partial_fit(X[a : a + 200], y[a : a + 200], classes=[0, 1])
    assert next(clf.module_.parameters()).is_cuda
    proba = clf.predict_proba(X)
    assert proba.shape == (400, 2) and np.isfinite(proba).all()
    on_cpu = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(on_cpu.predict_proba(X), proba, rtol=1e-5, atol=1e-6)
