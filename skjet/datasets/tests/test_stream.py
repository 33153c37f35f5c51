"""Tests of transform_top_tagging: a Top Quark Tagging file to features, chunk by chunk."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skjet.datasets import load_top_tagging, save_top_tagging, transform_top_tagging
from skjet.features import JetKinematics, JetMass, Multiplicity
from skjet.preprocessing import (
    ConstituentScaler,
    FlattenConstituents,
    JetImage,
    RelativeConstituents,
)

N_JETS = 50


def _jets(n: int, seed: int = 0, n_max: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """Massless constituents around a jet axis, sorted by pT, zero-padded; labels 0/1."""
    rng = np.random.default_rng(seed)
    k = rng.integers(1, n_max + 1, size=n)
    pt = -np.sort(-(rng.exponential(10.0, size=(n, n_max)) + 0.5), axis=1)
    eta = rng.normal(0, 0.3, size=(n, n_max))
    phi = rng.uniform(-np.pi, np.pi, size=(n, 1)) + rng.normal(0, 0.3, size=(n, n_max))
    X = np.stack(
        [pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)], axis=-1
    ).astype(np.float32)
    X[np.arange(n_max)[None, :] >= k[:, None]] = 0.0
    return X, rng.integers(0, 2, size=n)


@pytest.fixture(scope="module")
def jet_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("stream") / "jets.h5"
    X, y = _jets(N_JETS)
    save_top_tagging(path, X, y)
    X_file, y_file = load_top_tagging(path, return_X_y=True)  # zero-padded to 200
    return path, X_file, y_file


def _union():
    return FeatureUnion([("m", JetMass()), ("n", Multiplicity()), ("k", JetKinematics())])


@pytest.mark.parametrize("chunk_size", [7, N_JETS, N_JETS + 5])
@pytest.mark.parametrize("make", [JetMass, Multiplicity, JetKinematics, _union])
def test_chunked_equals_all_at_once(jet_file, make, chunk_size):
    path, X, y = jet_file
    expected = make().fit_transform(X)
    jets = transform_top_tagging(path, make(), chunk_size=chunk_size)
    assert isinstance(jets.data, pd.DataFrame)
    assert jets.data.shape == expected.shape
    np.testing.assert_array_equal(jets.data.to_numpy(), expected)
    assert list(jets.data.columns) == list(make().fit(X).get_feature_names_out())
    assert jets.feature_names == list(jets.data.columns)
    np.testing.assert_array_equal(jets.target, y)
    assert jets.target.dtype == np.int64
    assert list(jets.target_names) == ["qcd", "top"]
    assert jets.filename == str(path)
    assert jets.output is None


@pytest.mark.parametrize(
    "transformer", [RelativeConstituents(), JetImage(size=8)], ids=["relative", "image"]
)
def test_nd_outputs_chunked_equal(jet_file, transformer):
    path, X, _ = jet_file
    expected = transformer.fit_transform(X)
    data = transform_top_tagging(path, transformer, chunk_size=9).data
    assert isinstance(data, np.ndarray) and data.shape == expected.shape
    np.testing.assert_array_equal(data, expected)


@pytest.mark.parametrize("start, stop", [(5, 33), (-10, None), (None, 3), (48, 1000)])
def test_start_stop(jet_file, start, stop):
    path, X, y = jet_file
    rows = np.arange(N_JETS)[start:stop]
    data, target = transform_top_tagging(
        path, JetKinematics(), chunk_size=4, start=start, stop=stop, return_X_y=True
    )
    np.testing.assert_array_equal(data.to_numpy(), JetKinematics().fit_transform(X[rows]))
    np.testing.assert_array_equal(data.index, rows)  # indexed by file row
    np.testing.assert_array_equal(target, y[rows])


def test_pandas_output_keeps_column_dtypes(jet_file):
    path, X, _ = jet_file

    def counts(C):
        return pd.DataFrame({"n": (C != 0).any(-1).sum(1), "e": C[..., 0].sum(1)})

    t = FunctionTransformer(counts)
    data = transform_top_tagging(path, t, chunk_size=6).data
    assert data.dtypes.tolist() == [np.dtype(np.int64), np.dtype(np.float32)]
    np.testing.assert_array_equal(data["n"], (X != 0).any(-1).sum(1))
    union = _union().set_output(transform="pandas")
    data = transform_top_tagging(path, union, chunk_size=11).data
    pd.testing.assert_frame_equal(data, _union().set_output(transform="pandas").fit_transform(X))


def test_npy_output_is_memory_mapped_file(jet_file, tmp_path):
    path, X, _ = jet_file
    out = tmp_path / "sub" / "images.npy"
    jets = transform_top_tagging(path, JetImage(size=6), chunk_size=8, output=out)
    assert isinstance(jets.data, np.memmap) and not jets.data.flags.writeable
    np.testing.assert_array_equal(jets.data, JetImage(size=6).fit_transform(X))
    np.testing.assert_array_equal(np.load(out), jets.data)
    assert jets.output == str(out)
    assert sorted(p.name for p in out.parent.iterdir()) == ["images.npy"]  # no stray temp
    feats = transform_top_tagging(path, JetMass(), output=tmp_path / "mass.npy")
    assert feats.feature_names == ["mass"] and feats.data.shape == (N_JETS, 1)
    with pytest.raises(ValueError, match=r"output must be a \.npy file, got '.*\.csv'"):
        transform_top_tagging(path, JetMass(), output=tmp_path / "x.csv")


def test_stateless_transformer_is_cloned_not_mutated(jet_file):
    path, X, _ = jet_file
    mass = JetMass()
    jets = transform_top_tagging(path, mass)
    assert not hasattr(mass, "n_features_in_")  # the argument stays unfitted
    assert jets.transformer is not mass and jets.transformer.n_features_in_ == 4


def test_pipeline_of_stateless_preprocessing_is_fitted_here(jet_file):
    # FlattenConstituents learns nothing: it was missing from a hard-coded list of
    # stateless classes, so this Pipeline raised NotFittedError.
    path, X, _ = jet_file
    pipe = make_pipeline(RelativeConstituents(), FlattenConstituents())
    jets = transform_top_tagging(path, pipe, chunk_size=13)
    np.testing.assert_allclose(np.asarray(jets.data), pipe.fit_transform(X))


def test_learning_transformer_must_be_fitted(jet_file):
    path, X, _ = jet_file
    with pytest.raises(NotFittedError, match="ConstituentScaler is not fitted and learns"):
        transform_top_tagging(path, ConstituentScaler())
    pipe = make_pipeline(JetKinematics(), StandardScaler())
    with pytest.raises(NotFittedError, match="Pipeline is not fitted"):
        transform_top_tagging(path, pipe)
    # fitted beforehand on the whole sample, applied chunk by chunk: identical
    scaler = ConstituentScaler().fit(X)
    np.testing.assert_allclose(
        transform_top_tagging(path, scaler, chunk_size=13).data, scaler.transform(X)
    )
    pipe.fit(X)
    jets = transform_top_tagging(path, pipe, chunk_size=13)
    assert jets.transformer is pipe
    np.testing.assert_allclose(jets.data.to_numpy(), pipe.transform(X))


class _DropsRows(TransformerMixin, BaseEstimator):
    def fit(self, X, y=None):
        self.fitted_ = True
        return self

    def transform(self, X):
        return X[1:, 0, :]


class _VaryingWidth(_DropsRows):
    def transform(self, X):
        return np.zeros((len(X), len(X)))


def test_errors(jet_file, tmp_path):
    path, X, _ = jet_file
    with pytest.raises(FileNotFoundError, match="nope.h5: no such file"):
        transform_top_tagging(tmp_path / "nope.h5", JetMass())
    with pytest.raises(TypeError, match="must have a transform method, got LogisticRegression"):
        transform_top_tagging(path, LogisticRegression())
    with pytest.raises(ValueError, match="no jets in rows start=40, stop=10 of 50"):
        transform_top_tagging(path, JetMass(), start=40, stop=10)
    with pytest.raises(ValueError, match=r"'chunk_size' parameter of \w+ must be an int in the range \[1, inf\)"):
        transform_top_tagging(path, JetMass(), chunk_size=0)
    with pytest.raises(ValueError, match="returned 9 rows for 10 jets"):
        transform_top_tagging(path, _DropsRows().fit(X), chunk_size=10)
    with pytest.raises(ValueError, match=r"returned shape \(6, 6\) for rows 44 to 50"):
        transform_top_tagging(path, _VaryingWidth().fit(X), chunk_size=11)


def test_nan_in_file_named(tmp_path):
    X, y = _jets(10)
    path = tmp_path / "nan.h5"
    save_top_tagging(path, X, y)
    import tables

    with tables.open_file(str(path), "a") as h:
        h.root.table.block0_values[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite values in column.*PX_0.*row 3"):
        transform_top_tagging(path, JetMass(), chunk_size=2)


def test_memory_bounded_by_chunk(tmp_path):
    # 4000 jets: 12.8 MB of constituents in the file; chunks of 100 jets are 0.32 MB.
    X, y = _jets(4000, seed=1)
    path = tmp_path / "big.h5"
    save_top_tagging(path, X, y)
    del X
    full = 4000 * 200 * 4 * 4
    tracemalloc.start()
    try:
        transform_top_tagging(path, _union(), chunk_size=100)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < full / 8, f"peak {peak / 1e6:.1f} MB vs {full / 1e6:.1f} MB of constituents"
