import itertools
import sys
import warnings

import numpy as np
import pytest

from skjet.features import HLS4ML_FEATURES, SUBSTRUCTURE_FEATURES, Substructure

fastjet = pytest.importorskip("fastjet")

R0 = 0.8


def boosted_jets(n_jets=40, n_prongs=(1, 2, 3), max_slots=40, random_state=0):
    """Jets of 1-3 collimated prongs, each a spray of soft particles around a hard core."""
    rng = np.random.default_rng(random_state)
    X = np.zeros((n_jets, max_slots, 4), dtype=np.float32)
    for i in range(n_jets):
        prongs = n_prongs[i % len(n_prongs)]
        centers = rng.normal(0.0, 0.25, (prongs, 2))
        rows = []
        for eta0, phi0 in centers:
            k = rng.integers(3, max_slots // prongs + 1)
            pt = 300.0 / prongs * rng.dirichlet(np.full(k, 0.5))
            eta = eta0 + rng.normal(0.0, 0.03, k)
            phi = phi0 + rng.normal(0.0, 0.03, k)
            rows.append(np.stack([pt, eta, phi], axis=1))
        pt, eta, phi = np.concatenate(rows)[:max_slots].T
        order = np.argsort(-pt)
        pt, eta, phi = pt[order], eta[order], phi[order]
        px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
        X[i, : len(pt)] = np.stack([pt * np.cosh(eta), px, py, pz], axis=1)
    return X


def pseudojets(constituents):
    real = constituents[np.any(constituents != 0, axis=1)].astype(np.float64)
    return [fastjet.PseudoJet(px, py, pz, E) for E, px, py, pz in real]


def reference_tau(constituents, n_axes):
    """tau_N (beta = 1) from exclusive kt axes of FastJet's classic API, one jet at a time."""
    particles = pseudojets(constituents)
    cs = fastjet.ClusterSequence(particles, fastjet.JetDefinition(fastjet.kt_algorithm, 1000.0))
    axes = cs.exclusive_jets(min(n_axes, len(particles)))
    numerator = sum(p.pt() * min(p.delta_R(a) for a in axes) for p in particles)
    return numerator / (sum(p.pt() for p in particles) * R0)


def reference_soft_drop(constituents, beta, zcut):
    """Groomed (mass, constituents) by declustering the C/A tree by hand."""
    particles = pseudojets(constituents)
    cs = fastjet.ClusterSequence(
        particles, fastjet.JetDefinition(fastjet.cambridge_algorithm, 1000.0)
    )
    jet = cs.exclusive_jets(1)[0]
    while True:
        p1, p2 = fastjet.PseudoJet(), fastjet.PseudoJet()
        if not jet.has_parents(p1, p2):
            break
        z = min(p1.pt(), p2.pt()) / (p1.pt() + p2.pt())
        if z > zcut * (p1.delta_R(p2) / R0) ** beta:
            break
        jet = p1 if p1.pt() >= p2.pt() else p2
    groomed = np.array([[c.E(), c.px(), c.py(), c.pz()] for c in jet.constituents()])
    return max(jet.m(), 0.0), groomed


def reference_ecfs(constituents, beta):
    """Normalised e2, e3, 1e3, 2e3 by brute force over pairs and triples."""
    E, px, py, pz = constituents.T
    pt = np.hypot(px, py)
    rap = 0.5 * np.log((E + pz) / (E - pz))
    phi = np.arctan2(py, px)
    z = pt / pt.sum()

    def angle(i, j):
        dphi = (phi[i] - phi[j] + np.pi) % (2 * np.pi) - np.pi
        return np.hypot(rap[i] - rap[j], dphi) ** beta

    e2 = sum(z[i] * z[j] * angle(i, j) for i, j in itertools.combinations(range(len(z)), 2))
    e3 = g1 = g2 = 0.0
    for i, j, k in itertools.combinations(range(len(z)), 3):
        a = sorted([angle(i, j), angle(i, k), angle(j, k)])
        w = z[i] * z[j] * z[k]
        e3 += w * a[0] * a[1] * a[2]
        g1 += w * a[0]
        g2 += w * a[0] * a[1]
    return e2, e3, g1, g2


@pytest.fixture(scope="module")
def jets():
    X = boosted_jets()
    X[-1] = 0.0  # a jet without constituents
    X[-2, 1:] = 0.0  # a jet with one constituent
    X[-3, 2:] = 0.0  # a jet with two
    return X


@pytest.fixture(scope="module")
def table(jets):
    sub = Substructure().fit(jets)
    return dict(zip(sub.get_feature_names_out(), sub.transform(jets).T))


def test_default_and_hls4ml_columns():
    X = boosted_jets(4)
    assert list(Substructure().fit(X).get_feature_names_out()) == list(SUBSTRUCTURE_FEATURES)
    hls = Substructure(features="hls4ml").fit(X)
    assert list(hls.get_feature_names_out()) == [
        "zlogz", "c1_b0_mmdt", "c1_b1_mmdt", "c1_b2_mmdt", "c2_b1_mmdt", "c2_b2_mmdt",
        "d2_b1_mmdt", "d2_b2_mmdt", "d2_a1_b1_mmdt", "d2_a1_b2_mmdt", "m2_b1_mmdt",
        "m2_b2_mmdt", "n2_b1_mmdt", "n2_b2_mmdt", "mass_mmdt", "multiplicity",
    ]  # fmt: skip
    assert hls.transform(X).shape == (4, len(HLS4ML_FEATURES))


def test_nsubjettiness_matches_per_jet_fastjet(jets, table):
    for i in range(len(jets) - 1):
        taus = [reference_tau(jets[i], n) for n in (1, 2, 3)]
        np.testing.assert_allclose(
            [table["tau1"][i], table["tau2"][i], table["tau3"][i]], taus, rtol=1e-6, atol=1e-9
        )
        expected_tau21 = taus[1] / taus[0] if taus[0] > 0 else 0.0
        np.testing.assert_allclose(table["tau21"][i], expected_tau21, rtol=1e-6, atol=1e-9)


def test_soft_drop_mass_matches_declustering_by_hand(jets, table):
    sd = Substructure(features=("sd_mass",), soft_drop_beta=1.0, soft_drop_zcut=0.2).fit(jets)
    sd_b1 = sd.transform(jets)[:, 0]
    for i in range(len(jets) - 1):
        np.testing.assert_allclose(
            table["sd_mass"][i], reference_soft_drop(jets[i], 0.0, 0.1)[0], rtol=1e-6, atol=1e-6
        )
        np.testing.assert_allclose(
            sd_b1[i], reference_soft_drop(jets[i], 1.0, 0.2)[0], rtol=1e-6, atol=1e-6
        )
    np.testing.assert_array_equal(table["mass_mmdt"], table["sd_mass"])
    # Grooming removes soft wide-angle radiation somewhere in this sample.
    assert (
        sd_b1[:-1]
        < Substructure(features=("sd_mass",), soft_drop_zcut=0.0).fit_transform(jets)[:-1, 0]
    ).any()


def test_energy_correlation_ratios_match_brute_force(jets, table):
    for i in range(0, len(jets) - 3, 4):
        _, groomed = reference_soft_drop(jets[i], 0.0, 0.1)
        e2 = {b: reference_ecfs(groomed, b) for b in (0, 1, 2)}
        expected = {
            "c1_b0_mmdt": e2[0][0],
            "c1_b1_mmdt": e2[1][0],
            "c1_b2_mmdt": e2[2][0],
            "c2_b1_mmdt": e2[1][1] / e2[1][0] ** 2,
            "c2_b2_mmdt": e2[2][1] / e2[2][0] ** 2,
            "d2_b1_mmdt": e2[1][1] / e2[1][0] ** 3,
            "d2_b2_mmdt": e2[2][1] / e2[2][0] ** 3,
            "d2_a1_b1_mmdt": e2[1][1] / e2[1][0] ** 3,
            "d2_a1_b2_mmdt": e2[1][1] / e2[2][0] ** 1.5,
            "m2_b1_mmdt": e2[1][2] / e2[1][0],
            "m2_b2_mmdt": e2[2][2] / e2[2][0],
            "n2_b1_mmdt": e2[1][3] / e2[1][0] ** 2,
            "n2_b2_mmdt": e2[2][3] / e2[2][0] ** 2,
        }
        for name, value in expected.items():
            np.testing.assert_allclose(table[name][i], value, rtol=1e-5, err_msg=f"{name}, jet {i}")


def test_generalized_d2_agrees_with_fastjet_contrib(jets, table):
    import awkward as ak

    real = np.any(jets[:-1] != 0, axis=-1)
    flat = jets[:-1][real].astype(np.float64)
    events = ak.unflatten(
        ak.zip({"px": flat[:, 1], "py": flat[:, 2], "pz": flat[:, 3], "E": flat[:, 0]}), real.sum(1)
    )
    jetdef = fastjet.JetDefinition(fastjet.cambridge_algorithm, 1000.0)
    groomed = fastjet.ClusterSequence(events, jetdef).exclusive_jets_softdrop_grooming(
        njets=1, beta=0.0, symmetry_cut=0.1, R0=R0
    )
    cs = fastjet.ClusterSequence(groomed.constituents, jetdef)
    contrib = np.asarray(
        cs.exclusive_jets_energy_correlator(njets=1, func="generalizedd2", alpha=1, beta=2)
    )
    ok = np.isfinite(contrib)  # contrib gives NaN for one-constituent groomed jets
    np.testing.assert_allclose(table["d2_a1_b2_mmdt"][:-1][ok], contrib[ok], rtol=1e-6)
    contrib_d2 = np.asarray(cs.exclusive_jets_energy_correlator(njets=1, func="d2", beta=1))
    np.testing.assert_allclose(table["d2_b1_mmdt"][:-1][ok], contrib_d2[ok], rtol=1e-6)


def test_zlogz_and_multiplicity(jets, table):
    for i in range(len(jets) - 1):
        real = jets[i][np.any(jets[i] != 0, axis=1)].astype(np.float64)
        pt = np.hypot(real[:, 1], real[:, 2])
        z = pt / pt.sum()
        np.testing.assert_allclose(table["zlogz"][i], np.sum(z * np.log(z)), rtol=1e-9, atol=1e-12)
        assert table["multiplicity"][i] == len(real)


def test_small_and_empty_jets_give_zeros_without_warnings(jets, table):
    # A jet whose constituents run along the beam: constituents but zero total pT.
    beam = np.zeros((1, *jets.shape[1:]), dtype=np.float32)
    beam[0, :2] = [[10, 0, 0, 10], [5, 0, 0, -5]]
    X = np.concatenate([jets, beam])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = Substructure().fit(X).transform(X)
    assert np.isfinite(out).all()
    along_beam = dict(zip(SUBSTRUCTURE_FEATURES, out[-1]))
    assert along_beam.pop("multiplicity") == 2
    assert all(value == 0.0 for value in along_beam.values()), along_beam
    out = out[:-1]
    expected = np.stack([table[name] for name in SUBSTRUCTURE_FEATURES], axis=1)
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    np.testing.assert_array_equal(out[-1], 0.0)  # no constituents
    one = dict(zip(SUBSTRUCTURE_FEATURES, out[-2]))
    assert one["multiplicity"] == 1
    assert one["tau1"] == one["tau21"] == one["c2_b1_mmdt"] == one["d2_b2_mmdt"] == 0.0
    two = dict(zip(SUBSTRUCTURE_FEATURES, out[-3]))
    assert two["tau1"] > 0 and two["tau2"] == two["tau3"] == two["tau32"] == 0.0


def test_prongs_order_nsubjettiness(jets, table):
    prongs = np.arange(len(jets) - 3) % 3 + 1
    tau21, tau32 = table["tau21"][:-3], table["tau32"][:-3]
    assert np.median(tau21[prongs == 2]) < np.median(tau21[prongs == 1])
    assert np.median(tau32[prongs == 3]) < np.median(tau32[prongs == 2])


def test_wta_axes_and_beta_change_values():
    X = boosted_jets(12)
    kt = Substructure(features=("tau2",)).fit_transform(X)
    wta = Substructure(features=("tau2",), axes="wta_kt").fit_transform(X)
    beta2 = Substructure(features=("tau2",), nsubjettiness_beta=2.0).fit_transform(X)
    assert np.all(wta > 0) and not np.allclose(kt, wta)
    assert not np.allclose(kt, beta2)


def test_batches_give_same_result(monkeypatch, jets):
    from skjet.features import _substructure

    whole = Substructure().fit(jets).transform(jets)
    monkeypatch.setattr(_substructure, "_BATCH", 7)
    np.testing.assert_allclose(Substructure().fit(jets).transform(jets), whole, rtol=1e-12)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"features": ("tau1", "tau4")}, r"unknown feature\(s\) \['tau4'\]"),
        ({"radius": 0.0}, r"'radius' parameter of Substructure must be a float in the range \(0"),
        ({"radius": np.inf}, "'radius' parameter"),
        ({"soft_drop_zcut": 1.5}, r"'soft_drop_zcut' parameter .* range \[0.0, 1.0\)"),
        ({"soft_drop_beta": -1.0}, "'soft_drop_beta' parameter"),
        ({"nsubjettiness_beta": np.nan}, "'nsubjettiness_beta' parameter"),
        ({"axes": "anti_kt"}, r"'axes' parameter .* among \{"),
        ({"features": "tau4"}, "'features' parameter"),
    ],
)
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        Substructure(**params).fit(boosted_jets(3))


def test_missing_fastjet_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "fastjet", None)
    with pytest.raises(ImportError, match=r"skjet\[generate\]"):
        Substructure().fit(boosted_jets(3))


def test_top_jets_have_lower_tau32_than_qcd(top_qcd_sample):
    sub = Substructure(features=("tau21", "tau32", "mass_mmdt"))
    out = sub.fit_transform(top_qcd_sample.constituents)
    is_top = np.asarray(top_qcd_sample.target) == "top"
    assert np.median(out[is_top, 1]) < np.median(out[~is_top, 1])
    assert np.median(out[is_top, 2]) > np.median(out[~is_top, 2])


def test_five_classes_have_hls4ml_like_features(five_class_sample):
    sub = Substructure(features="hls4ml")
    out = sub.fit_transform(five_class_sample.constituents)
    target = np.asarray(five_class_sample.target)
    frame = dict(zip(HLS4ML_FEATURES, out.T))
    tau21 = Substructure(features=("tau21",)).fit_transform(five_class_sample.constituents)[:, 0]
    light = np.isin(target, ["q", "g"])
    assert np.median(tau21[target == "w"]) < np.median(tau21[light])
    # Ranges of the hls4ml table (the hls4ml exercise): c1_b0 in (0, 0.5), zlogz in about [-5, 0].
    assert np.all((frame["c1_b0_mmdt"] >= 0) & (frame["c1_b0_mmdt"] < 0.5))
    assert np.all((frame["zlogz"] > -6) & (frame["zlogz"] <= 0))
    assert 40 < np.median(frame["mass_mmdt"][target == "w"]) < 110
    assert 1.0 < np.median(frame["d2_b1_mmdt"]) < 3.0
