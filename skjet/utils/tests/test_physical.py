"""The shared physical-input check of every estimator that reads (E, px, py, pz)."""

from __future__ import annotations

import numpy as np
import pytest

from skjet.features import JetKinematics, JetMass, Multiplicity, Substructure
from skjet.preprocessing import JetImage, RelativeConstituents, from_cartesian, to_cartesian
from skjet.utils import check_constituents, check_physical

# Every estimator that interprets the first four features as a four-momentum.
CONSUMERS = [
    JetMass,
    JetKinematics,
    lambda: Substructure(features=("tau1", "sd_mass")),
    RelativeConstituents,
    lambda: JetImage(size=5),
]
IDS = ["JetMass", "JetKinematics", "Substructure", "RelativeConstituents", "JetImage"]


@pytest.fixture(scope="module")
def jets():
    """Massless constituents of 6 jets in float32, E rounded separately from p."""
    rng = np.random.default_rng(1)
    X = np.zeros((6, 12, 4), dtype=np.float32)
    for i in range(6):
        n = 4 + i
        pt = rng.exponential(20.0, n) + 1.0
        eta = rng.normal(0.3 * i - 0.8, 0.2, n)
        phi = rng.normal(1.0 - 0.5 * i, 0.2, n)
        p = np.stack([pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)])
        X[i, :n] = p.T
    return X


@pytest.mark.parametrize("make", CONSUMERS, ids=IDS)
def test_physical_input_passes_with_float32_rounding(make, jets):
    # Massless constituents rebuilt in float32 have |p| above E by up to a few 1e-7.
    out = make().fit(jets).transform(jets)
    assert np.isfinite(out).all()


@pytest.mark.parametrize("make", CONSUMERS, ids=IDS)
def test_negative_energy_is_refused(make, jets):
    bad = jets.copy()
    bad[3, 1, 0] = -bad[3, 1, 0]
    est = make().fit(jets)
    with pytest.raises(ValueError, match=r"1 of 39 real constituent\(s\), in 1 jet\(s\).*jet 3, constituent 1"):
        est.transform(bad)
    with pytest.raises(ValueError, match="unphysical"):
        make().fit(bad)


@pytest.mark.parametrize("make", CONSUMERS, ids=IDS)
def test_spacelike_constituent_is_refused(make, jets):
    bad = jets.copy()
    bad[2, 0, 0] *= 0.5  # E far below |p|
    bad[5, 3, 0] *= 0.99  # 1 % below |p|: beyond rounding
    with pytest.raises(ValueError, match=r"2 of 39 .* in 2 jet\(s\).*Jets 2, 5; first: jet 2") as err:
        make().fit(jets).transform(bad)
    assert "to_cartesian" in str(err.value)


@pytest.mark.parametrize("make", CONSUMERS, ids=IDS)
def test_pt_eta_phi_m_passed_as_cartesian_is_refused(make, jets):
    cylindrical = from_cartesian(jets, "pt_eta_phi_m")
    with pytest.raises(ValueError, match=r'look like \(pT, eta, phi, m\).*to_cartesian\(X, "pt_eta_phi_m"\)'):
        make().fit(cylindrical)
    # A single jet is not judged by its layout, but soft constituents (pT below
    # |(eta, phi, m)|) fail the physical check; most of them failing names the conversion.
    soft = cylindrical[:1].copy()
    soft[..., 0] = np.where(soft[..., 0] > 0, 0.1, 0.0)
    with pytest.raises(ValueError, match=r"Most constituents fail.*to_cartesian"):
        make().fit(soft)
    # The conversion the message names gives input that passes.
    make().fit(to_cartesian(cylindrical, "pt_eta_phi_m").astype(np.float32))


def test_jet_mass_no_longer_hides_spacelike_jets(jets):
    # A spacelike jet sum used to come out as mass 0 (the clip meant for rounding).
    bad = jets.copy()
    bad[0, :4, 0] = 1.0
    with pytest.raises(ValueError, match="unphysical"):
        JetMass().fit_transform(bad)


def test_multiplicity_counts_in_any_coordinates(jets):
    cylindrical = from_cartesian(jets, "pt_eta_phi_m")
    np.testing.assert_array_equal(
        Multiplicity().fit_transform(cylindrical)[:, 0], np.arange(4, 10)
    )


def test_check_constituents_physical_keyword(jets):
    bad = jets.copy()
    bad[1, 0, 0] = 0.0
    check_constituents(bad)  # off by default: the array is only validated
    with pytest.raises(ValueError, match="JetMass: constituents: 1 of 39"):
        check_constituents(bad, physical=True, estimator=JetMass())
    nan = jets.copy()
    nan[0, 0, 1] = np.nan
    with pytest.raises(ValueError, match="1 NaN"):
        check_constituents(nan, physical=True)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("column", [0, 1, 3])
def test_non_finite_values_are_refused_in_any_chunk(bad, column, jets):
    # The physical check also stands in for the finiteness check: a value in a late slice
    # (past the first 64 jets) must not slip through.
    X = np.tile(jets, (30, 1, 1))
    X[150, 1, column] = bad
    with pytest.raises(ValueError, match=r"1 NaN|1 infinite"):
        check_constituents(X, physical=True)
    extra = np.concatenate([jets, np.zeros((6, 12, 1), np.float32)], axis=-1)
    extra[4, 0, 4] = bad
    with pytest.raises(ValueError, match=r"features after the four-momentum.*(1 NaN|1 infinite)"):
        check_constituents(extra, n_features=5, physical=True)


def test_layout_check_spares_toy_jets():
    # One jet along x with small momenta is genuine (E, px, py, pz), not (pT, eta, phi, m).
    X = np.zeros((1, 12, 4), dtype=np.float32)
    X[0, :12] = [[2.0, 1.0, 0.5, 0.0], [2.0, 1.0, -0.5, 0.0]] * 6
    check_physical(X)
    # Padding and extra features after the four-momentum are ignored.
    extra = np.concatenate([X, np.full((1, 12, 1), -7.0, np.float32)], axis=-1)
    check_physical(extra)


def test_huge_values_are_judged_exactly():
    # Squares overflow float32; the exact float64 check decides.
    X = np.zeros((1, 2, 4), dtype=np.float32)
    X[0, 0] = [3e19, 1e19, 1e19, 1e19]
    check_physical(X)
    X[0, 1] = [1e19, 3e19, 0, 0]
    with pytest.raises(ValueError, match="jet 0, constituent 1"):
        check_physical(X)


@pytest.mark.parametrize("dtype", [np.int64, np.float64, np.float32])
def test_check_physical_takes_any_numeric_dtype(dtype):
    X = np.zeros((2, 3, 4), dtype=dtype)
    X[0, 0] = [5, 3, 0, 4]
    check_physical(X)
    X[1, 2] = [1, 3, 0, 0]
    with pytest.raises(ValueError, match="jet 1, constituent 2"):
        check_physical(X)
