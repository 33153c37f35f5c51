"""Tests of the neural classifiers (MLP, Deep Sets, CNN) on small synthetic data."""

from __future__ import annotations

import io
import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skjet.models import CNNClassifier, DeepSetsClassifier, MLPClassifier
from skjet.models._neural._modules import DeepSetsModule
from skjet.models._neural._training import BatchLoader, TensorBatches

torch.set_num_threads(1)

FAST = dict(max_epochs=4, batch_size=32, lr=0.01, random_state=0, device="cpu")


def tabular(n=300, n_classes=2, n_features=6, seed=0):
    """Learnable features: the class shifts the mean of the first features."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n)
    X = rng.normal(size=(n, n_features))
    X[:, : min(n_classes, n_features)] += 2.0 * np.eye(n_classes)[y][:, :n_features]
    return X, y


def constituents(n=200, m=24, f=3, seed=0):
    """Zero-padded jets: class "top" has more constituents with a larger first feature."""
    rng = np.random.default_rng(seed)
    y = np.where(np.arange(n) % 2 == 0, "top", "qcd")
    X = np.zeros((n, m, f), dtype=np.float32)
    for i in range(n):
        top = y[i] == "top"
        k = rng.integers(m // 2, m + 1) if top else rng.integers(2, m // 2)
        X[i, :k] = rng.exponential(1.0, (k, f)) + 0.05
        X[i, :k, 0] *= 2.0 if top else 1.0
    return X, y


def images(n=80, size=8, seed=0):
    rng = np.random.default_rng(seed)
    y = np.where(np.arange(n) % 2 == 0, "w", "qcd")
    X = rng.exponential(1.0, (n, size, size)).astype(np.float32)
    X[y == "w", 2:6, 2:6] *= 4.0
    return X, y


def small(cls, **kwargs):
    sizes = {
        MLPClassifier: dict(hidden_layer_sizes=(16, 16)),
        DeepSetsClassifier: dict(phi_sizes=(16, 8), f_sizes=(16,)),
        CNNClassifier: dict(channels=(4, 8)),
    }[cls]
    return cls(**{**sizes, **FAST, **kwargs})


def data_for(cls):
    if cls is MLPClassifier:
        return tabular()
    if cls is DeepSetsClassifier:
        return constituents()
    return images()


ALL = [MLPClassifier, DeepSetsClassifier, CNNClassifier]


# -- labels and probabilities ---------------------------------------------------------------
@pytest.mark.parametrize(
    "labels",
    [
        np.array(["q", "w"]),
        np.array([3, 7]),
        np.array(["g", "q", "t", "w", "z"]),
        np.array([0, 1, 2]),
    ],
    ids=["str-binary", "int-binary", "str-5class", "int-3class"],
)
def test_any_labels(labels):
    X, y_idx = tabular(n_classes=len(labels))
    y = labels[y_idx]
    clf = small(MLPClassifier, max_epochs=8).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, np.sort(labels))
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), len(labels))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    pred = clf.predict(X)
    assert pred.dtype == y.dtype and set(pred) <= set(labels)
    np.testing.assert_array_equal(pred, clf.classes_[proba.argmax(axis=1)])
    assert clf.score(X, y) > 0.7


@pytest.mark.parametrize("cls", ALL)
def test_probabilities_sum_to_one(cls):
    X, y = data_for(cls)
    proba = small(cls).fit(X, y).predict_proba(X)
    assert proba.dtype == np.float64 and np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)


def test_default_mlp_is_the_hls4ml_network():
    X, y_idx = tabular(n=100, n_classes=5, n_features=16)
    clf = MLPClassifier(max_epochs=1, random_state=0).fit(X, np.array(list("gqtwz"))[y_idx])
    shapes = [
        tuple(m.weight.shape) for m in clf.module_.modules() if isinstance(m, torch.nn.Linear)
    ]
    assert shapes == [(32, 16), (32, 32), (32, 32), (5, 32)]
    assert sum(isinstance(m, torch.nn.ReLU) for m in clf.module_.modules()) == 3


def test_float64_and_pandas_input():
    X, y = tabular()
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    a = small(MLPClassifier).fit(frame, pd.Series(y))
    b = small(MLPClassifier).fit(X.astype(np.float32), y)
    np.testing.assert_array_equal(a.feature_names_in_, frame.columns)
    assert a.n_features_in_ == 6
    np.testing.assert_allclose(a.predict_proba(frame), b.predict_proba(X), rtol=1e-6)


# -- weights --------------------------------------------------------------------------------
def imbalanced(seed=0):
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(600) < 0.1, "sig", "bkg")
    X = rng.normal(size=(600, 4))
    X[y == "sig", 0] += 1.0  # overlapping classes: the prior matters
    return X, y


def test_balanced_class_weight_shifts_predictions():
    X, y = imbalanced()
    plain = small(MLPClassifier, max_epochs=10).fit(X, y)
    balanced = small(MLPClassifier, max_epochs=10, class_weight="balanced").fit(X, y)
    sig = list(plain.classes_).index("sig")
    assert balanced.predict_proba(X)[:, sig].mean() > plain.predict_proba(X)[:, sig].mean() + 0.15
    assert (balanced.predict(X) == "sig").sum() > 2 * (plain.predict(X) == "sig").sum()


def test_sample_weight_equals_class_weight_dict():
    X, y = imbalanced()
    by_class = small(MLPClassifier, class_weight={"sig": 9.0, "bkg": 1.0}).fit(X, y)
    by_sample = small(MLPClassifier).fit(X, y, sample_weight=np.where(y == "sig", 9.0, 1.0))
    np.testing.assert_array_equal(by_class.predict_proba(X), by_sample.predict_proba(X))
    # only relative weights matter: the weights are normalised to mean 1
    scaled = small(MLPClassifier).fit(X, y, sample_weight=np.where(y == "sig", 90.0, 10.0))
    np.testing.assert_allclose(scaled.predict_proba(X), by_sample.predict_proba(X), rtol=1e-5)


def test_unit_sample_weight_is_no_weight():
    X, y = tabular()
    a = small(MLPClassifier).fit(X, y, sample_weight=np.ones(len(y)))
    b = small(MLPClassifier).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_weighted_history_loss_is_mean_per_sample():
    X, y = tabular()
    X_val, y_val = tabular(n=90, seed=1)
    w = {0: 1.0, 1: 3.0}
    clf = small(MLPClassifier, class_weight=w, train_split=(X_val, y_val)).fit(X, y)
    # the validation loss is the weighted mean per sample, weights normalised on the fit set
    norm = np.mean([w[v] for v in y])
    sw = np.array([w[v] for v in y_val]) / norm
    expected = log_loss(y_val, clf.predict_proba(X_val), sample_weight=sw) * sw.sum() / len(sw)
    # early stopping (the default) restored the weights of the best epoch
    best = clf.history_[clf.history_["valid_loss_best"]].iloc[-1]
    assert best["valid_loss"] == pytest.approx(expected, rel=1e-4)


# -- training control -----------------------------------------------------------------------
def test_early_stopping_restores_best_weights():
    X, y = tabular()
    # a validation set whose labels are flipped gets worse as training proceeds
    X_val, y_val = X[:100], 1 - y[:100]
    clf = small(
        MLPClassifier,
        max_epochs=30,
        lr=0.02,
        early_stopping=True,
        patience=3,
        train_split=(X_val, y_val),
    ).fit(X, y)
    hist = clf.history_
    best = int(hist["valid_loss"].idxmin())
    assert len(hist) == best + 1 + 3 < 30
    assert hist["valid_loss_best"].iloc[best] and not hist["valid_loss_best"].iloc[best + 1 :].any()
    # the restored weights are those of the best epoch, not the last one
    restored = log_loss(y_val, clf.predict_proba(X_val))
    assert restored == pytest.approx(hist["valid_loss"].iloc[best], rel=1e-4)
    assert restored < hist["valid_loss"].iloc[-1]


def test_early_stopping_holds_out_validation_fraction():
    X, y = tabular(n=200)
    clf = small(
        MLPClassifier, early_stopping=True, validation_fraction=0.25, patience=2, max_epochs=3
    ).fit(X, y)
    assert clf.history_["valid_loss"].notna().all()
    n_valid = sum(
        b["valid_batch_size"] for b in clf.net_.history[-1, "batches"] if "valid_batch_size" in b
    )
    assert n_valid == 50


@pytest.mark.parametrize(
    "schedule, check",
    [
        ("exponential", lambda lr: np.allclose(lr[1:] / lr[:-1], 0.9)),
        ("cosine", lambda lr: lr[0] == 0.01 and np.all(np.diff(lr) < 0)),
        ("plateau", lambda lr: lr[0] == 0.01 and np.all(np.diff(lr) <= 0)),
    ],
)
def test_lr_schedule_changes_lr(schedule, check):
    X, y = tabular()
    clf = small(MLPClassifier, lr_schedule=schedule, max_epochs=5).fit(X, y)
    lr = clf.history_["lr"].to_numpy()
    assert lr[0] == 0.01
    assert check(lr)


def test_plateau_schedule_reduces_lr_when_stuck():
    X, y = tabular()
    X_val, y_val = X[:100], 1 - y[:100]  # the validation loss only gets worse
    clf = small(
        MLPClassifier,
        lr_schedule="plateau",
        lr_schedule_params={"patience": 1},
        max_epochs=6,
        train_split=(X_val, y_val),
    ).fit(X, y)
    assert clf.history_["lr"].iloc[-1] < 0.01


def test_predefined_train_split():
    from skorch.dataset import Dataset
    from skorch.helper import predefined_split

    X, y = tabular()
    X_val, y_val = tabular(n=80, seed=3)
    labels = np.array(["a", "b"])
    a = small(MLPClassifier, train_split=(X_val, labels[y_val])).fit(X, labels[y])
    b = small(MLPClassifier, train_split=predefined_split(Dataset(X_val, labels[y_val]))).fit(
        X, labels[y]
    )
    pd.testing.assert_frame_equal(a.history_.drop(columns="dur"), b.history_.drop(columns="dur"))
    last = a.history_[a.history_["valid_loss_best"]].iloc[-1]  # the restored best epoch
    assert last["valid_loss"] == pytest.approx(
        log_loss(labels[y_val], a.predict_proba(X_val)), rel=1e-4
    )
    assert last["valid_accuracy"] == pytest.approx(a.score(X_val, labels[y_val]))
    assert a.net_.train_split is None  # the validation data is not kept with the model


def test_skorch_valid_split():
    from skorch.dataset import ValidSplit

    X, y = tabular(n=300)
    clf = small(MLPClassifier, max_epochs=2, train_split=ValidSplit(4, stratified=True)).fit(X, y)
    batches = clf.net_.history[-1, "batches"]
    assert sum(b.get("valid_batch_size", 0) for b in batches) == 75
    assert sum(b.get("train_batch_size", 0) for b in batches) == 225
    assert clf.history_["valid_loss"].notna().all()


def test_default_holds_out_a_validation_fraction():
    X, y = tabular()
    clf = small(MLPClassifier, max_epochs=3).fit(X, y)
    assert clf.early_stopping is True
    assert clf.history_["valid_loss"].notna().all()
    batches = clf.net_.history[-1, "batches"]
    assert sum(b.get("valid_batch_size", 0) for b in batches) == round(0.1 * len(X))


def test_history_fields():
    X, y = tabular()
    clf = small(MLPClassifier, max_epochs=3, early_stopping=False).fit(X, y)
    hist = clf.history_
    assert list(hist.columns) == [
        "epoch",
        "train_loss",
        "valid_loss",
        "train_accuracy",
        "valid_accuracy",
        "lr",
        "dur",
        "valid_loss_best",
    ]
    assert hist["epoch"].tolist() == [1, 2, 3]
    assert hist["valid_loss"].isna().all() and hist["valid_accuracy"].isna().all()
    assert (hist["dur"] > 0).all() and (hist["lr"] == 0.01).all()
    assert hist["train_accuracy"].between(0, 1).all()
    assert hist["train_loss"].iloc[-1] < hist["train_loss"].iloc[0]
    # per-sample normalisation: the epoch loss is the batch losses weighted by batch size
    batches = clf.net_.history[-1, "batches"]
    total = sum(b["train_loss"] * b["train_batch_size"] for b in batches)
    assert hist["train_loss"].iloc[-1] == pytest.approx(total / len(X))


def test_verbose(capsys):
    X, y = tabular(n=100)
    small(MLPClassifier, max_epochs=2).fit(X, y)
    assert capsys.readouterr().out == ""
    small(MLPClassifier, max_epochs=2, verbose=1).fit(X, y)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert "train_loss" in lines[0] and len(lines) == 2 + 2  # header, rule, one line per epoch


def test_warm_start_continues_training():
    X, y = tabular()
    clf = small(MLPClassifier, max_epochs=2, warm_start=True).fit(X, y)
    net = clf.net_
    clf.fit(X, y)
    assert clf.net_ is net and len(clf.history_) == 4
    with pytest.raises(ValueError, match="not seen in fit"):
        clf.fit(X, np.where(y == 0, 0, 5))


@pytest.mark.parametrize("optimizer", ["sgd", "adamw", torch.optim.RMSprop])
def test_optimizers(optimizer):
    X, y = tabular()
    clf = small(MLPClassifier, optimizer=optimizer, optimizer_params={"weight_decay": 1e-4}).fit(
        X, y
    )
    expected = {"sgd": torch.optim.SGD, "adamw": torch.optim.AdamW}.get(optimizer, optimizer)
    assert type(clf.net_.optimizer_) is expected
    assert clf.net_.optimizer_.param_groups[0]["weight_decay"] == 1e-4


def test_batch_norm_and_dropout():
    X, y = tabular(n=33)  # 33 = 32 + 1: a last batch of one sample must not break batch norm
    clf = small(MLPClassifier, batch_norm=True, dropout=0.2).fit(X, y)
    kinds = {type(m) for m in clf.module_.modules()}
    assert torch.nn.BatchNorm1d in kinds and torch.nn.Dropout in kinds
    assert np.isfinite(clf.predict_proba(X)).all()


# -- reproducibility and persistence --------------------------------------------------------
@pytest.mark.parametrize("cls", ALL)
def test_random_state_reproducible(cls):
    X, y = data_for(cls)
    state = torch.get_rng_state()
    a = small(cls, random_state=1).fit(X, y).predict_proba(X)
    b = small(cls, random_state=1).fit(X, y).predict_proba(X)
    c = small(cls, random_state=2).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    assert torch.equal(torch.get_rng_state(), state)  # the global torch RNG is untouched


@pytest.mark.parametrize("cls", ALL)
def test_pickle_and_joblib_round_trip(cls):
    X, y = data_for(cls)
    clf = small(cls).fit(X, y)
    expected = clf.predict_proba(X)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), expected)
    buffer = io.BytesIO()
    joblib.dump(clf, buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(joblib.load(buffer).predict_proba(X), expected)
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))


def test_grid_search_over_hidden_layer_sizes_in_pipeline():
    X, y = tabular(n=200)
    pipe = Pipeline([("scale", StandardScaler()), ("clf", small(MLPClassifier, max_epochs=2))])
    grid = GridSearchCV(pipe, {"clf__hidden_layer_sizes": [(8,), (16, 8)]}, cv=2).fit(X, y)
    assert len(grid.cv_results_["params"]) == 2
    assert grid.best_estimator_.named_steps["clf"].hidden_layer_sizes in [(8,), (16, 8)]
    sizes = [(8,), (16, 8)]
    est = clone(pipe).set_params(clf__hidden_layer_sizes=sizes[1]).fit(X, y)
    linear = [m for m in est[-1].module_.modules() if isinstance(m, torch.nn.Linear)]
    assert [m.out_features for m in linear] == [16, 8, 2]


# -- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ALL)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_inf_rejected(cls, bad):
    X, y = data_for(cls)
    X = np.array(X, dtype=np.float64)
    X.reshape(len(X), -1)[3, 1] = bad
    with pytest.raises(ValueError, match=r"(?i)nan|inf"):
        small(cls).fit(X, y)


def test_float32_overflow_rejected():
    X, y = tabular()
    X[0, 0] = 1e300
    with pytest.raises(ValueError, match="float32"):
        small(MLPClassifier).fit(X, y)


@pytest.mark.parametrize(
    "cls, X, match",
    [
        (MLPClassifier, np.zeros((10, 4, 3)), "dim 3"),
        (DeepSetsClassifier, np.zeros((10, 12)), "3-D"),
        (CNNClassifier, np.zeros((10, 12)), "3-D .* or 4-D"),
        (CNNClassifier, np.zeros((10, 1, 1, 4, 4)), "got 5-D"),
    ],
)
def test_wrong_ndim(cls, X, match):
    with pytest.raises(ValueError, match=match):
        small(cls).fit(X, np.arange(10) % 2)


@pytest.mark.parametrize("cls", ALL)
def test_single_class_and_empty(cls):
    X, y = data_for(cls)
    with pytest.raises(ValueError, match="at least 2 classes"):
        small(cls).fit(X, np.full(len(X), y[0]))
    with pytest.raises(ValueError):
        small(cls).fit(X[:0], y[:0])


def test_unseen_labels_named():
    X, y = tabular()
    labels = np.array(["qcd", "top"])
    clf = small(MLPClassifier, max_epochs=1).fit(X, labels[y])
    y_bad = labels[y].astype(object)
    y_bad[:3] = "higgs"
    with pytest.raises(ValueError, match=r"not seen in fit: \['higgs'\]"):
        clf.score(X, y_bad)
    with pytest.raises(ValueError, match="higgs"):
        small(MLPClassifier, train_split=(X, y_bad)).fit(X, labels[y])


def test_wrong_features_at_predict():
    X, y = constituents()
    clf = small(DeepSetsClassifier, max_epochs=1).fit(X, y)
    with pytest.raises(
        ValueError, match="3 features per constituent.*fitted with 3|has 4 features"
    ):
        clf.predict(np.concatenate([X, X[..., :1]], axis=-1))
    Xi, yi = images()
    cnn = small(CNNClassifier, max_epochs=1).fit(Xi, yi)
    with pytest.raises(ValueError, match=r"fitted on \(1, 8, 8\)"):
        cnn.predict(Xi[:, :6, :6])
    mlp = small(MLPClassifier, max_epochs=1).fit(*tabular())
    with pytest.raises(ValueError, match="6 features"):
        mlp.predict(np.zeros((3, 5)))


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(optimizer="rmsprop"), "optimizer must be one of"),
        (dict(lr_schedule="step"), "lr_schedule must be"),
        (dict(hidden_layer_sizes=(16, 0)), "positive ints"),
        (dict(activation="swish"), "activation must be one of"),
        (dict(dropout=1.0), "dropout"),
        (dict(max_epochs=0), "max_epochs"),
        (dict(batch_size=2.5), "batch_size"),
        (dict(class_weight="auto"), "class_weight"),
        (dict(class_weight={0: 2.0, 9: 1.0}), r"class_weight has labels not in y: \[9\]"),
        (dict(validation_fraction=1.5), "validation_fraction"),
        (dict(train_split="valid"), "train_split. parameter .* must be"),
        (dict(device="tpu-please"), "device"),
    ],
)
def test_invalid_parameters(params, match):
    X, y = tabular(n=60)
    clf = small(MLPClassifier, **params)
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)
    with pytest.raises(NotFittedError):  # a failed fit leaves no half-fitted estimator
        clf.predict(X)


def test_invalid_model_parameters():
    X, y = constituents(n=20)
    with pytest.raises(ValueError, match="pooling"):
        small(DeepSetsClassifier, pooling="max").fit(X, y)
    Xi, yi = images(n=20)
    with pytest.raises(ValueError, match="kernel_size"):
        small(CNNClassifier, kernel_size=4).fit(Xi, yi)


def test_invalid_sample_weight():
    X, y = tabular(n=60)
    with pytest.raises(ValueError, match="(?i)negative"):
        small(MLPClassifier).fit(X, y, sample_weight=-np.ones(60))
    with pytest.raises(ValueError, match="non-zero|all zero"):
        small(MLPClassifier).fit(X, y, sample_weight=np.zeros(60))


# -- Deep Sets ------------------------------------------------------------------------------
@pytest.mark.parametrize("pooling", ["sum", "mean"])
def test_deepsets_empty_jets_and_latent(pooling):
    X, y = constituents()
    X[:5] = 0.0  # jets without constituents
    clf = small(DeepSetsClassifier, pooling=pooling).fit(X, y)
    proba = clf.predict_proba(X)
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba[:5], proba[:1].repeat(5, axis=0))  # all the same: F(0)
    latent = clf.transform(X)
    assert latent.shape == (len(X), 8) and clf.n_features_in_ == 3
    np.testing.assert_array_equal(latent[:5], 0.0)
    assert (latent[5:] != 0).any(axis=1).all()
    frame = clone(clf).set_output(transform="pandas").fit(X, y).transform(X)
    assert list(frame.columns) == [f"latent{i}" for i in range(8)]


def test_deepsets_pooling_semantics():
    torch.manual_seed(0)
    module = DeepSetsModule(3, 2, phi_sizes=(5,), f_sizes=(), pooling="sum").eval()
    mean = DeepSetsModule(3, 2, phi_sizes=(5,), f_sizes=(), pooling="mean").eval()
    mean.load_state_dict(module.state_dict())
    x = torch.zeros(2, 4, 3)
    x[0, :3] = torch.rand(3, 3) + 0.1
    x[1, :1] = torch.rand(1, 3) + 0.1
    with torch.no_grad():
        phi = module.phi(x)
        expected = torch.stack([phi[0, :3].sum(0), phi[1, :1].sum(0)])
        torch.testing.assert_close(module.latent(x), expected)
        torch.testing.assert_close(mean.latent(x), expected / torch.tensor([[3.0], [1.0]]))


def test_deepsets_trimming_does_not_change_outputs():
    X, y = constituents(m=24)
    padded = np.concatenate([X, np.zeros((len(X), 176, 3), np.float32)], axis=1)  # 200 slots
    clf = small(DeepSetsClassifier).fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(padded), clf.predict_proba(X), rtol=1e-6)
    # module level: a batch trimmed to its longest jet gives the untrimmed outputs
    module = clf.module_.eval()
    with torch.no_grad():
        full = module(torch.from_numpy(padded[:50]))
        trimmed = module(torch.from_numpy(padded[:50, : int((X[:50] != 0).any(-1).sum(1).max())]))
    torch.testing.assert_close(full, trimmed)
    # streaming in batches of any size (each trimmed differently) gives the same probabilities
    other = clone(clf).set_params(batch_size=7)
    other.__dict__.update({k: v for k, v in vars(clf).items() if k.endswith("_")})
    np.testing.assert_allclose(other.predict_proba(X), clf.predict_proba(X), rtol=1e-5, atol=1e-7)
    # training on padded or unpadded jets is the same computation
    np.testing.assert_allclose(
        small(DeepSetsClassifier).fit(padded, y).predict_proba(X),
        clf.predict_proba(X),
        rtol=1e-4,
        atol=1e-6,
    )


def test_batch_loader_trims_to_longest_jet():
    X, y = constituents(n=100, m=24)
    lengths = (X != 0).any(-1).sum(1)
    loader = BatchLoader(
        TensorBatches(X, y == "top", trim=True), batch_size=16, shuffle=True, seed=0
    )
    seen = []
    order = torch.randperm(100, generator=torch.Generator().manual_seed(0))
    for (xb, yb), start in zip(loader, range(0, 100, 16)):
        idx = order[start : start + 16].numpy()
        assert xb.shape[1] == lengths[idx].max()
        np.testing.assert_array_equal(xb.numpy(), X[idx, : xb.shape[1]])
        np.testing.assert_array_equal(yb.numpy(), (y == "top")[idx])
        seen += idx.tolist()
    assert sorted(seen) == list(range(100)) and len(loader) == 7


# -- CNN ------------------------------------------------------------------------------------
def test_cnn_with_and_without_channel_axis():
    X, y = images()
    a = small(CNNClassifier).fit(X, y)
    b = small(CNNClassifier).fit(X[:, None], y)
    assert a.n_features_in_ == 1 and a.image_shape_ == (1, 8, 8)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X[:, None]))
    np.testing.assert_array_equal(a.predict_proba(X), a.predict_proba(X[:, None]))
    two = np.stack([X, X**0.5], axis=1)
    c = small(CNNClassifier).fit(two, y)
    assert c.n_features_in_ == 2 and c.predict_proba(two).shape == (len(X), 2)


# -- devices --------------------------------------------------------------------------------
@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("cls", ALL)
def test_cuda_matches_cpu(cls):
    X, y = data_for(cls)
    gpu = small(cls, device="cuda").fit(X, y)
    assert next(gpu.module_.parameters()).is_cuda
    cpu = pickle.loads(pickle.dumps(gpu))
    # CUDA's atomic reductions are not bitwise reproducible from call to call
    np.testing.assert_allclose(gpu.predict_proba(X), cpu.predict_proba(X), rtol=1e-5, atol=1e-6)


def test_device_auto_resolves():
    X, y = tabular(n=60)
    clf = small(MLPClassifier, device="auto", max_epochs=1).fit(X, y)
    assert clf.net_.device == ("cuda" if torch.cuda.is_available() else "cpu")


# -- quality on generated physics samples ----------------------------------------------------
def _mean_constituent_pt(X):
    pt = np.hypot(X[..., 1], X[..., 2])
    n = np.maximum((X != 0).any(-1).sum(1), 1)
    return pt.sum(1) / n


def test_deepsets_beats_logistic_baseline_on_top_vs_qcd(top_qcd_sample):
    preprocessing = pytest.importorskip("skjet.preprocessing")
    features = pytest.importorskip("skjet.features")
    X, y = top_qcd_sample.constituents, np.asarray(top_qcd_sample.target)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    pipe = Pipeline(
        [
            ("relative", preprocessing.RelativeConstituents()),
            ("scale", preprocessing.ConstituentScaler()),
            (
                "clf",
                DeepSetsClassifier(
                    phi_sizes=(32, 32),
                    f_sizes=(32,),
                    max_epochs=25,
                    batch_size=64,
                    lr=3e-3,
                    random_state=0,
                    device="cpu",
                ),
            ),
        ]
    ).fit(X_tr, y_tr)
    top = list(pipe.classes_).index("top")
    auc_ds = roc_auc_score(y_te == "top", pipe.predict_proba(X_te)[:, top])

    def baseline(X):
        mass = features.JetMass().fit(X).transform(X)
        return np.column_stack([np.asarray(mass).ravel(), _mean_constituent_pt(X)])

    lr = Pipeline([("scale", StandardScaler()), ("lr", LogisticRegression())])
    lr.fit(baseline(X_tr), y_tr)
    auc_lr = roc_auc_score(y_te == "top", lr.predict_proba(baseline(X_te))[:, top])
    assert auc_ds > auc_lr, (auc_ds, auc_lr)


def test_mlp_beats_majority_on_five_classes(five_class_sample):
    features = pytest.importorskip("skjet.features")
    X = five_class_sample.constituents
    y = np.asarray(five_class_sample.target)
    table = features.Substructure(features="hls4ml").fit_transform(X)
    X_tr, X_te, y_tr, y_te = train_test_split(table, y, test_size=0.3, stratify=y, random_state=0)
    clf = Pipeline(
        [
            ("scale", StandardScaler()),
            (
                "mlp",
                MLPClassifier(max_epochs=60, batch_size=32, lr=3e-3, random_state=0, device="cpu"),
            ),
        ]
    ).fit(X_tr, y_tr)
    majority = pd.Series(y_te).value_counts(normalize=True).iloc[0]
    assert clf.score(X_te, y_te) > majority + 0.2


# ------------------------------------------------ review fixes: warm start, params, history
@pytest.mark.parametrize("cls", [MLPClassifier, CNNClassifier])
def test_warm_refit_with_other_input_shape_raises_and_keeps_model(cls):
    X, y = data_for(cls)
    clf = small(cls, max_epochs=1, warm_start=True).fit(X, y)
    n_features, proba = clf.n_features_in_, clf.predict_proba(X)
    shape = getattr(clf, "image_shape_", None)
    X_bad = X[:, :4] if cls is MLPClassifier else X[:, :6, :6]
    with pytest.raises(ValueError, match="4 features|fitted on"):
        clf.fit(X_bad, y)
    assert clf.n_features_in_ == n_features
    assert getattr(clf, "image_shape_", None) == shape
    np.testing.assert_array_equal(clf.predict_proba(X), proba)
    clf.fit(X, y)  # still usable: continues training
    assert len(clf.history_) == 2


def test_numpy_float_params_and_clear_param_errors():
    X, y = tabular(n=100)
    small(MLPClassifier, max_epochs=1, lr=np.float32(0.01)).fit(X, y)
    with pytest.raises(ValueError, match="validation_fraction. parameter .* must be"):
        small(MLPClassifier, validation_fraction="a").fit(X, y)
    with pytest.raises(ValueError, match="MLPClassifier: optimizer_params=.*bogus"):
        small(MLPClassifier, optimizer_params={"bogus": 1}).fit(X, y)
    with pytest.raises(ValueError, match="MLPClassifier: lr_schedule='exponential' with "
                       "lr_schedule_params=.*bogus"):
        small(MLPClassifier, lr_schedule="exponential", lr_schedule_params={"bogus": 1}).fit(X, y)
    with pytest.raises(ValueError, match="optimizer_params=.*bogus"):
        small(MLPClassifier, optimizer_params={"bogus": 1}).partial_fit(X, y, classes=[0, 1])


def test_history_is_read_from_the_net_and_survives_pickling():
    X, y = tabular(n=100)
    with pytest.raises(AttributeError):
        _ = small(MLPClassifier).history_
    clf = small(MLPClassifier, max_epochs=1, early_stopping=False)
    for _ in range(3):
        clf.partial_fit(X, y, classes=[0, 1])
    assert "history_" not in vars(clf) and len(clf.history_) == 3
    restored = pickle.loads(pickle.dumps(clf))
    pd.testing.assert_frame_equal(restored.history_, clf.history_)


def test_predict_log_proba():
    X, y = tabular(n=100)
    clf = small(MLPClassifier, max_epochs=1).fit(X, y)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), clf.predict_proba(X))
