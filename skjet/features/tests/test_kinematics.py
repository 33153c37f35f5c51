import warnings

import numpy as np
import pandas as pd
import pytest
import vector
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skjet.features import KINEMATIC_FEATURES, JetKinematics, JetMass, Multiplicity, Substructure
from skjet.utils import constituent_mask, n_constituents
from skjet.utils._validation import _CHUNK
from skjet.utils.estimator_checks import make_constituents

ALL_CLASSES = (JetMass, Multiplicity, JetKinematics, Substructure)


def random_jets(n_jets=300, n_slots=30, random_state=0):
    """Massive random constituents with padding at the end and some empty jets."""
    rng = np.random.default_rng(random_state)
    X = np.zeros((n_jets, n_slots, 4), dtype=np.float32)
    mult = rng.integers(0, n_slots + 1, n_jets)
    mult[:3] = [0, 1, n_slots]
    for i, k in enumerate(mult):
        pt = rng.exponential(40.0, k) + 0.5
        eta = rng.normal(0.5, 0.4, k)
        phi = rng.normal(1.0, 0.4, k)
        m = rng.uniform(0.0, 1.0, k)
        px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
        E = np.sqrt(px**2 + py**2 + pz**2 + m**2)
        X[i, :k] = np.stack([E, px, py, pz], axis=1)
    return X, mult


def vector_jets(X):
    """Jet four-vectors summed with the `vector` package, one constituent slot at a time."""
    X = X.astype(np.float64)
    slot = vector.array({"E": X[:, 0, 0], "px": X[:, 0, 1], "py": X[:, 0, 2], "pz": X[:, 0, 3]})
    total = slot
    for j in range(1, X.shape[1]):
        total = total + vector.array(
            {"E": X[:, j, 0], "px": X[:, j, 1], "py": X[:, j, 2], "pz": X[:, j, 3]}
        )
    return total


def test_jet_mass_matches_vector():
    X, _ = random_jets()
    got = JetMass().fit(X).transform(X)
    ref = vector_jets(X)
    assert got.shape == (len(X), 1) and got.dtype == np.float64
    np.testing.assert_allclose(got[:, 0], np.nan_to_num(ref.mass), rtol=1e-5, atol=1e-3)
    assert got[0, 0] == 0.0  # empty jet


def test_jet_mass_negative_m2_from_rounding_is_zero():
    X = np.zeros((2, 2, 4), dtype=np.float32)
    # A massless constituent whose float32 energy rounds below |p|: m^2 < 0.
    X[0, 0] = [100.0, 60.0, 80.0, 0.0]
    X[0, 0, 0] = np.nextafter(np.float32(100.0), np.float32(0.0))
    X[1, 0] = [100.0, 60.0, 80.0, 0.0]
    out = JetMass().fit_transform(X)
    assert np.isfinite(out).all()
    np.testing.assert_array_equal(out[:, 0], [0.0, 0.0])


def test_jet_mass_accumulates_in_float64():
    # 200 constituents of mass-less light-like momenta: float32 sums lose the small mass.
    X = np.zeros((1, 201, 4), dtype=np.float32)
    X[0, :200] = [1000.0, 0.0, 0.0, 1000.0]
    X[0, 200] = [1.0, 1.0, 0.0, 0.0]
    expected = np.sqrt(200001.0**2 - 200000.0**2 - 1.0)
    np.testing.assert_allclose(JetMass().fit_transform(X)[0, 0], expected, rtol=1e-9)


def test_multiplicity_matches_definition_including_signed_zero_and_denormals():
    X, mult = random_jets()
    X[5, :] = 0.0
    X[5, 3] = [0.0, -0.0, 0.0, -0.0]  # all-zero row with negative zeros: padding
    X[6, :] = 0.0
    X[6, 2] = [0.0, 0.0, 0.0, np.float32(1e-45)]  # a denormal is not zero: real
    X[7, 0] = 0.0  # padding in the middle of a jet's slots
    out = Multiplicity().fit_transform(X)[:, 0]
    np.testing.assert_array_equal(out, n_constituents(X))
    np.testing.assert_array_equal(out, np.any(X != 0, axis=-1).sum(axis=1))
    assert out[5] == 0 and out[6] == 1


def test_multiplicity_across_chunks():
    X, _ = make_constituents(n_jets=_CHUNK + 37, n_slots=8, random_state=1)
    expected = constituent_mask(X).sum(axis=1)
    np.testing.assert_array_equal(Multiplicity().fit_transform(X)[:, 0], expected)
    np.testing.assert_array_equal(n_constituents(X), expected)


def test_jet_kinematics_match_vector_per_jet():
    X, mult = random_jets()
    kin = JetKinematics().fit(X)
    out = kin.transform(X)
    assert list(kin.get_feature_names_out()) == list(KINEMATIC_FEATURES)
    ref = vector_jets(X)
    nonempty = mult > 0
    np.testing.assert_allclose(out[:, 0], ref.pt, rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(out[nonempty, 1], ref.eta[nonempty], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(out[nonempty, 2], ref.phi[nonempty], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(out[:, 3], np.nan_to_num(ref.mass), rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(out[:, 4], ref.E, rtol=1e-6)
    np.testing.assert_array_equal(out[:, 5], mult)
    for i in np.flatnonzero(nonempty)[:50]:
        pts = np.hypot(X[i, : mult[i], 1].astype(np.float64), X[i, : mult[i], 2])
        np.testing.assert_allclose(out[i, 6], pts.mean(), rtol=1e-6)
        np.testing.assert_allclose(out[i, 7], pts.max() / ref.pt[i], rtol=1e-5)


def test_jet_kinematics_subset_keeps_order():
    X, _ = random_jets(50)
    full = JetKinematics().fit_transform(X)
    sub = JetKinematics(features=["leading_pt_fraction", "mass"]).fit(X)
    np.testing.assert_array_equal(sub.transform(X), full[:, [7, 3]])
    assert list(sub.get_feature_names_out()) == ["leading_pt_fraction", "mass"]


@pytest.mark.parametrize(
    "features, match",
    [
        (("pt", "width"), r"unknown feature\(s\) \['width'\].*valid names.*'pt'"),
        ((), "empty"),
        (("pt", "pt"), "more than once"),
        (3, "'features' parameter of JetKinematics must be a str among .* or an array-like"),
        ("width", "'features' parameter"),
    ],
)
def test_jet_kinematics_bad_features(features, match):
    X, _ = random_jets(5)
    with pytest.raises(ValueError, match=match):
        JetKinematics(features=features).fit(X)


def test_empty_jets_give_zeros_without_warnings():
    X = np.zeros((3, 5, 4), dtype=np.float32)
    X[1, 0] = [10.0, 6.0, 8.0, 0.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = JetKinematics().fit_transform(X)
    np.testing.assert_array_equal(out[[0, 2]], 0.0)
    np.testing.assert_allclose(out[1], [10.0, 0.0, np.arctan2(8, 6), 0.0, 10.0, 1.0, 10.0, 1.0])


@pytest.mark.parametrize("cls", ALL_CLASSES)
@pytest.mark.parametrize(
    "bad, match",
    [
        (np.ones((4, 12), dtype=np.float32), r"3-D .* got 2-D"),
        (np.ones((4, 3, 3), dtype=np.float32), r"4 features .*\(E, px, py, pz\)"),
        (np.zeros((0, 3, 4), dtype=np.float32), "0 jets"),
        (np.full((2, 3, 4), np.nan, dtype=np.float32), "NaN"),
    ],
    ids=["2d", "last-axis-3", "no-jets", "nan"],
)
def test_bad_input_is_refused(cls, bad, match):
    with pytest.raises(ValueError, match=match):
        cls().fit(bad)
    X, _ = make_constituents(6, 8)
    fitted = cls().fit(X)
    with pytest.raises(ValueError, match=match):
        fitted.transform(bad)


@pytest.mark.parametrize("cls", ALL_CLASSES)
def test_pandas_output(cls):
    X, _ = make_constituents(12, 6)
    est = cls().set_output(transform="pandas").fit(X)
    frame = est.transform(X)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == list(est.get_feature_names_out())
    assert (frame.dtypes == np.float64).all()


def test_float64_input_gives_same_values_as_float32():
    X, _ = random_jets(40)
    np.testing.assert_allclose(
        JetKinematics().fit_transform(X.astype(np.float64)), JetKinematics().fit_transform(X)
    )


def test_in_pipeline_and_grid_search():
    X, y = make_constituents(n_jets=80, n_slots=16, random_state=2)
    pipe = Pipeline([("kin", JetKinematics()), ("clf", LogisticRegression(max_iter=2000))])
    search = GridSearchCV(
        pipe,
        {"kin__features": [("multiplicity",), ("mass", "multiplicity", "mean_pt")]},
        cv=3,
    ).fit(X, y)
    assert search.best_params_["kin__features"] in [
        ("multiplicity",),
        ("mass", "multiplicity", "mean_pt"),
    ]
    # Multiplicity separates the two synthetic classes almost perfectly.
    assert search.best_score_ > 0.8


def test_top_jets_are_heavier_than_qcd(top_qcd_sample):
    kin = JetKinematics(features=("pt", "mass", "multiplicity")).fit(top_qcd_sample.constituents)
    out = kin.transform(top_qcd_sample.constituents)
    is_top = np.asarray(top_qcd_sample.target) == "top"
    assert np.median(out[is_top, 1]) > 140.0 > np.median(out[~is_top, 1])
    assert np.median(out[is_top, 2]) > np.median(out[~is_top, 2])
    assert np.all((out[:, 0] > 500.0) & (out[:, 0] < 700.0))


@pytest.mark.parametrize("cls", ALL_CLASSES)
def test_stateless_marker(cls):
    assert getattr(cls, "_stateless", False) is True


def test_single_feature_name_is_one_column():
    X, _ = random_jets(5)
    est = JetKinematics(features="mass").fit(X)
    assert est.features_ == ("mass",)
    np.testing.assert_array_equal(est.transform(X), JetMass().fit_transform(X))
