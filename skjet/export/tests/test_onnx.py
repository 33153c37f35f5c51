"""ONNX export: ONNX Runtime reproduces predict_proba within 1e-5 for every exportable
estimator and every pipeline of ``skjet demo``; batch and constituent axes are dynamic;
what cannot be exported says which step and why."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline, make_union
from sklearn.preprocessing import MinMaxScaler, StandardScaler

pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

from skjet.export import onnx_session, to_onnx  # noqa: E402
from skjet.features import JetKinematics, JetMass, Multiplicity, Substructure  # noqa: E402
from skjet.preprocessing import (  # noqa: E402
    ConstituentScaler,
    FlattenConstituents,
    JetImage,
    RelativeConstituents,
    ReshapeConstituents,
)

ATOL = 1e-5
N_JETS = 240  # jets of the top_qcd_sample used here (fits stay small)
N_SLOTS = 60  # constituent slots kept: covers almost every jet of the sample


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def subsample(sample, n_slots=None):
    """N_JETS jets of both classes (the sample is ordered by class)."""
    index = np.sort(np.random.default_rng(0).permutation(len(sample.target))[:N_JETS])
    X = sample.constituents[index]
    if n_slots is not None:
        X = X[:, :n_slots]
    return np.ascontiguousarray(X), np.asarray(sample.target)[index]


@pytest.fixture(scope="module")
def jets(top_qcd_sample):
    return subsample(top_qcd_sample, N_SLOTS)


def run(model, X):
    label, proba = onnx_session(model).run(None, {"X": np.asarray(X, dtype=np.float32)})
    return label, proba


def assert_parity(model, fitted, X):
    X32 = X.astype(np.float32) if isinstance(X, pd.DataFrame) else np.asarray(X, np.float32)
    label, proba = run(model, X32)
    expected = fitted.predict_proba(X32)
    assert proba.shape == expected.shape
    np.testing.assert_allclose(proba, expected, rtol=0, atol=ATOL)
    predicted = fitted.predict(X32)
    if type(fitted).__name__ == "CutAndCountClassifier":  # the label is the cut decision
        np.testing.assert_array_equal(label.astype(str), predicted.astype(str))
        return
    # argmax ties are impossible to break identically in float32 and float64; only compare
    # labels where the decision is not within rounding
    clear = np.sort(expected, axis=1)[:, -1] - np.sort(expected, axis=1)[:, -2] > 1e-4
    assert clear.mean() > 0.9
    np.testing.assert_array_equal(label.astype(str)[clear], predicted.astype(str)[clear])


@pytest.fixture(scope="module")
def demo(top_qcd_sample):
    """Each pipeline of ``skjet demo`` fitted quickly on its demo input."""
    from skjet.model_selection import prepare_inputs, standard_approaches

    X, y = subsample(top_qcd_sample)
    inputs = prepare_inputs(X)
    fitted = {}
    for name, (est, key) in standard_approaches(quick=True, random_state=0,
                                                from_scratch=True, cnn=True).items():
        for param in est.get_params():
            if param.endswith("max_epochs"):
                est.set_params(**{param: 2})
        fitted[name] = (est.fit(inputs[key], y), inputs[key])
    return fitted


@pytest.fixture(scope="module")
def exported(demo):
    """ONNX model of each demo pipeline, exported once (torch's exporter takes seconds)."""
    cache = {}

    def get(name):
        if name not in cache:
            fitted, X = demo[name]
            cache[name] = to_onnx(fitted, X[:20])
        return cache[name]

    return get


@pytest.mark.parametrize(
    "name",
    ["logistic (mass, mean pT)", "cut-and-count", "XGBoost", "MLP", "DeepSets", "CNN",
     "ParticleNet", "ParT"],
)
def test_demo_pipelines_match_predict_proba(demo, exported, name):
    fitted, X = demo[name]
    model = exported(name)
    assert [o.name for o in model.graph.output] == ["label", "probabilities"]
    assert_parity(model, fitted, X)


def test_every_demo_approach_is_tested(demo):
    assert set(demo) == {
        "logistic (mass, mean pT)", "cut-and-count", "XGBoost", "MLP", "DeepSets", "CNN",
        "ParticleNet", "ParT",
    }



def test_batch_axis_is_dynamic(demo, exported):
    fitted, X = demo["MLP"]
    model = exported("MLP")
    assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_value == 0  # symbolic
    for n in (1, 7, len(X)):
        _, proba = run(model, X.iloc[:n])
        np.testing.assert_allclose(proba, fitted.predict_proba(X.iloc[:n].astype(np.float32)),
                                   atol=ATOL, rtol=0)


def test_constituent_model_takes_fewer_constituents(demo, exported):
    fitted, X = demo["DeepSets"]  # exported with all 200 slots
    model = exported("DeepSets")
    assert X.shape[1] == 200
    for m in (1, 12, 50):
        short = X[:30, :m]
        _, proba = run(model, short)
        np.testing.assert_allclose(proba, fitted.predict_proba(short), atol=ATOL, rtol=0)


def test_flattened_constituents_pad_to_the_fitted_width(jets):
    X, y = jets
    pipe = make_pipeline(RelativeConstituents(), FlattenConstituents(), MinMaxScaler(),
                         LogisticRegression(max_iter=1000)).fit(X, y)
    model = to_onnx(pipe, X[:10])
    assert_parity(model, pipe, X)
    short = X[:, :20]
    padded = np.zeros_like(X)
    padded[:, :20] = short
    _, proba = run(model, short)
    np.testing.assert_allclose(proba, pipe.predict_proba(padded), atol=ATOL, rtol=0)
    with pytest.raises(Exception, match="ONNXRuntimeError"):
        run(model, np.concatenate([X, X], axis=1))  # more slots than fitted


def test_feature_extractors_and_reshape(jets):
    X, y = jets
    union = make_union(JetKinematics(), JetMass(), Multiplicity())
    pipe = make_pipeline(union, StandardScaler(), LogisticRegression()).fit(X, y)
    assert_parity(to_onnx(pipe, X[:10]), pipe, X)

    flat = X.reshape(len(X), -1)
    pipe = make_pipeline(ReshapeConstituents(), ConstituentScaler(method="minmax"),
                         FlattenConstituents(), LogisticRegression(max_iter=500)).fit(flat, y)
    assert_parity(to_onnx(pipe, flat[:10]), pipe, flat)


def test_relative_constituents_match_skjet(jets):
    """The transformer's own output through ONNX, not only after a classifier."""
    from skl2onnx import to_onnx as skl_to_onnx
    from skl2onnx.common.data_types import FloatTensorType

    X, y = jets
    # registering happens in to_onnx; a first call makes plain skl2onnx know the step
    pipe = make_pipeline(RelativeConstituents(), FlattenConstituents(),
                         LogisticRegression(max_iter=1000)).fit(X, y)
    to_onnx(pipe, X[:5])
    rel = RelativeConstituents().fit(X)
    model = skl_to_onnx(rel, initial_types=[("X", FloatTensorType([None, None, 4]))],
                        target_opset=18)
    got = onnx_session(model).run(None, {"X": X})[0]
    expected = rel.transform(X)
    np.testing.assert_allclose(got, expected, atol=2e-5, rtol=1e-5)
    assert (got[expected == 0] == 0).all()  # padding stays exactly zero


def test_integer_labels_and_written_file(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int) + 3
    clf = LogisticRegression().fit(X, y)
    path = tmp_path / "model.onnx"
    model = to_onnx(clf, X[:5], path)
    assert path.read_bytes() == model.SerializeToString()
    label, proba = onnx_session(path).run(None, {"X": X})
    np.testing.assert_array_equal(label, clf.predict(X))
    np.testing.assert_allclose(proba, clf.predict_proba(X), atol=ATOL, rtol=0)


class Doubler(TransformerMixin, BaseEstimator):
    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return 2 * X


@pytest.mark.parametrize(
    "step, match",
    [
        (Substructure(features=("tau21",)), "Substructure.*FastJet"),
        (JetImage(size=5), "JetImage.*pixel"),
        (RelativeConstituents(nsubjettiness_axes=(2,)),
         r"RelativeConstituents\).*N-subjettiness axes run FastJet"),
    ],
)
def test_inexpressible_steps_name_themselves(jets, step, match):
    X, y = jets
    flat = isinstance(step, (JetImage, RelativeConstituents))
    pipe = make_pipeline(step, FlattenConstituents() if flat else None, LogisticRegression())
    with pytest.raises(ValueError, match=match):
        to_onnx(pipe, X[:5])  # refused before anything is fitted or converted


def test_unknown_step_is_named():
    X = np.random.default_rng(0).normal(size=(40, 2))
    pipe = make_pipeline(Doubler(), LogisticRegression()).fit(X, X[:, 0] > 0)
    with pytest.raises(ValueError, match="step 'doubler' \\(Doubler\\).*no ONNX converter"):
        to_onnx(pipe, X[:5])


def test_non_classifier_and_bad_example():
    X = np.random.default_rng(0).normal(size=(40, 2))
    with pytest.raises(ValueError, match="without predict_proba"):
        to_onnx(StandardScaler().fit(X), X[:5])
    clf = LogisticRegression().fit(X, X[:, 0] > 0)
    with pytest.raises(ValueError, match="X_example must be"):
        to_onnx(clf, X[0])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"atol": -1e-5}, r"'atol' parameter of to_onnx must be a float in the range \[0"),
        ({"check": "yes"}, r"'check' parameter of to_onnx must be an instance of 'bool'"),
        ({"path": 3}, r"'path' parameter of to_onnx must be"),
    ],
)
def test_invalid_settings_are_named(kwargs, match):
    X = np.random.default_rng(0).normal(size=(40, 2))
    clf = LogisticRegression().fit(X, X[:, 0] > 0)
    with pytest.raises(ValueError, match=match):
        to_onnx(clf, X[:5], **kwargs)


def test_missing_extra_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "skl2onnx", None)
    X = np.random.default_rng(0).normal(size=(40, 2))
    clf = LogisticRegression().fit(X, X[:, 0] > 0)
    with pytest.raises(ImportError, match=r"skjet\[export\]"):
        to_onnx(clf, X[:5])


def test_runtime_check_catches_a_graph_that_disagrees():
    X = np.random.default_rng(0).normal(size=(60, 2)).astype(np.float32)
    clf = LogisticRegression().fit(X, X[:, 0] > 0)
    # predict_proba no longer what the graph computes
    clf.predict_proba = lambda X: LogisticRegression.predict_proba(clf, X) * 0.99 + 0.005
    with pytest.raises(ValueError, match="differ from predict_proba by up to 0.00"):
        to_onnx(clf, X[:10])
    assert to_onnx(clf, X[:10], check=False).graph.output[1].name == "probabilities"


def test_multiclass_cuts_and_trees():
    from skjet.models import CutAndCountClassifier, XGBoostClassifier

    rng = np.random.default_rng(1)
    y = np.repeat(["q", "t", "w"], 150)
    X = rng.normal(size=(450, 3)) + (y == "t")[:, None] * [2.0, 0.5, 0.0] \
        + (y == "w")[:, None] * [0.0, 1.0, 1.0]
    X = pd.DataFrame(X, columns=["mass", "tau32", "width"])
    cuts = CutAndCountClassifier(signal_class="t").fit(X, y)
    assert_parity(to_onnx(cuts, X.iloc[:10]), cuts, X)
    # early stopping: only the best iteration's trees count, in the graph too
    trees = XGBoostClassifier(n_estimators=200, early_stopping_rounds=5, max_depth=3,
                              random_state=0).fit(X, y)
    assert trees.best_iteration_ < trees.n_estimators_ - 1
    assert_parity(to_onnx(trees, X.iloc[:10]), trees, X)


# -- bare constituent classifiers, module_inputs, files that are not ONNX ---------------------
def _bare_constituent_classifiers():
    from skjet.models import DeepSetsClassifier

    found = {"DeepSets": DeepSetsClassifier(phi_sizes=(8,), f_sizes=(8,), max_epochs=1,
                                            random_state=0)}
    if importlib.util.find_spec("weaver") is not None:
        from skjet.models import ParticleNetClassifier, ParticleTransformerClassifier

        found["ParticleNet"] = ParticleNetClassifier(
            k=4, conv_channels=((8, 8),), fc_size=8, max_constituents=16, max_epochs=1,
            random_state=0)
        found["ParT"] = ParticleTransformerClassifier(
            embed_dims=(8,), pair_embed_dims=(4,), num_heads=1, num_layers=1,
            max_constituents=16, max_epochs=1, random_state=0)
    return found


@pytest.mark.parametrize("name", ["DeepSets", "ParticleNet", "ParT"])
def test_bare_constituent_classifier_has_a_dynamic_constituent_axis(jets, name):
    found = _bare_constituent_classifiers()
    if name not in found:
        pytest.skip("needs weaver-core (the taggers extra)")
    X, y = jets  # 60 slots
    clf = found[name].fit(X[:, :30], y)
    model = to_onnx(clf, X[:20, :20])  # the example has 20 slots
    assert model.graph.input[0].type.tensor_type.shape.dim[1].dim_value == 0  # symbolic
    for m in (5, 20, 30):  # fewer, as many, more than the example (and than 16 kept)
        _, proba = run(model, X[:40, :m])
        np.testing.assert_allclose(proba, clf.predict_proba(X[:40, :m]), atol=ATOL, rtol=0)


def test_module_inputs_of_a_subclass_are_in_the_graph(jets):
    import torch
    from sklearn.utils.validation import validate_data

    from skjet.models import NeuralClassifier

    class LogPt(NeuralClassifier):
        """A linear model on log(1 + |x|), computed per batch by module_inputs: the same
        shape as x, so a graph without it would run, and be wrong."""

        def validate_input(self, X, *, reset):
            return validate_data(self, X, reset=reset, dtype=np.float32)

        def build_module(self, X, n_classes):
            return torch.nn.Linear(X.shape[1], n_classes)

        def module_inputs(self, X_batch):
            return (torch.log1p(torch.abs(X_batch)),)

    X = np.abs(jets[0][:, :4, 1]) * 10.0  # some momenta as 4 features
    clf = LogPt(max_epochs=2, random_state=0).fit(X, jets[1])
    model = to_onnx(clf, X[:10], check=False)
    _, proba = run(model, X)
    np.testing.assert_allclose(proba, clf.predict_proba(X), atol=ATOL, rtol=0)


def test_onnx_session_names_a_file_that_is_not_onnx(tmp_path):
    import pickle

    path = tmp_path / "model.onnx"
    path.write_bytes(pickle.dumps({"not": "onnx"}))
    with pytest.raises(ValueError, match=rf"onnx_session: {path} is not a readable ONNX model "
                       r"\(\d+ bytes; ONNX Runtime: .*to_onnx"):
        onnx_session(path)
    with pytest.raises(ValueError, match="the bytes given is not a readable ONNX model"):
        onnx_session(b"\x00\x01garbage")
