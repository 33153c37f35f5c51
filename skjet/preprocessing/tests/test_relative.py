import numpy as np
import pytest
import vector

from skjet.preprocessing import RELATIVE_FEATURE_NAMES, RelativeConstituents
from skjet.utils import constituent_mask

from .conftest import make_jets


def _reference(X):
    """Per-jet, per-constituent loop with the ``vector`` package."""
    out = np.zeros((*X.shape[:2], 7))
    for i, jet in enumerate(X.astype(np.float64)):
        parts = [vector.obj(E=r[0], px=r[1], py=r[2], pz=r[3]) for r in jet if np.any(r)]
        if not parts:
            continue
        axis = parts[0]
        for p in parts[1:]:
            axis = axis + p
        for k, p in enumerate(parts):
            out[i, k] = [
                np.log(p.pt),
                np.log(p.t),
                np.log(p.pt / axis.pt),
                np.log(p.t / axis.t),
                p.eta - axis.eta,
                p.deltaphi(axis),
                np.hypot(p.eta - axis.eta, p.deltaphi(axis)),
            ]
    return out


def test_matches_per_jet_loop_with_vector(jets):
    out = RelativeConstituents().fit_transform(jets)
    assert out.dtype == np.float32 and out.shape == (*jets.shape[:2], 7)
    np.testing.assert_allclose(out, _reference(jets), rtol=2e-5, atol=2e-5)


def test_padding_and_empty_jet_are_zero(jets):
    out = RelativeConstituents().fit_transform(jets)
    mask = constituent_mask(jets)
    assert np.all(out[~mask] == 0.0)
    assert np.all(out[-1] == 0.0) and not mask[-1].any()
    assert np.isfinite(out).all()


def test_delta_phi_wraps_around_pi():
    X = make_jets(phi_axis=np.pi, spread=0.2)
    out = RelativeConstituents().fit_transform(X)
    mask = constituent_mask(X)
    # Constituents straddle phi = +-pi; without wrapping some |delta phi| would be near 2 pi.
    assert np.abs(out[..., 5][mask]).max() < 1.5
    phis = np.arctan2(X[..., 2], X[..., 1])[mask]
    assert phis.min() < -2.5 and phis.max() > 2.5


def test_feature_names():
    est = RelativeConstituents().fit(make_jets(n_jets=3))
    names = est.get_feature_names_out()
    expected = ["log_pt", "log_e", "log_pt_rel", "log_e_rel", "delta_eta", "delta_phi", "delta_r"]
    assert list(names) == expected
    assert list(RELATIVE_FEATURE_NAMES) == expected


def test_bad_input(jets):
    est = RelativeConstituents()
    with pytest.raises(ValueError, match="3-D"):
        est.fit(jets.reshape(len(jets), -1))
    with pytest.raises(ValueError, match=r"4 features \(E, px, py, pz\)"):
        est.fit(jets[..., :3])
    bad = jets.copy()
    bad[1, 0, 0] = np.inf
    with pytest.raises(ValueError, match="infinite"):
        est.fit(bad)
    with pytest.raises(ValueError, match="0 jets"):
        est.fit(jets[:0])
    est.fit(jets)
    with pytest.raises(ValueError, match="4 features"):
        est.transform(np.concatenate([jets, jets[..., :1]], axis=-1))


def test_unphysical_constituents_are_refused(jets):
    est = RelativeConstituents().fit(jets)
    bad = jets.copy()
    bad[2, 0, 0] = -bad[2, 0, 0]
    with pytest.raises(ValueError, match="jet 2, constituent 0"):
        est.transform(bad)
    along_beam = jets.copy()
    along_beam[3, 1] = [5.0, 0.0, 0.0, 5.0]
    with pytest.raises(ValueError, match="pT = 0"):
        est.transform(along_beam)
    back_to_back = np.zeros((1, 2, 4), dtype=np.float32)
    back_to_back[0] = [[10, 10, 0, 0], [10, -10, 0, 0]]
    with pytest.raises(ValueError, match="zero total pT"):
        est.transform(back_to_back)


def _axis_distance_reference(jet, n):
    """Per-jet: FastJet's exclusive-kt axes of one jet, then each constituent's distance to
    the nearest in (rapidity, phi), from the textbook formulas."""
    import fastjet

    real = jet[np.any(jet != 0, axis=1)].astype(np.float64)
    particles = [fastjet.PseudoJet(*map(float, (r[1], r[2], r[3], r[0]))) for r in real]
    sequence = fastjet.ClusterSequence(particles, fastjet.JetDefinition(fastjet.kt_algorithm,
                                                                         1000.0))
    axes = sequence.exclusive_jets_up_to(n)
    out = []
    for r in real:
        rap = 0.5 * np.log((r[0] + r[3]) / (r[0] - r[3]))
        phi = np.arctan2(r[2], r[1])
        out.append(min(np.hypot(rap - a.rap(), (phi - a.phi_std() + np.pi) % (2 * np.pi) - np.pi)
                       for a in axes))
    return np.array(out)


def test_nsubjettiness_axes_distances_match_fastjet_per_jet_and_give_tau(jets):
    pytest.importorskip("fastjet")
    from skjet.features import Substructure

    est = RelativeConstituents(nsubjettiness_axes=(2, 3)).fit(jets)
    out = est.transform(jets)
    assert out.shape == (*jets.shape[:2], 9) and out.dtype == np.float32
    assert est.n_features_out_ == 9
    assert list(est.get_feature_names_out()[7:]) == ["delta_r_tau2_axes", "delta_r_tau3_axes"]
    # the first seven features are those without the option
    np.testing.assert_array_equal(out[..., :7], RelativeConstituents().fit_transform(jets))
    mask = constituent_mask(jets)
    assert np.all(out[~mask] == 0.0)
    for i, jet in enumerate(jets):
        if not mask[i].any():
            continue
        for k, n in enumerate((2, 3)):
            np.testing.assert_allclose(out[i, mask[i], 7 + k], _axis_distance_reference(jet, n),
                                       rtol=1e-5, atol=1e-6)
    # sum pT * distance / (sum pT * R) is tau_N
    pts = np.hypot(jets[..., 1], jets[..., 2]).astype(np.float64)
    taus = Substructure(features=("tau2", "tau3")).fit_transform(jets)
    with np.errstate(invalid="ignore", divide="ignore"):
        from_distances = (pts[..., None] * out[..., 7:]).sum(axis=1) / (
            pts.sum(axis=1, keepdims=True) * 0.8)
    filled = mask.any(axis=1)
    np.testing.assert_allclose(from_distances[filled], taus[filled], rtol=1e-5, atol=1e-7)


def test_a_jet_with_at_most_n_constituents_is_its_own_axes():
    pytest.importorskip("fastjet")
    X = make_jets(n_jets=2)
    X[0, 2:] = 0.0  # two constituents: each is one of the 2 and of the 3 axes
    out = RelativeConstituents(nsubjettiness_axes=(2, 3)).fit_transform(X)
    assert np.all(out[0, :2, 7:] == 0.0)
    assert np.all(out[1, constituent_mask(X)[1], 8] >= 0.0)


@pytest.mark.parametrize("axes", [(0,), (2, 2), (1.5,), (True,), ("2",)])
def test_bad_nsubjettiness_axes_are_named(jets, axes):
    with pytest.raises(ValueError, match=r"nsubjettiness_axes must hold distinct integers >= 1"):
        RelativeConstituents(nsubjettiness_axes=axes).fit(jets)
