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
